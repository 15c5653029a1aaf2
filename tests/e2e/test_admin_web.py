"""The admin web pages in a real browser (Playwright with Debian's Chromium), on figures of
real conversations: clients talk to the real Rasa, action server and front end through
our fake Telegram server; then an administrator logs in, reads the dashboard, classifies
three misunderstood messages, and a model trained on the result understands them.

Screenshots of the dashboard and the review page go to var/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, text

from bot.config import ROOT
from bot.pseudonym import sender_id
from tests.conftest import free_port

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "var" / "screenshots"
PASSWORD = "een heel lang wachtwoord"
SECRET = "test-secret-key-not-for-production"
# Questions the training data has no example like, with the intent they belong to. The
# content changes all the time, so the test takes the first three that the model in use
# does not understand (and that are not alike, so each is a group of its own).
CANDIDATES = {
    "hoe lang mag ik op vakantie": "ask_obligations",
    "ik wil een cursus nederlands volgen": "ask_help_with_barriers",
    "mag ik een maand naar turkije": "ask_obligations",
    "mag ik naar het buitenland op vakantie": "ask_obligations",
    "ik wil graag een taalcursus doen": "ask_help_with_barriers",
    "hoelang mag ik weg uit nederland": "ask_obligations",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the content the model is trained from, so the test's decisions land in
    its own nlu/review.yml, not in the repository's."""
    root = tmp_path_factory.mktemp("project")
    for folder in ("nlu", "dialogues"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "nlu" / "review.yml").unlink(missing_ok=True)
    (root / "requirements").mkdir()
    shutil.copy2(ROOT / "requirements" / "rasa.lock", root / "requirements" / "rasa.lock")
    return root


