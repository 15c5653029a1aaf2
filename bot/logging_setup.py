"""Logging for every process: to var/log/<process>.log, without personal data.

Our own code logs pseudonymous ids and event kinds only. Libraries that would log request
URLs (which contain the bot token) or payloads are held at WARNING.
"""

import logging
import sys

from bot.config import VAR

QUIET_LIBRARIES = ("httpx", "httpcore", "telegram", "apscheduler", "sanic", "aiohttp",
                   "rasa_sdk", "sqlalchemy", "alembic")


def setup_logging(process: str) -> None:
    logs = VAR / "log"
    logs.mkdir(parents=True, exist_ok=True)
    handlers: list[logging.Handler] = [logging.FileHandler(logs / f"{process}.log")]
    if process in ("actions", "frontend"):
        handlers.append(logging.StreamHandler(sys.stderr))
    logging.basicConfig(level=logging.INFO, handlers=handlers,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
