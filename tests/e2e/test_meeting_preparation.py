"""Meeting preparation through the phone: the whole form with a skipped question, stopping
and resuming, the gesprekskaart (text and picture), reminders with consent that fire on a
controlled clock (also after a restart, never twice), moving a meeting and the follow-up."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from bot.pseudonym import sender_id
from tests.support.processes import start_frontend

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n"


def pseudonym(phone) -> str:
    return sender_id("test-secret-key-not-for-production", f"telegram:{phone.chat_id}")


def answer(phone, text: str) -> str:
    phone.send(text)
    return phone.replies()[-1].text


def press(phone, title: str) -> str:
    phone.press(title)
    return phone.replies()[-1].text


def prepare(phone, when: str = "dinsdag om 10 uur") -> list:
    phone.send("ik heb volgende week een gesprek kan je me helpen voorbereiden")
    assert "Wanneer is je gesprek" in phone.replies(2)[-1].text
    assert "Met wie" in answer(phone, when)
    assert "Waar gaat het gesprek over" in press(phone, "Klantmanager")
    assert "Wat wil jij bereiken" in answer(phone, "over mijn plan van aanpak")
    assert "zorgen" in answer(phone, "een opleiding tot kok")
    assert "vragen" in press(phone, "Nee")  # skipped
    assert "iemand meenemen" in answer(phone, "mag ik zelf een opleiding kiezen?")
    assert "Wat neem je mee" in press(phone, "Ja")
    assert "keuzes" in press(phone, "Loonstroken")
    assert "Durf je" in press(phone, "Nee, nog niet")
    phone.press("Een beetje")
    return phone.replies(6)


def test_the_whole_preparation_gives_a_card_tips_and_reminders_with_consent(bot_api, frontend,
                                                                            database_url):
    phone = bot_api.phone()
    replies = prepare(phone)
    card = replies[0].text
    assert "Met: klantmanager" in card and "Wat ik wil: een opleiding tot kok" in card
    assert "Mijn zorgen: -" in card and "Wanneer: dinsdag" in card and "om 10:00" in card
    assert replies[1].kind == "photo" and replies[1].file_bytes.startswith(PNG)
    texts = [m.text for m in replies]
    assert any(t.startswith("Weten:") for t in texts)
    assert any("Ik wil graag een opleiding tot kok" in t for t in texts)
    assert any("bedenktijd" in t for t in texts)
    assert "Zal ik je een herinnering sturen" in texts[-1]

    phone.press("Ja, stuur herinneringen")
    assert "Ik stuur je een herinnering" in phone.reply_text()
    with create_engine(database_url).connect() as db:
        kinds = db.execute(text(
            "select r.kind from reminders r join meetings m on m.id = r.meeting_id "
            "where m.client_id = :c order by r.due_at"), {"c": pseudonym(phone)}).scalars().all()
        details = db.execute(text("select details from meetings where client_id = :c"),
                             {"c": pseudonym(phone)}).scalar()
    assert kinds == ["before", "before", "follow_up"]
    assert b"kok" not in bytes(details)


def test_stop_and_resume_where_the_client_was(bot_api, frontend):
    phone = bot_api.phone()
    phone.send("gesprek voorbereiden")
    phone.replies(2)
    assert "Met wie" in answer(phone, "morgenochtend")
    assert "stoppen even" in answer(phone, "stop")
    phone.send("ik wil mijn gesprek voorbereiden")
    assert "verder waar je was" in phone.reply_text().lower()
    assert "Met wie" in press(phone, "Verder waar ik was")
    assert "Waar gaat het gesprek over" in answer(phone, "werkcoach")
    assert "Wat wil jij bereiken" in press(phone, "Weet ik niet")


def test_an_unreadable_date_is_asked_again(bot_api, frontend):
    phone = bot_api.phone()
    phone.send("help me mijn gesprek voorbereiden")
    phone.replies(2)
    phone.send("binnenkort ergens")
    texts = [m.text for m in phone.replies(2)]
    assert "begrijp ik niet" in texts[0] and "Wanneer is je gesprek" in texts[1]


def test_reminders_fire_on_time_once_also_after_a_restart_then_move_and_follow_up(
        bot_api, frontend, rasa_url, database_url, var_dir):
    clock_file = var_dir / "clock.txt"
    clock_file.write_text("")
    env = {"CLOCK_FILE": str(clock_file), "REMINDER_CHECK_SECONDS": "1"}
    reminders = start_frontend(bot_api.base_url, rasa_url, database_url, "reminders", **env)
    try:
        phone = bot_api.phone("123:reminders")
        prepare(phone, when="over 2 weken om 10 uur")
        phone.press("Ja, stuur herinneringen")
        phone.replies()
        with create_engine(database_url).connect() as db:
            starts = db.execute(text("select starts_at from meetings where client_id = :c"),
                                {"c": pseudonym(phone)}).scalar()
        starts = datetime.fromisoformat(str(starts))

        def reminders_seen() -> list[str]:
            return [m.text for m in phone.bot_messages() if m.text.startswith("Herinnering")]

        clock_file.write_text((starts - timedelta(hours=23)).isoformat())
        assert phone.wait_for(lambda: len(reminders_seen()) == 1, timeout=15)

        reminders.stop()
        clock_file.write_text((starts - timedelta(hours=1)).isoformat())
        reminders = start_frontend(bot_api.base_url, rasa_url, database_url, "reminders", **env)
        assert phone.wait_for(lambda: len(reminders_seen()) == 2, timeout=15)
        phone.wait_for(lambda: False, timeout=3)
        assert len(reminders_seen()) == 2, "a reminder was sent twice"

        phone.press("Verzetten")
        assert "Wanneer is je gesprek" in phone.reply_text()
        assert "Verzet naar" in answer(phone, "over 3 weken om 14:00")

        with create_engine(database_url).connect() as db:
            moved = datetime.fromisoformat(str(db.execute(
                text("select starts_at from meetings where client_id = :c"),
                {"c": pseudonym(phone)}).scalar()))
        clock_file.write_text((moved + timedelta(hours=4)).isoformat())
        assert phone.wait_for(lambda: any("Hoe ging je gesprek" in m.text
                                          for m in phone.bot_messages()), timeout=15)
        phone.press("Het ging niet goed")
        routes = phone.replies()[-1]
        assert "bezwaar" in routes.text.lower() and "klacht" in routes.text.lower()
    finally:
        reminders.stop()
