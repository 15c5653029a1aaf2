"""The gesprekskaart as a picture: card data from the actions, labels from the catalogue
(so the picture is in the client's language), drawn by bot.meeting_card."""

from __future__ import annotations

from typing import Any

from bot.meeting_card import CardContent, render_card
from bot.responses import ResponseCatalog

SECTIONS = ("with", "topic", "wish", "worry", "questions", "documents", "bring")


class CardPictures:
    def __init__(self, catalog: ResponseCatalog) -> None:
        self.catalog = catalog

    def label(self, name: str) -> str:
        return self.catalog.render(f"utter_card_{name}").text

    def picture(self, card: dict[str, Any]) -> bytes:
        answers = card.get("answers") or {}
        sections = [(self.label(key), [str(answers[key])]) for key in SECTIONS
                    if answers.get(key)]
        if card.get("notes"):
            sections.append((self.label("notes"), [str(n) for n in card["notes"]]))
        sections.append((self.label("rights"), self.label("rights_lines").splitlines()))
        return render_card(CardContent(title=self.label("title"), when_label=self.label("when"),
                                       when=str(card.get("when", "")), sections=sections,
                                       footer=self.label("footer")))
