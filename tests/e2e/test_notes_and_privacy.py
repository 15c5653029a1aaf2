"""Consent, notes and the client's control over their data, through the phone."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlalchemy import create_engine, text

from bot.pseudonym import sender_id

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(bot_api, frontend):
    return bot_api.phone()


def pseudonym(phone) -> str:
    return sender_id("test-secret-key-not-for-production", f"telegram:{phone.chat_id}")


def give_note_consent(phone, note: str = "schrijf op dat ik geen avonddiensten kan") -> None:
    phone.send(note)
    [question] = phone.replies()
    assert "Mag ik je notities bewaren?" in question.text
    phone.press("Ja, bewaar ze")


def test_a_typed_note_asks_consent_first_and_is_kept_after_yes(phone, database_url):
    give_note_consent(phone)
    assert 'Opgeschreven: "Ik geen avonddiensten kan"' in phone.reply_text()
    with create_engine(database_url).connect() as db:
        row = db.execute(text("select purpose, granted, text_shown, method from consents "
                              "where client_id = :c"), {"c": pseudonym(phone)}).one()
        bodies = db.execute(text("select body from notes where client_id = :c"),
                            {"c": pseudonym(phone)}).scalars().all()
    assert row[:2] == ("notes", True) and "Mag ik je notities bewaren?" in row[2]
    assert row[3] == "button"
    assert len(bodies) == 1 and b"avonddiensten" not in bytes(bodies[0])


def test_no_to_consent_keeps_nothing(phone, database_url):
    phone.send("noteer dat ik maandag niet kan")
    phone.replies()
    phone.send("nee")
    assert "ik bewaar niets" in phone.reply_text().lower()
    with create_engine(database_url).connect() as db:
        notes = db.execute(text("select count(*) from notes where client_id = :c"),
                           {"c": pseudonym(phone)}).scalar()
        granted = db.execute(text("select granted from consents where client_id = :c"),
                             {"c": pseudonym(phone)}).scalars().all()
    assert notes == 0 and granted == [False]


def test_a_note_by_button_then_view_edit_delete_and_one_message(phone):
    give_note_consent(phone)
    phone.replies()
    phone.press("Nog een notitie")
    assert "Wat wil je opschrijven" in phone.reply_text()
    phone.send("vragen of ik een opleiding tot kok mag doen")
    assert "opleiding tot kok" in phone.reply_text()

    phone.send("laat mijn notities zien")
    replies = phone.replies(4)
    assert replies[0].text == "Voor je volgende gesprek:"
    items = [m for m in replies if any(t == "Wijzig" for t, _ in m.buttons)]
    assert [m.text for m in items] == ["Ik geen avonddiensten kan",
                                       "vragen of ik een opleiding tot kok mag doen"]

    phone.press("Wijzig", message=items[0])
    assert "Nu staat er" in phone.reply_text()
    phone.send("Ik kan niet in de avond werken")
    assert "Aangepast" in phone.reply_text()

    phone.send("laat mijn notities zien")
    items = [m for m in phone.replies(4) if any(t == "Wis" for t, _ in m.buttons)]
    phone.press("Wis", message=items[1])
    assert "gewist" in phone.reply_text()

    phone.send("laat mijn notities zien")
    phone.replies(3)
    phone.press("Alles in één bericht")
    card = phone.reply_text()
    assert card == "Mijn punten voor het gesprek:\n- Ik kan niet in de avond werken"


def test_withdrawing_consent_in_privacy_deletes_the_notes(phone, database_url):
    give_note_consent(phone)
    phone.replies()
    phone.send("/privacy")
    replies = phone.replies(5)  # intro, notes, reminders, misunderstood messages, more
    assert any("Notities bewaren: AAN" in m.text for m in replies)
    assert any("Onbegrepen berichten bewaren: UIT" in m.text for m in replies)
    phone.press("Zet uit en wis notities")
    assert "gewist (1)" in phone.reply_text()
    with create_engine(database_url).connect() as db:
        notes = db.execute(text("select count(*) from notes where client_id = :c"),
                           {"c": pseudonym(phone)}).scalar()
        contact = db.execute(text("select contact from clients where id = :c"),
                             {"c": pseudonym(phone)}).scalar()
    assert notes == 0 and contact is None


def test_export_sends_a_readable_summary_and_a_json_file(phone):
    give_note_consent(phone, "onthoud dat ik een tolk wil bij het gesprek")
    phone.replies()
    phone.send("/mijngegevens")
    summary, document = phone.replies(2)
    assert "Dit bewaar ik over je" in summary.text
    assert "Ik een tolk wil bij het gesprek" in summary.text
    assert document.kind == "document" and document.file_name == "mijn-gegevens.json"
    exported = json.loads(document.file_bytes)
    assert exported["notities"][0]["tekst"] == "Ik een tolk wil bij het gesprek"
    assert exported["toestemmingen"][0]["doel"] == "notes"
    said = [line["tekst"] for line in exported["gesprekslog"] if line["van"] == "jij"]
    assert "onthoud dat ik een tolk wil bij het gesprek" in said


def test_forget_asks_once_then_erases_everything_including_rasas_tracker(
        phone, database_url, var_dir):
    give_note_consent(phone)
    phone.replies()
    phone.send("verwijder al mijn gegevens")
    [question] = phone.replies()
    assert "Dit kan niet ongedaan worden gemaakt" in question.text
    phone.press("Ja, wis alles")
    assert "Alles is gewist: 1 notities" in phone.reply_text()

    client = pseudonym(phone)
    with create_engine(database_url).connect() as db:
        for table, column in (("clients", "id"), ("conversations", "client_id"),
                              ("consents", "client_id"), ("notes", "client_id"),
                              ("meetings", "client_id")):
            count = db.execute(text(f"select count(*) from {table} where {column} = :c"),
                               {"c": client}).scalar()
            assert count == 0, table
    with sqlite3.connect(var_dir / "rasa_tracker.db") as tracker:
        events = tracker.execute("select count(*) from events where sender_id = ?",
                                 (client,)).fetchone()[0]
    assert events == 0


def test_retention_tells_the_client_in_advance_then_purges(bot_api, rasa_url, database_url,
                                                           var_dir):
    from tests.support.processes import start_frontend

    # Days are fractions here: notes expire after 26 s of inactivity, a warning 17 s before.
    frontend = start_frontend(bot_api.base_url, rasa_url, database_url, "retention",
                              NOTES_RETENTION_DAYS="0.0003", HISTORY_RETENTION_DAYS="0.0003",
                              RETENTION_WARNING_DAYS="0.0002", RETENTION_CHECK_SECONDS="1")
    try:
        phone = bot_api.phone("123:retention")
        give_note_consent(phone)
        phone.replies()
        phone.mark()
        [warning] = phone.replies(timeout=30)
        assert "wis ik je notities" in warning.text

        client = pseudonym(phone)

        def purged() -> bool:
            with create_engine(database_url).connect() as db:
                notes = db.execute(text("select count(*) from notes where client_id = :c"),
                                   {"c": client}).scalar()
            with sqlite3.connect(var_dir / "rasa_tracker.db") as tracker:
                events = tracker.execute("select count(*) from events where sender_id = ?",
                                         (client,)).fetchone()[0]
            return notes == 0 and events == 0

        assert phone.wait_for(purged, timeout=40)
    finally:
        frontend.stop()
