"""Follow-up questions without a topic ("en hoe vraag ik dat aan?") answered for the topic
the client was last told about (the ``topic`` slot, set from the intent by Rasa itself)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import SafeAction
from bot.actions.context import catalog

FOLLOW_UPS = {"ask_how_to_apply": "how", "ask_what_if_refused": "refused"}


class ActionFollowUp(SafeAction):
    def name(self) -> str:
        return "action_follow_up"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        kind = FOLLOW_UPS.get(tracker.get_intent_of_latest_message() or "", "how")
        topic = tracker.get_slot("topic")
        specific = f"utter_{topic}_{kind}"
        if topic and specific in catalog():
            dispatcher.utter_message(response=specific)
        else:
            dispatcher.utter_message(response="utter_follow_up_unknown")
        return []
