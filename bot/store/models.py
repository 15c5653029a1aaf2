"""Tables of the application store. Clients are known only by their pseudonymous id."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # pseudonymous sender id
    language: Mapped[str | None] = mapped_column(String(8))
    gemeente: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_active_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # How to reach the client (encrypted channel:chat id), kept only while a consented
    # purpose needs it: retention warnings for notes, reminders.
    contact: Mapped[bytes | None] = mapped_column(LargeBinary)
    retention_warned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    conversations: Mapped[list[Conversation]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="Conversation.id")
    consents: Mapped[list[Consent]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="Consent.id")
    notes: Mapped[list[Note]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="Note.id")
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="Meeting.id")
    tickets: Mapped[list[Ticket]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="Ticket.id")
    deadline_reminders: Mapped[list[DeadlineReminder]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="DeadlineReminder.id")


class Conversation(Base):
    """Metadata of one conversation session: counts and times, never message text."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    channel: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    messages_in: Mapped[int] = mapped_column(Integer, default=0)
    messages_out: Mapped[int] = mapped_column(Integer, default=0)

    client: Mapped[Client] = relationship(back_populates="conversations")


class Consent(Base):
    """One answer to one consent question: kept with the exact text the client saw."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # notes, reminders, sharing
    granted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[str] = mapped_column(String(32))
    text_shown: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(String(16))  # button, typed, command
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    client: Mapped[Client] = relationship(back_populates="consents")


class Meeting(Base):
    """A coming gesprek with the klantmanager; notes can belong to one."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    has_time: Mapped[bool] = mapped_column(Boolean, default=True)
    with_whom: Mapped[str | None] = mapped_column(String(32))
    # what the client answered in the preparation (topic, wishes, questions...), encrypted
    details: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned, cancelled
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    client: Mapped[Client] = relationship(back_populates="meetings")
    notes: Mapped[list[Note]] = relationship(back_populates="meeting")
    reminders: Mapped[list[Reminder]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Reminder.due_at")


class Reminder(Base):
    """A message due at a time: the day before, two hours before, and "hoe ging het?"."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(16))  # before, follow_up
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    meeting: Mapped[Meeting] = relationship(back_populates="reminders")


class Note(Base):
    """A note for a gesprek. The text is encrypted: the database alone reveals nothing."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    client: Mapped[Client] = relationship(back_populates="notes")
    meeting: Mapped[Meeting | None] = relationship(back_populates="notes")


class DeadlineReminder(Base):
    """A reminder that the bezwaar term of a besluit is running out."""

    __tablename__ = "deadline_reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    last_day: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    client: Mapped[Client] = relationship(back_populates="deadline_reminders")


class Ticket(Base):
    """A client handed over to Steunpunt staff. It lives here, not in a process, so a
    restart in the middle of a handover resumes it."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # waiting, claimed, closed
    topic: Mapped[str | None] = mapped_column(String(32))
    gemeente: Mapped[str | None] = mapped_column(String(64))
    # topic, route so far and (only with consent) the client's notes, encrypted
    summary: Mapped[bytes] = mapped_column(LargeBinary)
    # how to reach the client ("telegram:<chat id>"), encrypted; removed at the close
    contact: Mapped[bytes | None] = mapped_column(LargeBinary)
    share_name: Mapped[bool] = mapped_column(Boolean, default=False)
    client_name: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted, with consent
    staff_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger)  # the thread's start
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)  # staff Telegram user id
    claimed_by_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(32))  # staff:<id>, client, system
    staff_reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    client: Mapped[Client] = relationship(back_populates="tickets")
    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketMessage.id")


class TicketMessage(Base):
    """One message of a handover, in either direction, stored before it is delivered."""

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    sender: Mapped[str] = mapped_column(String(8))  # client, staff, notice
    kind: Mapped[str] = mapped_column(String(8))  # text, photo
    body: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted JSON: text, file id
    staff_user_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    ticket: Mapped[Ticket] = relationship(back_populates="messages")


class AuditEntry(Base):
    """Who read or changed client data, when, and why. Pseudonymous ids only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))  # client, system, admin:<name>, staff:<id>
    action: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
