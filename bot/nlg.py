"""Rasa's NLG endpoint: Rasa names a response, we render it from the catalogue.

Rasa 3.6 POSTs {"response": name, "arguments": {...}, "tracker": {...}, "channel": {...}}
and expects {"text", "buttons", "image", "custom"} back. The text is in the client's
language: a `language` slot if the domain has one, else the `language` the relay sent in
the metadata of the client's latest message, else the default language.
"""

from __future__ import annotations

import logging
from typing import Any

from bot import i18n
from bot.responses import ResponseCatalog

log = logging.getLogger(__name__)


def language_of(tracker: dict[str, Any], default: str = i18n.SOURCE_LANGUAGE) -> str:
    slots = tracker.get("slots") or {}
    latest = (tracker.get("latest_message") or {}).get("metadata") or {}
    last_user = next((event.get("metadata") or {} for event in
                      reversed(tracker.get("events") or []) if event.get("event") == "user"),
                     {})
    return i18n.choose(slots.get("language"), latest.get("language"),
                       last_user.get("language"), default=default)


def render_for_rasa(catalog: ResponseCatalog, request: dict[str, Any],
                    default_language: str = i18n.SOURCE_LANGUAGE) -> dict[str, Any]:
    name = request.get("response") or ""
    tracker = request.get("tracker") or {}
    slots = tracker.get("slots") or {}
    values = {**slots, **(request.get("arguments") or {})}
    language = language_of(tracker, default_language)
    if name not in catalog:
        log.error("NLG asked for unknown response %s", name)
        return catalog.render("utter_fallback", language=language).as_rasa_json()
    return catalog.render(name, values, language).as_rasa_json()
