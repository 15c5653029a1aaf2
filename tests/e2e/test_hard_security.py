"""Security checks: the webhook only with its secret (and a replay changes nothing), Rasa's
HTTP API only with its token, staff-only actions refused and audited when a client tries
them, and no personal data in any log or process output of the hard tests.

Personal data in the hard tests is marked so it can be looked for: chat and user ids are
88xxxxxxxx, clients are called Xandriënne, client texts carry "Zwanenveld", staff texts
"Staffelgeheim".
"""

from __future__ import annotations

import asyncio
import json
import re
import stat
import subprocess

import httpx
import pytest
from sqlalchemy import create_engine, text

from bot.config import Settings, rasa_api_token
from bot.pseudonym import sender_id
from bot.rasa_client import RasaClient
from bot.responses import ResponseCatalog
from tests.conftest import free_port
from tests.support.processes import start_frontend

pytestmark = pytest.mark.e2e

SECRET = "hard-S3cret_token-42"
STAFF_CHAT = -100500  # the staff group of test_handover and test_hard_fuzz
STAFF_USER = 5001
CLIENT = 8_800_400_001  # also a member of the staff group, but no staff
PERSONAL = re.compile(r"(?<![0-9A-Za-z])88\d{8}(?![0-9A-Za-z])|Xandriënne|Zwanenveld|"
                      r"Staffelgeheim")


def notice(name: str) -> str:
    return ResponseCatalog.load().render(name).text


