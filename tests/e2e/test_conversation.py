"""A client on a phone, through our local Bot API server, the real front end process,
the real Rasa server and the real action server."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(bot_api, frontend):
    return bot_api.phone()


def test_start_welcomes_with_buttons_for_next_steps(phone):
    phone.send("/start")
    [welcome] = phone.replies()
    assert "computerprogramma" in welcome.text.lower() or "assistent" in welcome.text.lower()
    assert len(welcome.buttons) >= 2


def test_deep_link_names_the_gemeente_and_stores_it(phone, database_url):
    from bot.store import Store

    phone.send("/start voorbeeldstad")
    assert "Voorbeeldstad" in phone.reply_text()
    clients = Store(database_url).session().execute(
        __import__("sqlalchemy").text("select gemeente from clients where gemeente is not null")
    ).scalars().all()
    assert "voorbeeldstad" in clients


def test_unknown_deep_link_gets_the_plain_welcome(phone):
    phone.send("/start {bestaat-niet}")
    text = phone.reply_text()
    assert "{" not in text and "Voorbeeldstad" not in text


def test_button_press_edits_the_keyboard_away_and_answers(phone):
    phone.send("/start")
    [welcome] = phone.replies()
    title = welcome.buttons[0][0]
    phone.press(title)
    answer = phone.reply_text()
    assert answer
    assert welcome.keyboard == []
    assert welcome.text.endswith(f"➜ {title}")


def test_a_button_from_an_earlier_turn_is_refused_kindly(phone):
    phone.send("hoi")
    [first] = phone.replies()
    phone.send("wat zijn mijn rechten eigenlijk")
    phone.replies()
    phone.press(first.buttons[0][0], message=first)
    assert "knop" in phone.reply_text().lower()
    assert first.keyboard == []


def test_a_forged_button_is_refused_kindly(phone):
    phone.send("hoi")
    [greeting] = phone.replies()
    phone.press_data(greeting, "/ask_prb{\"x\": 1}")
    assert "knop" in phone.reply_text().lower()


def test_a_typed_question_gets_a_sourced_answer(phone):
    phone.send("hoe maak ik bezwaar tegen een besluit van de gemeente")
    text = phone.reply_text()
    assert "bezwaar" in text.lower() and "Bron:" in text


def test_a_follow_up_is_answered_for_the_topic_just_discussed(phone):
    phone.send("ik ben het niet eens met het besluit, hoe maak ik bezwaar")
    phone.replies()
    phone.send("en hoe doe ik dat dan")
    assert "bezwaarschrift" in phone.reply_text().lower()


def test_gibberish_gets_a_rephrase_request_with_topic_buttons(phone):
    phone.send("qwrtz plofnik vrrr")
    [reply] = phone.replies()
    assert "anders" in reply.text.lower()
    assert len(reply.buttons) >= 3


@pytest.mark.parametrize("kind", ["photo", "sticker", "voice", "document", "location"])
def test_media_gets_a_friendly_answer(phone, kind):
    phone.send_media(kind)
    assert "alleen tekst" in phone.reply_text().lower()


def test_a_very_long_message_is_answered_not_dropped(phone):
    phone.send("ik heb een vraag over mijn uitkering " * 300)
    assert "lang bericht" in phone.reply_text().lower()


def test_an_unknown_command_points_to_help(phone):
    phone.send("/ask_prb")
    assert "/help" in phone.reply_text()


def test_help_command_and_menu(phone, bot_api):
    phone.send("/help")
    assert phone.replies()[0].buttons
    assert {c["command"] for c in bot_api.api.bot("123:main").commands} >= {"start", "help"}


def test_emoji_only_message_gets_an_answer(phone):
    phone.send("🙏🙏😭")
    assert phone.replies()[0].text