@pytest.fixture(scope="module")
def admin_web(database_url, project, var_dir):
    """`python -m bot admin-web` as a real process, and two accounts made with the CLI."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "ADMIN_WEB_PORT": str(port),
           "REVIEW_NLU_FILE": str(project / "nlu" / "review.yml"),
           # a conversation counts as finished at once, so the test's own have an outcome
           "ADMIN_CONVERSATION_IDLE_MINUTES": "0"}
    for name, role in (("anna", "beheerder"), ("carla", "coordinator")):
        made = subprocess.run([sys.executable, "-m", "bot", "admin-user", "add", name, "--role",
                               role], input=PASSWORD + "\n", env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made.stderr
        assert f"Account {name} ({role}) gemaakt." in made.stdout
    log = (var_dir / "admin-web.log").open("ab")
    process = subprocess.Popen([sys.executable, "-m", "bot", "admin-web"], env=env, cwd=ROOT,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{url}/gezond", timeout=1).is_success:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the admin web app did not start; see admin-web.log")
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def browser():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("/usr/bin/chromium is missing (scripts/ensure_envs.sh installs it)")
        pytest.skip("needs Debian's chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


def rasa_parse(url: str, message: str) -> dict:
    from bot import config

    token = (config.rasa_api_token() if hasattr(config, "rasa_api_token")
             else os.environ.get("RASA_API_TOKEN"))
    response = httpx.post(f"{url}/model/parse", json={"text": message},
                          params={"token": token} if token else {}, timeout=60)
    response.raise_for_status()
    return response.json()


def log_in(page, url: str, name: str) -> None:
    page.goto(f"{url}/inloggen")
    page.fill("#naam", name)
    page.fill("#wachtwoord", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/dashboard")


def tiles(page) -> dict[str, str]:
    return {t.get_attribute("data-cijfer"): t.locator(".value").inner_text()
            for t in page.locator("[data-cijfer]").all()}


def dashboard_numbers(page, url: str) -> dict[str, int]:
    page.goto(f"{url}/dashboard?vers=1")
    page.wait_for_selector("body[data-grafieken=klaar]")
    shown = tiles(page)
    numbers = {key: int(shown[key]) for key in ("gesprekken", "berichten", "niet-begrepen",
                                                "mens")}
    for outcome in ("direct", "clarified", "dropped_fallback", "dropped_form"):
        numbers[outcome] = int(page.inner_text(f'[data-afloop="{outcome}"]'))
    review = page.locator('[data-toestemming="review"] td').all_inner_texts()
    numbers["review_yes"], numbers["review_no"] = int(review[0]), int(review[1])
    return numbers


@pytest.fixture(scope="module")
def misunderstood(rasa_url) -> dict[str, str]:
    from bot.admin_web.review import alike

    chosen: dict[str, str] = {}
    for message, intent in CANDIDATES.items():
        if (rasa_parse(rasa_url, message)["intent"]["name"] == "nlu_fallback"
                and not any(alike(message, other) for other in chosen)):
            chosen[message] = intent
        if len(chosen) == 3:
            return chosen
    pytest.fail(f"the model understands too many of {list(CANDIDATES)}: add new candidates")


def converse(bot_api, misunderstood: dict[str, str]) -> dict[str, object]:
    """Five clients; returns the phones that matter."""
    first, second, third = misunderstood
    direct = bot_api.phone()
    direct.send("hallo")
    direct.reply_text()
    direct.send("hoe maak ik bezwaar")
    assert "Bron:" in direct.reply_text()

    clarified = bot_api.phone()  # two misses, says yes to keeping them, then understood
    clarified.send(first)
    assert "begreep ik niet" in clarified.reply_text()
    clarified.send(second)
    _, question = clarified.replies(2)
    assert "Mag ik berichten die ik niet begreep bewaren" in question.text
    clarified.press("Ja, dat mag")
    assert "zonder namen, nummers en adressen" in clarified.reply_text()
    clarified.send("moet ik doorgeven als ik op vakantie ga")
    assert "begreep ik niet" not in clarified.reply_text()

    dropped = bot_api.phone()  # misses, says yes, misses again and leaves
    dropped.send(third)
    dropped.reply_text()
    dropped.send("wat bedoelde mevrouw Jansen daarmee")
    assert "Mag ik berichten" in dropped.replies(2)[-1].text
    dropped.press("Ja, dat mag")
    dropped.reply_text()
    dropped.send("wat bedoelde meneer Pietersen daarmee")
    assert "begreep ik niet" in dropped.reply_text()

    refused = bot_api.phone()  # misses, says no, starts a complaint and leaves half way
    refused.send("www eee rrr")
    refused.reply_text()
    refused.send("rrr eee www ttt")
    assert "Mag ik berichten" in refused.replies(2)[-1].text
    refused.press("Nee, liever niet")
    assert "ik bewaar ze niet" in refused.reply_text()
    refused.send("ik wil een klacht indienen over mijn klantmanager")
    assert "Waar gaat het over?" in refused.replies(2)[-1].text

    person = bot_api.phone()
    person.send("ik wil met een mens praten")
    person.reply_text()
    return {"refused": refused, "dropped": dropped, "clarified": clarified}


@pytest.fixture(scope="module")
def handovers(database_url):
    """Three handovers as the staff desk leaves them in the store (waiting, being handled,
    closed), made directly: the staff desk's own test drives them through Telegram. They
    are removed afterwards, so no other test's staff desk sees (or reminds of) them."""
    from datetime import UTC, datetime, timedelta

    from bot.crypto import Cipher
    from bot.store import Store
    from bot.store.models import Client
    from bot.tickets import Tickets

    store = Store(database_url)
    tickets = Tickets(store, Cipher(SECRET))
    now = datetime.now(UTC)

    def handover(client: str, topic: str, asked: int, claimed: int | None = None,
                 closed: int | None = None) -> int:
        """Times in minutes ago."""
        number = tickets.open(client, topic=topic, gemeente="Voorbeeldstad",
                              summary=f"Onderwerp: {topic}\nNotities: vertrouwelijk {client}",
                              contact_token=None, share_name=False,
                              now=now - timedelta(minutes=asked))
        tickets.mark_posted(number, 1000 + number, now - timedelta(minutes=asked - 1))
        if claimed is not None:
            tickets.claim(number, 5001, "Sanne", now - timedelta(minutes=claimed))
        if closed is not None:
            tickets.close(number, "staff:5001", now - timedelta(minutes=closed))
        return number

    numbers = {"waiting": handover("coordinator-test-1", "besluit", asked=21),
               "handling": handover("coordinator-test-2", "behandeling", asked=50, claimed=39),
               "done": handover("coordinator-test-3", "maatregel", asked=120, claimed=113,
                                closed=83)}
    yield numbers
    with store.sessions.begin() as session:
        for client in session.query(Client).filter(Client.id.like("coordinator-test-%")):
            session.delete(client)


