"""A client who writes English, end to end: through our local Bot API server, the real
front end, the real Rasa server (one NLU model for Dutch and English, nlu/en/) and the NLG
endpoint. Before any choice with /taal, a client who writes English is answered in
English (bot/language_detect.py) and offered the language choice once."""

from __future__ import annotations

import pytest

from bot import i18n
from bot.responses import ResponseCatalog

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def catalog() -> ResponseCatalog:
    return ResponseCatalog.load()


def rendered(catalog: ResponseCatalog, name: str, language: str = "en") -> str:
    return catalog.render(name, {}, language).text


def titles(catalog: ResponseCatalog, name: str, language: str = "en") -> list[str]:
    return [b.title for b in catalog.render(name, {}, language).buttons]


def test_a_client_who_writes_english_gets_english_answers_and_the_choice_once(
        bot_api, frontend, catalog):
    phone = bot_api.phone()  # a Telegram app set to Dutch, no language chosen
    phone.send("what are my rights")
    rights, offer = phone.replies(2)[:2]
    assert rights.text == rendered(catalog, "utter_ask_rights_overview")
    assert rights.text != rendered(catalog, "utter_ask_rights_overview", "nl")
    assert [t for t, _ in rights.buttons] == titles(catalog, "utter_ask_rights_overview")
    assert offer.text == rendered(catalog, i18n.LANGUAGE_MENU)
    assert [t for t, _ in offer.buttons] == list(i18n.LANGUAGES.values())

    # more questions, typed as clients type them: understood and answered in English
    phone.send("they cut my uitkering, is this allowed")
    assert phone.replies()[0].text == rendered(catalog, "utter_ask_sanction")
    # a button press says nothing about the language: the conversation stays English
    phone.press(titles(catalog, "utter_ask_sanction")[1])  # objection (bezwaar)
    assert phone.replies()[0].text == rendered(catalog, "utter_ask_objection")
    for question, response in [
        ("can i bring someone to my meeting", "utter_ask_meeting_rights"),
        ("what is a prb", "utter_ask_prb"),
        ("can i choose my own reintegration company", "utter_ask_choose_provider"),
    ]:
        phone.send(question)
        assert phone.replies()[0].text == rendered(catalog, response), question

    # writing Dutch again: answered in Dutch (nothing was chosen)
    phone.send("wat zijn mijn rechten")
    assert phone.replies()[0].text == rendered(catalog, "utter_ask_rights_overview", "nl")
    # the choice was offered once, with the first English message only
    menus = [m for m in phone.bot_messages()
             if m.text == rendered(catalog, i18n.LANGUAGE_MENU)]
    assert menus == [offer]


def test_the_offered_choice_taken_is_remembered(bot_api, frontend, catalog):
    phone = bot_api.phone()
    phone.send("can i choose my own reintegration company")
    answer, offer = phone.replies(2)[:2]
    assert answer.text == rendered(catalog, "utter_ask_choose_provider")
    phone.press("English", message=offer)
    assert phone.replies()[0].text == rendered(catalog, "utter_language_chosen")
    # chosen: English now also for Dutch questions
    phone.send("wat zijn mijn rechten")
    assert phone.replies()[0].text == rendered(catalog, "utter_ask_rights_overview")


def test_a_mixed_message_is_answered_in_english(bot_api, frontend, catalog):
    phone = bot_api.phone()
    phone.send("my klantmanager says i have to work 40 hours, is that my obligation")
    answer, offer = phone.replies(2)[:2]
    assert answer.text == rendered(catalog, "utter_ask_obligations")
    assert offer.text == rendered(catalog, i18n.LANGUAGE_MENU)


def test_no_offer_when_english_comes_anyway_or_was_chosen(bot_api, frontend, catalog):
    english_app = bot_api.phone(language_code="en-GB")
    english_app.send("can i bring someone to my meeting")
    english_app.replies()
    english_app.send("what is a prb")  # the turn before has surely ended now
    assert english_app.replies()[0].text == rendered(catalog, "utter_ask_prb")
    assert not [m for m in english_app.bot_messages()
                if m.text == rendered(catalog, i18n.LANGUAGE_MENU)]

    chose_dutch = bot_api.phone()
    chose_dutch.send("/taal")
    chose_dutch.replies()
    chose_dutch.press("Nederlands")
    chose_dutch.replies()
    chose_dutch.send("what are my rights")  # understood; answered in the language chosen
    assert chose_dutch.replies()[0].text == rendered(catalog, "utter_ask_rights_overview", "nl")
    chose_dutch.send("wat is een prb")
    chose_dutch.replies()
    menus = [m for m in chose_dutch.bot_messages()
             if m.text.startswith(rendered(catalog, i18n.LANGUAGE_MENU, "nl"))]
    assert len(menus) == 1  # the /taal menu only (its text now ends with the choice)


def test_a_client_who_asks_for_english_in_english_gets_the_menu_once(bot_api, frontend,
                                                                      catalog):
    phone = bot_api.phone()
    phone.send("can you answer in english please")
    phone.replies()
    phone.send("what is a prb")
    assert phone.replies()[0].text == rendered(catalog, "utter_ask_prb")
    menus = [m for m in phone.bot_messages() if m.text == rendered(catalog, i18n.LANGUAGE_MENU)]
    assert len(menus) == 1  # the change_language answer; no second offer on top of it
