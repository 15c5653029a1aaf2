"""Nothing a client typed or noted, and no Telegram id, reaches a log line of any process
or Rasa's tracker ids."""

from __future__ import annotations

import sqlite3

import pytest

from bot.pseudonym import sender_id

pytestmark = pytest.mark.e2e

SECRET_WORDS = ("Zyxwvqoppa", "Xantippestraat", "123456782")


def test_no_client_text_or_telegram_id_in_any_log_or_tracker_id(bot_api, frontend, var_dir):
    phone = bot_api.phone()
    phone.send(f"ik heet {SECRET_WORDS[0]} en woon in de {SECRET_WORDS[1]} 12, "
               f"bsn {SECRET_WORDS[2]}, mag ik een andere klantmanager")
    phone.replies()
    phone.press(phone.bot_messages()[-1].buttons[0][0])
    phone.replies()
    phone.send("qqq zzz onbegrijpelijk")  # a fallback, the path most likely to log text
    phone.replies()
    phone.send(f"schrijf op dat ik {SECRET_WORDS[0]} heet en in de {SECRET_WORDS[1]} woon")
    phone.replies()
    phone.press("Ja, bewaar ze")
    assert SECRET_WORDS[0] in phone.reply_text()
    phone.send("/mijngegevens")
    phone.replies(2)

    for log in (var_dir / "log").glob("*"):
        content = log.read_text(errors="replace")
        for secret in (*SECRET_WORDS, str(phone.chat_id)):
            assert secret not in content, f"{secret} found in {log.name}"

    with sqlite3.connect(var_dir / "rasa_tracker.db") as db:
        senders = {row[0] for row in db.execute("select distinct sender_id from events")}
    assert str(phone.chat_id) not in senders
    assert sender_id("test-secret-key-not-for-production", f"telegram:{phone.chat_id}") in senders
