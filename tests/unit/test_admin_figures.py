"""Dashboard figures from Rasa's events table and our store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine

from bot.admin_web.figures import analyse, dashboard, minutes_summary
from bot.client_data import ClientData
from bot.crypto import Cipher
from bot.store import Store
from bot.store.migrate import upgrade
from bot.store.models import Client, Ticket

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


class Talk:
    """Writes rows as Rasa's SQL tracker store does (only the columns the figures read)."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def say(self, sender, at, intent, *actions, loop=None):
        self.rows.append((sender, "user", at.timestamp(), intent, None))
        for name in actions:
            self.rows.append((sender, "action", at.timestamp() + 0.1, None, name))
            if name.endswith("_form"):
                self.rows.append((sender, "active_loop", at.timestamp() + 0.2, None, name))
        if loop == "done":
            self.rows.append((sender, "active_loop", at.timestamp() + 0.3, None, None))
        self.rows.append((sender, "action", at.timestamp() + 0.4, None, "action_listen"))
        return self


def conversations() -> Talk:
    t = Talk()
    start = NOW - timedelta(days=1)
    # a: answered at once
    t.say("a", start, "greet", "utter_greet").say("a", start + timedelta(minutes=1),
                                                   "ask_objection", "utter_ask_objection")
    # b: a fallback, then understood: answered after a clarification
    t.say("b", start, "nlu_fallback", "action_fallback")
    t.say("b", start + timedelta(minutes=1), "ask_prb", "utter_ask_prb")
    # c: ended right after a fallback: a drop-out
    t.say("c", start, "ask_iro", "utter_ask_iro")
    t.say("c", start + timedelta(minutes=1), "nlu_fallback", "action_fallback",
          "action_ask_consent")
    # d: left a form half way: a drop-out; came back two hours later, asked for a person
    t.say("d", start, "file_complaint", "complaint_form")
    t.say("d", start + 2 * HOUR, "human_handoff", "action_handover")
    # e: still talking (last message 10 minutes ago)
    t.say("e", NOW - timedelta(minutes=10), "nlu_fallback", "action_fallback")
    # f: a form finished
    t.say("f", start, "prepare_meeting", "meeting_form", loop="done")
    return t


def test_each_conversation_gets_one_outcome():
    figures = analyse(conversations().rows, NOW, idle=HOUR)
    assert figures.conversations == 7
    assert figures.messages == 10
    assert figures.fallbacks == 3
    assert dict(figures.outcomes) == {"direct": 3, "clarified": 1, "dropped_fallback": 1,
                                      "dropped_form": 1, "ongoing": 1}
    assert figures.asked_person == 1
    assert figures.topics["ask_objection"] == 1 and "greet" not in figures.topics
    assert "nlu_fallback" not in figures.topics


def test_a_new_rasa_session_starts_a_new_conversation():
    t = Talk().say("a", NOW - 3 * HOUR, "nlu_fallback", "action_fallback")
    t.rows.append(("a", "session_started", (NOW - 3 * HOUR).timestamp() + 60, None, None))
    t.say("a", NOW - 3 * HOUR + timedelta(minutes=2), "greet", "utter_greet")
    figures = analyse(t.rows, NOW, idle=HOUR)
    assert dict(figures.outcomes) == {"dropped_fallback": 1, "direct": 1}


def test_minutes_summary():
    assert minutes_summary([]) == {"median": None, "p90": None, "count": 0}
    assert minutes_summary([1, 2, 3, 4, 100]) == {"median": 3, "p90": 100, "count": 5}


@pytest.fixture
def store_and_tracker(database_url, tmp_path):
    """Our store on SQLite and on PostgreSQL; Rasa's events table beside it (in the same
    database on PostgreSQL, as in production; a file of its own on SQLite)."""
    url = database_url
    upgrade(url)
    tracker_url = url if url.startswith("postgresql") else f"sqlite:///{tmp_path / 'tracker.db'}"
    events = Table("events", MetaData(), Column("id", Integer, primary_key=True),
                   Column("sender_id", String(255)), Column("type_name", String(255)),
                   Column("timestamp", Float), Column("intent_name", String(255)),
                   Column("action_name", String(255)), Column("data", Text))
    engine = create_engine(tracker_url)
    events.metadata.create_all(engine)
    with engine.begin() as connection:
        for sender, kind, at, intent, action in conversations().rows:
            connection.execute(events.insert().values(
                sender_id=sender, type_name=kind, timestamp=at, intent_name=intent,
                action_name=action, data=json.dumps({"text": "nooit gelezen"})))
    # an event from before the period is not counted
        connection.execute(events.insert().values(
            sender_id="old", type_name="user", timestamp=(NOW - timedelta(days=60)).timestamp(),
            intent_name="greet"))
    return Store(url), tracker_url


def test_the_dashboard_combines_the_tracker_and_the_store(store_and_tracker):
    store, tracker_url = store_and_tracker
    data = ClientData(store, Cipher("k"), tracker_url)
    with store.sessions.begin() as session:
        for name, language in (("a", "nl"), ("b", "en"), ("c", None), ("d", "nl")):
            session.add(Client(id=name, language=language, last_active_at=NOW - HOUR))
        session.add(Client(id="gone", language="tr", last_active_at=NOW - timedelta(days=40)))
        created = NOW - 5 * HOUR
        session.add(Ticket(client_id="d", status="closed", summary=b"x", created_at=created,
                           posted_at=created + timedelta(minutes=1),
                           claimed_at=created + timedelta(minutes=11),
                           closed_at=created + timedelta(minutes=41)))
        session.add(Ticket(client_id="c", status="waiting", summary=b"x", created_at=created))
        session.add(Ticket(client_id="b", status="closed", summary=b"x", created_at=created,
                           closed_at=created + timedelta(minutes=3), closed_by="client"))
    for client, purpose, granted in (("a", "notes", True), ("b", "notes", False),
                                     ("b", "review", True), ("b", "review", False),
                                     ("c", "review", True)):
        data.record_consent(client, purpose, granted, version="v", text_shown="?",
                            language="nl", method="button")
    figures = dashboard(store, tracker_url, days=30, now=NOW, idle=HOUR)
    totals = figures["totals"]
    assert (totals["conversations"], totals["messages"], totals["fallbacks"]) == (7, 10, 3)
    assert totals["finished"] == 6 and totals["ongoing"] == 1
    assert totals["direct_share"] == 50.0 and totals["dropped_share"] == pytest.approx(33.3)
    assert totals["handovers"] == 3 and totals["asked_person"] == 1
    assert sum(figures["conversations_per_day"]) == 7 and len(figures["days"]) == 30
    assert figures["handovers"]["status"] == {"waiting": 1, "claimed": 0, "closed": 2}
    assert figures["handovers"]["left_waiting"] == 1
    assert figures["handovers"]["waiting_minutes"]["median"] == 10
    assert figures["handovers"]["handling_minutes"]["median"] == 30
    assert figures["consents"]["notes"] == {"granted": 1, "refused": 1, "not_asked": 2}
    assert figures["consents"]["review"] == {"granted": 1, "refused": 1, "not_asked": 2}
    assert dict(figures["languages"]) == {"nl": 3, "en": 1}
    assert "nooit gelezen" not in json.dumps(figures)