def test_the_coordinator_sees_handovers_and_opens_one_only_with_a_reason(
        admin_web, browser, database_url, handovers):
    """The coordinator sees who handles the handovers and the waiting times, and reads one
    only after saying why. Runs first, so the dashboard test shows handover figures."""
    waiting, handling, done = handovers["waiting"], handovers["handling"], handovers["done"]

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, admin_web, "carla")
    assert page.locator("text=Nakijken").count() == 0  # not for a coordinator
    page.click("text=Overdrachten")
    cells = {n: page.locator(f'tr[data-ticket="{n}"] td').all_inner_texts()[:9]
             for n in (waiting, handling)}
    assert cells[waiting][1:] == ["wacht", "een besluit over de uitkering", "Voorbeeldstad",
                                  cells[waiting][4], "wacht al 20 min", "", "", ""]
    assert cells[handling][1:] == ["opgepakt", "hoe de cliënt behandeld is", "Voorbeeldstad",
                                   cells[handling][4], "10 min", "Sanne", "39 min", ""]
    assert page.locator(f'tr[data-ticket="{done}"]').count() == 0  # open ones first
    page.screenshot(path=str(SCREENSHOTS / "handovers.png"), full_page=True)
    page.click("text=Afgesloten (90 dagen)")
    closed = page.locator(f'tr[data-ticket="{done}"] td').all_inner_texts()
    assert closed[1] == "afgesloten" and closed[5:9] == ["6 min", "Sanne", "30 min",
                                                           "medewerker"]
    assert "vertrouwelijk" not in page.content()

    page.click("text=Open")
    row = page.locator(f'tr[data-ticket="{waiting}"]')
    row.locator("button").click()  # no reason chosen: the browser does not send it
    assert f"/overdrachten/{waiting}" not in page.url
    row.locator("select[name=reden]").select_option("Kwaliteitscontrole")
    row.locator("button").click()
    page.wait_for_url(re.compile(rf".*/overdrachten/{waiting}$"))
    assert "vertrouwelijk coordinator-test-1" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "handover-opened.png"), full_page=True)
    with create_engine(database_url).connect() as db:
        opened = db.execute(text("select client_id, detail from audit_log where actor = "
                                 "'admin:carla' and action = 'handover_opened'")).all()
    assert opened == [("coordinator-test-1", f"ticket {waiting}: Kwaliteitscontrole")]
    page.goto(f"{admin_web}/overdrachten/{handling}")  # never opened: not readable
    assert f"/overdrachten/{handling}" not in page.url and "vertrouwelijk" not in page.content()
    context.close()


