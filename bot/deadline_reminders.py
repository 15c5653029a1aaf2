"""Reminders before the bezwaar term ends: a week before and two days before the last day,
in the morning. Like meeting reminders they live in the store and are claimed before they
are sent, so a restart loses none and none goes out twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update

from bot.crypto import Cipher
from bot.store import Store
from bot.store.models import Client, DeadlineReminder

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DAYS_BEFORE = (7, 2)
AT = time(10, 0)


@dataclass(frozen=True)
class DueDeadline:
    contact: str
    last_day: date


class DeadlineReminders:
    def __init__(self, store: Store, cipher: Cipher) -> None:
        self.store = store
        self.cipher = cipher

    def schedule(self, client_id: str, last_day: date, now: datetime) -> list[datetime]:
        """Plan the reminders still ahead for this last day; returns their moments."""
        moments = [datetime.combine(last_day - timedelta(days=days), AT, AMSTERDAM)
                   for days in DAYS_BEFORE]
        ahead = [moment for moment in moments if moment > now]
        with self.store.sessions.begin() as session:
            if session.get(Client, client_id) is None:
                session.add(Client(id=client_id))
            session.execute(delete(DeadlineReminder).where(
                DeadlineReminder.client_id == client_id, DeadlineReminder.last_day == last_day,
                DeadlineReminder.sent_at.is_(None)))
            # stored in UTC: SQLite keeps the wall-clock time and drops the zone
            session.add_all(DeadlineReminder(client_id=client_id, last_day=last_day,
                                             due_at=moment.astimezone(UTC)) for moment in ahead)
        return ahead

    def claim_due(self, now: datetime) -> list[DueDeadline]:
        due: list[DueDeadline] = []
        with self.store.sessions.begin() as session:
            rows = session.execute(
                select(DeadlineReminder, Client.contact)
                .join(Client, DeadlineReminder.client_id == Client.id)
                .where(DeadlineReminder.sent_at.is_(None), DeadlineReminder.due_at <= now)
            ).all()
            for reminder, contact in rows:
                claimed = session.execute(
                    update(DeadlineReminder).where(DeadlineReminder.id == reminder.id,
                                                   DeadlineReminder.sent_at.is_(None))
                    .values(sent_at=now)).rowcount
                if claimed and contact:
                    due.append(DueDeadline(self.cipher.decrypt(contact), reminder.last_day))
        return due