def private_update(update_id: int, chat_id: int, words: str) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 1_800_000_000, "text": words,
        "chat": {"id": chat_id, "type": "private", "first_name": "Xandriënne"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Xandriënne"}}}


# -- the webhook -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def webhook(bot_api, rasa_url, database_url):
    port = free_port()
    url = f"http://127.0.0.1:{port}/hard-updates"
    process = start_frontend(bot_api.base_url, rasa_url, database_url, "hard-webhook",
                             TELEGRAM_WEBHOOK_URL=url, TELEGRAM_WEBHOOK_SECRET=SECRET,
                             TELEGRAM_WEBHOOK_PORT=str(port))
    yield url, process
    process.stop()


@pytest.mark.parametrize("headers", [
    {}, {"X-Telegram-Bot-Api-Secret-Token": ""},
    {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
    {"X-Telegram-Bot-Api-Secret-Token": SECRET.lower()},
    {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]},
    {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"},
    {"X-Telegram-Bot-Api-Secret-Token": "s3cr3t-Token_1"},  # another bot's secret
], ids=["none", "empty", "wrong", "case", "prefix", "longer", "other-bot"])
def test_updates_without_exactly_the_secret_are_refused(bot_api, webhook, headers):
    url, _ = webhook
    chat_id = 8_800_400_100 + len(json.dumps(headers))
    response = httpx.post(url, json=private_update(7_000_001, chat_id, "hoi Zwanenveld"),
                          headers=headers, timeout=10)
    assert response.status_code == 403
    assert chat_id not in bot_api.api.chats


def test_the_secret_in_the_url_instead_of_the_header_is_refused(bot_api, webhook):
    url, _ = webhook
    chat_id = 8_800_400_200
    response = httpx.post(url, params={"secret_token": SECRET}, timeout=10,
                          json=private_update(7_000_002, chat_id, "hoi Zwanenveld"))
    assert response.status_code == 403
    assert chat_id not in bot_api.api.chats


def test_a_replayed_update_is_answered_once_and_not_at_all_without_the_secret(bot_api,
                                                                               webhook):
    url, _ = webhook
    phone = bot_api.phone("123:hard-webhook", chat_id=8_800_400_300, first_name="Xandriënne")
    update = bot_api.run(bot_api.api.send_text("123:hard-webhook", phone.chat_id,
                                               "wat doet de ombudsman, Zwanenveld"))
    assert phone.wait_for(lambda: len(phone.bot_messages()) == 1, timeout=20)
    body = json.dumps(update)
    refused = httpx.post(url, content=body, timeout=10,
                         headers={"Content-Type": "application/json"})
    replayed = httpx.post(url, content=body, timeout=10, headers={
        "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert refused.status_code == 403 and replayed.status_code == 200
    # the replay went in; a sentinel in the same chat shows it was handled, and dropped
    bot_api.run(bot_api.api.send_text("123:hard-webhook", phone.chat_id, "/help"))
    assert phone.wait_for(lambda: len(phone.bot_messages()) >= 2, timeout=20)
    assert len(phone.bot_messages()) == 2, [m.text[:40] for m in phone.bot_messages()]


def test_with_the_secret_broken_or_odd_bodies_break_nothing_and_are_not_logged(bot_api,
                                                                               webhook):
    url, process = webhook
    header = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    not_json = httpx.post(url, content=b"Zwanenveld {", timeout=10,
                          headers={**header, "Content-Type": "application/json"})
    wrong_type = httpx.post(url, content=json.dumps(private_update(7_000_003, 8_800_400_400,
                                                                   "Zwanenveld")),
                            headers={**header, "Content-Type": "text/plain"}, timeout=10)
    unreadable = httpx.post(url, json={"update_id": 7_000_004, "message": {
        "chat": {"id": 8_800_400_401, "first_name": "Xandriënne"}, "text": "Zwanenveld"}},
        headers=header, timeout=10)
    assert not_json.status_code >= 400 and wrong_type.status_code == 403
    assert unreadable.status_code == 400
    assert 8_800_400_400 not in bot_api.api.chats
    phone = bot_api.phone("123:hard-webhook", chat_id=8_800_400_402)
    phone.send("wat doet de ombudsman")
    assert "ombudsman" in phone.reply_text().lower()  # still up and serving
    assert process.process.poll() is None
    assert not PERSONAL.search(process.log()), "a refused body reached the log"


# -- Rasa's HTTP API -------------------------------------------------------------------------


@pytest.mark.parametrize("method,path", [
    ("GET", "/conversations/{sender}/tracker"), ("POST", "/conversations/{sender}/messages"),
    ("PUT", "/conversations/{sender}/tracker/events"), ("POST", "/model/parse"),
    ("PUT", "/model"), ("GET", "/status"), ("GET", "/domain"), ("DELETE", "/model"),
])
def test_rasas_http_api_needs_its_token(rasa_url, method, path):
    sender = sender_id(Settings.from_env().pseudonym_key, f"telegram:{CLIENT}")
    url = rasa_url + path.format(sender=sender)
    body = {"text": "Zwanenveld", "sender": "user", "model_file": "/etc/passwd"}
    for params in ({}, {"token": "wrong"}, {"token": ""}):
        response = httpx.request(method, url, params=params, json=body, timeout=30)
        assert response.status_code == 401, (params, response.status_code)


def test_with_the_token_the_api_answers_and_the_rest_channel_needs_none(rasa_url):
    token = rasa_api_token()
    assert httpx.get(f"{rasa_url}/status", params={"token": token}, timeout=30).is_success
    parsed = asyncio.run(_parse(rasa_url))
    assert parsed["intent"]["name"]
    channel = httpx.post(f"{rasa_url}/webhooks/rest/webhook", timeout=60,
                         json={"sender": "hard-security-probe", "message": "hoi"})
    assert channel.is_success and channel.json()


async def _parse(rasa_url: str) -> dict:
    client = RasaClient([rasa_url])
    try:
        return await client.parse("wat doet de ombudsman")
    finally:
        await client.close()


def test_rasa_runs_on_loopback_with_its_token_and_the_local_token_is_private(engine,
                                                                              var_dir):
    rasa = next(p for p in engine.processes if p.name == "rasa")
    arguments = rasa.process.args
    assert arguments[arguments.index("--interface") + 1] == "127.0.0.1"
    assert any(a.startswith("--auth-token=") and len(a) > 30 for a in arguments)
    listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
    port = rasa.url.rsplit(":", 1)[1]
    assert f"127.0.0.1:{port}" in listening and f"0.0.0.0:{port}" not in listening
    token_file = var_dir / "rasa_api_token"
    if token_file.exists():  # generated for local use (no RASA_API_TOKEN set)
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


# -- staff-only actions ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded_desk(bot_api, rasa_url, database_url):
    process = start_frontend(bot_api.base_url, rasa_url, database_url, "guard",
                             STAFF_CHAT_ID=str(STAFF_CHAT), STAFF_USER_IDS=str(STAFF_USER),
                             HANDOVER_CHECK_SECONDS="1")
    yield process
    process.stop()


def audit_rows(database_url: str, since: int) -> list[tuple]:
    with create_engine(database_url).connect() as db:
        return [tuple(r) for r in db.execute(text(
            "select actor, action, client_id, detail from audit_log where id > :i "
            "order by id"), {"i": since})]


def last_audit_id(database_url: str) -> int:
    with create_engine(database_url).connect() as db:
        return db.execute(text("select coalesce(max(id), 0) from audit_log")).scalar()


def ticket_state(database_url: str, ticket: int) -> tuple:
    with create_engine(database_url).connect() as db:
        return tuple(db.execute(text("select status, claimed_by from tickets where id = :t"),
                                {"t": ticket}).one())


def test_staff_actions_by_a_client_are_refused_and_audited(bot_api, guarded_desk,
                                                           database_url):
    client = bot_api.phone("123:guard", chat_id=CLIENT, first_name="Xandriënne")
    in_staff_group = bot_api.phone("123:guard", chat_id=STAFF_CHAT, user_id=CLIENT,
                                   first_name="Xandriënne")
    staff = bot_api.phone("123:guard", chat_id=STAFF_CHAT, user_id=STAFF_USER,
                          first_name="Sanne")
    before = len(staff.chat)  # tickets other tests left open may be in the group too

    def new_ticket():  # type: ignore[no-untyped-def]
        return next((m for m in staff.chat[before:] if m.from_bot and m.buttons
                     and "Nieuwe vraag #" in m.text and "Xandriënne" in m.text), None)

    client.send("ik wil met een echt persoon praten, Zwanenveld")
    client.replies(2)
    client.press("Ja, mijn naam mag")
    client.replies()
    assert staff.wait_for(lambda: new_ticket() is not None, 20)
    posted = new_ticket()
    ticket = int(posted.text.split("#")[1].split()[0])
    claim_data = posted.buttons[0][1]
    client_id = sender_id(Settings.from_env().pseudonym_key, f"telegram:{CLIENT}")
    since = last_audit_id(database_url)

    # 1. the real "Oppakken" data, replayed from the client's own chat
    client.press_data(next(m for m in reversed(client.bot_messages())), claim_data)
    assert client.reply_text() == notice("utter_stale_button")
    # 2. /sluit typed by the client
    client.send("/sluit")
    assert client.reply_text() == notice("utter_unknown_command")
    # 3. the client in the staff group: claim, close and answer
    answers = len(bot_api.api.callback_answers)
    in_staff_group.press("Oppakken", posted)
    assert in_staff_group.wait_for(lambda: len(bot_api.api.callback_answers) > answers)
    assert bot_api.api.callback_answers[-1]["text"] == notice("utter_staff_not_allowed")
    for attempt in ("/sluit", "Ik doe het wel. Staffelgeheim"):
        in_staff_group.send(attempt, reply_to=posted)
        assert in_staff_group.reply_text() == notice("utter_staff_not_allowed")
    # 4. forged data in the staff group
    answers = len(bot_api.api.callback_answers)
    in_staff_group.press_data(posted, "f" * 64)
    assert in_staff_group.wait_for(lambda: len(bot_api.api.callback_answers) > answers)

    assert ticket_state(database_url, ticket) == ("waiting", None)
    assert not any("Staffelgeheim" in m.text for m in client.bot_messages())
    rows = audit_rows(database_url, since)
    assert ("client", "refused_ticket_claim", client_id, f"ticket {ticket}") in rows
    assert ("client", "refused_close", client_id, "") in rows
    for action in ("refused_ticket_claim", "refused_close", "refused_answer"):
        assert (f"user:{CLIENT}", action, None, f"ticket {ticket}") in rows, action

    # real staff still can, which also closes the ticket for the tests after this one
    client.mark()
    staff.press("Oppakken", posted)
    assert staff.wait_for(lambda: "Opgepakt door Sanne" in posted.text)
    staff.press("Afsluiten", posted)
    assert staff.wait_for(lambda: ticket_state(database_url, ticket)[0] == "closed")


# -- personal data in the logs ---------------------------------------------------------------


def test_no_personal_data_in_any_log_or_process_output(var_dir):
    """Every file under var/log: the logs of each process and the output of every process
    the tests started (front ends, Rasa, action servers), after all the hard tests."""
    found = {}
    for path in sorted((var_dir / "log").rglob("*")):
        if path.is_file():
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if match := PERSONAL.search(line):
                    found.setdefault(path.name, []).append((number, match.group()))
    assert found == {}, f"personal data in logs: {found}"
