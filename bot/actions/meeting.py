"""Meeting preparation: the form's validation, the gesprekskaart, weten/willen/kunnen tips,
reminders (with consent), moving and cancelling a meeting."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import clock
from bot.actions.base import SafeAction, entity_id
from bot.actions.consent import ask_consent
from bot.actions.context import catalog, client_data, language, meetings
from bot.dutch_dates import parse_meeting_time
from bot.meeting_card import AMSTERDAM

FORM_SLOTS = ("meeting_when", "meeting_with", "meeting_topic", "meeting_wish", "meeting_worry",
              "meeting_questions", "meeting_bring", "meeting_documents",
              "meeting_know_options", "meeting_can_say")
SKIPPED = "-"
YES_WORDS = ("ja", "yes", "jawel", "jep", "zeker")
NO_WORDS = ("nee", "no", "neen", "nope")


def reset_form() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in (*FORM_SLOTS, "meeting_at", "meeting_has_time")]


def yes_no(value: str) -> str:
    word = value.strip().lower()
    if word.startswith(YES_WORDS):
        return "ja"
    if word.startswith(NO_WORDS):
        return "nee"
    return value.strip()


def answer_given(value: Any) -> bool:
    return value is not None and bool(str(value).strip()) and not str(value).startswith("/")


def read_when(value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """The meeting time from the client's words, or a question to try again."""
    if value is None:
        return {"meeting_when": None}
    text = str(value).strip()
    if text.startswith("/"):
        return {"meeting_when": None}
    if text == SKIPPED:
        return {"meeting_when": SKIPPED, "meeting_at": None, "meeting_has_time": None}
    parsed = parse_meeting_time(text, clock.now())
    if parsed is None:
        dispatcher.utter_message(response="utter_meeting_when_not_understood")
        return {"meeting_when": None}
    return {"meeting_when": text, "meeting_at": parsed.at.isoformat(),
            "meeting_has_time": parsed.has_time}


def free_text(slot: str):  # type: ignore[no-untyped-def]
    """A validator that keeps what the client typed, but not a command or button payload
    that the form's free-text question happened to catch (e.g. /start)."""

    def validate(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                 domain: DomainDict) -> dict[str, Any]:
        text = str(value).strip() if value is not None else ""
        return {slot: text if text and not text.startswith("/") else None}

    return validate


