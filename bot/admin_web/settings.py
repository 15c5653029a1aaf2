"""Settings of the admin web app, from the environment (README lists them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bot.config import ROOT


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "nee", "off", "uit")


@dataclass(frozen=True)
class AdminSettings:
    enabled: bool = False  # ADMIN_WEB: also start it with `python -m bot run`/`frontend`
    host: str = "127.0.0.1"  # ADMIN_WEB_HOST: loopback unless set
    port: int = 8090  # ADMIN_WEB_PORT
    secure_cookies: bool = True  # ADMIN_WEB_SECURE_COOKIES: 0 only for plain http off loopback
    session_hours: float = 8  # ADMIN_WEB_SESSION_HOURS: a login lasts at most this long
    idle_minutes: float = 30  # ADMIN_WEB_IDLE_MINUTES: logged out after this long unused
    # a conversation counts as finished (for its outcome) after this long without a message
    conversation_idle_minutes: float = 60  # ADMIN_CONVERSATION_IDLE_MINUTES
    review_consent: bool = True  # REVIEW_CONSENT=0: never ask, keep nothing for review
    review_file: Path = ROOT / "nlu" / "review.yml"  # REVIEW_NLU_FILE

    @classmethod
    def from_env(cls) -> AdminSettings:
        env = os.environ
        return cls(
            enabled=_flag(env.get("ADMIN_WEB"), False),
            host=env.get("ADMIN_WEB_HOST") or "127.0.0.1",
            port=int(env.get("ADMIN_WEB_PORT") or 8090),
            secure_cookies=_flag(env.get("ADMIN_WEB_SECURE_COOKIES"), True),
            session_hours=float(env.get("ADMIN_WEB_SESSION_HOURS") or 8),
            idle_minutes=float(env.get("ADMIN_WEB_IDLE_MINUTES") or 30),
            conversation_idle_minutes=float(env.get("ADMIN_CONVERSATION_IDLE_MINUTES") or 60),
            review_consent=_flag(env.get("REVIEW_CONSENT"), True),
            review_file=Path(env.get("REVIEW_NLU_FILE") or ROOT / "nlu" / "review.yml"),
        )
