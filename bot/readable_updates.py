"""Polling that survives an update python-telegram-bot cannot read.

python-telegram-bot reads a whole getUpdates batch at once. If one update in it does not
fit its model (a field Telegram added or changed, a malformed update), the batch fails,
the same batch is fetched again, and it fails again: no client is answered any more, and
the library logs the raw batch (clients' texts, names and ids) at every attempt. Found by
the fuzzing in tests/e2e/test_hard_fuzz.py.

This request is used for getUpdates only. It checks each update on its own. A client's
message that cannot be read becomes a message without content in the same chat, so the
client hears that the assistant could not read it; any other update that cannot be read
becomes an update with nothing but its id. Either way polling moves past it and every
other update is handled as usual. Only the update id and the kind of error are logged.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)


class ReadableUpdatesRequest(HTTPXRequest):
    async def post(self, *args: Any, **kwargs: Any) -> Any:
        result = await super().post(*args, **kwargs)
        if isinstance(result, list):
            return [readable(raw) for raw in result]
        return result


def readable(raw: Any) -> Any:
    try:
        Update.de_json(raw, None)
    except Exception as error:  # any way the library fails to read it
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if not _is_int(update_id):
            raise  # not an update at all: the library's own handling applies
        log.warning("Update %s could not be read by python-telegram-bot (%s): %s",
                    update_id, type(error).__name__,
                    "answered as a message the assistant cannot read" if
                    (salvaged := _bare_message(raw)) else "skipped")
        return salvaged or {"update_id": update_id}
    return raw


def _bare_message(raw: dict) -> dict | None:
    """A client's message that cannot be read, as a message with no content in the same
    chat: the client is then told it could not be read (never silence)."""
    for kind in ("message", "edited_message"):
        message = raw.get(kind)
        if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
            continue
        chat, sender = message["chat"], message.get("from")
        if not all(_is_int(v) for v in (message.get("message_id"), message.get("date"),
                                        chat.get("id"))) or not isinstance(chat.get("type"), str):
            continue
        bare = {"update_id": raw["update_id"], kind: {
            "message_id": message.get("message_id"), "date": message.get("date"),
            "chat": {"id": chat.get("id"), "type": chat.get("type")}}}
        if kind == "edited_message":
            edited = message.get("edit_date")
            bare[kind]["edit_date"] = edited if _is_int(edited) else message["date"]
        if isinstance(sender, dict) and _is_int(sender.get("id")):
            bare[kind]["from"] = {"id": sender.get("id"), "is_bot": False,
                                  "first_name": str(sender.get("first_name") or "")}
        try:
            Update.de_json(bare, None)
        except Exception:
            return None
        return bare
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
