"""The first message after /start, naming the gemeente when the deep link gave one."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import SafeAction
from bot.actions.context import gemeenten, store


class ActionWelcome(SafeAction):
    def name(self) -> str:
        return "action_welcome"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        slug = next(tracker.get_latest_entity_values("gemeente"), None)
        name = gemeenten().name(slug)
        if name is None:
            dispatcher.utter_message(response="utter_welcome")
            return []
        await asyncio.to_thread(store().set_gemeente, tracker.sender_id, slug)
        dispatcher.utter_message(response="utter_welcome_gemeente", gemeente_name=name)
        return [SlotSet("gemeente", slug)]
