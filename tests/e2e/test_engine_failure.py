"""Rasa down, slow, or gone for good: the client is told at once and loses nothing."""

from __future__ import annotations

import time

import pytest

from tests.conftest import free_port
from tests.support.processes import start_frontend
from tests.support.proxy import RasaProxy

pytestmark = pytest.mark.e2e


@pytest.fixture
def proxied(bot_api, rasa_url, database_url):
    proxy = RasaProxy(rasa_url, free_port())
    frontend = start_frontend(bot_api.base_url, f"http://127.0.0.1:{proxy.port}", database_url,
                              "proxied", RASA_SLOW_NOTICE_SECONDS="1")
    yield proxy
    frontend.stop()
    bot_api.run(proxy.close())


def test_messages_sent_while_rasa_is_down_are_answered_in_order_when_it_is_back(
        bot_api, proxied):
    phone = bot_api.phone("123:proxied")
    started = time.monotonic()
    phone.send("hoe maak ik bezwaar tegen een besluit")
    [notice] = phone.replies(timeout=10)
    assert time.monotonic() - started < 6
    assert "niet bereikbaar" in notice.text and "bewaard" in notice.text
    phone.send_quietly("wat doet de ombudsman")

    bot_api.run(proxied.open())
    assert phone.wait_for(lambda: len(phone.bot_messages()) >= 3, timeout=40)
    texts = [m.text.lower() for m in phone.bot_messages()]
    assert "bezwaar" in texts[1]
    assert "ombudsman" in texts[2]


def test_a_slow_engine_gets_a_patience_notice_then_the_answer(bot_api, proxied):
    bot_api.run(proxied.open())
    proxied.delay = 2.5
    phone = bot_api.phone("123:proxied")
    phone.send("wat is een persoonsgebonden re-integratiebudget")
    replies = phone.replies(2, timeout=20)
    assert "geduld" in replies[0].text.lower()
    assert "Bron:" in replies[1].text


def test_when_rasa_stays_down_the_client_is_asked_to_send_again(bot_api, database_url):
    frontend = start_frontend(bot_api.base_url, f"http://127.0.0.1:{free_port()}",
                              database_url, "gone", RASA_RETRY_FOR_SECONDS="3")
    try:
        phone = bot_api.phone("123:gone")
        phone.send("mag ik iemand meenemen naar het gesprek")
        replies = phone.replies(2, timeout=20)
        assert "niet bereikbaar" in replies[0].text
        assert "later nog een keer" in replies[1].text
    finally:
        frontend.stop()


def test_when_the_action_server_is_down_the_client_is_told_to_send_again(bot_api, frontend,
                                                                          engine):
    from bot.launcher import start_action_server, wait_until_up

    actions = next(p for p in engine.processes if p.name == "actions")
    port = int(actions.url.rsplit(":", 1)[1])
    actions.stop()
    try:
        phone = bot_api.phone()
        started = time.monotonic()
        phone.send("wat is een iro")
        notice = phone.reply_text(timeout=15)
        assert time.monotonic() - started < 8
        assert "nog een keer" in notice
    finally:
        restarted = start_action_server(port)
        wait_until_up(restarted)
        engine.processes[engine.processes.index(actions)] = restarted
    phone.send("wat is een iro")
    assert "Bron:" in phone.reply_text()
