"""The gesprekskaart as a picture: card data from the actions, labels from the catalogue
(so the picture is in the client's language), drawn by bot.meeting_card."""

from __future__ import annotations

from typing import Any

from bot import i18n
from bot.meeting_card import CardContent, render_card
from bot.responses import ResponseCatalog

SECTIONS = ("with", "topic", "wish", "worry", "questions", "documents", "bring")


class CardPictures:
    def __init__(self, catalog: ResponseCatalog) -> None:
        self.catalog = catalog

    def label(self, name: str, language: str = "nl") -> str:
        return self.catalog.render(f"utter_card_{name}", language=language).text

    def picture(self, card: dict[str, Any]) -> bytes:
        """The card in the language the action named in it (the client's)."""
        language = i18n.choose(card.get("language"))
        label = lambda name: self.label(name, language)  # noqa: E731
        answers = card.get("answers") or {}
        sections = [(label(key), [str(answers[key])]) for key in SECTIONS
                    if answers.get(key)]
        if card.get("notes"):
            sections.append((label("notes"), [str(n) for n in card["notes"]]))
        sections.append((label("rights"), label("rights_lines").splitlines()))
        when = str(i18n.localise("when", card.get("when", ""), language))
        return render_card(CardContent(title=label("title"), when_label=label("when"),
                                       when=when, sections=sections, footer=label("footer")))
