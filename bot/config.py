"""Settings from the environment (see spec/interfaces.md), with local defaults."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("VAR_DIR", ROOT / "var"))


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _secret_key() -> str:
    """SECRET_KEY, or a key generated once into var/ for local use."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR / "secret_key"
    if not path.exists():
        VAR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def rasa_api_token() -> str:
    """The token of Rasa's HTTP API (``--auth-token``): RASA_API_TOKEN, or a token generated
    once into var/ for local use. Without it anyone on the machine could read every
    conversation through the API; the REST channel the front end talks to needs none."""
    if token := os.environ.get("RASA_API_TOKEN"):
        return token
    path = VAR / "rasa_api_token"
    VAR.mkdir(parents=True, exist_ok=True)
    try:  # created readable by us only, and by one process only
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    telegram_token: str | None
    telegram_api_base_url: str | None
    webhook_url: str | None
    webhook_secret: str | None
    webhook_listen: str
    webhook_port: int
    staff_chat_id: int | None
    staff_user_ids: frozenset[int]
    database_url: str
    rasa_urls: list[str]
    action_server_port: int
    secret_key: str
    old_secret_keys: list[str]
    pseudonym_key: str
    default_language: str
    rasa_slow_notice_seconds: float = 4.0
    rasa_timeout_seconds: float = 60.0
    rasa_retry_for_seconds: float = 600.0
    notes_retention_days: float = 365
    history_retention_days: float = 90
    retention_warning_days: float = 7
    retention_check_seconds: float = 3600
    reminder_check_seconds: float = 30
    handover_check_seconds: float = 15
    flood_max_messages: int = 8  # of one chat waiting at once (0: no limit); flood_guard
    flood_quiet_seconds: float = 5

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        staff_chat = env.get("STAFF_CHAT_ID")
        return cls(
            telegram_token=env.get("TELEGRAM_TOKEN") or None,
            telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL") or None,
            webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
            webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
            webhook_port=int(env.get("TELEGRAM_WEBHOOK_PORT", "8443")),
            staff_chat_id=int(staff_chat) if staff_chat else None,
            staff_user_ids=frozenset(int(u) for u in _list(env.get("STAFF_USER_IDS", ""))),
            database_url=env.get("DATABASE_URL") or f"sqlite:///{VAR / 'assistant.db'}",
            rasa_urls=_list(env.get("RASA_URL", "http://127.0.0.1:5005")),
            action_server_port=int(env.get("ACTION_SERVER_PORT", "5055")),
            secret_key=_secret_key(),
            old_secret_keys=_list(env.get("OLD_SECRET_KEYS", "")),
            # Pseudonyms must survive a key rotation: keep PSEUDONYM_KEY at the first key.
            pseudonym_key=env.get("PSEUDONYM_KEY") or _secret_key(),
            default_language=env.get("DEFAULT_LANGUAGE", "nl"),
            rasa_slow_notice_seconds=float(env.get("RASA_SLOW_NOTICE_SECONDS", "4")),
            rasa_timeout_seconds=float(env.get("RASA_TIMEOUT_SECONDS", "60")),
            rasa_retry_for_seconds=float(env.get("RASA_RETRY_FOR_SECONDS", "600")),
            notes_retention_days=float(env.get("NOTES_RETENTION_DAYS", "365")),
            history_retention_days=float(env.get("HISTORY_RETENTION_DAYS", "90")),
            retention_warning_days=float(env.get("RETENTION_WARNING_DAYS", "7")),
            retention_check_seconds=float(env.get("RETENTION_CHECK_SECONDS", "3600")),
            reminder_check_seconds=float(env.get("REMINDER_CHECK_SECONDS", "30")),
            handover_check_seconds=float(env.get("HANDOVER_CHECK_SECONDS", "15")),
            flood_max_messages=int(env.get("FLOOD_MAX_MESSAGES", "8")),
            flood_quiet_seconds=float(env.get("FLOOD_QUIET_SECONDS", "5")),
        )


    @property
    def tracker_db_url(self) -> str:
        """Where Rasa's SQL tracker store keeps conversations (erasure deletes rows there)."""
        if self.database_url.startswith("postgresql"):
            return self.database_url
        return f"sqlite:///{VAR / 'rasa_tracker.db'}"
