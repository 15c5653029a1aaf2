"""Messages the assistant did not understand, kept for the review queue of the admin web
app, only with the client's consent (purpose ``review``).

The question is asked once, after the second fallback in a conversation, and not again
once the client answered it (yes or no); /privacy changes the answer. With consent, the
misunderstood messages of this conversation are kept (masked, see bot.admin_web.masking),
and every later one as it happens.
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy import select

from bot.actions.context import settings, store
from bot.admin_web.review import ReviewQueue, current_session, misunderstood
from bot.admin_web.settings import AdminSettings
from bot.crypto import Cipher
from bot.store.models import Consent

ASK_AFTER_MISSES = 2
QUESTION = "utter_ask_consent_review"


@cache
def review_queue() -> ReviewQueue:
    current = settings()
    return ReviewQueue(store(), Cipher(current.secret_key, current.old_secret_keys))


def _answered(client_id: str) -> bool:
    with store().session() as session:
        return session.scalars(select(Consent.id).where(
            Consent.client_id == client_id, Consent.purpose == "review").limit(1)).first() \
            is not None


def _latest_user_event(tracker: Tracker) -> dict[str, Any] | None:
    return next((e for e in reversed(tracker.events) if e.get("event") == "user"), None)


def _asked_this_session(tracker: Tracker) -> bool:
    return any(e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action")
               == QUESTION for e in current_session(tracker.events))


async def after_fallback(tracker: Tracker) -> bool:
    """Keep the message just misunderstood if the client consented; True when the
    consent question is due now (the second miss, never answered, not yet asked)."""
    queue = review_queue()
    latest = _latest_user_event(tracker)
    if latest is None or (latest.get("text") or "").startswith("/"):
        return False
    if await asyncio.to_thread(queue.has_consent, tracker.sender_id):
        await asyncio.to_thread(queue.add, tracker.sender_id, [latest])
        return False
    if not AdminSettings.from_env().review_consent:
        return False
    misses = len(misunderstood(tracker.events)) + 1  # this one has no fallback event yet
    if misses < ASK_AFTER_MISSES or _asked_this_session(tracker):
        return False
    return not await asyncio.to_thread(_answered, tracker.sender_id)


async def keep_misunderstood(tracker: Tracker) -> int:
    """Consent just given: keep the misunderstood messages of this conversation."""
    return await asyncio.to_thread(review_queue().add, tracker.sender_id,
                                   misunderstood(tracker.events))
