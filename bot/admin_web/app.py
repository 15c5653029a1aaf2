"""The admin web app on aiohttp.web: server-rendered Jinja2 pages, Chart.js for charts.

Security: a login per person (bot.admin_web.accounts); the session is an encrypted
cookie (aiohttp-session's EncryptedCookieStorage, key derived from SECRET_KEY) that is
HttpOnly, SameSite=Strict and Secure, lasts at most ADMIN_WEB_SESSION_HOURS and ends after
ADMIN_WEB_IDLE_MINUTES unused; it is renewed at login (no session fixation). Every POST
carries the session's CSRF token (a hidden form field, compared in constant time) and,
when the browser sends one, an Origin of this site. Pages send a strict
Content-Security-Policy (scripts and styles only from /static, no inline script), are not
cached and cannot be framed. Roles: a ``beheerder`` (content administrator) sees the
dashboard, the review queue and the handover overview; a ``coordinator`` of the Steunpunt
sees the dashboard and the handovers, and can open a handover's content (audited).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session
from aiohttp_session import setup as setup_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from markupsafe import Markup
from sqlalchemy import select

from bot.admin_web import figures
from bot.admin_web.accounts import Account, Accounts
from bot.admin_web.review import (
    OUT_OF_SCOPE,
    ReviewQueue,
    fallback_threshold,
    group,
    intents,
    label,
)
from bot.admin_web.settings import AdminSettings
from bot.config import ROOT, Settings
from bot.crypto import Cipher
from bot.store import Store
from bot.store.models import AuditEntry, Ticket
from bot.tickets import Tickets

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TZ = ZoneInfo("Europe/Amsterdam")
PERIODS = (7, 30, 90)
CACHE_SECONDS = 30
OPEN_TICKET_MINUTES = 15  # how long an opened handover stays readable without opening again
OPEN_REASONS = ("Vraag of klacht van de cliënt", "Kwaliteitscontrole",
                "Overdracht aan een collega", "Melding of incident")
STATUS_LABELS = {"waiting": "wacht", "claimed": "opgepakt", "closed": "afgesloten"}
CLOSED_BY_LABELS = {"client": "cliënt", "system": "systeem"}
ROLE_LABELS = {"beheerder": "beheerder", "coordinator": "coördinator"}
REASON_LABELS = {"unsure": "te onzeker", "no_answer": "geen passend antwoord"}

ACCOUNTS = web.AppKey("accounts", Accounts)
STORE = web.AppKey("store", Store)
REVIEW = web.AppKey("review", ReviewQueue)
TICKETS = web.AppKey("tickets", Tickets)
SETTINGS = web.AppKey("settings", Settings)
ADMIN = web.AppKey("admin", AdminSettings)
CACHE = web.AppKey("cache", dict)
ACCOUNT = web.RequestKey("account", Account)

PUBLIC = ("/inloggen", "/static/", "/gezond", "/favicon.ico")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def session_key(secret: str) -> bytes:
    """The cookie key (32 raw bytes), derived from SECRET_KEY for this purpose only."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"clientassistent",
                info=b"admin-web-session").derive(secret.encode())


# -- middlewares ------------------------------------------------------------------------------


def _headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on forms
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        _headers(request, error)
        raise
    _headers(request, response)
    return response


