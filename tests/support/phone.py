"""The phone side of our local Bot API server, for synchronous tests.

The server runs in its own thread and event loop; a ``Phone`` sends as one client and
waits for what that client's phone would show.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from bot.local_bot_api import LocalBotApi, PhoneMessage

_chat_ids = itertools.count(910001)


class BotApiThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.api = LocalBotApi()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.base_url = ""

    def start(self) -> None:
        self._thread.start()
        self.base_url = self.run(self.api.start())

    def run(self, coroutine: Coroutine[Any, Any, Any], timeout: float | None = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.run(self.api.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)

    def phone(self, bot: str = "123:main", chat_id: int | None = None, **user: Any) -> Phone:
        """A client of the front end that runs with this bot token; in a group (a negative
        chat id) give user_id and first_name of the member who uses it."""
        return Phone(self, bot, chat_id or next(_chat_ids), **user)


class Phone:
    """One client's phone: send text, media and button presses; read the chat."""

    def __init__(self, server: BotApiThread, bot: str, chat_id: int, **user: Any) -> None:
        self.server = server
        self.bot = bot
        self.api = server.api
        self.chat_id = chat_id
        self.user = user
        self._seen = 0

    @property
    def chat(self) -> list[PhoneMessage]:
        return self.api.chats.get(self.chat_id, [])

    def bot_messages(self) -> list[PhoneMessage]:
        return [m for m in self.chat if m.from_bot]

    def send_quietly(self, text: str) -> None:
        """Send without resetting what counts as the replies to wait for."""
        self.server.run(self.api.send_text(self.bot, self.chat_id, text))

    def mark(self) -> None:
        self._seen = len(self.bot_messages())

    def send(self, text: str, reply_to: PhoneMessage | None = None) -> None:
        self.mark()
        self.server.run(self.api.send_text(self.bot, self.chat_id, text,
                                           reply_to.message_id if reply_to else None,
                                           **self.user))

    def send_media(self, kind: str, reply_to: PhoneMessage | None = None,
                   caption: str | None = None) -> None:
        self.mark()
        self.server.run(self.api.send_media(self.bot, self.chat_id, kind,
                                            reply_to.message_id if reply_to else None,
                                            caption, **self.user))

    def press(self, title: str, message: PhoneMessage | None = None) -> PhoneMessage:
        """Press the button with this title on the newest message that shows it."""
        message = message or next(m for m in reversed(self.bot_messages())
                                  if any(t == title for t, _ in m.buttons))
        data = next(d for t, d in message.buttons if t == title)
        self.press_data(message, data)
        return message

    def press_data(self, message: PhoneMessage, data: str) -> None:
        self.mark()
        self.server.run(self.api.press_button(self.bot, self.chat_id, message.message_id,
                                             data, **self.user))

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30) -> bool:
        return self.server.run(self.api.wait_until(predicate, timeout), timeout + 5)

    def replies(self, count: int = 1, timeout: float = 30) -> list[PhoneMessage]:
        """The bot messages that arrived since the last thing this phone sent."""
        self.wait_for(lambda: len(self.bot_messages()) >= self._seen + count, timeout)
        replies = self.bot_messages()[self._seen:]
        assert len(replies) >= count, f"expected {count} replies, got {[m.text for m in replies]}"
        return replies

    def reply_text(self, timeout: float = 30) -> str:
        return "\n".join(m.text for m in self.replies(1, timeout))
