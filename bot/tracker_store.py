"""Rasa's SQL tracker store, read and erased directly.

Rasa Open Source has no HTTP endpoint to delete a stored conversation (RasaHQ/rasa#10719),
and `PUT /conversations/{id}/tracker/events` only appends. So the conversation log of a
client is exported and erased here, in the `events` table Rasa writes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Engine, MetaData, Table, create_engine, delete, func, inspect, select


@cache
def _engine(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True)


_tables: dict[str, Table] = {}


def _events(url: str) -> Table | None:
    """Rasa's `events` table, reflected once; None until Rasa has created it."""
    if url not in _tables:
        engine = _engine(url)
        if not inspect(engine).has_table("events"):
            return None
        _tables[url] = Table("events", MetaData(), autoload_with=engine)
    return _tables[url]


def conversation_log(url: str, sender_id: str) -> list[dict[str, Any]]:
    """What was said, by whom and when: the client's and the assistant's messages."""
    events = _events(url)
    if events is None:
        return []
    query = (select(events.c.type_name, events.c.timestamp, events.c.data)
             .where(events.c.sender_id == sender_id).order_by(events.c.id))
    with _engine(url).connect() as connection:
        rows = connection.execute(query).all()
    log = []
    for type_name, timestamp, data in rows:
        if type_name in ("user", "bot"):
            text = json.loads(data or "{}").get("text") or ""
            if type_name == "user" and text.startswith("/"):
                text = f"(knop: {text[1:].split('{')[0]})"  # a button press, not typed words
            log.append({"van": "jij" if type_name == "user" else "assistent",
                        "wanneer": datetime.fromtimestamp(timestamp, UTC).isoformat(),
                        "tekst": text})
    return log


def last_activity(url: str, sender_id: str) -> float | None:
    events = _events(url)
    if events is None:
        return None
    with _engine(url).connect() as connection:
        return connection.execute(select(func.max(events.c.timestamp))
                                  .where(events.c.sender_id == sender_id)).scalar()


def erase_conversation(url: str, sender_id: str) -> int:
    """Delete every stored event of this sender; returns how many rows were deleted."""
    events = _events(url)
    if events is None:
        return 0
    with _engine(url).begin() as connection:
        return connection.execute(delete(events).where(events.c.sender_id == sender_id)).rowcount