@web.middleware
async def authentication(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every page but the login needs a live session of an active account."""
    if request.path.startswith(PUBLIC):
        return await handler(request)
    session = await get_session(request)
    admin = request.app[ADMIN]
    account = None
    if (account_id := session.get("account")) is not None:
        idle = time.time() - session.get("seen", 0)
        if idle <= admin.idle_minutes * 60:
            account = await asyncio.to_thread(request.app[ACCOUNTS].get, account_id)
    if account is None:
        # logged out (or never in); the CSRF token stays, so a login form in another tab
        # (or the browser's own request for /favicon.ico) does not break the next login
        session.pop("account", None)
        session.pop("seen", None)
        if request.method == "GET":
            raise web.HTTPSeeOther("/inloggen")
        raise web.HTTPForbidden(text="Je bent niet (meer) ingelogd.")
    session["seen"] = int(time.time())
    request[ACCOUNT] = account
    return await handler(request)


@web.middleware
async def csrf(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every POST carries the session's token; a cross-site Origin is refused."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        origin = request.headers.get("Origin")
        if origin and origin != f"{request.scheme}://{request.host}":
            raise web.HTTPForbidden(text="Verzoek van een andere site geweigerd.")
        session = await get_session(request)
        form = await request.post()
        expected = session.get("csrf")
        given = form.get("csrf")
        if not expected or not isinstance(given, str) or not hmac.compare_digest(expected,
                                                                                  given):
            raise web.HTTPForbidden(text="Het formulier is verlopen. Laad de pagina opnieuw.")
    return await handler(request)


def csrf_token(session: Any) -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def require(request: web.Request, *roles: str) -> Account:
    account: Account = request[ACCOUNT]
    if account.role not in roles:
        raise web.HTTPForbidden(text="Deze pagina is niet voor jouw rol.")
    return account


def actor(account: Account) -> str:
    return f"admin:{account.name}"


async def page(request: web.Request, template: str, **context: Any) -> web.Response:
    session = await get_session(request)
    context.setdefault("account", request.get(ACCOUNT))
    context["csrf"] = csrf_token(session)
    context["flash"] = session.pop("flash", None)
    context["role_labels"] = ROLE_LABELS
    context["path"] = request.path
    return aiohttp_jinja2.render_template(template, request, context)


async def flash(request: web.Request, message: str, kind: str = "ok") -> None:
    session = await get_session(request)
    session["flash"] = {"text": message, "kind": kind}


# -- login ------------------------------------------------------------------------------------


async def login_page(request: web.Request) -> web.Response:
    return await page(request, "login.html", account=None, error=None)


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    name, password = str(form.get("naam", "")).strip(), str(form.get("wachtwoord", ""))
    account = await asyncio.to_thread(request.app[ACCOUNTS].verify, name, password)
    if account is None:
        response = await page(request, "login.html", account=None,
                              error="Naam of wachtwoord klopt niet. Na vijf keer mis gaat "
                                    "het account een kwartier op slot.")
        response.set_status(401)
        return response
    session = await new_session(request)  # a fresh session id at login
    session["account"] = account.id
    session["seen"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(32)
    raise web.HTTPSeeOther("/dashboard")


async def logout(request: web.Request) -> web.Response:
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPSeeOther("/inloggen")


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def home(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/dashboard")


# -- dashboard --------------------------------------------------------------------------------


def _json_for_script(value: Any) -> Markup:
    """JSON to put inside <script type="application/json">: no way to close the tag."""
    text = json.dumps(value, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e")
                  .replace("&", "\\u0026"))


async def dashboard(request: web.Request) -> web.Response:
    try:
        days = int(request.query.get("dagen", "30"))
    except ValueError:
        days = 30
    days = days if days in PERIODS else 30
    app = request.app
    cache = app[CACHE]
    cached = cache.get(days)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS and "vers" not in request.query:
        data = cached[1]
    else:
        data = await asyncio.to_thread(
            figures.dashboard, app[STORE], app[SETTINGS].tracker_db_url, days,
            idle=timedelta(minutes=app[ADMIN].conversation_idle_minutes),
            default_language=app[SETTINGS].default_language)
        cache[days] = (time.monotonic(), data)
    topics = [{"intent": name, "label": label(name), "count": count}
              for name, count in data["topics"]]
    chart_data = {**data, "topics": topics}
    return await page(request, "dashboard.html", data=data, topics=topics, days=days,
                      periods=PERIODS, figures_json=_json_for_script(chart_data),
                      idle_minutes=app[ADMIN].conversation_idle_minutes,
                      purpose_labels=PURPOSE_LABELS, language_labels=LANGUAGE_LABELS)


PURPOSE_LABELS = {"notes": "Notities bewaren", "reminders": "Herinneringen",
                  "sharing": "Delen met het Steunpunt", "review": "Onbegrepen berichten bewaren"}
LANGUAGE_LABELS = {"nl": "Nederlands", "en": "Engels", "ar": "Arabisch", "tr": "Turks",
                   "pl": "Pools", "uk": "Oekraïens", "ti": "Tigrinya", "so": "Somalisch"}


# -- review queue -----------------------------------------------------------------------------


async def review_page(request: web.Request) -> web.Response:
    account = require(request, "beheerder")
    queue = request.app[REVIEW]
    items = await asyncio.to_thread(queue.open_items, actor(account))
    groups = group(items)
    options = intents()
    labels = {i.name: i.label for i in options} | {OUT_OF_SCOPE: label(OUT_OF_SCOPE)}
    decided = await asyncio.to_thread(queue.decided)
    return await page(request, "review.html", groups=groups, intents=options, labels=labels,
                      threshold=fallback_threshold(), reason_labels=REASON_LABELS,
                      decided=decided, model_state=_model_state(queue.review_file),
                      out_of_scope=OUT_OF_SCOPE, count=len(items))


def _model_state(review_file: Path) -> str | None:
    """Whether the newest model is older than the newest review decision."""
    from bot.training import latest_model

    if not review_file.exists() or review_file.parent != ROOT / "nlu":
        return None
    model = latest_model()
    if model is None or model.stat().st_mtime < review_file.stat().st_mtime:
        return "oud"
    return "bij"


async def review_decide(request: web.Request) -> web.Response:
    account = require(request, "beheerder")
    form = await request.post()
    ids = [int(v) for v in form.getall("bericht", []) if str(v).isdigit()]
    choice = str(form.get("besluit", ""))
    known = {i.name for i in intents()}
    if not ids:
        await flash(request, "Kies minstens één bericht.", "fout")
        raise web.HTTPSeeOther("/nakijken")
    if choice == "onderwerp":
        intent = str(form.get("onderwerp", ""))
        if intent not in known:
            await flash(request, "Kies eerst een onderwerp in de lijst.", "fout")
            raise web.HTTPSeeOther("/nakijken")
    elif choice == "buiten":
        intent = OUT_OF_SCOPE
    elif choice == "weg":
        intent = None
    else:
        raise web.HTTPBadRequest(text="Onbekend besluit.")
    decision = await asyncio.to_thread(request.app[REVIEW].decide, ids, intent, actor(account))
    if intent is None:
        message = f"{len(ids)} bericht(en) niet gebruikt; ze zijn uit de lijst."
    else:
        message = (f"{len(decision.written)} voorbeeld(en) toegevoegd aan "
                   f"‘{label(intent)}’. Ze werken na de volgende training.")
        if decision.known:
            message += f" {len(decision.known)} stond(en) er al."
        if decision.conflicts:
            message += (" Niet toegevoegd, want al een voorbeeld van een ander onderwerp: "
                        + "; ".join(f"‘{t}’ ({label(i)})" for t, i in decision.conflicts)
                        + ".")
    await flash(request, message, "fout" if decision.conflicts else "ok")
    raise web.HTTPSeeOther("/nakijken")


# -- handovers --------------------------------------------------------------------------------


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _minutes(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds() / 60))


def _ticket_rows(store: Store, which: str, now: datetime) -> list[dict[str, Any]]:
    from bot.actions.complaint import TOPIC_LABELS

    query = select(Ticket.id, Ticket.status, Ticket.topic, Ticket.gemeente, Ticket.created_at,
                   Ticket.posted_at, Ticket.claimed_at, Ticket.closed_at, Ticket.closed_by,
                   Ticket.claimed_by_name)
    if which == "open":
        query = query.where(Ticket.status.in_(("waiting", "claimed")))
    elif which == "afgesloten":
        query = query.where(Ticket.status == "closed",
                            Ticket.created_at >= now - timedelta(days=90))
    with store.session() as session:
        rows = session.execute(query.order_by(Ticket.id.desc()).limit(500)).all()
    tickets = []
    for (number, status, topic, gemeente, created, posted, claimed, closed, closed_by,
         handler) in rows:
        created, posted, claimed, closed = map(_aware, (created, posted, claimed, closed))
        start = posted or created
        tickets.append({
            "id": number, "status": status, "status_label": STATUS_LABELS.get(status, status),
            "topic": TOPIC_LABELS.get(topic or "", "niet gevraagd"),
            "gemeente": gemeente or "onbekend",
            "created": created.astimezone(TZ),
            "waiting": _minutes(start, claimed or (closed if status == "closed" else now)),
            "still_waiting": status == "waiting",
            "handling": _minutes(claimed, closed or (now if status == "claimed" else None)),
            "handler": handler or "",
            "closed_by": (CLOSED_BY_LABELS.get(closed_by or "", "medewerker")
                          if closed_by else ""),
        })
    return tickets


async def handovers(request: web.Request) -> web.Response:
    account = require(request, "beheerder", "coordinator")
    which = request.query.get("toon", "open")
    which = which if which in ("open", "afgesloten", "alles") else "open"
    now = datetime.now(UTC)
    rows = await asyncio.to_thread(_ticket_rows, request.app[STORE], which, now)
    return await page(request, "handovers.html", tickets=rows, which=which,
                      can_open=account.role == "coordinator", reasons=OPEN_REASONS)


async def handover_open(request: web.Request) -> web.Response:
    """Opening a handover's content: the reason is asked and audited; the content is
    readable for a quarter of an hour in this session, then it has to be opened again."""
    account = require(request, "coordinator")
    number = int(request.match_info["number"])
    form = await request.post()
    reason = str(form.get("reden", ""))
    if reason not in OPEN_REASONS:
        await flash(request, "Kies waarom je de inhoud opent.", "fout")
        raise web.HTTPSeeOther("/overdrachten")
    ticket = await asyncio.to_thread(request.app[TICKETS].get, number)
    if ticket is None:
        raise web.HTTPNotFound(text="Die overdracht bestaat niet (meer).")
    await asyncio.to_thread(_audit, request.app[STORE], actor(account), "handover_opened",
                            ticket.client_id, f"ticket {number}: {reason}")
    session = await get_session(request)
    opened = dict(session.get("opened", {}))
    opened[str(number)] = int(time.time())
    session["opened"] = opened
    raise web.HTTPSeeOther(f"/overdrachten/{number}")


async def handover_detail(request: web.Request) -> web.Response:
    account = require(request, "coordinator")
    number = int(request.match_info["number"])
    session = await get_session(request)
    opened_at = (session.get("opened") or {}).get(str(number))
    if not opened_at or time.time() - opened_at > OPEN_TICKET_MINUTES * 60:
        await flash(request, "Open de inhoud opnieuw; zeg erbij waarom.", "fout")
        raise web.HTTPSeeOther("/overdrachten")
    tickets = request.app[TICKETS]
    ticket = await asyncio.to_thread(tickets.get, number)
    if ticket is None:
        raise web.HTTPNotFound(text="Die overdracht bestaat niet (meer).")
    messages = await asyncio.to_thread(tickets.transcript, number)
    return await page(request, "handover.html", ticket=ticket, messages=messages,
                      status_label=STATUS_LABELS.get(ticket.status, ticket.status),
                      opened=datetime.fromtimestamp(opened_at, TZ), account=account)


def _audit(store: Store, who: str, action: str, client_id: str | None, detail: str) -> None:
    with store.sessions.begin() as session:
        session.add(AuditEntry(actor=who, action=action, client_id=client_id, detail=detail,
                               at=datetime.now(UTC)))


# -- the app ----------------------------------------------------------------------------------


def _local(moment: datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    if moment is None:
        return ""
    return (_aware(moment) or moment).astimezone(TZ).strftime(fmt)


def _number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return text.replace(".", ",") + unit


def build_app(settings: Settings, admin: AdminSettings,
              store: Store | None = None) -> web.Application:
    store = store or Store(settings.database_url)
    cipher = Cipher(settings.secret_key, settings.old_secret_keys)
    app = web.Application(middlewares=[security_headers], client_max_size=256 * 1024)
    setup_session(app, EncryptedCookieStorage(
        session_key(settings.secret_key), cookie_name="beheer_sessie",
        max_age=int(admin.session_hours * 3600), httponly=True, secure=admin.secure_cookies,
        samesite="Strict"))
    app.middlewares.extend([authentication, csrf])
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"),
                         autoescape=True, undefined=jinja2.StrictUndefined,
                         filters={"local": _local, "number": _number})
    app[aiohttp_jinja2.static_root_key] = "/static"
    app[ACCOUNTS] = Accounts(store)
    app[STORE] = store
    app[REVIEW] = ReviewQueue(store, cipher, admin.review_file)
    app[TICKETS] = Tickets(store, cipher)
    app[SETTINGS] = settings
    app[ADMIN] = admin
    app[CACHE] = {}
    app.router.add_get("/", home)
    app.router.add_get("/gezond", health)
    app.router.add_get("/inloggen", login_page)
    app.router.add_post("/inloggen", login)
    app.router.add_post("/uitloggen", logout)
    app.router.add_get("/dashboard", dashboard)
    app.router.add_get("/nakijken", review_page)
    app.router.add_post("/nakijken", review_decide)
    app.router.add_get("/overdrachten", handovers)
    app.router.add_post(r"/overdrachten/{number:\d+}/openen", handover_open)
    app.router.add_get(r"/overdrachten/{number:\d+}", handover_detail)
    app.router.add_static("/static/", HERE / "static", append_version=True)
    return app


async def serve(settings: Settings, admin: AdminSettings,
                stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set (or forever)."""
    from bot.store.migrate import upgrade

    await asyncio.to_thread(upgrade, settings.database_url)
    runner = web.AppRunner(build_app(settings, admin), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, admin.host, admin.port)
    await site.start()
    print(f"Beheerpagina's: http://{admin.host}:{admin.port}/", flush=True)
    log.info("Admin web on %s:%s", admin.host, admin.port)
    try:
        await (stop.wait() if stop else asyncio.Event().wait())
    finally:
        await runner.cleanup()
