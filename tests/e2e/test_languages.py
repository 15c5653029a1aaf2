"""Languages end to end: a client chooses a language with /taal (or is guessed from their
Telegram app) and gets answers, buttons and dates in it, through the real Rasa server, the
NLG endpoint and the front end.

The conversation runs for every enabled language but Dutch (bot/i18n.py LANGUAGES): a
language whose catalog is complete and is enabled there is tested here without a change.
Questions are typed in Dutch, the language the NLU is trained on; what is checked is the
language of the answers.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bot import i18n
from bot.deadlines import objection_deadline
from bot.responses import ResponseCatalog

pytestmark = pytest.mark.e2e

OTHER_LANGUAGES = [code for code in i18n.LANGUAGES if code != i18n.SOURCE_LANGUAGE]


@pytest.fixture(scope="module")
def catalog() -> ResponseCatalog:
    return ResponseCatalog.load()


def titles(catalog: ResponseCatalog, name: str, language: str) -> list[str]:
    return [b.title for b in catalog.render(name, {}, language).buttons]


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_a_client_chooses_a_language_and_gets_answers_and_dates_in_it(bot_api, frontend,
                                                                      catalog, language):
    phone = bot_api.phone()  # a Telegram app set to Dutch
    phone.send("/taal")
    menu = phone.replies()[0]
    assert menu.text == catalog.render(i18n.LANGUAGE_MENU, {}, "nl").text
    assert [t for t, _ in menu.buttons] == list(i18n.LANGUAGES.values())

    phone.press(i18n.LANGUAGES[language])
    chosen = phone.replies()[0]
    assert chosen.text == catalog.render("utter_language_chosen", {}, language).text
    assert chosen.text != catalog.render("utter_language_chosen", {}, "nl").text

    phone.send("wat zijn mijn rechten")
    rights = phone.replies()[0]
    assert rights.text == catalog.render("utter_ask_rights_overview", {}, language).text
    assert [t for t, _ in rights.buttons] == titles(catalog, "utter_ask_rights_overview",
                                                    language)

    # the bezwaar deadline: the answer in the language, the dates written out in it
    phone.send("hoe maak ik bezwaar tegen een besluit")
    assert phone.replies()[0].text == catalog.render("utter_ask_objection", {}, language).text
    phone.press(titles(catalog, "utter_ask_objection", language)[0])
    assert phone.reply_text() == catalog.render("utter_ask_besluit_date", {}, language).text
    letter = date.today() - timedelta(days=7)
    phone.send(f"{letter.day}-{letter.month}-{letter.year}")
    deadline = objection_deadline(letter)
    answer = phone.replies()[0].text
    assert answer == catalog.render("utter_objection_deadline", {
        "made_known": letter.isoformat(), "last_day": deadline.last_day.isoformat()},
        language).text
    assert i18n.format_day(deadline.last_day, language) in answer
    assert i18n.format_day(deadline.last_day, "nl") not in answer


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_the_chosen_language_is_exported_and_erased_with_the_rest(bot_api, frontend, catalog,
                                                                   language):
    phone = bot_api.phone()
    phone.send("/taal")
    phone.replies()
    phone.press(i18n.LANGUAGES[language])
    phone.replies()
    phone.send("/mijngegevens")
    export = next(m for m in phone.replies(2) if m.kind == "document")
    assert json.loads(export.file_bytes)["profiel"]["taal"] == language
    phone.send("/vergeet")
    assert phone.replies()[0].text == catalog.render("utter_forget_me", {}, language).text
    phone.press(titles(catalog, "utter_forget_me", language)[0])
    phone.replies()
    phone.send("wat zijn mijn rechten")
    assert phone.replies()[0].text == catalog.render("utter_ask_rights_overview", {}, "nl").text


def test_the_telegram_apps_language_is_the_first_guess(bot_api, frontend, catalog):
    english = bot_api.phone(language_code="en-GB")
    english.send("wat zijn mijn rechten")
    assert english.replies()[0].text == \
        catalog.render("utter_ask_rights_overview", {}, "en").text

    # a choice made with /taal wins over the guess
    english.send("/taal")
    english.replies()
    english.press("Nederlands")
    assert english.replies()[0].text == catalog.render("utter_language_chosen", {}, "nl").text
    english.send("wat zijn mijn rechten")
    assert english.replies()[0].text == \
        catalog.render("utter_ask_rights_overview", {}, "nl").text

    # an app language the assistant does not offer: Dutch
    french = bot_api.phone(language_code="fr")
    french.send("wat zijn mijn rechten")
    assert french.replies()[0].text == \
        catalog.render("utter_ask_rights_overview", {}, "nl").text


def test_the_change_language_intent_offers_the_languages(bot_api, frontend, catalog):
    phone = bot_api.phone()
    phone.send("do you speak english")
    answer = phone.replies()[0]
    # written in English, so asked in English (bot/language_detect.py, tests/e2e/test_english.py)
    assert answer.text == catalog.render(i18n.LANGUAGE_MENU, {}, "en").text
    assert [t for t, _ in answer.buttons] == list(i18n.LANGUAGES.values())


def test_the_command_menu_is_set_for_every_enabled_language(bot_api, frontend, catalog):
    bot = bot_api.api.bot("123:main")
    assert {"command": "taal", "description": catalog.render("utter_menu_language", {},
                                                             "nl").text} in bot.commands
    for language in OTHER_LANGUAGES:
        described = {c["command"]: c["description"]
                     for c in bot.commands_by_language[language]}
        assert described["taal"] == catalog.render("utter_menu_language", {}, language).text
