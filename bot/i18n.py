"""Languages: Babel extraction of the Dutch responses, catalogs, and the client's language.

Dutch (the text in dialogues/responses/*.yml) is the source. ``pybabel extract`` runs
:func:`extract_responses` (registered in babel.cfg) over those files: every variation's
``text`` with msgctxt = the response name, every button ``title`` with msgctxt =
``<response name>.button``, so the same Dutch words can be translated differently where
they are used. Translations live in locales/<lang>/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

import gettext
import io
import logging
import os
import re
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import yaml
from babel import Locale
from babel.dates import (
    format_date,
    format_datetime,
    get_date_format,
    get_datetime_format,
    get_time_format,
)
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot.config import ROOT

log = logging.getLogger(__name__)

LOCALES = ROOT / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "nl"
# The languages a client can choose, in the order of the /taal buttons. A language is
# enabled here only when its catalog is complete: `make check` fails otherwise.
LANGUAGES: dict[str, str] = {
    "nl": "Nederlands",
    "en": "English",
    "ar": "العربية",
    "tr": "Türkçe",
    "pl": "Polski",
}
# Catalogs that exist but are still being translated (not offered to clients yet).
IN_TRANSLATION: dict[str, str] = {}
BUTTON_CONTEXT = ".button"
# The Babel locale of each language: dates and lists are formatted in it.
BABEL_LOCALES = {"nl": "nl_NL", "en": "en_GB", "ar": "ar", "tr": "tr_TR", "pl": "pl_PL"}
# The response that offers the languages: its buttons are added here, one per enabled
# language, each titled in its own language; the front end handles their payloads.
LANGUAGE_MENU = "utter_change_language"
LANGUAGE_PAYLOAD = "/taal_"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

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


# --- the client's language --------------------------------------------------------------


def normalise(code: object) -> str | None:
    """An enabled language for a code such as Telegram's ``en-GB``, or None."""
    if not isinstance(code, str) or not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else None


def choose(*candidates: object, default: str = SOURCE_LANGUAGE) -> str:
    """The first candidate that is an enabled language, else the default (else Dutch)."""
    for candidate in candidates:
        if language := normalise(candidate):
            return language
    return normalise(default) or SOURCE_LANGUAGE


def language_payload(language: str) -> str:
    return f"{LANGUAGE_PAYLOAD}{language}"


def language_of_payload(payload: str) -> str | None:
    if payload.startswith(LANGUAGE_PAYLOAD):
        return normalise(payload.removeprefix(LANGUAGE_PAYLOAD))
    return None


def is_rtl(language: str) -> bool:
    return Locale.parse(BABEL_LOCALES.get(language, language)).character_order == "right-to-left"


# --- catalogs -----------------------------------------------------------------------------


def catalog_path(language: str, directory: Path = LOCALES, suffix: str = "po") -> Path:
    return directory / language / "LC_MESSAGES" / f"{DOMAIN}.{suffix}"


def _compiled(po: Path) -> bytes:
    with po.open("rb") as file:
        catalog = read_po(file, locale=po.parent.parent.name, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def compile_catalog(po: Path) -> bytes:
    """The .mo of a .po: written next to it when missing or older (atomically, as several
    processes start at once), and returned; compiled in memory where the tree is
    read-only."""
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return mo.read_bytes()
    data = _compiled(po)
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, mo)
    except OSError as error:
        if temporary and os.path.exists(temporary):
            os.unlink(temporary)
        log.warning("Could not write %s (%s); using it from memory", mo.name,
                    type(error).__name__)
    return data


def compile_catalogs(directory: Path = LOCALES) -> list[Path]:
    """Compile every missing or stale .mo under directory (make run, make test, the image)."""
    compiled = []
    for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            compile_catalog(po)
            compiled.append(mo)
    return compiled


@cache
def translations(language: str, directory: Path = LOCALES) -> gettext.NullTranslations:
    """The catalog of a language; for Dutch, or a language without one, the source text."""
    po = catalog_path(language, directory)
    if language == SOURCE_LANGUAGE or not po.exists():
        return NullTranslations()
    return Translations(io.BytesIO(compile_catalog(po)), domain=DOMAIN)


def translate(text: str, context: str, language: str, directory: Path = LOCALES) -> str:
    """The translation of one source text, or the Dutch source when there is none."""
    if not text or language == SOURCE_LANGUAGE:
        return text
    return translations(language, directory).pgettext(context, text)


