"""Notes for the next gesprek: added by typing or a button, shown grouped per meeting,
edited, deleted, and gathered in one message to show at the meeting."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import clock
from bot.actions.base import SafeAction, entity_id
from bot.actions.consent import ask_consent
from bot.actions.context import client_data, meetings
from bot.actions.meeting import moment_text
from bot.client_data import MAX_NOTE_LENGTH

# "schrijf op dat ...", "noteer: ...", "kun je onthouden dat ...", "write down that ..."
_WITH_DAT = re.compile(
    r"^\s*(?:(?:kun|kan|wil)\s+(?:je|jij|u)\s+)?(?:ff\s+|even\s+|voor\s+mij\s+|please\s+)*"
    r"(?:schrijf|noteer|onthoud|zet|opschrijven|noteren|onthouden|write|note|remember)\b"
    r"[^:]{0,40}?(?:\bdat\b|\bthat\b|:)\s*(?P<note>.+)$", re.IGNORECASE | re.DOTALL)
_COMMAND_FIRST = re.compile(
    r"^\s*(?:schrijf\s+(?:ff\s+|even\s+)?op|noteer|onthoud|write\s+down|note\s+down)\s+"
    r"(?P<note>.{3,})$", re.IGNORECASE | re.DOTALL)


def note_from_message(text: str) -> str | None:
    """The note in a message like "schrijf op dat ik geen avonddiensten kan"."""
    if text.startswith("/"):
        return None
    match = _WITH_DAT.match(text) or _COMMAND_FIRST.match(text)
    if not match:
        return None
    note = match["note"].strip()
    return note[:1].upper() + note[1:] if len(note) >= 3 else None


async def save_pending_note(dispatcher: CollectingDispatcher, sender_id: str,
                            pending: str | None) -> list[dict[str, Any]]:
    """With consent: keep the note the client already typed, or ask for it."""
    if not pending:
        return [FollowupAction("note_form")]
    await asyncio.to_thread(client_data().add_note, sender_id, pending,
                            await next_meeting_id(sender_id))
    dispatcher.utter_message(response="utter_note_saved", note_text=pending)
    return [SlotSet("pending_note", None)]


async def next_meeting_id(sender_id: str) -> int | None:
    """Notes belong to the client's next planned meeting, if one is known."""
    meeting = await asyncio.to_thread(meetings().next_meeting, sender_id, clock.now())
    return meeting.id if meeting else None


class ActionStartNote(SafeAction):
    def name(self) -> str:
        return "action_start_note"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        note = note_from_message((tracker.latest_message or {}).get("text") or "")
        events: list[dict[str, Any]] = [SlotSet("pending_note", note), SlotSet("note_text", None),
                                        SlotSet("editing_note", None)]
        if not await asyncio.to_thread(client_data().has_consent, tracker.sender_id, "notes"):
            return events + ask_consent("notes")
        return events + await save_pending_note(dispatcher, tracker.sender_id, note)


class ValidateNoteForm(FormValidationAction):
    def name(self) -> str:
        return "validate_note_form"

    def validate_note_text(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        if value is None:
            return {"note_text": None}
        text = str(value).strip()
        if text.startswith("/"):
            return {"note_text": None}  # the button that opened the form, not a note
        if not text:
            dispatcher.utter_message(response="utter_note_text_empty")
            return {"note_text": None}
        return {"note_text": text[:MAX_NOTE_LENGTH]}


class ActionSaveNote(SafeAction):
    def name(self) -> str:
        return "action_save_note"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        text = tracker.get_slot("note_text")
        editing = tracker.get_slot("editing_note")
        data = client_data()
        reset = [SlotSet("note_text", None), SlotSet("editing_note", None)]
        if editing:
            updated = await asyncio.to_thread(data.update_note, tracker.sender_id, int(editing),
                                              text)
            dispatcher.utter_message(response="utter_note_updated" if updated
                                     else "utter_note_not_found", note_text=text)
            return reset
        if not await asyncio.to_thread(data.has_consent, tracker.sender_id, "notes"):
            return [*reset, SlotSet("pending_note", text), *ask_consent("notes")]
        await asyncio.to_thread(data.add_note, tracker.sender_id, text,
                                await next_meeting_id(tracker.sender_id))
        dispatcher.utter_message(response="utter_note_saved", note_text=text)
        return reset


class ActionShowNotes(SafeAction):
    def name(self) -> str:
        return "action_show_notes"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        data = client_data()
        if not await asyncio.to_thread(data.has_consent, tracker.sender_id, "notes"):
            dispatcher.utter_message(response="utter_notes_no_consent")
            return []
        notes = await asyncio.to_thread(data.notes, tracker.sender_id)
        if not notes:
            dispatcher.utter_message(response="utter_notes_empty")
            return []
        group: object = object()
        for note in notes:
            if note.meeting_id != group:
                group = note.meeting_id
                if note.meeting_starts_at:
                    dispatcher.utter_message(response="utter_notes_group_meeting",
                                             meeting_date=moment_text(
                                                 note.meeting_starts_at.isoformat(), True))
                else:
                    dispatcher.utter_message(response="utter_notes_group_next")
            dispatcher.utter_message(response="utter_note_item", note_text=note.text,
                                     note_id=str(note.id))
        dispatcher.utter_message(response="utter_notes_footer")
        return []


class ActionNotesCard(SafeAction):
    def name(self) -> str:
        return "action_notes_card"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        notes = await asyncio.to_thread(client_data().notes, tracker.sender_id)
        if not notes:
            dispatcher.utter_message(response="utter_notes_empty")
            return []
        listing = "\n".join(f"- {note.text}" for note in notes)
        dispatcher.utter_message(response="utter_notes_card", notes=listing)
        return []


class ActionStartEdit(SafeAction):
    def name(self) -> str:
        return "action_start_edit"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        note_id = entity_id(tracker, "note_id")
        notes = await asyncio.to_thread(client_data().notes, tracker.sender_id)
        note = next((n for n in notes if n.id == note_id), None)
        if note is None:
            dispatcher.utter_message(response="utter_note_not_found")
            return []
        return [SlotSet("editing_note", str(note.id)), SlotSet("note_text", None),
                FollowupAction("note_form")]


class ActionAskNoteText(SafeAction):
    """The form's question: what to write, or, when editing, what it should become."""

    def name(self) -> str:
        return "action_ask_note_text"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        editing = tracker.get_slot("editing_note")
        if editing:
            notes = await asyncio.to_thread(client_data().notes, tracker.sender_id)
            current = next((n.text for n in notes if str(n.id) == editing), "")
            dispatcher.utter_message(response="utter_note_edit_current", note_text=current)
        else:
            dispatcher.utter_message(response="utter_ask_note_text")
        return []


class ActionDeleteNote(SafeAction):
    def name(self) -> str:
        return "action_delete_note"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        note_id = entity_id(tracker, "note_id")
        deleted = note_id is not None and await asyncio.to_thread(
            client_data().delete_note, tracker.sender_id, note_id)
        dispatcher.utter_message(response="utter_note_deleted" if deleted
                                 else "utter_note_not_found")
        return []
