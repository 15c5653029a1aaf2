"""The admin web app in-process: login, sessions, CSRF, roles, audit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.admin_web.accounts import Accounts
from bot.admin_web.app import build_app
from bot.admin_web.review import ReviewQueue
from bot.admin_web.settings import AdminSettings
from bot.client_data import ClientData
from bot.config import Settings
from bot.crypto import Cipher
from bot.store import Store
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry
from bot.tickets import Tickets

PASSWORD = "correct paard batterij"


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    settings = Settings.from_env()
    upgrade(settings.database_url)
    store = Store(settings.database_url)
    accounts = Accounts(store)
    accounts.add("anna", PASSWORD, "beheerder")
    accounts.add("carla", PASSWORD, "coordinator")
    admin = AdminSettings(secure_cookies=True, review_file=tmp_path / "nlu" / "review.yml")
    return settings, admin, store


@pytest.fixture
async def client(world):
    settings, admin, store = world
    server = TestServer(build_app(settings, admin, store), host="127.0.0.1")
    await server.start_server()
    # the session cookie is Secure: the jar sends it to this loopback origin, as browsers do
    jar = CookieJar(unsafe=True, treat_as_secure_origin=[str(server.make_url("/").origin())])
    async with TestClient(server, cookie_jar=jar) as test_client:
        yield test_client


def token(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html)[1]


async def log_in(client, name="anna", password=PASSWORD):
    page = await (await client.get("/inloggen")).text()
    return await client.post("/inloggen", data={"naam": name, "wachtwoord": password,
                                                "csrf": token(page)}, allow_redirects=False)


def audit(store) -> list[tuple[str, str, str | None, str]]:
    with store.session() as session:
        return [tuple(r) for r in session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.client_id, AuditEntry.detail)
            .order_by(AuditEntry.id))]


async def test_pages_need_a_login_and_the_cookie_is_locked_down(client, world):
    response = await client.get("/dashboard", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/inloggen"
    response = await log_in(client)
    assert response.status == 303 and response.headers["Location"] == "/dashboard"
    cookie = response.headers["Set-Cookie"]
    assert "beheer_sessie=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "SameSite=Strict" in cookie
    page = await client.get("/dashboard")
    assert page.status == 200
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    assert ("admin:anna", "admin_login", None, "beheerder") in audit(world[2])


async def test_a_wrong_password_fails_and_five_lock_the_account(client, world):
    assert (await log_in(client, password="fout")).status == 401
    for _ in range(4):
        await log_in(client, password="fout")
    assert (await log_in(client)).status == 401  # locked, even with the right password
    assert audit(world[2])[-1][:2] == ("admin:anna", "admin_login_failed")
    accounts = Accounts(world[2])
    later = datetime.now(UTC) + timedelta(minutes=16)
    assert accounts.verify("anna", PASSWORD, now=later) is not None


async def test_a_post_without_the_sessions_token_or_from_another_site_is_refused(client):
    await log_in(client)
    response = await client.post("/nakijken", data={"bericht": "1", "besluit": "weg",
                                                    "csrf": "geraden"})
    assert response.status == 403
    page = await (await client.get("/nakijken")).text()
    response = await client.post("/nakijken", data={"bericht": "1", "besluit": "weg",
                                                    "csrf": token(page)},
                                 headers={"Origin": "https://evil.example"})
    assert response.status == 403
    response = await client.post("/uitloggen", data={"csrf": token(page)},
                                 allow_redirects=False)
    assert response.status == 303
    assert (await client.get("/dashboard", allow_redirects=False)).status == 303


async def test_roles_decide_the_pages(client):
    await log_in(client, "carla")
    assert (await client.get("/nakijken")).status == 403
    assert (await client.get("/overdrachten")).status == 200
    dashboard = await (await client.get("/dashboard")).text()
    assert 'href="/nakijken"' not in dashboard


async def test_a_review_decision_through_the_page(client, world):
    settings, admin, store = world
    cipher = Cipher(settings.secret_key)
    ClientData(store, cipher, "sqlite://").record_consent(
        "c1", "review", True, version="v", text_shown="?", language="nl", method="button")
    ReviewQueue(store, cipher, admin.review_file).add("c1", [
        {"text": "mag ik mijn auto houden", "message_id": "m1", "timestamp": 1.0,
         "parse_data": {"intent": {"name": "nlu_fallback"}, "intent_ranking": []}}])
    await log_in(client)
    page = await (await client.get("/nakijken")).text()
    assert "mag ik mijn auto houden" in page
    item = re.search(r'name="bericht" value="(\d+)"', page)[1]
    response = await client.post("/nakijken", data={"bericht": item, "besluit": "onderwerp",
                                                    "onderwerp": "ask_rights_overview",
                                                    "csrf": token(page)})
    page = await response.text()
    assert "1 voorbeeld(en) toegevoegd" in page and "Er is niets om na te kijken" in page
    assert "mag ik mijn auto houden" in admin.review_file.read_text()
    actions = [a[1] for a in audit(store)]
    assert actions.count("review_shown") == 1 and "review_decided" in actions


async def test_a_handover_is_listed_without_content_and_opening_it_is_audited(client, world):
    settings, _, store = world
    tickets = Tickets(store, Cipher(settings.secret_key))
    number = tickets.open("c9", topic="behandeling", gemeente="Voorbeeldstad",
                          summary="Geheime samenvatting", contact_token=None, share_name=False,
                          now=datetime.now(UTC) - timedelta(minutes=20))
    await log_in(client, "carla")
    overview = await (await client.get("/overdrachten")).text()
    assert "hoe de cliënt behandeld is" in overview and "wacht al 20 min" in overview
    assert "Geheime samenvatting" not in overview
    assert (await client.get(f"/overdrachten/{number}", allow_redirects=False)).status == 303
    response = await client.post(f"/overdrachten/{number}/openen",
                                 data={"reden": "Kwaliteitscontrole", "csrf": token(overview)})
    assert "Geheime samenvatting" in await response.text()
    assert ("admin:carla", "handover_opened", "c9",
            f"ticket {number}: Kwaliteitscontrole") in audit(store)


async def test_a_request_in_between_does_not_spoil_the_login_form(client):
    """Browsers fetch /favicon.ico, or another tab asks for a page, between showing the
    login form and posting it: the form's token must still be good."""
    page = await (await client.get("/inloggen")).text()
    await client.get("/favicon.ico")
    await client.get("/nakijken", allow_redirects=False)
    response = await client.post("/inloggen", data={"naam": "anna", "wachtwoord": PASSWORD,
                                                    "csrf": token(page)},
                                 allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/dashboard"
