"""The client's control over their data, for any channel: what /mijngegevens shows and
sends as a file, and what /vergeet erases. Runs in the front end, outside Rasa's
processing of the conversation, so the erased tracker is not written back."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from babel.dates import format_date

from bot import i18n
from bot.client_data import ClientData
from bot.config import Settings
from bot.responses import Answer, ResponseCatalog


class DataControl:
    def __init__(self, data: ClientData, catalog: ResponseCatalog) -> None:
        self.data = data
        self.catalog = catalog

    async def export(self, client_id: str, language: str = "nl") -> list[Answer]:
        """What the client sees in their language; the file itself stays in Dutch."""
        document = await asyncio.to_thread(self.data.export, client_id)
        file = Answer(text=self.catalog.render("utter_export_file_caption",
                                               language=language).text,
                      document={"filename": "mijn-gegevens.json",
                                "content": json.dumps(document, ensure_ascii=False,
                                                      indent=2).encode("utf-8")})
        if document["profiel"] is None:
            return [self.catalog.render("utter_export_nothing", language=language), file]
        return [self.catalog.render("utter_export_summary", self._summary(document, language),
                                    language), file]

    def _summary(self, document: dict, language: str = "nl") -> dict[str, str]:
        word = lambda name: self.catalog.render(name, language=language).text  # noqa: E731
        consents = [f"- {word('utter_purpose_' + c['doel'])}: "
                    f"{word('utter_word_given' if c['gegeven'] else 'utter_word_withdrawn')} "
                    f"({_date(c['wanneer'], language)})"
                    for c in document["toestemmingen"]]
        notes = [f"- {n['tekst']}" for n in document["notities"]]
        messages = sum(c["berichten_van_jou"] for c in document["gespreksstatistiek"])
        return {"consents": "\n".join(consents) or word("utter_word_none"),
                "notes": "\n".join(notes) or word("utter_word_none"),
                "messages": str(messages),
                "first_seen": _date(document["profiel"]["eerst_gezien"], language)}

    async def erase(self, client_id: str, language: str = "nl") -> list[Answer]:
        counts = await asyncio.to_thread(self.data.erase, client_id)
        return [self.catalog.render("utter_forget_done", {
            "notes": counts["notities"], "consents": counts["toestemmingen"],
            "meetings": counts["gesprekken"], "events": counts["gespreksregels"]}, language)]


    async def retention(self, settings: Settings) -> tuple[list[str], dict[str, int]]:
        """Contacts to warn now, and what was purged (see ClientData)."""
        now = datetime.now(UTC)
        due = await asyncio.to_thread(self.data.due_retention_warnings, now,
                                      settings.notes_retention_days,
                                      settings.retention_warning_days)
        purged = await asyncio.to_thread(self.data.purge_expired, now,
                                         settings.notes_retention_days,
                                         settings.history_retention_days)
        return [contact for _, contact in due], purged


def _date(iso: str | None, language: str = "nl") -> str:
    if not iso:
        return ""
    return format_date(datetime.fromisoformat(iso), "d MMMM yyyy" if language == "nl" else "long",
                       locale=i18n.BABEL_LOCALES.get(language, language))
