"""The response catalogue: every client-facing text, from the Dutch source in dialogues/.

Rasa names a response and its arguments; this module turns that into the text and buttons
the client sees (rendered for the NLG endpoint and for the front end's own notices), in the
client's language: the text is translated first (bot.i18n, Babel catalogs in locales/,
Dutch where a translation is missing), then its {fields} are filled, dates formatted in
that language.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot import i18n
from bot.config import ROOT

RESPONSES_DIR = ROOT / "dialogues" / "responses"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


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
    return set(PLACEHOLDER.findall(text))


def fill(text: str, values: dict[str, Any]) -> str:
    """Fill ``{name}`` fields; an unknown one becomes empty, never a raw brace."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match[1])
        return "" if found is None else str(found)

    return PLACEHOLDER.sub(value, text)


class ResponseCatalog:
    def __init__(self, responses: dict[str, list[dict[str, Any]]],
                 locales: Path = i18n.LOCALES) -> None:
        self.responses = responses
        self.locales = locales  # the Babel catalogs the translations come from

    @classmethod
    def load(cls, directory: Path = RESPONSES_DIR) -> ResponseCatalog:
        i18n.compile_catalogs()  # the .mo files are built, not kept in git
        responses: dict[str, list[dict[str, Any]]] = {}
        for path in sorted(directory.glob("**/*.yml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            responses.update(document.get("responses") or {})
        return cls(responses)

    def __contains__(self, name: str) -> bool:
        return name in self.responses

    def render(self, name: str, values: dict[str, Any] | None = None,
               language: str = i18n.SOURCE_LANGUAGE) -> Answer:
        variations = self.responses.get(name)
        if not variations:
            raise KeyError(f"no response named {name}")
        variation = variations[0] if len(variations) == 1 else random.choice(variations)
        values = values or {}
        buttons = tuple(Button(self.translated(b["title"], i18n.button_context(name), language,
                                               values),
                               fill(b["payload"], values))
                        for b in variation.get("buttons") or [])
        if name == i18n.LANGUAGE_MENU:
            buttons = tuple(Button(t, p) for t, p in i18n.language_menu()) + buttons
        return Answer(text=self.translated(variation.get("text", ""), name, language, values),
                      buttons=buttons, image=variation.get("image"))

    def translated(self, source: str, context: str, language: str,
                   values: dict[str, Any]) -> str:
        """The text in the language, its fields filled with dates written out in it; a
        right-to-left translation with the marks that keep Latin runs and values in place.
        Without a translation: the Dutch source, with Dutch dates."""
        text = i18n.translate(source, context, language, self.locales)
        if text == source:
            language = i18n.SOURCE_LANGUAGE
        shown = i18n.localise_all(values, language, self.locales)
        if language != i18n.SOURCE_LANGUAGE and i18n.is_rtl(language):
            return i18n.right_to_left(text, shown, fill)
        return fill(text, shown)
