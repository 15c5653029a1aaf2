"""Asking for a person: the client chooses what Steunpunt staff may see, then a ticket is
made in the store. The front end posts it to the staff group and relays the conversation;
Rasa hears nothing from the client until the ticket is closed."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import clock
from bot.actions.base import SafeAction
from bot.actions.complaint import TOPIC_LABELS
from bot.actions.consent import answered_by
from bot.actions.context import catalog, client_data, language, organisations, tickets
from bot.deadlines import format_dutch_date
from bot.organisations import contact_text

MAX_SHARED_NOTES = 10
MAX_NOTE_CHARS = 300
NOT_ASKED = "-"


class ActionCheckHandover(SafeAction):
    def name(self) -> str:
        return "action_check_handover"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        metadata = (tracker.latest_message or {}).get("metadata") or {}
        if metadata.get("staff") is not True:
            tell_contacts(dispatcher, tracker.get_slot("gemeente"))
            return [SlotSet("handover_available", False)]
        dispatcher.utter_message(response="utter_handover_intro")
        return [SlotSet("handover_available", True), SlotSet("handover_share_notes", None),
                SlotSet("handover_share_name", None)]


def tell_contacts(dispatcher: CollectingDispatcher, gemeente: str | None) -> None:
    """No staff in this chat: where the client can find a person instead."""
    dispatcher.utter_message(response="utter_human_handoff")
    found = organisations().gemeente(gemeente)
    if found is not None and found.steunpunt is not None:
        dispatcher.utter_message(response="utter_human_handoff_local",
                                 steunpunt_contact=contact_text(found.steunpunt))


class ValidateHandoverForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handover_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        notes = await asyncio.to_thread(client_data().notes, tracker.sender_id)
        return (["handover_share_notes"] if notes else []) + ["handover_share_name"]


class ActionStartHandover(SafeAction):
    def name(self) -> str:
        return "action_start_handover"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        share_notes = tracker.get_slot("handover_share_notes") is True
        if tracker.get_slot("handover_share_notes") is not None:
            await record_sharing_consent(tracker, share_notes)
        summary = await asyncio.to_thread(ticket_summary, tracker, share_notes)
        metadata = (tracker.latest_message or {}).get("metadata") or {}
        ticket_id = await asyncio.to_thread(
            tickets().open, tracker.sender_id, topic=tracker.get_slot("complaint_topic"),
            gemeente=tracker.get_slot("gemeente"), summary=summary,
            contact_token=metadata.get("contact"),
            share_name=tracker.get_slot("handover_share_name") is True, now=clock.now())
        dispatcher.utter_message(json_message={"handover": ticket_id})
        return [SlotSet("handover_share_notes", None), SlotSet("handover_share_name", None)]


async def record_sharing_consent(tracker: Tracker, granted: bool) -> None:
    shown = catalog().render("utter_ask_handover_share_notes", language=language(tracker)).text
    await asyncio.to_thread(
        client_data().record_consent, tracker.sender_id, "sharing", granted,
        version=hashlib.sha256(shown.encode()).hexdigest()[:12], text_shown=shown,
        language=language(tracker), method=answered_by(tracker))


def ticket_summary(tracker: Tracker, share_notes: bool) -> str:
    """What staff see first: topic, since when, gemeente and route so far; notes only when
    the client agreed to share them."""
    topic = TOPIC_LABELS.get(tracker.get_slot("complaint_topic") or "", NOT_ASKED)
    route = tracker.get_slot("complaint_route") or NOT_ASKED
    if last_day := tracker.get_slot("objection_last_day"):
        route += f"; laatste dag bezwaar {format_dutch_date(date.fromisoformat(last_day))}"
    gemeente = tracker.get_slot("gemeente")
    gemeente_name = ("UWV (WW)" if gemeente == "uwv" else organisations().name(gemeente)
                     or tracker.get_slot("complaint_gemeente") or NOT_ASKED)
    text = catalog().render("utter_staff_summary", {
        "topic": topic, "route": route, "gemeente_name": gemeente_name,
        "since": tracker.get_slot("complaint_since") or NOT_ASKED}).text
    if share_notes:
        notes = client_data().notes(tracker.sender_id)[:MAX_SHARED_NOTES]
        lines = "\n".join(f"- {note.text[:MAX_NOTE_CHARS]}" for note in notes)
        text += "\n" + catalog().render("utter_staff_summary_notes", {"notes": lines}).text
    return text
