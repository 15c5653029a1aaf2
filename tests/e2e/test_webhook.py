"""Webhook mode: updates arrive by POST, and only with the secret token Telegram was given."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import free_port
from tests.support.processes import start_frontend

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def webhook_url(bot_api, rasa_url, database_url):
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram-updates"
    frontend = start_frontend(bot_api.base_url, rasa_url, database_url, "webhook",
                              TELEGRAM_WEBHOOK_URL=url, TELEGRAM_WEBHOOK_SECRET="s3cr3t-Token_1",
                              TELEGRAM_WEBHOOK_PORT=str(port))
    yield url
    frontend.stop()


def test_updates_with_the_secret_are_answered(bot_api, webhook_url):
    assert bot_api.api.bot("123:webhook").webhook == {"url": webhook_url,
                                                      "secret_token": "s3cr3t-Token_1"}
    phone = bot_api.phone("123:webhook")
    phone.send("wat doet de ombudsman")
    assert "ombudsman" in phone.reply_text().lower()


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}])
def test_updates_without_the_right_secret_are_refused(bot_api, webhook_url, headers):
    forged = {"update_id": 999999, "message": {
        "message_id": 1, "date": 0, "text": "hoi",
        "chat": {"id": 5550001, "type": "private"},
        "from": {"id": 5550001, "is_bot": False, "first_name": "X"}}}
    response = httpx.post(webhook_url, json=forged, headers=headers)
    assert response.status_code == 403
    assert 5550001 not in bot_api.api.chats


def test_an_update_delivered_twice_is_answered_once(bot_api, webhook_url):
    phone = bot_api.phone("123:webhook")
    update = bot_api.run(bot_api.api.send_text("123:webhook", phone.chat_id, "wat is een iro"))
    assert phone.wait_for(lambda: len(phone.bot_messages()) == 1, timeout=20)
    bot_api.run(bot_api.api.redeliver("123:webhook", update))
    phone.wait_for(lambda: len(phone.bot_messages()) > 1, timeout=4)
    assert len(phone.bot_messages()) == 1
