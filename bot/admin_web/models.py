"""Tables of the admin web app (migration 0005): its accounts, and the review queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow

ROLES = ("beheerder", "coordinator")  # content administrator; Steunpunt coordinator


class AdminUser(Base):
    """A person who logs in to the admin web pages. Only an argon2 hash of the password."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="beheerder")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewItem(Base):
    """A message the assistant did not understand, kept only with the client's consent
    (purpose ``review``), masked before it was stored and encrypted at rest. Erased with
    the client (/vergeet) and when the client withdraws the consent."""

    __tablename__ = "review_items"
    __table_args__ = (UniqueConstraint("client_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    message_id: Mapped[str] = mapped_column(String(64))  # Rasa's id of the user message
    text: Mapped[bytes] = mapped_column(LargeBinary)  # masked, then encrypted
    reason: Mapped[str] = mapped_column(String(16))  # unsure (below threshold), no_answer
    guess: Mapped[str | None] = mapped_column(String(64))  # the model's best intent
    confidence: Mapped[float | None] = mapped_column(Float)
    said_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # open, trained (written to nlu/review.yml), out_of_scope (idem), discarded
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    decided_intent: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
