"""The bezwaar deadline from the date on the letter: six weeks from the day after it was
made known (Awb 6:7, 6:8), moved past weekends and feestdagen (Algemene termijnenwet)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import clock
from bot.actions.base import SafeAction
from bot.actions.consent import ask_consent
from bot.actions.context import client_data, deadline_reminders
from bot.deadlines import objection_deadline, parse_decision_date

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def today() -> date:
    return clock.now().astimezone(AMSTERDAM).date()


class ValidateDeadlineForm(FormValidationAction):
    def name(self) -> str:
        return "validate_deadline_form"

    def validate_besluit_date(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return {"besluit_date": read_besluit_date(value, dispatcher)}


def read_besluit_date(value: Any, dispatcher: CollectingDispatcher) -> str | None:
    """The date on the letter as an ISO date, or None (and a hint) when it is unclear."""
    if value is None or str(value).startswith("/"):
        return None  # the button that opened the form
    parsed = parse_decision_date(str(value), today())
    if parsed is None:
        dispatcher.utter_message(response="utter_besluit_date_not_understood")
        return None
    return parsed.isoformat()


class ActionObjectionDeadline(SafeAction):
    def name(self) -> str:
        return "action_objection_deadline"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        made_known = date.fromisoformat(tracker.get_slot("besluit_date"))
        events = tell_deadline(dispatcher, made_known, "utter_objection_deadline")
        return [*events, SlotSet("besluit_date", None), SlotSet("topic", "ask_objection")]


def tell_deadline(dispatcher: CollectingDispatcher, made_known: date,
                  response: str) -> list[dict[str, Any]]:
    """Say the last day (or that it has passed); remember it for a reminder."""
    deadline = objection_deadline(made_known)
    # as ISO dates: the NLG endpoint writes them out in the client's language
    dates = {"made_known": deadline.made_known.isoformat(),
             "last_day": deadline.last_day.isoformat()}
    if deadline.last_day < today():
        dispatcher.utter_message(response="utter_objection_deadline_passed", **dates)
        return [SlotSet("objection_last_day", None)]
    dispatcher.utter_message(response=response, **dates)
    if deadline.extended:
        dispatcher.utter_message(response="utter_objection_deadline_extended",
                                 reason=deadline.reason)
    return [SlotSet("objection_last_day", deadline.last_day.isoformat())]


class ActionDeadlineReminder(SafeAction):
    """Reminders before the last day of the bezwaar term, with the client's consent."""

    def name(self) -> str:
        return "action_deadline_reminder"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        last_day = tracker.get_slot("objection_last_day")
        if not last_day:
            dispatcher.utter_message(response="utter_deadline_reminder_no_date")
            return []
        if not await asyncio.to_thread(client_data().has_consent, tracker.sender_id,
                                       "reminders"):
            return [SlotSet("pending_deadline", last_day), *ask_consent("reminders")]
        await plan_deadline_reminders(dispatcher, tracker.sender_id, last_day)
        return []


async def plan_deadline_reminders(dispatcher: CollectingDispatcher, client_id: str,
                                  last_day: str) -> None:
    day = date.fromisoformat(last_day)
    planned = await asyncio.to_thread(deadline_reminders().schedule, client_id, day,
                                      clock.now())
    if not planned:
        dispatcher.utter_message(response="utter_deadline_reminder_too_late",
                                 last_day=day.isoformat())
        return
    when = [moment.astimezone(AMSTERDAM).date().isoformat() for moment in planned]
    dispatcher.utter_message(response="utter_deadline_reminder_set", when=when,
                             last_day=day.isoformat())