# --- dates in the client's language -----------------------------------------------------

# Where the CLDR pattern of a language reads less well than a pattern of our own. Dutch
# keeps the patterns it always had: "dinsdag 8 december 2026 om 10:00".
DATE_PATTERNS = {"nl": "EEEE d MMMM y", "en": "EEEE d MMMM y"}
MOMENT_PATTERNS = {"nl": "EEEE d MMMM y 'om' HH:mm", "en": "EEEE d MMMM y 'at' HH:mm"}
# Values that are dates when they come as ISO text (from Rasa, as JSON): any other field
# keeps what the client wrote, even if it looks like a date.
DATE_FIELDS = frozenset({"last_day", "made_known", "when", "meeting_date", "first_seen",
                         "opens"})
# Values that are Dutch words from the code (the name of a feestdag), translated by the
# catalog without msgctxt (extracted from bot/deadlines.py, see babel.cfg).
TRANSLATED_FIELDS = frozenset({"reason"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _locale(language: str) -> str:
    return BABEL_LOCALES.get(language, language)


def format_day(day: date, language: str = SOURCE_LANGUAGE) -> str:
    """A date the way the client reads it, e.g. 'vrijdag 13 maart 2026', 'Friday 13 March
    2026', in Arabic 'الجمعة، 13 مارس 2026'."""
    return format_date(day, DATE_PATTERNS.get(language, "full"), locale=_locale(language))


def format_moment(moment: datetime, language: str = SOURCE_LANGUAGE,
                  has_time: bool = True) -> str:
    """A moment in Amsterdam time with the day in full; a naive moment is taken as UTC."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(AMSTERDAM)
    if not has_time:
        return format_day(local.date(), language)
    locale = _locale(language)
    pattern = MOMENT_PATTERNS.get(language) or (
        str(get_datetime_format("long", locale))
        .replace("{1}", get_date_format("full", locale).pattern)
        .replace("{0}", get_time_format("short", locale).pattern))
    return format_datetime(local, pattern, tzinfo=AMSTERDAM, locale=locale)


def localise(name: str, value: Any, language: str) -> Any:
    """A value for a {field}: dates and moments formatted in the language, several joined
    the way the language lists them ("a en b", "a and b"); anything else as it is."""
    if isinstance(value, datetime):
        return format_moment(value, language)
    if isinstance(value, date):
        return format_day(value, language)
    if name not in DATE_FIELDS:
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return format_day(date.fromisoformat(value), language)
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            return format_moment(datetime.fromisoformat(value), language)
        except ValueError:
            return value
    if isinstance(value, list | tuple) and value:
        return format_list([str(localise(name, v, language)) for v in value],
                           locale=_locale(language))
    return value


def localise_all(values: Mapping[str, Any], language: str,
                 directory: Path = LOCALES) -> dict[str, Any]:
    shown = {name: localise(name, value, language) for name, value in values.items()}
    for name in TRANSLATED_FIELDS & shown.keys():
        if isinstance(shown[name], str) and shown[name] and language != SOURCE_LANGUAGE:
            shown[name] = translations(language, directory).gettext(shown[name])
    return shown


# --- right-to-left ----------------------------------------------------------------------

RLM = "\u200f"  # right-to-left mark: the paragraph reads from the right
LRI = "\u2066"  # left-to-right isolate: a Latin run (a phone number, a Dutch term) ...
FSI = "\u2068"  # first-strong isolate: a filled-in value, whichever script it is in
PDI = "\u2069"  # ... ends here, without reordering what is around it
_LATIN = "A-Za-z0-9\u00c0-\u024f"
# A run of Latin letters and digits with the spaces and punctuation inside it ("0800 0113",
# "Algemene wet bestuursrecht art. 6:7"), beginning and ending with a letter or digit.
_LATIN_RUN = re.compile(rf"[{_LATIN}](?:[{_LATIN} .,:;'’/+@&\-]*[{_LATIN}])?")


def isolate_latin(text: str) -> str:
    return _LATIN_RUN.sub(lambda m: f"{LRI}{m[0]}{PDI}", text)


def right_to_left(template: str, values: Mapping[str, Any], fill: Any) -> str:
    """Fill a right-to-left translation so it reads correctly in Telegram: every paragraph
    starts with an RLM, Latin runs of the translation are isolated left-to-right, and each
    filled-in value is isolated on its own (a date, a name, a number)."""
    from bot.responses import PLACEHOLDER

    parts = []
    last = 0
    for match in PLACEHOLDER.finditer(template):
        parts.append(isolate_latin(template[last:match.start()]))
        value = fill(match[0], values)
        parts.append("\n".join(f"{FSI}{line}{PDI}" if line else line
                               for line in value.split("\n")))
        last = match.end()
    parts.append(isolate_latin(template[last:]))
    return "\n".join(f"{RLM}{line}" if line else line for line in "".join(parts).split("\n"))


# --- rendering ----------------------------------------------------------------------------


def language_menu() -> list[tuple[str, str]]:
    """(title, payload) of a button per enabled language, each in its own language."""
    return [(title, language_payload(code)) for code, title in LANGUAGES.items()]


def enabled_languages() -> Iterable[str]:
    return LANGUAGES.keys()


# --- checks (make check) ------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogIssue:
    path: Path
    line: int
    message: str


Sources = dict[tuple[str | None, str], tuple[Path, int]]  # (msgctxt, msgid): (file, line)


def source_messages(responses_dir: Path) -> Sources:
    """(msgctxt, msgid) of every text and button title, with where it is written."""
    found: Sources = {}
    for path in sorted(responses_dir.glob("**/*.yml")):
        for line, context, text, _ in response_messages(path.read_text(encoding="utf-8")):
            found.setdefault((context, text), (path, line))
    return found


def _read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=language)


def check_catalogs(responses_dir: Path, directory: Path = LOCALES,
                   enabled: Iterable[str] = LANGUAGES) -> list[CatalogIssue]:
    """Every enabled language translates every response, and no translation in any catalog
    changes the {fields} of its Dutch source or adds a blank line (which Rasa's REST
    channel would split into two messages). Problems carry the .po file and line."""
    source = source_messages(responses_dir)
    issues: list[CatalogIssue] = []
    template = directory / f"{DOMAIN}.pot"
    if not template.exists():
        issues.append(CatalogIssue(template, 1, "missing: run make translations"))
    else:
        messages = [m for m in _read(template) if m.id]
        if missing := set(source) - {(m.context, m.id) for m in messages}:
            issues.append(CatalogIssue(template, 1, f"{len(missing)} texts of "
                                                    "dialogues/responses are not in it: run "
                                                    "make translations"))
        # names of days from the code (no msgctxt) reach the client too
        source.update({(None, m.id): (template, m.lineno) for m in messages
                       if m.context is None})
    enabled = [code for code in enabled if code != SOURCE_LANGUAGE]
    for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        language = po.parent.parent.name
        catalog = _read(po, language)
        issues += _check_fields(po, catalog)
        if language in enabled:
            issues += _check_complete(po, catalog, source)
    for language in enabled:
        if not catalog_path(language, directory).exists():
            issues.append(CatalogIssue(catalog_path(language, directory), 1,
                                       f"no catalog for enabled language {language}"))
    return issues


def _check_fields(po: Path, catalog: Catalog) -> list[CatalogIssue]:
    from bot.responses import template_fields

    issues = []
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue
        wanted, written = template_fields(message.id), template_fields(message.string)
        if wanted != written:
            issues.append(CatalogIssue(po, message.lineno, (
                f"{message.context}: the translation has {{fields}} {sorted(written)}, the "
                f"Dutch text {sorted(wanted)}")))
        if "\n\n" in message.string and "\n\n" not in message.id:
            issues.append(CatalogIssue(po, message.lineno, (
                f"{message.context}: the translation has a blank line, the Dutch text "
                "none (it would be split into two messages)")))
    return issues


def _check_complete(po: Path, catalog: Catalog, source: Sources) -> list[CatalogIssue]:
    issues = []
    for (context, text), (where, line) in source.items():
        label = context or f'"{text}"'
        message = catalog.get(text, context=context)
        if message is None:
            issues.append(CatalogIssue(po, 1, f"{label}: {where.parent.name}/{where.name}:"
                                              f"{line} is not in this catalog: run make "
                                              "translations, then translate it"))
        elif not message.string:
            issues.append(CatalogIssue(po, message.lineno, f"{label}: not translated"))
        elif message.fuzzy:
            issues.append(CatalogIssue(po, message.lineno,
                                       f"{label}: marked fuzzy: check it, then remove the "
                                       "fuzzy flag"))
    return issues
