"""Complaint triage and the handover to Steunpunt staff, through the phones of a client and
two people in the staff group: one allowed to act as staff, one not.

The front end runs as a real process with the staff group configured; it is restarted in
the middle of a handover. The conversation is written to var/transcripts/ for reading.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import create_engine, text

from bot.pseudonym import sender_id
from tests.support.processes import start_frontend

pytestmark = pytest.mark.e2e

STAFF_CHAT = -100500
STAFF_USER, OUTSIDER = 5001, 5002
TUESDAY_MORNING = "2026-12-01T10:00:00+01:00"  # the team is open
SATURDAY = "2026-12-05T11:00:00+01:00"  # the team is closed until Monday 9:00
MONDAY_LATE = "2026-12-07T09:31:00+01:00"  # open, and the ticket waited over 30 minutes


@pytest.fixture
def clock_file(var_dir):
    path = var_dir / "desk-clock.txt"
    path.write_text(TUESDAY_MORNING)
    return path


@pytest.fixture
def desk_env(clock_file) -> dict[str, str]:
    return {"STAFF_CHAT_ID": str(STAFF_CHAT), "STAFF_USER_IDS": f"{STAFF_USER},4999",
            "CLOCK_FILE": str(clock_file), "HANDOVER_CHECK_SECONDS": "1"}


@pytest.fixture
def desk(bot_api, rasa_url, database_url, desk_env):
    process = start_frontend(bot_api.base_url, rasa_url, database_url, "desk", **desk_env)
    yield process
    process.stop()


def staff_messages(staff) -> list:
    return [m for m in staff.chat if m.from_bot]


def newest(staff, needle: str):
    return next(m for m in reversed(staff_messages(staff)) if needle in m.text)


def wait_for_staff(staff, needle: str, timeout: float = 20):
    assert staff.wait_for(lambda: any(needle in m.text for m in staff_messages(staff)),
                          timeout), f"staff never saw {needle!r}"
    return newest(staff, needle)


def write_transcript(var_dir, name: str, client, staff) -> None:
    lines = []
    for message in sorted(client.chat + staff.chat, key=lambda m: m.message_id):
        where = "client" if message.chat_id == client.chat_id else "staff group"
        who = "bot" if message.from_bot else f"user {message.sender_id}"
        shown = message.text if message.kind == "text" else f"[{message.kind}] {message.text}"
        buttons = f"  [{' | '.join(t for t, _ in message.buttons)}]" if message.buttons else ""
        lines.append(f"{where:11} {who:9} {shown}{buttons}".replace("\n", "\n" + " " * 22))
    path = var_dir / "transcripts" / f"{name}.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def test_triage_handover_claim_exchange_restart_refusals_and_close(
        bot_api, desk, rasa_url, database_url, desk_env, var_dir):
    client = bot_api.phone("123:desk", first_name="Fatima")
    staff = bot_api.phone("123:desk", chat_id=STAFF_CHAT, user_id=STAFF_USER,
                          first_name="Sanne")
    outsider = bot_api.phone("123:desk", chat_id=STAFF_CHAT, user_id=OUTSIDER,
                             first_name="Piet")

    client.send("/start voorbeeldstad")
    assert "Voorbeeldstad" in client.reply_text()
    client.send("schrijf op dat ik na een werkdag van 8 uur te moe ben voor avondwerk")
    client.replies()
    client.press("Ja, bewaar ze")
    client.replies()

    # triage: buttons first, the gemeente is known from the deep link
    client.send("ik wil een klacht indienen over mijn klantmanager")
    assert "Waar gaat het over?" in client.replies(2)[-1].text
    client.press("Hoe ik behandeld ben")
    assert "Sinds wanneer" in client.reply_text()
    client.press("Deze maand")
    route = client.replies(3)
    routes = "\n".join(m.text for m in route)
    assert "Klachtenloket gemeente Voorbeeldstad (voorbeeld)" in routes
    assert "Nationale ombudsman" in routes and "0800 335 5555" in routes
    assert "zes weken" in routes and "Bron: Algemene wet bestuursrecht art. 9:1" in routes
    client.wait_for(lambda: "Steunpunt Uitkering Voorbeeldstad" in client.chat[-1].text)

    # handover: the client chooses what staff may see
    client.press("Praten met een mens")
    assert "Mag de medewerker die zien?" in client.replies(2)[-1].text
    client.press("Ja, deel mijn notities")
    assert "naam uit Telegram" in client.reply_text()
    client.press("Nee, liever anoniem")
    waiting = client.reply_text()
    assert "wachtrij van het Steunpunt" in waiting and "binnen 60 minuten" in waiting

    ticket = wait_for_staff(staff, "Nieuwe vraag #")
    number = ticket.text.split("#")[1].split()[0]
    assert "Onderwerp: hoe de cliënt behandeld is" in ticket.text
    assert "Gemeente: Voorbeeldstad" in ticket.text and "Sinds: deze maand" in ticket.text
    assert "klacht, daarna ombudsfunctie" in ticket.text
    assert "te moe ben voor avondwerk" in ticket.text  # shared with consent
    assert "Fatima" not in ticket.text and str(client.chat_id) not in ticket.text
    assert [t for t, _ in ticket.buttons] == ["Oppakken"]

    client.send("Hallo, is er iemand? Mijn klantmanager schreeuwde tegen me.")
    assert "Bewaard" in client.reply_text()
    copy = wait_for_staff(staff, "schreeuwde tegen me")
    assert copy.reply_to == ticket.message_id and f"#{number} cliënt {number}" in copy.text

    # someone in the group who is not staff cannot claim or answer
    answers_before = len(bot_api.api.callback_answers)
    outsider.press("Oppakken", ticket)
    assert outsider.wait_for(lambda: len(bot_api.api.callback_answers) > answers_before)
    refusal = bot_api.api.callback_answers[-1]
    assert refusal.get("show_alert") and "Alleen aangewezen medewerkers" in refusal["text"]
    assert [t for t, _ in ticket.buttons] == ["Oppakken"]
    outsider.send("Ik help wel even", reply_to=copy)
    wait_for_staff(outsider, "Alleen aangewezen medewerkers")

    client.mark()
    staff.press("Oppakken", ticket)
    assert staff.wait_for(lambda: "Opgepakt door Sanne" in ticket.text)
    assert [t for t, _ in ticket.buttons] == ["Afsluiten"]
    assert "Sanne van het Steunpunt helpt je nu" in client.reply_text()

    # both ways, text and photos
    client.mark()
    staff.send("Hoi, ik ben Sanne. Wanneer was dat gesprek?", reply_to=copy)
    assert client.reply_text() == "Sanne (Steunpunt): Hoi, ik ben Sanne. Wanneer was dat gesprek?"
    client.send("Vorige week dinsdag")
    wait_for_staff(staff, f"cliënt {number}: Vorige week dinsdag")
    client.send_media("photo", caption="de brief")
    sent_photo = client.chat[-1]
    photo_copy = wait_for_staff(staff, "de brief")
    assert photo_copy.kind == "photo" and photo_copy.file_id == sent_photo.file_id
    client.mark()
    staff.send_media("photo", reply_to=photo_copy, caption="Zo ziet een bezwaarbrief eruit")
    [photo_for_client] = client.replies()
    assert photo_for_client.kind == "photo" and "Sanne (Steunpunt)" in photo_for_client.text
    assert photo_for_client.file_id == staff.chat[-1].file_id
    assert not [m for m in client.chat if "Piet" in m.text or "Ik help wel even" in m.text]

    # a restart in the middle: messages both ways wait and arrive; the assistant stays quiet
    desk.stop()
    client.send("Zijn jullie er nog?")
    staff.send("Ja hoor, ik ben er nog.", reply_to=copy)
    desk = start_frontend(bot_api.base_url, rasa_url, database_url, "desk", **desk_env)
    try:
        wait_for_staff(staff, "Zijn jullie er nog?")
        assert client.wait_for(lambda: any("Ja hoor, ik ben er nog." in m.text
                                           for m in client.bot_messages()), 20)
        client.wait_for(lambda: False, timeout=2)
        assert [m.text for m in client.replies()] == ["Sanne (Steunpunt): Ja hoor, ik ben er nog."]

        # the close button from before the restart is refreshed, then closes
        staff.press("Afsluiten", ticket)
        assert staff.wait_for(lambda: ticket.edits >= 2)  # fresh buttons, same state
        client.mark()
        staff.press("Afsluiten", ticket)
        closed = client.reply_text()
        assert "Sanne heeft het gesprek afgesloten" in closed
        assert staff.wait_for(lambda: "afgesloten door Sanne" in ticket.text)

        # the assistant is back
        client.send("wat gebeurt er als ik mijn afspraken niet nakom")
        assert "maatregel" in client.reply_text().lower()
        staff.send("Nog een vraag?", reply_to=copy)
        wait_for_staff(staff, "is al afgesloten")

        with create_engine(database_url).connect() as db:
            client_id = sender_id("test-secret-key-not-for-production",
                                  f"telegram:{client.chat_id}")
            row = db.execute(text("select status, closed_by, contact from tickets "
                                  "where client_id = :c"), {"c": client_id}).one()
            kinds = db.execute(text("select sender, kind from ticket_messages m join tickets "
                                    "t on t.id = m.ticket_id where t.client_id = :c "
                                    "order by m.id"), {"c": client_id}).all()
            audit = db.execute(text("select actor, action from audit_log where action like "
                                    "'%handover%' or action like 'refused%'")).all()
        assert row == ("closed", f"staff:{STAFF_USER}", None)
        kinds = [tuple(k) for k in kinds]
        assert kinds[:5] == [("client", "text"), ("staff", "text"), ("client", "text"),
                             ("client", "photo"), ("staff", "photo")]
        assert sorted(kinds[5:]) == [("client", "text"), ("staff", "text")]  # while down
        assert (f"user:{OUTSIDER}", "refused_ticket_claim") in [tuple(a) for a in audit]
        assert (f"user:{OUTSIDER}", "refused_answer") in [tuple(a) for a in audit]
    finally:
        write_transcript(var_dir, "handover", client, staff)
        desk.stop()


def test_outside_office_hours_the_client_hears_when_then_staff_are_reminded_and_the_client_can_stop(
        bot_api, desk, clock_file, var_dir):
    clock_file.write_text(SATURDAY)
    client = bot_api.phone("123:desk", first_name="Jan")
    staff = bot_api.phone("123:desk", chat_id=STAFF_CHAT, user_id=STAFF_USER,
                          first_name="Sanne")
    client.send("ik wil met een echt persoon praten")
    client.replies(2)
    client.press("Ja, mijn naam mag")
    waiting = client.reply_text()
    assert "Het Steunpunt is nu dicht" in waiting
    assert "maandag 7 december om 9:00" in waiting
    ticket = wait_for_staff(staff, "Nieuwe vraag #")
    number = ticket.text.split("#")[1].split()[0]
    assert f"Jan (cliënt {number})" in ticket.text  # the client agreed to show their name

    client.wait_for(lambda: False, timeout=3)
    assert not any("wacht al" in m.text for m in staff_messages(staff))
    clock_file.write_text(MONDAY_LATE)
    reminder = wait_for_staff(staff, f"Vraag #{number} wacht al 30 minuten")
    assert reminder.reply_to == ticket.message_id
    assert client.wait_for(lambda: "langer dan we hoopten" in client.chat[-1].text, 20)

    client.press("Stoppen met wachten")
    assert "Wil je stoppen?" in client.reply_text()
    client.press("Ja, stoppen")
    assert "Je praat weer met de assistent" in client.reply_text()
    wait_for_staff(staff, f"Vraag #{number}: de cliënt is gestopt")
    staff.press("Oppakken", reminder)
    assert staff.wait_for(lambda: "afgesloten" in bot_api.api.callback_answers[-1].get("text",
                                                                                       ""))
    write_transcript(var_dir, "handover-closed-hours", client, staff)


def test_without_a_staff_group_the_client_gets_contact_details(bot_api, frontend):
    client = bot_api.phone()
    client.send("/start voorbeeldstad")
    client.replies()
    client.send("kan ik iemand spreken van vlees en bloed")
    answers = [m.text for m in client.replies(2)]
    assert "Het Juridisch Loket" in answers[0]
    assert "Steunpunt Uitkering Voorbeeldstad" in answers[1]


def test_the_clock_fixture_moments_are_what_the_tests_say():
    assert datetime.fromisoformat(TUESDAY_MORNING).weekday() == 1
    assert datetime.fromisoformat(SATURDAY).weekday() == 5
    assert datetime.fromisoformat(MONDAY_LATE).weekday() == 0
