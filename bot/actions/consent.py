"""Consent per purpose: asked when first needed, answered by button or typed yes/no,
shown and changed with /privacy. The exact text the client saw is stored with it."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import SafeAction
from bot.actions.context import catalog, client_data, language
from bot.actions.fallback import previous_bot_response

ACTIVE_PURPOSES = ("notes", "reminders", "review")  # features that exist; /privacy shows these
YES = ("affirm", "give_consent")


def consent_question(purpose: str, tracker: Tracker) -> str:
    """The response the client answered: the question, or the /privacy line."""
    shown = previous_bot_response(tracker)
    if shown and (shown.startswith(f"utter_ask_consent_{purpose}")
                  or shown == f"utter_consent_{purpose}_off"):
        return shown
    return f"utter_ask_consent_{purpose}"


def answered_by(tracker: Tracker) -> str:
    text = (tracker.latest_message or {}).get("text") or ""
    return "button" if text.startswith("/") else "typed"


class ActionAskConsent(SafeAction):
    def name(self) -> str:
        return "action_ask_consent"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        purpose = tracker.get_slot("consent_purpose") or "notes"
        if purpose == "reminders" and tracker.get_slot("pending_deadline"):
            dispatcher.utter_message(response="utter_ask_consent_reminders_deadline")
            return []
        dispatcher.utter_message(response=f"utter_ask_consent_{purpose}")
        return []


class ActionConsentReply(SafeAction):
    def name(self) -> str:
        return "action_consent_reply"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        purpose = (next(tracker.get_latest_entity_values("purpose"), None)
                   or tracker.get_slot("consent_purpose") or "notes")
        if purpose not in ACTIVE_PURPOSES:
            dispatcher.utter_message(response="utter_fallback")
            return []
        granted = tracker.get_intent_of_latest_message() in YES
        question = consent_question(purpose, tracker)
        shown = catalog().render(question, language=language(tracker)).text
        metadata = (tracker.latest_message or {}).get("metadata") or {}
        await asyncio.to_thread(
            client_data().record_consent, tracker.sender_id, purpose, granted,
            version=hashlib.sha256(shown.encode()).hexdigest()[:12], text_shown=shown,
            language=language(tracker), method=answered_by(tracker),
            contact_token=metadata.get("contact"))
        events: list[dict[str, Any]] = [SlotSet("consent_purpose", None)]
        if not granted:
            about_deadline = purpose == "reminders" and tracker.get_slot("pending_deadline")
            dispatcher.utter_message(response=f"utter_consent_refused_{purpose}"
                                     + ("_deadline" if about_deadline else ""))
            return [*events, SlotSet("pending_note", None), SlotSet("pending_meeting", None),
                    SlotSet("pending_deadline", None)]
        if purpose == "notes" and question == "utter_ask_consent_notes":
            from bot.actions.notes import save_pending_note  # notes asks consent in turn

            return events + await save_pending_note(dispatcher, tracker.sender_id,
                                                     tracker.get_slot("pending_note"))
        pending_meeting = tracker.get_slot("pending_meeting")
        if purpose == "reminders" and pending_meeting:
            from bot.actions.meeting import save_meeting  # meetings ask consent in turn

            await save_meeting(dispatcher, tracker.sender_id, json.loads(pending_meeting))
            return [*events, SlotSet("pending_meeting", None)]
        pending_deadline = tracker.get_slot("pending_deadline")
        if purpose == "reminders" and pending_deadline:
            from bot.actions.deadline import plan_deadline_reminders  # asks consent in turn

            await plan_deadline_reminders(dispatcher, tracker.sender_id, pending_deadline)
            return [*events, SlotSet("pending_deadline", None)]
        if purpose == "review":
            from bot.actions.review import keep_misunderstood  # the messages just missed

            await keep_misunderstood(tracker)
        dispatcher.utter_message(response=f"utter_consent_given_{purpose}")
        return events


class ActionWithdrawConsent(SafeAction):
    def name(self) -> str:
        return "action_withdraw_consent"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        purpose = next(tracker.get_latest_entity_values("purpose"), None)
        if purpose not in ACTIVE_PURPOSES:
            dispatcher.utter_message(response="utter_fallback")
            return []
        data = client_data()
        count = await asyncio.to_thread(data.count_for_purpose, tracker.sender_id, purpose)
        shown = catalog().render(f"utter_consent_{purpose}_on", language=language(tracker)).text
        await asyncio.to_thread(
            data.record_consent, tracker.sender_id, purpose, False,
            version=hashlib.sha256(shown.encode()).hexdigest()[:12], text_shown=shown,
            language=language(tracker), method=answered_by(tracker))
        dispatcher.utter_message(response=f"utter_consent_withdrawn_{purpose}", count=count)
        return []


class ActionShowConsent(SafeAction):
    def name(self) -> str:
        return "action_show_consent"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        state = await asyncio.to_thread(client_data().consents, tracker.sender_id)
        dispatcher.utter_message(response="utter_consent_intro")
        for purpose in ACTIVE_PURPOSES:
            on_off = "on" if state[purpose] else "off"
            dispatcher.utter_message(response=f"utter_consent_{purpose}_{on_off}")
        dispatcher.utter_message(response="utter_consent_more")
        return []


def ask_consent(purpose: str) -> list[dict[str, Any]]:
    """Events that make the consent question the next thing the client sees."""
    return [SlotSet("consent_purpose", purpose), FollowupAction("action_ask_consent")]