def test_dashboard_review_and_training_through_the_browser(
        bot_api, frontend, rasa_url, database_url, admin_web, browser, project, monkeypatch,
        misunderstood, handovers):
    started = time.monotonic()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    assert page.goto(f"{admin_web}/dashboard").url.endswith("/inloggen")
    log_in(page, admin_web, "anna")
    before = dashboard_numbers(page, admin_web)

    phones = converse(bot_api, misunderstood)

    after = dashboard_numbers(page, admin_web)
    change = {key: after[key] - before[key] for key in after}
    assert change == {"gesprekken": 5, "berichten": 15, "niet-begrepen": 7, "mens": 1,
                      "direct": 2, "clarified": 1, "dropped_fallback": 1, "dropped_form": 1,
                      "review_yes": 2, "review_no": 1}
    html = page.content()
    # no client text on the dashboard
    assert not any(m in html for m in misunderstood) and "daarmee" not in html
    assert page.locator("canvas").count() == 7
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    # the review page: only consented messages, masked, alike ones grouped
    page.click("text=Nakijken")
    page.wait_for_url(f"{admin_web}/nakijken")
    body = page.inner_text("main")
    for message in misunderstood:
        assert message in body
    assert "wat bedoelde mevrouw [naam] daarmee" in body  # masked before it was stored
    assert "Jansen" not in body and "Pietersen" not in body
    assert "www eee rrr" not in body  # that client said no
    names = page.locator("form.group", has_text="wat bedoelde mevrouw")
    assert names.locator("input[name=bericht]").count() == 2  # grouped as alike
    page.screenshot(path=str(SCREENSHOTS / "review.png"), full_page=True)

    for message, intent in misunderstood.items():
        group = page.locator("form.group", has_text=message)
        assert group.locator("input[name=bericht]").count() == 1
        group.locator("select[name=onderwerp]").select_option(intent)
        group.locator("button[value=onderwerp]").click()
        page.wait_for_selector(".flash.ok")
        assert "1 voorbeeld(en) toegevoegd" in page.inner_text(".flash")
    names.locator("button[value=weg]").click()  # nothing to learn from: not used
    page.wait_for_selector(".flash.ok")
    assert "Er is niets om na te kijken" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "review-done.png"), full_page=True)

    written = yaml.safe_load((project / "nlu" / "review.yml").read_text())
    examples = {b["intent"]: b["examples"].splitlines() for b in written["nlu"]}
    expected: dict[str, list[str]] = {}
    for message, intent in misunderstood.items():
        expected.setdefault(intent, []).append(f"- {message}")
    assert examples == expected
    with create_engine(database_url).connect() as db:
        audited = db.execute(text("select action, client_id from audit_log where actor = "
                                  "'admin:anna' and action like 'review_%'")).all()
    decided = {client for action, client in audited if action == "review_decided"}
    dropped_id = sender_id(SECRET, f"telegram:{phones['dropped'].chat_id}")
    assert dropped_id in decided and len([a for a in audited if a[0] == "review_decided"]) == 5
    assert {a for a, _ in audited} == {"review_shown", "review_decided"}

    # a client withdraws the consent in /privacy: what was kept of them goes at once
    clarified = phones["clarified"]
    clarified.send("/privacy")
    shown = clarified.replies(5)
    assert any("Onbegrepen berichten bewaren: AAN" in m.text for m in shown)
    clarified.press("Zet uit en wis ze")
    assert "Onbegrepen berichten bewaren staat nu uit. Ik heb ze gewist (2)." in (
        clarified.reply_text())
    with create_engine(database_url).connect() as db:
        kept = db.execute(text("select count(*) from review_items where client_id = :c"),
                          {"c": sender_id(SECRET, f"telegram:{clarified.chat_id}")}).scalar()
    assert kept == 0

    context.close()

    # train on the decisions, start a fresh Rasa on the new model: it understands them
    import bot.training as training
    from bot.launcher import start_rasa, wait_until_up

    monkeypatch.setattr(training, "ROOT", project)
    monkeypatch.setattr(training, "MODELS", project / "models")
    model = training.ensure_model()
    fresh = start_rasa(model, free_port(), "http://127.0.0.1:9")
    try:
        wait_until_up(fresh)
        for message, intent in misunderstood.items():
            parsed = rasa_parse(fresh.url, message)
            assert parsed["intent"]["name"] == intent, parsed["intent_ranking"][:3]
            assert parsed["intent"]["confidence"] > 0.5
    finally:
        fresh.stop()
    print(f"\nadmin web e2e: {time.monotonic() - started:.0f} s")
