"""Export and erasure of Rasa's conversation log, on a table shaped like Rasa's `events`
(Rasa 3.6 SQLTrackerStore), on SQLite and PostgreSQL."""

import json

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine

from bot.tracker_store import conversation_log, erase_conversation


def rasa_events_table(url: str) -> Table:
    events = Table("events", MetaData(), Column("id", Integer, primary_key=True),
                   Column("sender_id", String(255)), Column("type_name", String(255)),
                   Column("timestamp", Float), Column("intent_name", String(255)),
                   Column("action_name", String(255)), Column("data", Text))
    engine = create_engine(url)
    events.metadata.create_all(engine)
    rows = [("a", "user", 1.0, {"text": "hoi"}), ("a", "bot", 2.0, {"text": "hallo!"}),
            ("a", "user", 2.5, {"text": '/give_consent{"purpose": "notes"}'}),
            ("a", "action", 3.0, {"name": "action_listen"}), ("b", "user", 4.0, {"text": "x"})]
    with engine.begin() as connection:
        connection.execute(events.insert(), [
            {"sender_id": s, "type_name": t, "timestamp": ts, "data": json.dumps(d)}
            for s, t, ts, d in rows])
    return events


def test_the_log_shows_who_said_what_and_erasure_removes_only_that_sender(database_url):
    rasa_events_table(database_url)
    log = conversation_log(database_url, "a")
    assert [(line["van"], line["tekst"]) for line in log] == [
        ("jij", "hoi"), ("assistent", "hallo!"), ("jij", "(knop: give_consent)")]
    assert erase_conversation(database_url, "a") == 4
    assert conversation_log(database_url, "a") == []
    assert [line["tekst"] for line in conversation_log(database_url, "b")] == ["x"]
