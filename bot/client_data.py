"""What the assistant keeps about a client, and the client's control over it.

Consent per purpose (stored with the exact text shown), notes (encrypted), the export
behind /mijngegevens and the erasure behind /vergeet. Everything goes through the store;
notes are decrypted only here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from bot.admin_web.models import ReviewItem
from bot.crypto import Cipher
from bot.store import Store
from bot.store.models import (
    AuditEntry,
    Client,
    Consent,
    Conversation,
    DeadlineReminder,
    Meeting,
    Note,
    Reminder,
    Ticket,
    TicketMessage,
)
from bot.tickets import Tickets
from bot.tracker_store import conversation_log, erase_conversation

PURPOSES = ("notes", "reminders", "sharing", "review")
# every column that holds ciphertext, for a key rotation
ENCRYPTED_COLUMNS = ((Note, "body"), (Client, "contact"), (Meeting, "details"),
                     (Ticket, "summary"), (Ticket, "contact"), (Ticket, "client_name"),
                     (TicketMessage, "body"), (ReviewItem, "text"))
NEEDS_CONTACT = ("notes", "reminders")  # retention warnings, reminders
MAX_NOTE_LENGTH = 1000


@dataclass(frozen=True)
class NoteView:
    id: int
    text: str
    meeting_id: int | None
    meeting_starts_at: datetime | None


class ClientData:
    def __init__(self, store: Store, cipher: Cipher, tracker_url: str) -> None:
        self.store = store
        self.cipher = cipher
        self.tracker_url = tracker_url

    # -- consent -------------------------------------------------------------------------

    def consents(self, client_id: str) -> dict[str, bool]:
        """The current answer per purpose (False when never asked)."""
        state = dict.fromkeys(PURPOSES, False)
        with self.store.session() as session:
            state.update({c.purpose: c.granted for c in self._latest(session, client_id)})
        return state

    def has_consent(self, client_id: str, purpose: str) -> bool:
        return self.consents(client_id)[purpose]

    def record_consent(self, client_id: str, purpose: str, granted: bool, *, version: str,
                       text_shown: str, language: str, method: str,
                       contact_token: str | None = None) -> None:
        """Store the answer; a withdrawal deletes at once what only that purpose needed.

        ``contact_token`` is how to reach the client, already encrypted by the front end
        (Rasa and the actions only ever see it encrypted); a token that does not decrypt
        with our keys is ignored.
        """
        if purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {purpose}")
        with self.store.sessions.begin() as session:
            client = session.get(Client, client_id) or Client(id=client_id)
            session.add(client)
            session.add(Consent(client_id=client_id, purpose=purpose, granted=granted,
                                version=version, text_shown=text_shown, language=language,
                                method=method, at=datetime.now(UTC)))
            if granted and purpose in NEEDS_CONTACT and self.cipher.is_ours(contact_token):
                client.contact = contact_token.encode()  # type: ignore[union-attr]
            if not granted:
                self._forget_purpose(session, client, purpose)

    def _forget_purpose(self, session, client: Client, purpose: str) -> None:  # type: ignore[no-untyped-def]
        if purpose == "notes":
            session.execute(delete(Note).where(Note.client_id == client.id))
        if purpose == "review":
            # misunderstood messages kept for the review queue of the admin web app
            session.execute(delete(ReviewItem).where(ReviewItem.client_id == client.id))
        if purpose == "reminders":
            # meetings are kept only to remind: they go, with their reminders
            for meeting in session.scalars(select(Meeting).where(Meeting.client_id == client.id)):
                session.delete(meeting)
            session.execute(delete(DeadlineReminder).where(
                DeadlineReminder.client_id == client.id))
        session.flush()
        still_granted = {c.purpose for c in self._latest(session, client.id) if c.granted}
        if not still_granted & set(NEEDS_CONTACT):
            client.contact = None

    @staticmethod
    def _latest(session, client_id: str) -> list[Consent]:  # type: ignore[no-untyped-def]
        latest: dict[str, Consent] = {}
        for consent in session.scalars(select(Consent).where(Consent.client_id == client_id)
                                       .order_by(Consent.id)):
            latest[consent.purpose] = consent
        return list(latest.values())

    def count_for_purpose(self, client_id: str, purpose: str) -> int:
        """How much a withdrawal would erase: notes, or reminders still to come."""
        with self.store.session() as session:
            if purpose == "notes":
                return session.query(Note).filter_by(client_id=client_id).count()
            if purpose == "reminders":
                return session.query(Reminder).join(Meeting).filter(
                    Meeting.client_id == client_id, Reminder.sent_at.is_(None)).count() + \
                    session.query(DeadlineReminder).filter(
                        DeadlineReminder.client_id == client_id,
                        DeadlineReminder.sent_at.is_(None)).count()
            if purpose == "review":
                return session.query(ReviewItem).filter_by(client_id=client_id).count()
        return 0

    def contact(self, client_id: str) -> str | None:
        client = self.store.client(client_id)
        return self.cipher.decrypt(client.contact) if client and client.contact else None

    # -- notes ---------------------------------------------------------------------------

    def add_note(self, client_id: str, text: str, meeting_id: int | None = None) -> int:
        if not self.has_consent(client_id, "notes"):
            raise PermissionError("no consent to keep notes")
        now = datetime.now(UTC)
        with self.store.sessions.begin() as session:
            note = Note(client_id=client_id, meeting_id=meeting_id, created_at=now,
                        updated_at=now, body=self.cipher.encrypt(text[:MAX_NOTE_LENGTH]))
            session.add(note)
            session.flush()
            return note.id

    def update_note(self, client_id: str, note_id: int, text: str) -> bool:
        with self.store.sessions.begin() as session:
            note = session.get(Note, note_id)
            if note is None or note.client_id != client_id:
                return False
            note.body = self.cipher.encrypt(text[:MAX_NOTE_LENGTH])
            note.updated_at = datetime.now(UTC)
            return True

    def delete_note(self, client_id: str, note_id: int) -> bool:
        with self.store.sessions.begin() as session:
            deleted = session.execute(delete(Note).where(Note.id == note_id,
                                                         Note.client_id == client_id))
            return deleted.rowcount > 0

    def notes(self, client_id: str) -> list[NoteView]:
        with self.store.session() as session:
            rows = session.execute(
                select(Note, Meeting.starts_at).outerjoin(Meeting)
                .where(Note.client_id == client_id).order_by(Note.id)).all()
            return [NoteView(note.id, self.cipher.decrypt(note.body), note.meeting_id, starts)
                    for note, starts in rows]

    # -- export and erasure --------------------------------------------------------------

    def export(self, client_id: str) -> dict[str, Any]:
        """Everything held about the client, readable, as one JSON-able document."""
        with self.store.session() as session:
            client = session.get(Client, client_id)
            consents = session.scalars(select(Consent).where(Consent.client_id == client_id)
                                       .order_by(Consent.id)).all()
            meetings = session.scalars(select(Meeting).where(Meeting.client_id == client_id)
                                       .order_by(Meeting.id)).all()
            deadline_reminders = session.scalars(select(DeadlineReminder).where(
                DeadlineReminder.client_id == client_id).order_by(DeadlineReminder.id)).all()
            conversations = session.scalars(select(Conversation).where(
                Conversation.client_id == client_id).order_by(Conversation.id)).all()
        self.audit("client", "export", client_id)
        return {
            "pseudoniem": client_id,
            "gemaakt_op": datetime.now(UTC).isoformat(),
            "profiel": None if client is None else {
                "taal": client.language, "gemeente": client.gemeente,
                "eerst_gezien": _iso(client.created_at),
                "laatst_actief": _iso(client.last_active_at),
                "contactgegevens_bewaard": client.contact is not None},
            "toestemmingen": [{"doel": c.purpose, "gegeven": c.granted, "versie": c.version,
                               "tekst": c.text_shown, "taal": c.language, "hoe": c.method,
                               "wanneer": _iso(c.at)} for c in consents],
            "notities": [{"id": n.id, "tekst": n.text, "gesprek": n.meeting_id}
                         for n in self.notes(client_id)],
            "gesprekken": [{"id": m.id, "wanneer": _iso(m.starts_at), "met": m.with_whom,
                            "status": m.status,
                            "voorbereiding": (json.loads(self.cipher.decrypt(m.details))
                                              if m.details else {})}
                           for m in meetings],
            "gespreksstatistiek": [{"begonnen": _iso(c.started_at),
                                    "laatste_bericht": _iso(c.last_message_at),
                                    "berichten_van_jou": c.messages_in,
                                    "antwoorden": c.messages_out} for c in conversations],
            "steunpunt": Tickets(self.store, self.cipher).export(client_id),
            "herinneringen_bezwaar": [{"laatste_dag": r.last_day.isoformat(),
                                       "wanneer": _iso(r.due_at), "verstuurd": _iso(r.sent_at)}
                                      for r in deadline_reminders],
            "gesprekslog": conversation_log(self.tracker_url, client_id),
            "onbegrepen_berichten": self._review_items(client_id),
        }

    def _review_items(self, client_id: str) -> list[dict[str, Any]]:
        """Misunderstood messages kept (masked) for the review queue, with consent."""
        with self.store.session() as session:
            items = session.scalars(select(ReviewItem).where(
                ReviewItem.client_id == client_id).order_by(ReviewItem.id)).all()
        done = {"trained": "gebruikt als voorbeeld om de assistent te trainen",
                "out_of_scope": "gebruikt als voorbeeld van een vraag buiten het onderwerp",
                "discarded": "niet gebruikt"}
        return [{"tekst_zonder_namen_en_nummers": self.cipher.decrypt(i.text) or None,
                 "wanneer": _iso(i.said_at),
                 "status": done.get(i.status, "wacht op een medewerker")} for i in items]

    def erase(self, client_id: str) -> dict[str, int]:
        """Erase everything about the client, Rasa's conversation log included."""
        with self.store.sessions.begin() as session:
            counts = {
                "notities": session.query(Note).filter_by(client_id=client_id).count(),
                "toestemmingen": session.query(Consent).filter_by(client_id=client_id).count(),
                "gesprekken": session.query(Meeting).filter_by(client_id=client_id).count(),
                "steunpunt": session.query(Ticket).filter_by(client_id=client_id).count(),
            }
            client = session.get(Client, client_id)
            if client is not None:
                session.delete(client)
        counts["gespreksregels"] = erase_conversation(self.tracker_url, client_id)
        self.audit("client", "erase", client_id, detail=str(counts))
        return counts

    def rotate_keys(self, actor: str = "admin") -> int:
        """Re-encrypt every encrypted value with the newest key; returns how many."""
        rotated = 0
        with self.store.sessions.begin() as session:
            for model, column in ENCRYPTED_COLUMNS:
                field = getattr(model, column)
                for row in session.scalars(select(model).where(field.is_not(None))):
                    setattr(row, column, self.cipher.rotate(getattr(row, column)))
                    rotated += 1
        self.audit(actor, "rotate_keys", None, detail=f"{rotated} values re-encrypted")
        return rotated

    # -- retention -----------------------------------------------------------------------

    def due_retention_warnings(self, now: datetime, notes_days: float,
                               warning_days: float) -> list[tuple[str, str]]:
        """(client id, contact) of clients whose notes expire soon and were not yet told;
        they are marked as told."""
        threshold = now - timedelta(days=notes_days - warning_days)
        due = []
        with self.store.sessions.begin() as session:
            clients = session.scalars(
                select(Client).where(Client.contact.is_not(None),
                                     Client.retention_warned_at.is_(None),
                                     Client.last_active_at < threshold,
                                     Client.notes.any()))
            for client in clients.all():
                # claimed in one UPDATE, so with several front ends only one warns
                claimed = session.execute(
                    update(Client).where(Client.id == client.id,
                                         Client.retention_warned_at.is_(None))
                    .values(retention_warned_at=now)).rowcount
                if claimed:
                    due.append((client.id, self.cipher.decrypt(client.contact)))
        return due

    def purge_expired(self, now: datetime, notes_days: float,
                      history_days: float) -> dict[str, int]:
        """Delete notes and conversation history of clients inactive for too long."""
        with self.store.sessions.begin() as session:
            stale_notes = select(Client.id).where(
                Client.last_active_at < now - timedelta(days=notes_days))
            notes = session.execute(delete(Note).where(Note.client_id.in_(stale_notes))).rowcount
            stale_history = session.scalars(select(Client.id).where(
                Client.last_active_at < now - timedelta(days=history_days))).all()
            session.execute(delete(Conversation).where(Conversation.client_id.in_(stale_history)))
            past = session.scalars(select(Meeting).where(
                Meeting.starts_at < now - timedelta(days=history_days))).all()
            for meeting in past:
                session.delete(meeting)
            # misunderstood messages kept for review: no longer than conversation history
            reviews = session.execute(delete(ReviewItem).where(
                ReviewItem.said_at < now - timedelta(days=history_days))).rowcount
        events = sum(erase_conversation(self.tracker_url, client_id)
                     for client_id in stale_history)
        if notes or events or past or reviews:
            self.audit("system", "retention_purge", None,
                       detail=f"{notes} notes, {len(past)} meetings, {events} conversation "
                              f"events, {reviews} messages kept for review")
        return {"notes": notes, "meetings": len(past), "events": events, "reviews": reviews}

    def audit(self, actor: str, action: str, client_id: str | None, detail: str = "") -> None:
        with self.store.sessions.begin() as session:
            session.add(AuditEntry(actor=actor, action=action, client_id=client_id,
                                   detail=detail, at=datetime.now(UTC)))


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()
