"""The response catalogue: every client-facing text, from the Dutch source in dialogues/.

Rasa names a response and its arguments; this module turns that into the text and buttons
the client sees (rendered for the NLG endpoint and for the front end's own notices).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.config import ROOT

RESPONSES_DIR = ROOT / "dialogues" / "responses"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Answer:
    """One message to the client, channel-neutral."""

    text: str = ""
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    document: dict[str, Any] | None = None
    card: dict[str, Any] | None = None  # gesprekskaart data; each channel draws the picture
    handover: int | None = None  # a ticket the front end must hand to Steunpunt staff

    def as_rasa_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"text": self.text,
                                "buttons": [{"title": b.title, "payload": b.payload}
                                            for b in self.buttons]}
        if self.image:
            body["image"] = self.image
        if self.document:
            body["custom"] = {"document": self.document}
        return body


def template_fields(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def fill(text: str, values: dict[str, Any]) -> str:
    """Fill ``{name}`` fields; an unknown one becomes empty, never a raw brace."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match[1])
        return "" if found is None else str(found)

    return _PLACEHOLDER.sub(value, text)


class ResponseCatalog:
    def __init__(self, responses: dict[str, list[dict[str, Any]]]) -> None:
        self.responses = responses

    @classmethod
    def load(cls, directory: Path = RESPONSES_DIR) -> ResponseCatalog:
        responses: dict[str, list[dict[str, Any]]] = {}
        for path in sorted(directory.glob("**/*.yml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            responses.update(document.get("responses") or {})
        return cls(responses)

    def __contains__(self, name: str) -> bool:
        return name in self.responses

    def render(self, name: str, values: dict[str, Any] | None = None) -> Answer:
        variations = self.responses.get(name)
        if not variations:
            raise KeyError(f"no response named {name}")
        variation = variations[0] if len(variations) == 1 else random.choice(variations)
        values = values or {}
        buttons = tuple(Button(fill(b["title"], values), fill(b["payload"], values))
                        for b in variation.get("buttons") or [])
        return Answer(text=fill(variation.get("text", ""), values), buttons=buttons,
                      image=variation.get("image"))
