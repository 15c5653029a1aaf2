"""What the actions share, made once per action server process."""

from __future__ import annotations

from functools import cache

from rasa_sdk import Tracker

from bot import i18n
from bot.client_data import ClientData
from bot.config import Settings
from bot.crypto import Cipher
from bot.deadline_reminders import DeadlineReminders
from bot.meetings import Meetings
from bot.organisations import Organisations
from bot.organisations import Organisations as Gemeenten
from bot.responses import ResponseCatalog
from bot.store import Store
from bot.tickets import Tickets


@cache
def settings() -> Settings:
    return Settings.from_env()


@cache
def store() -> Store:
    return Store(settings().database_url)


@cache
def gemeenten() -> Gemeenten:
    return Gemeenten.load()


@cache
def catalog() -> ResponseCatalog:
    return ResponseCatalog.load()


def language(tracker: Tracker) -> str:
    """The client's language, as the relay sent it with their latest message; text an
    action renders itself (what a consent question said, a card's label) is in it."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    return i18n.choose(metadata.get("language"), default=settings().default_language)


@cache
def client_data() -> ClientData:
    current = settings()
    return ClientData(store(), Cipher(current.secret_key, current.old_secret_keys),
                      current.tracker_db_url)


@cache
def meetings() -> Meetings:
    current = settings()
    return Meetings(store(), Cipher(current.secret_key, current.old_secret_keys))


@cache
def organisations() -> Organisations:
    return Organisations.load()


@cache
def tickets() -> Tickets:
    current = settings()
    return Tickets(store(), Cipher(current.secret_key, current.old_secret_keys))


@cache
def deadline_reminders() -> DeadlineReminders:
    current = settings()
    return DeadlineReminders(store(), Cipher(current.secret_key, current.old_secret_keys))
