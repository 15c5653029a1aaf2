"""The bezwaar deadline from the date on the letter: six weeks from the day after it was
made known (Awb 6:7, 6:8), moved past weekends and feestdagen (Algemene termijnenwet)."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import clock
from bot.actions.base import SafeAction
from bot.deadlines import format_dutch_date, objection_deadline, parse_decision_date

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def today() -> date:
    return clock.now().astimezone(AMSTERDAM).date()


class ValidateDeadlineForm(FormValidationAction):
    def name(self) -> str:
        return "validate_deadline_form"

    def validate_besluit_date(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value is None or str(value).startswith("/"):
            return {"besluit_date": None}  # the button that opened the form
        parsed = parse_decision_date(str(value), today())
        if parsed is None:
            dispatcher.utter_message(response="utter_besluit_date_not_understood")
            return {"besluit_date": None}
        return {"besluit_date": parsed.isoformat()}


class ActionObjectionDeadline(SafeAction):
    def name(self) -> str:
        return "action_objection_deadline"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        deadline = objection_deadline(date.fromisoformat(tracker.get_slot("besluit_date")))
        dates = {"made_known": format_dutch_date(deadline.made_known),
                 "last_day": format_dutch_date(deadline.last_day)}
        if deadline.last_day < today():
            dispatcher.utter_message(response="utter_objection_deadline_passed", **dates)
        else:
            dispatcher.utter_message(response="utter_objection_deadline", **dates)
            if deadline.extended:
                dispatcher.utter_message(response="utter_objection_deadline_extended",
                                         reason=deadline.reason)
        return [SlotSet("besluit_date", None), SlotSet("topic", "ask_objection")]
