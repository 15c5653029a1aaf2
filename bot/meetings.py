"""Coming meetings and their reminders: the day before, two hours before, and a
"hoe ging het?" afterwards. Reminders live in the store, so a restart loses none; a
reminder is claimed in one UPDATE before it is sent, so none is ever sent twice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from bot.clock import as_utc
from bot.crypto import Cipher
from bot.store import Store
from bot.store.models import Client, Meeting, Reminder

BEFORE = (timedelta(days=1), timedelta(hours=2))
FOLLOW_UP_AFTER = timedelta(hours=3)


@dataclass(frozen=True)
class DueReminder:
    kind: str  # before, follow_up
    meeting_id: int
    contact: str
    starts_at: datetime
    has_time: bool


class Meetings:
    def __init__(self, store: Store, cipher: Cipher) -> None:
        self.store = store
        self.cipher = cipher

    def save(self, client_id: str, starts_at: datetime | None, has_time: bool,
             with_whom: str | None, details: dict[str, Any], now: datetime) -> int:
        with self.store.sessions.begin() as session:
            if session.get(Client, client_id) is None:
                session.add(Client(id=client_id))
            meeting = Meeting(client_id=client_id, starts_at=_utc(starts_at), has_time=has_time,
                              with_whom=with_whom, status="planned", created_at=now,
                              details=self.cipher.encrypt(json.dumps(details)))
            session.add(meeting)
            session.flush()
            return meeting.id

    def schedule_reminders(self, client_id: str, meeting_id: int, now: datetime) -> int:
        """(Re)plan the reminders of a meeting; returns how many are still ahead."""
        with self.store.sessions.begin() as session:
            meeting = self._own(session, client_id, meeting_id)
            if meeting is None or meeting.starts_at is None:
                return 0
            session.execute(delete(Reminder).where(Reminder.meeting_id == meeting_id,
                                                   Reminder.sent_at.is_(None)))
            starts = as_utc(meeting.starts_at)
            planned = [("before", starts - lead) for lead in BEFORE]
            planned.append(("follow_up", starts + FOLLOW_UP_AFTER))
            ahead = [(kind, due) for kind, due in planned if due > now]
            session.add_all(Reminder(meeting_id=meeting_id, kind=kind, due_at=due)
                            for kind, due in ahead)
            return len(ahead)

    def move(self, client_id: str, meeting_id: int, starts_at: datetime, has_time: bool,
             now: datetime) -> bool:
        with self.store.sessions.begin() as session:
            meeting = self._own(session, client_id, meeting_id)
            if meeting is None:
                return False
            meeting.starts_at, meeting.has_time = _utc(starts_at), has_time
            meeting.status = "planned"
        self.schedule_reminders(client_id, meeting_id, now)
        return True

    def cancel(self, client_id: str, meeting_id: int) -> bool:
        with self.store.sessions.begin() as session:
            meeting = self._own(session, client_id, meeting_id)
            if meeting is None:
                return False
            meeting.status = "cancelled"
            session.execute(delete(Reminder).where(Reminder.meeting_id == meeting_id,
                                                   Reminder.sent_at.is_(None)))
            return True

    def next_meeting(self, client_id: str, now: datetime) -> Meeting | None:
        with self.store.session() as session:
            return session.scalars(
                select(Meeting).where(Meeting.client_id == client_id,
                                      Meeting.status == "planned",
                                      Meeting.starts_at > now - FOLLOW_UP_AFTER)
                .order_by(Meeting.starts_at).limit(1)).first()

    def get(self, client_id: str, meeting_id: int | None) -> Meeting | None:
        if meeting_id is None:
            return None
        with self.store.session() as session:
            return self._own(session, client_id, meeting_id)

    def details(self, meeting: Meeting) -> dict[str, Any]:
        return json.loads(self.cipher.decrypt(meeting.details)) if meeting.details else {}

    def claim_due(self, now: datetime) -> list[DueReminder]:
        """Reminders due now, each claimed (marked sent) so no other run sends it again."""
        due: list[DueReminder] = []
        with self.store.sessions.begin() as session:
            rows = session.execute(
                select(Reminder, Meeting, Client.contact).select_from(Reminder)
                .join(Meeting, Reminder.meeting_id == Meeting.id)
                .join(Client, Meeting.client_id == Client.id)
                .where(Reminder.sent_at.is_(None), Reminder.due_at <= now,
                       Meeting.status == "planned")).all()
            for reminder, meeting, contact in rows:
                claimed = session.execute(
                    update(Reminder).where(Reminder.id == reminder.id,
                                           Reminder.sent_at.is_(None))
                    .values(sent_at=now)).rowcount
                too_late = reminder.kind == "before" and as_utc(meeting.starts_at) <= now
                if claimed and contact and not too_late:
                    due.append(DueReminder(reminder.kind, meeting.id,
                                           self.cipher.decrypt(contact),
                                           as_utc(meeting.starts_at), meeting.has_time))
        return due

    @staticmethod
    def _own(session, client_id: str, meeting_id: int) -> Meeting | None:  # type: ignore[no-untyped-def]
        meeting = session.get(Meeting, meeting_id)
        return meeting if meeting is not None and meeting.client_id == client_id else None



def _utc(moment: datetime | None) -> datetime | None:
    """Store UTC: SQLite keeps the wall-clock time and drops the zone."""
    return moment.astimezone(UTC) if moment and moment.tzinfo else moment
