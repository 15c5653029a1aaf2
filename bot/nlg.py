"""Rasa's NLG endpoint: Rasa names a response, we render it from the catalogue.

Rasa 3.6 POSTs {"response": name, "arguments": {...}, "tracker": {...}, "channel": {...}}
and expects {"text", "buttons", "image", "custom"} back.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.responses import ResponseCatalog

log = logging.getLogger(__name__)


def render_for_rasa(catalog: ResponseCatalog, request: dict[str, Any]) -> dict[str, Any]:
    name = request.get("response") or ""
    slots = (request.get("tracker") or {}).get("slots") or {}
    values = {**slots, **(request.get("arguments") or {})}
    if name not in catalog:
        log.error("NLG asked for unknown response %s", name)
        return catalog.render("utter_fallback").as_rasa_json()
    return catalog.render(name, values).as_rasa_json()
