"""Logging for every process: to var/log/<process>.log, without personal data.

Our own code logs pseudonymous ids and event kinds only. Libraries that would log request
URLs (which contain the bot token) or payloads are held at WARNING.
"""

import logging
import sys

from bot.config import VAR

QUIET_LIBRARIES = ("httpx", "httpcore", "telegram", "apscheduler", "sanic", "aiohttp",
                   "rasa_sdk", "sqlalchemy", "alembic")


class LeaveOutReceivedData(logging.Filter):
    """python-telegram-bot logs an update it could not read in full (a client's text, name
    and chat id): keep the line, leave the data out."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if record.name.startswith("telegram") and "Received data was" in message:
            record.msg = message.split("Received data was")[0] + "(the data is left out)"
            record.args = ()
        return True


def setup_logging(process: str) -> None:
    logs = VAR / "log"
    logs.mkdir(parents=True, exist_ok=True)
    handlers: list[logging.Handler] = [logging.FileHandler(logs / f"{process}.log")]
    if process in ("actions", "frontend"):
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.addFilter(LeaveOutReceivedData())
    logging.basicConfig(level=logging.INFO, handlers=handlers,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
