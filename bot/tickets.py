"""Handover tickets: a client handed to Steunpunt staff, and every message between them.

Everything lives in the store before it is delivered, so a restart of the front end loses
nothing: posting a ticket to the staff group, delivering a message and reminding staff are
each claimed by one UPDATE, so two front ends never do the same thing twice.
Texts, names and contacts are encrypted; staff are known by their Telegram user id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.crypto import Cipher
from bot.store import Store
from bot.store.models import AuditEntry, Client, Ticket, TicketMessage

OPEN = ("waiting", "claimed")


@dataclass(frozen=True)
class TicketView:
    id: int
    client_id: str
    status: str
    topic: str | None
    gemeente: str | None
    summary: str
    contact: str | None
    client_name: str | None
    staff_chat_id: int | None
    staff_message_id: int | None
    claimed_by: int | None
    claimed_by_name: str | None
    created_at: datetime
    claimed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class MessageView:
    id: int
    ticket_id: int
    sender: str  # client, staff, notice
    kind: str  # text, photo
    text: str
    file_id: str | None
    staff_message_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class ClaimResult:
    ticket: TicketView | None
    claimed: bool  # True when this call made the claim


class Tickets:
    def __init__(self, store: Store, cipher: Cipher) -> None:
        self.store = store
        self.cipher = cipher

    # -- the client side ---------------------------------------------------------------

    def open(self, client_id: str, *, topic: str | None, gemeente: str | None, summary: str,
             contact_token: str | None, share_name: bool, now: datetime) -> int:
        """A new ticket, or the client's open one: a client is never queued twice.
        ``contact_token`` is the contact as the front end encrypted it (see relay)."""
        with self.store.sessions.begin() as session:
            if (existing := self._open_ticket(session, client_id)) is not None:
                return existing.id
            if session.get(Client, client_id) is None:
                session.add(Client(id=client_id))
            ticket = Ticket(client_id=client_id, status="waiting", topic=topic,
                            gemeente=gemeente, summary=self.cipher.encrypt(summary),
                            contact=self._token(contact_token), share_name=share_name,
                            created_at=now)
            session.add(ticket)
            session.flush()
            session.add(AuditEntry(actor="client", action="handover_requested",
                                   client_id=client_id, detail=f"ticket {ticket.id}", at=now))
            return ticket.id

    def open_for_client(self, client_id: str) -> TicketView | None:
        with self.store.session() as session:
            ticket = self._open_ticket(session, client_id)
            return self._view(ticket) if ticket else None

    def set_client_name(self, ticket_id: int, name: str) -> None:
        """Kept only when the client agreed that staff may see their Telegram name."""
        with self.store.sessions.begin() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is not None and ticket.share_name and ticket.status in OPEN:
                ticket.client_name = self.cipher.encrypt(name)

    def set_contact(self, ticket_id: int, contact: str) -> None:
        with self.store.sessions.begin() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is not None and ticket.status in OPEN:
                ticket.contact = self.cipher.encrypt(contact)

    # -- posting to the staff group ----------------------------------------------------

    def unposted(self, staff_chat_id: int) -> list[TicketView]:
        """Open tickets not (yet) in this staff group."""
        with self.store.session() as session:
            rows = session.scalars(select(Ticket).where(
                Ticket.status.in_(OPEN),
                or_(Ticket.staff_message_id.is_(None), Ticket.staff_chat_id != staff_chat_id))
                .order_by(Ticket.id)).all()
            return [self._view(t) for t in rows]

    def claim_posting(self, ticket_id: int, staff_chat_id: int) -> bool:
        """Reserve the posting of a ticket (message id 0 until it is known)."""
        with self.store.sessions.begin() as session:
            return bool(session.execute(
                update(Ticket).where(Ticket.id == ticket_id, Ticket.status.in_(OPEN),
                                     or_(Ticket.staff_message_id.is_(None),
                                         Ticket.staff_chat_id != staff_chat_id))
                .values(staff_chat_id=staff_chat_id, staff_message_id=0)).rowcount)

    def mark_posted(self, ticket_id: int, staff_message_id: int | None,
                    now: datetime) -> None:
        """The ticket's message id in the staff group; None when posting failed."""
        with self.store.sessions.begin() as session:
            session.execute(update(Ticket).where(Ticket.id == ticket_id)
                            .values(staff_message_id=staff_message_id,
                                    posted_at=now if staff_message_id else None))

    # -- staff ---------------------------------------------------------------------------

    def get(self, ticket_id: int) -> TicketView | None:
        with self.store.session() as session:
            ticket = session.get(Ticket, ticket_id)
            return self._view(ticket) if ticket else None

    def for_staff_message(self, staff_chat_id: int, message_id: int) -> TicketView | None:
        """The ticket a message in the staff group belongs to (its start or any message
        in its thread), so a reply reaches the right client."""
        with self.store.session() as session:
            ticket = session.scalars(select(Ticket).where(
                Ticket.staff_chat_id == staff_chat_id,
                Ticket.staff_message_id == message_id)).first()
            if ticket is None:
                ticket = session.scalars(
                    select(Ticket).join(TicketMessage, TicketMessage.ticket_id == Ticket.id)
                    .where(Ticket.staff_chat_id == staff_chat_id,
                           TicketMessage.staff_message_id == message_id)).first()
            return self._view(ticket) if ticket else None

    def claim(self, ticket_id: int, staff_id: int, staff_name: str,
              now: datetime) -> ClaimResult:
        with self.store.sessions.begin() as session:
            claimed = bool(session.execute(
                update(Ticket).where(Ticket.id == ticket_id, Ticket.status == "waiting")
                .values(status="claimed", claimed_by=staff_id, claimed_by_name=staff_name,
                        claimed_at=now)).rowcount)
            ticket = session.get(Ticket, ticket_id)
            if claimed:
                session.add(AuditEntry(actor=f"staff:{staff_id}", action="handover_claimed",
                                       client_id=ticket.client_id, detail=f"ticket {ticket_id}",
                                       at=now))
            return ClaimResult(self._view(ticket) if ticket else None, claimed)

    def close(self, ticket_id: int, closed_by: str, now: datetime) -> TicketView | None:
        """Close an open ticket; returns it as it was (with the contact to tell the client),
        or None when it was already closed. The contact is not kept after the close."""
        with self.store.sessions.begin() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None or ticket.status not in OPEN:
                return None
            view = self._view(ticket)
            ticket.status, ticket.closed_at, ticket.closed_by = "closed", now, closed_by
            ticket.contact = ticket.client_name = None
            session.add(AuditEntry(actor=closed_by, action="handover_closed",
                                   client_id=ticket.client_id, detail=f"ticket {ticket_id}",
                                   at=now))
            return view

    def audit_refusal(self, ticket_id: int | None, user_id: int, action: str) -> None:
        with self.store.sessions.begin() as session:
            session.add(AuditEntry(actor=f"user:{user_id}", action=f"refused_{action}",
                                   client_id=None, detail=f"ticket {ticket_id}"))

    def claim_staff_reminders(self, posted_before: datetime,
                              now: datetime) -> list[TicketView]:
        """Unclaimed tickets posted before `posted_before` that staff were not reminded of;
        each is marked reminded in the same UPDATE, so the reminder goes out once."""
        with self.store.sessions.begin() as session:
            rows = session.scalars(select(Ticket).where(
                Ticket.status == "waiting", Ticket.posted_at <= posted_before,
                Ticket.staff_reminded_at.is_(None))).all()
            return [self._view(ticket) for ticket in rows if session.execute(
                update(Ticket).where(Ticket.id == ticket.id,
                                     Ticket.staff_reminded_at.is_(None))
                .values(staff_reminded_at=now)).rowcount]

    # -- messages ------------------------------------------------------------------------

    def add_message(self, ticket_id: int, sender: str, kind: str, text: str,
                    file_id: str | None = None, *, staff_user_id: int | None = None,
                    staff_message_id: int | None = None, delivered: bool = False,
                    now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        body = self.cipher.encrypt(json.dumps({"text": text, "file_id": file_id}))
        with self.store.sessions.begin() as session:
            message = TicketMessage(ticket_id=ticket_id, sender=sender, kind=kind, body=body,
                                    staff_user_id=staff_user_id,
                                    staff_message_id=staff_message_id, created_at=now,
                                    delivered_at=now if delivered else None)
            session.add(message)
            session.flush()
            return message.id

    def claim_delivery(self, message_id: int) -> bool:
        """Reserve a message for delivery, so two front ends never both send it."""
        with self.store.sessions.begin() as session:
            return bool(session.execute(
                update(TicketMessage).where(TicketMessage.id == message_id,
                                            TicketMessage.delivered_at.is_(None))
                .values(delivered_at=datetime.now(UTC))).rowcount)

    def delivered(self, message_id: int, staff_message_id: int | None = None) -> None:
        """The copy in the staff group, so replies to it find the ticket."""
        if staff_message_id is None:
            return
        with self.store.sessions.begin() as session:
            session.execute(update(TicketMessage).where(TicketMessage.id == message_id)
                            .values(staff_message_id=staff_message_id))

    def release_delivery(self, message_id: int) -> None:
        """Delivery failed: the message waits for the next try."""
        with self.store.sessions.begin() as session:
            session.execute(update(TicketMessage).where(TicketMessage.id == message_id)
                            .values(delivered_at=None))

    def undelivered(self, created_before: datetime) -> list[tuple[TicketView, MessageView]]:
        """Messages of open tickets that did not reach the other side (yet)."""
        with self.store.session() as session:
            rows = session.execute(
                select(Ticket, TicketMessage).join(TicketMessage)
                .where(Ticket.status.in_(OPEN), TicketMessage.delivered_at.is_(None),
                       TicketMessage.created_at <= created_before)
                .order_by(TicketMessage.id)).all()
            return [(self._view(t), self._message(m)) for t, m in rows]

    def message(self, message_id: int) -> MessageView:
        with self.store.session() as session:
            return self._message(session.get(TicketMessage, message_id))

    def transcript(self, ticket_id: int) -> list[MessageView]:
        with self.store.session() as session:
            rows = session.scalars(select(TicketMessage).where(
                TicketMessage.ticket_id == ticket_id).order_by(TicketMessage.id)).all()
            return [self._message(m) for m in rows]

    def export(self, client_id: str) -> list[dict]:
        """The client's tickets and their messages, for /mijngegevens."""
        with self.store.session() as session:
            tickets = session.scalars(select(Ticket).where(Ticket.client_id == client_id)
                                      .order_by(Ticket.id)).all()
            views = [self._view(t) for t in tickets]
        return [{"id": t.id, "status": t.status, "onderwerp": t.topic,
                 "samenvatting": t.summary, "gemaakt": t.created_at.isoformat(),
                 "berichten": [{"van": m.sender, "soort": m.kind, "tekst": m.text,
                                "wanneer": m.created_at.isoformat()}
                               for m in self.transcript(t.id)]} for t in views]

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _open_ticket(session: Session, client_id: str) -> Ticket | None:
        return session.scalars(select(Ticket).where(
            Ticket.client_id == client_id, Ticket.status.in_(OPEN))
            .order_by(Ticket.id.desc()).limit(1)).first()

    def _token(self, token: str | None) -> bytes | None:
        """An encrypted contact from the front end, kept only if it is ours."""
        return token.encode() if token and self.cipher.is_ours(token) else None

    def _open(self, token: bytes | None) -> str | None:
        return self.cipher.decrypt(token) if token else None

    def _view(self, ticket: Ticket) -> TicketView:
        return TicketView(
            ticket.id, ticket.client_id, ticket.status, ticket.topic, ticket.gemeente,
            self.cipher.decrypt(ticket.summary), self._open(ticket.contact),
            self._open(ticket.client_name), ticket.staff_chat_id, ticket.staff_message_id,
            ticket.claimed_by, ticket.claimed_by_name, as_utc(ticket.created_at),
            as_utc(ticket.claimed_at) if ticket.claimed_at else None)

    def _message(self, message: TicketMessage) -> MessageView:
        body = json.loads(self.cipher.decrypt(message.body))
        return MessageView(message.id, message.ticket_id, message.sender, message.kind,
                           body["text"], body["file_id"], message.staff_message_id,
                           as_utc(message.created_at))