class ValidateMeetingForm(FormValidationAction):
    def name(self) -> str:
        return "validate_meeting_form"

    validate_meeting_with = free_text("meeting_with")
    validate_meeting_topic = free_text("meeting_topic")
    validate_meeting_wish = free_text("meeting_wish")
    validate_meeting_worry = free_text("meeting_worry")
    validate_meeting_questions = free_text("meeting_questions")
    validate_meeting_documents = free_text("meeting_documents")

    def validate_meeting_when(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return read_when(value, dispatcher)

    def validate_meeting_bring(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return {"meeting_bring": yes_no(str(value)) if answer_given(value) else None}

    def validate_meeting_know_options(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return {"meeting_know_options": yes_no(str(value)) if answer_given(value) else None}

    def validate_meeting_can_say(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return {"meeting_can_say": yes_no(str(value)) if answer_given(value) else None}


class ValidateMoveForm(FormValidationAction):
    def name(self) -> str:
        return "validate_move_form"

    def validate_meeting_when(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return read_when(value, dispatcher)


class ActionStartMeeting(SafeAction):
    def name(self) -> str:
        return "action_start_meeting"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        if any(tracker.get_slot(slot) for slot in FORM_SLOTS):
            dispatcher.utter_message(response="utter_meeting_resume")
            return []
        dispatcher.utter_message(response="utter_meeting_intro")
        return [*reset_form(), FollowupAction("meeting_form")]


class ActionResumeMeeting(SafeAction):
    def name(self) -> str:
        return "action_resume_meeting"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        return [FollowupAction("meeting_form")]


class ActionRestartMeeting(SafeAction):
    def name(self) -> str:
        return "action_restart_meeting"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_meeting_intro")
        return [*reset_form(), FollowupAction("meeting_form")]


def answers(tracker: Tracker) -> dict[str, str]:
    """What the client told, without the skipped questions."""
    return {slot.removeprefix("meeting_"): tracker.get_slot(slot) for slot in FORM_SLOTS
            if tracker.get_slot(slot) and tracker.get_slot(slot) != SKIPPED}


def moment_text(at: str | None, has_time: bool | None) -> str | None:
    """The moment as ISO text (a date alone when the time is unknown): the NLG endpoint and
    the card picture format it in the client's language."""
    if not at:
        return None
    moment = datetime.fromisoformat(at)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # the store's are UTC
    if has_time:
        return moment.isoformat()
    return moment.astimezone(AMSTERDAM).date().isoformat()


async def card_events(dispatcher: CollectingDispatcher, sender: str, told: dict[str, str],
                      at: str | None, has_time: bool | None, language: str) -> None:
    """The gesprekskaart as a message, and its data for the picture the front end draws."""
    unknown = catalog().render("utter_card_unknown", language=language).text
    notes = await asyncio.to_thread(_notes_if_consented, sender)
    when = moment_text(at, has_time) or unknown
    notes_text = (catalog().render("utter_meeting_card_notes",
                                   {"notes": "\n".join(f"- {n}" for n in notes)}, language).text
                  if notes else "")
    dispatcher.utter_message(
        response="utter_meeting_card", when=when, with_whom=told.get("with", unknown),
        topic=told.get("topic", unknown), wish=told.get("wish", unknown),
        worry=told.get("worry", "-"), questions=told.get("questions", "-"),
        documents=told.get("documents", "-"), bring=told.get("bring", "-"), notes=notes_text)
    dispatcher.utter_message(json_message={"gesprekskaart": {
        "when": when, "answers": told, "notes": notes, "language": language}})


def _notes_if_consented(sender: str) -> list[str]:
    data = client_data()
    if not data.has_consent(sender, "notes"):
        return []
    return [note.text for note in data.notes(sender)]


class ActionMeetingDone(SafeAction):
    def name(self) -> str:
        return "action_meeting_done"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        told = answers(tracker)
        at, has_time = tracker.get_slot("meeting_at"), tracker.get_slot("meeting_has_time")
        await card_events(dispatcher, tracker.sender_id, told, at, has_time, language(tracker))
        if told.get("know_options") != "ja":
            dispatcher.utter_message(response="utter_meeting_tip_know")
        if "wish" not in told:
            dispatcher.utter_message(response="utter_meeting_tip_want")
        if told.get("can_say") != "ja":
            dispatcher.utter_message(response="utter_meeting_tip_say",
                                     wish=told.get("wish", "…"))
        dispatcher.utter_message(response="utter_meeting_tip_rights")
        pending = {"at": at, "has_time": has_time, "answers": told}
        return [*reset_form(), *await offer_reminders(dispatcher, tracker.sender_id, pending)]


async def offer_reminders(dispatcher: CollectingDispatcher, sender: str,
                          pending: dict[str, Any]) -> list[dict[str, Any]]:
    """With a date: remind (asking consent the first time); without: say how to add one."""
    if not pending["at"]:
        dispatcher.utter_message(response="utter_meeting_no_date")
        return []
    if not await asyncio.to_thread(client_data().has_consent, sender, "reminders"):
        return [SlotSet("pending_meeting", json.dumps(pending)), *ask_consent("reminders")]
    await save_meeting(dispatcher, sender, pending)
    return []


async def save_meeting(dispatcher: CollectingDispatcher, sender: str,
                       pending: dict[str, Any]) -> None:
    now = clock.now()
    at = datetime.fromisoformat(pending["at"])
    store = meetings()
    meeting_id = await asyncio.to_thread(
        store.save, sender, at, bool(pending["has_time"]), pending["answers"].get("with"),
        pending["answers"], now)
    await asyncio.to_thread(store.schedule_reminders, sender, meeting_id, now)
    dispatcher.utter_message(response="utter_meeting_reminders_set",
                             when=moment_text(pending["at"], pending["has_time"]),
                             meeting_id=str(meeting_id))


class ActionStartMove(SafeAction):
    def name(self) -> str:
        return "action_start_move"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        meeting_id = entity_id(tracker, "meeting_id")
        if meeting_id is None:
            dispatcher.utter_message(response="utter_meeting_not_found")
            return []
        return [SlotSet("moving_meeting", str(meeting_id)), SlotSet("meeting_when", None),
                FollowupAction("move_form")]


class ActionMoveDone(SafeAction):
    def name(self) -> str:
        return "action_move_done"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        meeting_id, at = tracker.get_slot("moving_meeting"), tracker.get_slot("meeting_at")
        reset = [SlotSet("moving_meeting", None), *reset_form()]
        if not at or not meeting_id:
            dispatcher.utter_message(response="utter_meeting_not_moved")
            return reset
        has_time = bool(tracker.get_slot("meeting_has_time"))
        moved = await asyncio.to_thread(meetings().move, tracker.sender_id, int(meeting_id),
                                        datetime.fromisoformat(at), has_time, clock.now())
        if not moved:
            dispatcher.utter_message(response="utter_meeting_not_found")
            return reset
        dispatcher.utter_message(response="utter_meeting_moved", meeting_id=meeting_id,
                                 when=moment_text(at, has_time))
        return reset


class ActionCancelMeeting(SafeAction):
    def name(self) -> str:
        return "action_cancel_meeting"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        meeting_id = entity_id(tracker, "meeting_id")
        cancelled = meeting_id is not None and await asyncio.to_thread(
            meetings().cancel, tracker.sender_id, meeting_id)
        dispatcher.utter_message(response="utter_meeting_cancelled" if cancelled
                                 else "utter_meeting_not_found")
        return []


class ActionShowCard(SafeAction):
    def name(self) -> str:
        return "action_show_card"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        meeting_id = entity_id(tracker, "meeting_id")
        store = meetings()
        meeting = await asyncio.to_thread(store.get, tracker.sender_id, meeting_id)
        if meeting is None:
            dispatcher.utter_message(response="utter_meeting_not_found")
            return []
        at = meeting.starts_at.isoformat() if meeting.starts_at else None
        await card_events(dispatcher, tracker.sender_id, store.details(meeting), at,
                          meeting.has_time, language(tracker))
        return []
