"""The rephrase request, which never repeats itself: a second miss in a row offers a
person and the topic list instead of the same question again. After the second miss in a
conversation the client is asked once whether misunderstood messages may be kept for the
review queue (bot/actions/review.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import SafeAction
from bot.actions.review import after_fallback

FALLBACKS = ("utter_fallback", "utter_fallback_again")


def previous_bot_response(tracker: Tracker) -> str | None:
    """The response the bot gave before the client's latest message."""
    seen_latest_user_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_latest_user_message:
                return None
            seen_latest_user_message = True
        elif event.get("event") == "bot" and seen_latest_user_message:
            return (event.get("metadata") or {}).get("utter_action")
    return None


class ActionFallback(SafeAction):
    def name(self) -> str:
        return "action_fallback"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        again = previous_bot_response(tracker) in FALLBACKS
        dispatcher.utter_message(response="utter_fallback_again" if again else "utter_fallback")
        if await after_fallback(tracker):
            from bot.actions.consent import ask_consent  # consent reads this module

            return ask_consent("review")
        return []
