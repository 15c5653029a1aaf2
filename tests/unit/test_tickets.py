"""Handover tickets and bezwaar reminders in the store, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.client_data import ClientData
from bot.crypto import Cipher
from bot.deadline_reminders import DeadlineReminders
from bot.store import Store
from bot.store.migrate import upgrade
from bot.store.models import Client, Ticket, TicketMessage
from bot.tickets import Tickets

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(database_url) -> Store:
    upgrade(database_url)
    return Store(database_url)


def test_a_client_has_one_open_ticket_which_is_claimed_once_and_closed_once(store):
    cipher = Cipher("k")
    tickets = Tickets(store, cipher)
    token = cipher.encrypt("telegram:42").decode()
    first = tickets.open("c1", topic="besluit", gemeente=None, summary="Onderwerp: besluit",
                         contact_token=token, share_name=False, now=NOW)
    again = tickets.open("c1", topic=None, gemeente=None, summary="", contact_token=None,
                         share_name=False, now=NOW)
    assert again == first
    assert tickets.open_for_client("c1").contact == "telegram:42"

    assert tickets.claim_posting(first, -100) and not tickets.claim_posting(first, -100)
    tickets.mark_posted(first, 77, NOW)
    assert tickets.unposted(-100) == []
    assert tickets.for_staff_message(-100, 77).id == first

    claimed = tickets.claim(first, 5001, "Sanne", NOW)
    assert claimed.claimed and claimed.ticket.claimed_by_name == "Sanne"
    second_try = tickets.claim(first, 5002, "Piet", NOW)
    assert not second_try.claimed and second_try.ticket.claimed_by == 5001

    closed = tickets.close(first, "staff:5001", NOW)
    assert closed.contact == "telegram:42"  # returned so the client can be told
    assert tickets.close(first, "staff:5001", NOW) is None
    assert tickets.get(first).contact is None and tickets.open_for_client("c1") is None


def test_a_forged_contact_is_not_kept_and_texts_are_encrypted(store):
    tickets = Tickets(store, Cipher("k"))
    ticket_id = tickets.open("c1", topic=None, gemeente=None, summary="mijn geheim",
                             contact_token="telegram:99", share_name=True, now=NOW)
    message_id = tickets.add_message(ticket_id, "client", "text", "nog een geheim", now=NOW)
    with store.session() as session:
        ticket = session.get(Ticket, ticket_id)
        body = session.get(TicketMessage, message_id).body
    assert ticket.contact is None and b"geheim" not in ticket.summary and b"geheim" not in body
    assert tickets.message(message_id).text == "nog een geheim"


def test_delivery_is_claimed_once_and_released_on_failure(store):
    tickets = Tickets(store, Cipher("k"))
    ticket_id = tickets.open("c1", topic=None, gemeente=None, summary="s", contact_token=None,
                             share_name=False, now=NOW)
    message_id = tickets.add_message(ticket_id, "client", "photo", "de brief", "file-1",
                                     now=NOW)
    assert [m.id for _, m in tickets.undelivered(NOW)] == [message_id]
    assert tickets.claim_delivery(message_id) and not tickets.claim_delivery(message_id)
    assert tickets.undelivered(NOW + timedelta(hours=1)) == []
    tickets.release_delivery(message_id)
    assert tickets.claim_delivery(message_id)
    tickets.delivered(message_id, staff_message_id=88)
    assert tickets.for_staff_message(-100, 88) is None  # not posted in that group
    tickets.claim_posting(ticket_id, -100)
    tickets.mark_posted(ticket_id, 80, NOW)
    assert tickets.for_staff_message(-100, 88).id == ticket_id


def test_staff_are_reminded_once_of_a_ticket_nobody_claimed(store):
    tickets = Tickets(store, Cipher("k"))
    ticket_id = tickets.open("c1", topic=None, gemeente=None, summary="s", contact_token=None,
                             share_name=False, now=NOW)
    assert tickets.claim_staff_reminders(NOW, NOW) == []  # not posted yet
    tickets.claim_posting(ticket_id, -100)
    tickets.mark_posted(ticket_id, 80, NOW)
    later = NOW + timedelta(minutes=31)
    assert [t.id for t in tickets.claim_staff_reminders(later - timedelta(minutes=30),
                                                         later)] == [ticket_id]
    assert tickets.claim_staff_reminders(later, later) == []


def test_erasure_removes_tickets_and_their_messages(store):
    cipher = Cipher("k")
    tickets = Tickets(store, cipher)
    ticket_id = tickets.open("c1", topic=None, gemeente=None, summary="s", contact_token=None,
                             share_name=False, now=NOW)
    tickets.add_message(ticket_id, "client", "text", "hallo", now=NOW)
    exported = tickets.export("c1")
    assert exported[0]["berichten"][0]["tekst"] == "hallo"
    ClientData(store, cipher, "sqlite://").erase("c1")
    with store.session() as session:
        assert session.scalars(select(TicketMessage)).all() == []
        assert session.get(Client, "c1") is None


def test_bezwaar_reminders_a_week_and_two_days_before_once(store):
    cipher = Cipher("k")
    reminders = DeadlineReminders(store, cipher)
    planned = reminders.schedule("c1", date(2026, 12, 21), NOW)
    assert [p.date() for p in planned] == [date(2026, 12, 14), date(2026, 12, 19)]
    assert reminders.schedule("c1", date(2026, 12, 3), NOW) == []  # too close: none
    with store.sessions.begin() as session:
        session.get(Client, "c1").contact = cipher.encrypt("telegram:7")
    [due] = reminders.claim_due(datetime(2026, 12, 14, 9, 30, tzinfo=UTC))
    assert (due.contact, due.last_day) == ("telegram:7", date(2026, 12, 21))
    assert reminders.claim_due(datetime(2026, 12, 14, 9, 30, tzinfo=UTC)) == []
