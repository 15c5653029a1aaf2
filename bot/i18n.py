"""Languages: Babel extraction of the Dutch responses, catalogs, and the client's language.

Dutch (the text in dialogues/responses/*.yml) is the source. ``pybabel extract`` runs
:func:`extract_responses` (registered in babel.cfg) over those files: every variation's
``text`` with msgctxt = the response name, every button ``title`` with msgctxt =
``<response name>.button``, so the same Dutch words can be translated differently where
they are used. Translations live in locales/<lang>/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

SOURCE_LANGUAGE = "nl"
# The languages a client can choose, in the order of the /taal buttons. A language is
# enabled here only when its catalog is complete: `make check` fails otherwise.
LANGUAGES: dict[str, str] = {
    "nl": "Nederlands",
    "en": "English",
}
# Catalogs that exist but are still being translated (not offered to clients yet).
IN_TRANSLATION: dict[str, str] = {
    "ar": "العربية",
    "tr": "Türkçe",
    "pl": "Polski",
}
BUTTON_CONTEXT = ".button"

# What each {field} becomes, for the translators' comments.
FIELD_HINTS = {
    "last_day": "a date", "made_known": "a date", "meeting_date": "a date and time",
    "when": "a date, or a date and time", "first_seen": "a date", "since": "a date",
    "opens": "a day and time", "gemeente_name": "the name of a gemeente",
    "organisation": "the name of an organisation", "staff_name": "a first name",
    "days": "a number", "count": "a number", "limit": "a number", "minutes": "a number",
    "note_id": "a number", "meeting_id": "a number", "ticket": "a number",
}


def button_context(name: str) -> str:
    return f"{name}{BUTTON_CONTEXT}"


def _fields(text: str) -> list[str]:
    from bot.responses import template_fields  # bot.responses renders with this module

    return sorted(template_fields(text))


def translator_comment(text: str) -> list[str]:
    """A comment for the .pot when the text has {fields}: keep them exactly as they are."""
    fields = _fields(text)
    if not fields:
        return []
    described = ", ".join(f"{{{f}}} = {FIELD_HINTS[f]}" if f in FIELD_HINTS else f"{{{f}}}"
                          for f in fields)
    return [f"Keep every {{field}} exactly as it is; it is filled in when the message is "
            f"sent: {described}"]


def _scalar(node: yaml.Node | None) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _items(node: yaml.Node | None) -> Iterator[tuple[str, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield key.value, value


def response_messages(source: str | bytes) -> Iterator[tuple[int, str, str, list[str]]]:
    """(line, msgctxt, msgid, comments) of every text and button title in a responses file."""
    root = yaml.compose(source)
    responses = dict(_items(root)).get("responses")
    for name, variations in _items(responses):
        if not isinstance(variations, yaml.SequenceNode):
            continue
        for variation in variations.value:
            fields = dict(_items(variation))
            text = _scalar(fields.get("text"))
            if text:
                yield (fields["text"].start_mark.line + 1, name, text,
                       translator_comment(text))
            buttons = fields.get("buttons")
            for button in buttons.value if isinstance(buttons, yaml.SequenceNode) else []:
                title_node = dict(_items(button)).get("title")
                if title := _scalar(title_node):
                    yield (title_node.start_mark.line + 1, button_context(name), title,
                           translator_comment(title))


def extract_responses(fileobj: IO[bytes], keywords: Collection[str],
                      comment_tags: Collection[str], options: Mapping[str, Any],
                      ) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """Babel extraction method for dialogues/responses/*.yml (see babel.cfg).

    Yields what Babel expects of an extractor: (line, funcname, messages, comments), as
    ``pgettext`` calls so that Babel takes the first message as msgctxt.
    """
    encoding = options.get("encoding", "utf-8")
    for line, context, text, comments in response_messages(fileobj.read().decode(encoding)):
        yield line, "pgettext", (context, text), comments
