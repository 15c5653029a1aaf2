"""The base of our actions: a failure tells the client, and leaks nothing into logs.

rasa-sdk answers an exception with the whole request (the tracker, client text included),
which Rasa then writes to its log. Our actions catch their own failures instead: the log
names only the action and the exception type, the client gets a clear notice.
"""

from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

log = logging.getLogger(__name__)


class SafeAction(Action, metaclass=ABCMeta):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            return await self.act(dispatcher, tracker)
        except Exception as error:
            log.error("Action %s failed: %s", self.name(), type(error).__name__)
            dispatcher.utter_message(response="utter_engine_error")
            return []

    @abstractmethod
    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        """The action's work; send responses by name, return events."""


def entity_id(tracker: Tracker, entity: str) -> int | None:
    """A numeric id from a button payload (note_id, meeting_id); None if absent or forged."""
    value = next(tracker.get_latest_entity_values(entity), None)
    return int(value) if value is not None and str(value).isdigit() else None
