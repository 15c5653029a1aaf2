"""Languages: the Babel extractor, rendering in a language with Dutch as fallback, dates in
the client's locale, right-to-left text, and the catalog checks of make check."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, date, datetime

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from bot import i18n
from bot.config import ROOT
from bot.nlg import language_of, render_for_rasa
from bot.responses import ResponseCatalog
from bot.store import Store
from bot.store.migrate import upgrade

RESPONSES = """\
version: "3.1"
responses:
  utter_deadline:
  - text: "Je laatste dag is {last_day}. Bel 0800 8020 voor hulp."
    buttons:
    - title: "Mijn rechten"
      payload: /ask_rights_overview
  utter_rights:
  - text: "Je hebt rechten.\\n\\nBron: Algemene wet bestuursrecht art. 2:1"
    buttons:
    - title: "Mijn rechten"
      payload: /ask_rights_overview
  utter_plain:
  - text: "Alleen Nederlands."
"""


@pytest.fixture
def content(tmp_path):
    """A responses folder and a locales folder with a .pot extracted by pybabel."""
    responses = tmp_path / "dialogues" / "responses"
    responses.mkdir(parents=True)
    (responses / "test.yml").write_text(RESPONSES, encoding="utf-8")
    (tmp_path / "babel.cfg").write_text(
        "[extractors]\nresponses = bot.i18n:extract_responses\n\n"
        "[responses: dialogues/responses/**.yml]\n", encoding="utf-8")
    locales = tmp_path / "locales"
    locales.mkdir()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        CommandLineInterface().run(["pybabel", "-q", "extract", "-F", "babel.cfg", "-o",
                                    "locales/messages.pot", "--no-wrap", "."])
    finally:
        os.chdir(cwd)
    i18n.translations.cache_clear()
    yield responses, locales
    i18n.translations.cache_clear()


def write_catalog(locales, language: str, translations: dict[tuple[str, str], str]) -> None:
    """A .po for `language` with every message of the .pot, translated where given."""
    with (locales / "messages.pot").open("rb") as file:
        template = read_po(file)
    catalog = Catalog(locale=language, domain="messages")
    catalog.update(template)
    for message in catalog:
        if message.id:
            message.string = translations.get((message.context, message.id), "")
    path = i18n.catalog_path(language, locales)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalog, width=None)


# --- extraction ---------------------------------------------------------------------------


def test_the_extractor_yields_texts_and_titles_with_their_response_as_context():
    found = list(extract("bot.i18n:extract_responses", io.BytesIO(RESPONSES.encode())))
    assert found[0] == (4, "Je laatste dag is {last_day}. Bel 0800 8020 voor hulp.",
                        [i18n.translator_comment("{last_day}")[0]], "utter_deadline")
    assert (6, "Mijn rechten", [], "utter_deadline.button") in found
    assert (11, "Mijn rechten", [], "utter_rights.button") in found
    assert [m[3] for m in found] == ["utter_deadline", "utter_deadline.button",
                                     "utter_rights", "utter_rights.button", "utter_plain"]
    assert "{last_day} = a date" in found[0][2][0]


def test_pybabel_extract_writes_a_template_with_every_text_and_title(content):
    _, locales = content
    with (locales / "messages.pot").open("rb") as file:
        template = read_po(file)
    messages = {(m.context, m.id): m for m in template if m.id}
    assert set(messages) == {
        ("utter_deadline", "Je laatste dag is {last_day}. Bel 0800 8020 voor hulp."),
        ("utter_deadline.button", "Mijn rechten"),
        ("utter_rights", "Je hebt rechten.\n\nBron: Algemene wet bestuursrecht art. 2:1"),
        ("utter_rights.button", "Mijn rechten"),
        ("utter_plain", "Alleen Nederlands."),
    }
    deadline = messages[("utter_deadline", "Je laatste dag is {last_day}. Bel 0800 8020 voor "
                                           "hulp.")]
    assert deadline.locations == [("dialogues/responses/test.yml", 4)]
    assert any("{last_day}" in comment for comment in deadline.auto_comments)


def test_the_shipped_template_covers_every_response():
    source = i18n.source_messages(ROOT / "dialogues" / "responses")
    with (ROOT / "locales" / "messages.pot").open("rb") as file:
        template = {(m.context, m.id) for m in read_po(file) if m.id}
    assert set(source) <= template
    assert len({context for context, _ in source if not context.endswith(".button")}) > 200


# --- rendering --------------------------------------------------------------------------


def test_a_response_renders_translated_with_dutch_where_a_translation_is_missing(content):
    responses, locales = content
    write_catalog(locales, "en", {
        ("utter_deadline", "Je laatste dag is {last_day}. Bel 0800 8020 voor hulp."):
            "Your last day is {last_day}. Call 0800 8020 for help.",
        ("utter_rights.button", "Mijn rechten"): "My rights",
    })
    catalog = ResponseCatalog.load(responses)
    catalog.locales = locales
    english = catalog.render("utter_deadline", {"last_day": "2026-04-13"}, "en")
    assert english.text == "Your last day is Monday 13 April 2026. Call 0800 8020 for help."
    # the same Dutch title, translated for one response and not (yet) for the other
    assert [b.title for b in english.buttons] == ["Mijn rechten"]
    assert [b.title for b in catalog.render("utter_rights", {}, "en").buttons] == ["My rights"]
    assert catalog.render("utter_plain", {}, "en").text == "Alleen Nederlands."
    dutch = catalog.render("utter_deadline", {"last_day": "2026-04-13"}, "nl")
    assert dutch.text == "Je laatste dag is maandag 13 april 2026. Bel 0800 8020 voor hulp."
    # a fallback to Dutch writes the date in Dutch too, never a mix
    assert "maandag 13 april" in catalog.render("utter_deadline", {"last_day": "2026-04-13"},
                                                "pl").text


def test_the_shipped_english_catalog_is_used_for_real_responses():
    i18n.translations.cache_clear()
    catalog = ResponseCatalog.load()
    answer = catalog.render("utter_objection_deadline",
                            {"made_known": "2026-03-02", "last_day": "2026-04-13"}, "en")
    assert answer.text.startswith("The letter says Monday 2 March 2026.")
    assert "objection (bezwaar)" in answer.text
    assert "on Monday 13 April 2026 at the latest" in answer.text
    assert "Source: Algemene wet bestuursrecht art. 6:7 en 6:8" in answer.text
    assert [b.payload for b in answer.buttons] == \
        [b.payload for b in catalog.render("utter_objection_deadline", {}, "nl").buttons]


def test_the_language_menu_offers_every_enabled_language_in_its_own_name():
    answer = ResponseCatalog.load().render(i18n.LANGUAGE_MENU, {}, "en")
    menu = [(b.title, b.payload) for b in answer.buttons][:len(i18n.LANGUAGES)]
    assert menu == [(name, f"/taal_{code}") for code, name in i18n.LANGUAGES.items()]
    assert all(i18n.language_of_payload(p) == c for (_, p), c in zip(menu, i18n.LANGUAGES,
                                                                        strict=True))


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "expected"), [
    ("nl", "maandag 13 april 2026"),
    ("en", "Monday 13 April 2026"),
    ("tr", "13 Nisan 2026 Pazartesi"),
    ("pl", "poniedziałek, 13 kwietnia 2026"),
    ("ar", "الاثنين، 13 أبريل 2026"),
])
def test_a_date_is_written_the_way_the_clients_language_writes_it(language, expected):
    assert i18n.format_day(date(2026, 4, 13), language) == expected


def test_a_moment_is_in_amsterdam_time_with_the_languages_words():
    moment = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
    assert i18n.format_moment(moment, "nl") == "dinsdag 8 december 2026 om 10:00"
    assert i18n.format_moment(moment, "en") == "Tuesday 8 December 2026 at 10:00"
    assert i18n.format_moment(moment, "pl") == "wtorek, 8 grudnia 2026 10:00"
    assert i18n.format_moment(moment, "en", has_time=False) == "Tuesday 8 December 2026"


def test_date_fields_are_formatted_and_other_fields_keep_what_the_client_wrote():
    assert i18n.localise("last_day", "2026-04-13", "en") == "Monday 13 April 2026"
    assert i18n.localise("when", ["2026-04-06", "2026-04-11"], "en") == \
        "Monday 6 April 2026 and Saturday 11 April 2026"
    assert i18n.localise("when", ["2026-04-06", "2026-04-11"], "nl") == \
        "maandag 6 april 2026 en zaterdag 11 april 2026"
    assert i18n.localise("when", "2026-12-08T10:00:00+01:00", "en") == \
        "Tuesday 8 December 2026 at 10:00"
    assert i18n.localise("note_text", "2026-04-13", "en") == "2026-04-13"
    assert i18n.localise("days", date(2026, 4, 13), "nl") == "maandag 13 april 2026"


# --- right to left ----------------------------------------------------------------------


def test_arabic_reads_right_to_left_with_latin_runs_and_values_isolated(content):
    responses, locales = content
    write_catalog(locales, "ar", {
        ("utter_deadline", "Je laatste dag is {last_day}. Bel 0800 8020 voor hulp."):
            "آخر يوم لك هو {last_day}. اتصل بالرقم 0800 8020 للمساعدة.",
        ("utter_rights", "Je hebt rechten.\n\nBron: Algemene wet bestuursrecht art. 2:1"):
            "لديك حقوق (bezwaar).\n\nالمصدر: Algemene wet bestuursrecht art. 2:1",
        ("utter_rights.button", "Mijn rechten"): "حقوقي",
    })
    catalog = ResponseCatalog.load(responses)
    catalog.locales = locales
    text = catalog.render("utter_deadline", {"last_day": "2026-04-13"}, "ar").text
    assert text.startswith(i18n.RLM)
    assert f"{i18n.LRI}0800 8020{i18n.PDI}" in text
    assert f"{i18n.FSI}الاثنين، 13 أبريل 2026{i18n.PDI}" in text
    rights = catalog.render("utter_rights", {}, "ar").text
    paragraphs = [p for p in rights.split("\n") if p]
    assert all(p.startswith(i18n.RLM) for p in paragraphs)
    assert f"{i18n.LRI}Algemene wet bestuursrecht art. 2:1{i18n.PDI}" in rights
    assert f"({i18n.LRI}bezwaar{i18n.PDI})" in rights
    # Dutch shown because a translation is missing gets no right-to-left marks
    assert catalog.render("utter_plain", {}, "ar").text == "Alleen Nederlands."


# --- the client's language ----------------------------------------------------------------


def test_telegram_language_codes_count_only_for_enabled_languages():
    assert i18n.normalise("en-GB") == "en"
    assert i18n.normalise("EN") == "en"
    assert i18n.normalise("fr") is None
    assert i18n.choose(None, "de", "en-US") == "en"
    assert i18n.choose("xx", default="nl") == "nl"
    assert i18n.choose(None, default="fr") == "nl"


def test_the_nlg_endpoint_answers_in_the_language_of_the_latest_message():
    catalog = ResponseCatalog.load()
    tracker = {"latest_message": {"metadata": {"language": "en"}}, "events": []}
    assert language_of(tracker) == "en"
    assert language_of({"slots": {"language": "en"}}) == "en"
    assert language_of({"events": [{"event": "user", "metadata": {"language": "en"}},
                                    {"event": "bot"}]}) == "en"
    assert language_of({}, default="en") == "en"
    assert language_of({"latest_message": {"metadata": {"language": "xx"}}}) == "nl"
    body = render_for_rasa(catalog, {"response": "utter_objection_deadline",
                                     "arguments": {"made_known": "2026-03-02",
                                                   "last_day": "2026-04-13"},
                                     "tracker": tracker})
    assert body["text"].startswith("The letter says Monday 2 March 2026.")
    dutch = render_for_rasa(catalog, {"response": "utter_objection_deadline",
                                      "arguments": {"made_known": "2026-03-02",
                                                    "last_day": "2026-04-13"},
                                      "tracker": {}})
    assert dutch["text"].startswith("Op de brief staat maandag 2 maart 2026.")


def test_the_chosen_language_is_kept_in_the_store_and_erased_with_the_client(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    store = Store(url)
    assert store.language("c1") is None
    store.set_language("c1", "en")
    assert store.language("c1") == "en"
    assert store.client("c1").language == "en"


# --- make check ---------------------------------------------------------------------------


def test_the_shipped_catalogs_are_complete_for_every_enabled_language():
    assert i18n.check_catalogs(ROOT / "dialogues" / "responses") == []
    assert "en" in i18n.LANGUAGES and next(iter(i18n.LANGUAGES)) == "nl"


def test_the_check_reports_a_changed_placeholder_with_the_po_line(content):
    responses, locales = content
    write_catalog(locales, "en", {
        ("utter_deadline", "Je laatste dag is {last_day}. Bel 0800 8020 voor hulp."):
            "Your last day is {lastday}.",
        ("utter_deadline.button", "Mijn rechten"): "My rights",
        ("utter_rights", "Je hebt rechten.\n\nBron: Algemene wet bestuursrecht art. 2:1"):
            "You have rights.\n\nSource: Algemene wet bestuursrecht art. 2:1",
        ("utter_rights.button", "Mijn rechten"): "My rights",
        ("utter_plain", "Alleen Nederlands."): "Only Dutch.",
    })
    po = i18n.catalog_path("en", locales)
    issues = i18n.check_catalogs(responses, locales, enabled=["nl", "en"])
    assert len(issues) == 1
    issue = issues[0]
    assert issue.path == po
    line = po.read_text(encoding="utf-8").splitlines()[issue.line - 1]
    assert line.startswith('msgid "Je laatste dag is {last_day}.')
    assert "['lastday']" in issue.message and "['last_day']" in issue.message


def test_the_check_reports_untranslated_and_fuzzy_messages_of_an_enabled_language(content):
    responses, locales = content
    write_catalog(locales, "en", {
        ("utter_plain", "Alleen Nederlands."): "Only Dutch.",
    })
    po = i18n.catalog_path("en", locales)
    with po.open("rb") as file:
        catalog = read_po(file)
    catalog.get("Alleen Nederlands.", context="utter_plain").flags.add("fuzzy")
    with po.open("wb") as file:
        write_po(file, catalog, width=None)
    issues = i18n.check_catalogs(responses, locales, enabled=["nl", "en"])
    assert {(i.path, i.message.split(":")[0]) for i in issues} == {
        (po, "utter_deadline"), (po, "utter_deadline.button"), (po, "utter_rights"),
        (po, "utter_rights.button"), (po, "utter_plain")}
    assert any("fuzzy" in i.message for i in issues)
    # the same catalog, not enabled: only placeholders are checked
    assert i18n.check_catalogs(responses, locales, enabled=["nl"]) == []


def test_the_check_reports_a_text_missing_from_the_template(content):
    responses, locales = content
    (responses / "more.yml").write_text(
        'responses:\n  utter_new:\n  - text: "Nieuw."\n', encoding="utf-8")
    issues = i18n.check_catalogs(responses, locales, enabled=["nl"])
    assert [(i.path.name, i.line) for i in issues] == [("messages.pot", 1)]
    assert "make translations" in issues[0].message


def test_a_missing_or_stale_mo_is_compiled(content):
    _, locales = content
    write_catalog(locales, "en", {("utter_plain", "Alleen Nederlands."): "Only Dutch."})
    mo = i18n.catalog_path("en", locales, "mo")
    assert i18n.compile_catalogs(locales) == [mo]
    assert mo.exists() and i18n.compile_catalogs(locales) == []
    past = time.time() - 60
    os.utime(mo, (past, past))
    assert i18n.compile_catalogs(locales) == [mo]


def test_the_name_of_a_feestdag_is_shown_in_the_clients_language():
    i18n.translations.cache_clear()
    catalog = ResponseCatalog.load()
    english = catalog.render("utter_objection_deadline_extended", {"reason": "Koningsdag"}, "en")
    assert "(King's Day)" in english.text
    weekend = catalog.render("utter_objection_deadline_extended", {"reason": "zaterdag"}, "en")
    assert "(a Saturday)" in weekend.text
    dutch = catalog.render("utter_objection_deadline_extended", {"reason": "Koningsdag"}, "nl")
    assert "(Koningsdag)" in dutch.text
