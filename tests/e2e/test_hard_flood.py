"""A flood from one client: forty messages at once, without waiting for answers.

The front end reads a client's messages while at most FLOOD_MAX_MESSAGES (8) of them wait
in the chat's queue, and answers them in order. It does not read the rest, and says so
exactly: one notice as a reply to the first message it did not read, then, once the
client has been quiet for FLOOD_QUIET_SECONDS, "Ik lees weer mee" with a request to send
the question again. Rasa's conversation log proves what was read: the messages before the
notice, in order, and nothing else. A client who waits for each answer is never stopped.
"""

from __future__ import annotations

import httpx
import pytest

from bot.config import Settings, rasa_api_token
from bot.pseudonym import sender_id
from bot.responses import ResponseCatalog
from tests.support.processes import start_frontend

pytestmark = pytest.mark.e2e

TOKEN = "123:flood"
QUESTIONS = ["wat doet de ombudsman", "hoe maak ik bezwaar", "wat zijn mijn rechten",
             "mag ik iemand meenemen naar het gesprek", "wat is een iro"]


def notice(name: str) -> str:
    return ResponseCatalog.load().render(name).text


@pytest.fixture(scope="module")
def flood_frontend(bot_api, rasa_url, database_url):
    process = start_frontend(bot_api.base_url, rasa_url, database_url, "flood",
                             FLOOD_QUIET_SECONDS="2")
    yield process
    process.stop()


def user_texts(rasa_url: str, chat_id: int) -> list[str]:
    """What Rasa read from this client, in order (its conversation log)."""
    sender = sender_id(Settings.from_env().pseudonym_key, f"telegram:{chat_id}")
    response = httpx.get(f"{rasa_url}/conversations/{sender}/tracker",
                         params={"token": rasa_api_token()}, timeout=10)
    response.raise_for_status()
    return [e["text"] for e in response.json()["events"] if e["event"] == "user"]


def test_forty_messages_at_once_the_first_answered_in_order_the_rest_announced_unread(
        bot_api, flood_frontend, rasa_url):
    phone = bot_api.phone(TOKEN, chat_id=8_800_200_001, first_name="Xandriënne")
    texts = [f"{QUESTIONS[i % len(QUESTIONS)]} (Zwanenveld {i + 1})" for i in range(40)]
    for text in texts:
        phone.send_quietly(text)
    sent = [m for m in phone.chat if not m.from_bot]
    unread_notice, over_notice = notice("utter_flood_unread"), notice("utter_flood_over")

    assert phone.wait_for(lambda: any(m.text == over_notice for m in phone.bot_messages()),
                          timeout=60), [m.text[:40] for m in phone.bot_messages()]
    said = phone.bot_messages()
    notices = [m for m in said if m.text == unread_notice]
    assert len(notices) == 1, "told once, not thirty times"
    first_unread = next(i for i, m in enumerate(sent) if m.message_id == notices[0].reply_to)
    # at least the eight that were waiting when the burst arrived (a few more when Rasa
    # answered the first before the rest came in)
    assert 8 <= first_unread < 20
    assert user_texts(rasa_url, phone.chat_id) == texts[:first_unread]  # read: in order
    first_notice = said.index(notices[0])
    assert len(said[:first_notice]) >= first_unread  # each got its answer first
    assert [m.text for m in said[first_notice + 1:]] == [over_notice]

    # after the pause the client is read again
    phone.send("hoe maak ik bezwaar tegen een besluit")
    assert "bezwaar" in phone.reply_text().lower()
    assert user_texts(rasa_url, phone.chat_id)[-1] == "hoe maak ik bezwaar tegen een besluit"


def test_a_client_who_waits_for_each_answer_is_never_stopped_however_quick(
        bot_api, flood_frontend, rasa_url):
    phone = bot_api.phone(TOKEN, chat_id=8_800_200_002, first_name="Xandriënne")
    for i in range(16):
        phone.send(f"{QUESTIONS[i % len(QUESTIONS)]} (Zwanenveld {i})")
        phone.replies()
    assert not any(m.text == notice("utter_flood_unread") for m in phone.bot_messages())
    assert len(user_texts(rasa_url, phone.chat_id)) == 16


def test_other_clients_are_answered_while_one_floods(bot_api, flood_frontend):
    flooder = bot_api.phone(TOKEN, chat_id=8_800_200_003)
    calm = bot_api.phone(TOKEN, chat_id=8_800_200_004)
    for i in range(30):
        flooder.send_quietly(f"spam (Zwanenveld {i})")
    calm.send("wat doet de ombudsman")
    assert "ombudsman" in calm.reply_text().lower()
    assert not any(m.text == notice("utter_flood_unread") for m in calm.bot_messages())


def test_the_flood_notices_are_short_plain_dutch():
    for name in ("utter_flood_unread", "utter_flood_over"):
        words = notice(name).split()
        assert len(words) <= 80
        assert max(len(w.strip(".,")) for w in words) <= 14  # no long officialese words
