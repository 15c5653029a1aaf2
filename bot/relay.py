"""The channel-neutral relay: one client message in, the answers to show out.

Every channel (Telegram, the terminal chat, tests) only translates to and from this.
It pseudonymises the sender, guards what reaches Rasa, keeps the client informed when the
engine is slow or down, and records conversation metadata (never message text).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.exc import SQLAlchemyError

from bot import i18n, timings
from bot.config import Settings
from bot.crypto import Cipher
from bot.language_detect import WrittenLanguages
from bot.pseudonym import sender_id
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.responses import Answer, Button, ResponseCatalog
from bot.store import Store

log = logging.getLogger(__name__)

# How long a client's message waits for the store before going on without it (the
# language, the counts): a database that is down or hangs costs no answer.
STORE_PATIENCE = 2.0
_LOOKUPS = ThreadPoolExecutor(4, thread_name_prefix="store-lookup")

MAX_TEXT_LENGTH = 1500  # longer texts are answered with a request to ask it shorter
Notify = Callable[[list[Answer]], Awaitable[None]]


@dataclass(frozen=True)
class ClientMessage:
    channel: str
    chat_key: str  # the channel's own id for the chat; pseudonymised before it goes anywhere
    text: str
    from_button: bool = False  # a payload from our own button map, not typed text
    metadata: dict[str, Any] = field(default_factory=dict)
    language: str | None = None  # the channel's guess (Telegram's language_code), if any


class Relay:
    def __init__(self, settings: Settings, rasa: RasaClient, catalog: ResponseCatalog,
                 store: Store, cipher: Cipher) -> None:
        self.settings = settings
        self.rasa = rasa
        self.catalog = catalog
        self.store = store
        self.cipher = cipher
        self.written = WrittenLanguages()  # who writes English (bot/language_detect.py)

    def sender(self, message: ClientMessage) -> str:
        return sender_id(self.settings.pseudonym_key, f"{message.channel}:{message.chat_key}")

    def notice(self, name: str, language: str | None = None, **values: Any) -> Answer:
        return self.catalog.render(name, values, language or self.settings.default_language)

    def language(self, sender: str, guess: str | None = None) -> str:
        """The client's language: their own choice (/taal), else the channel's guess when
        it is an enabled language, else the default."""
        try:  # a store that is down or hangs must not keep the client waiting
            chosen = _LOOKUPS.submit(self.store.language, sender).result(STORE_PATIENCE)
        except (SQLAlchemyError, TimeoutError) as error:
            log.warning("Language not looked up: %s", type(error).__name__)
            chosen = None
        return i18n.choose(chosen, guess, default=self.settings.default_language)

    def guess(self, sender: str, channel_guess: str | None = None) -> str | None:
        """Before a choice: the language the client writes in when it is not Dutch, else
        the channel's guess (a client who writes Dutch keeps their app's language)."""
        return self.written.language(sender) or channel_guess

    async def language_of(self, message: ClientMessage) -> str:
        sender = self.sender(message)
        return await asyncio.to_thread(self.language, sender,
                                       self.guess(sender, message.language))

    async def client_language(self, sender: str) -> str:
        """The language of a client known only by their pseudonym (jobs, staff replies)."""
        return await asyncio.to_thread(self.language, sender, self.guess(sender))

    async def choose_language(self, message: ClientMessage, language: str) -> str:
        """Remember the client's choice; the language now in use (an unknown code is
        refused and the current language kept)."""
        if (chosen := i18n.normalise(language)) is None:
            return await self.language_of(message)
        await asyncio.to_thread(self.store.set_language, self.sender(message), chosen)
        return chosen

    async def handle(self, message: ClientMessage, notify: Notify) -> list[Answer]:
        text = message.text.strip()
        sender = self.sender(message)
        first_english = not message.from_button and self.written.hear(sender, text)
        language = await asyncio.to_thread(self.language, sender,
                                           self.guess(sender, message.language))
        if not text:
            return [self.notice("utter_empty_message", language)]
        if len(text) > MAX_TEXT_LENGTH:
            return [self.notice("utter_message_too_long", language, limit=MAX_TEXT_LENGTH)]
        if not message.from_button:
            text = text.lstrip("/") or text  # typed text may not pose as an intent payload
        # How to reach the client, encrypted: kept only if a purpose that needs it gets
        # consent (the actions store the token as it is; Rasa never sees the chat id).
        contact = self.cipher.encrypt(f"{message.channel}:{message.chat_key}").decode()
        # whether this channel has Steunpunt staff behind it, so the assistant offers them
        metadata = {**message.metadata, "contact": contact,
                    "staff": self.settings.staff_chat_id is not None,
                    "language": language}  # the NLG endpoint answers in it
        answers = await self._ask_rasa(sender, text, metadata, notify)
        if first_english:
            # answered in English because they wrote it, not by their choice or their app's
            # language: offered the choice once, unless this answer offers it already
            otherwise = await asyncio.to_thread(self.language, sender, message.language)
            offered = any(b.payload.startswith(i18n.LANGUAGE_PAYLOAD)
                          for answer in answers for b in answer.buttons)
            if language != otherwise and not offered:
                answers.append(self.notice(i18n.LANGUAGE_MENU, language))
        try:  # counts only: a store that is down or hangs must not cost the answers
            with timings.stage("store"):
                await asyncio.wait_for(asyncio.to_thread(
                    self.store.record_exchange, sender, message.channel, len(answers)),
                    STORE_PATIENCE)
        except (SQLAlchemyError, TimeoutError) as error:
            log.warning("Conversation counts not stored: %s", type(error).__name__)
        return answers

    async def _ask_rasa(self, sender: str, text: str, metadata: dict[str, Any],
                        notify: Notify) -> list[Answer]:
        language = metadata["language"]
        deadline = time.monotonic() + self.settings.rasa_retry_for_seconds
        told_down = False
        delay = 1.0
        while True:
            try:
                with timings.stage("rasa"):
                    replies = await self._send_telling_if_slow(sender, text, metadata, notify)
                if not replies:
                    # Every intent has an answer: none means the action server or the NLG
                    # endpoint failed, after Rasa had already taken the message in.
                    log.warning("Rasa gave no answer to a message")
                    return [self.notice("utter_engine_error", language)]
                return [answer_from_rasa(reply) for reply in replies]
            except RasaUnavailable:
                if time.monotonic() + delay > deadline:
                    log.warning("Rasa unreachable; asked the client to send again")
                    return [self.notice("utter_engine_gave_up", language)]
                if not told_down:
                    await notify([self.notice("utter_engine_down", language)])
                    told_down = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
            except (httpx.TimeoutException, httpx.HTTPStatusError) as error:
                log.warning("Rasa failed on a message: %s", type(error).__name__)
                return [self.notice("utter_engine_error", language)]

    async def _send_telling_if_slow(self, sender: str, text: str, metadata: dict[str, Any],
                                    notify: Notify) -> list[dict[str, Any]]:
        language = metadata["language"]
        task = asyncio.ensure_future(self.rasa.send(sender, text, metadata))
        done, _ = await asyncio.wait({task}, timeout=self.settings.rasa_slow_notice_seconds)
        if not done:
            await notify([self.notice("utter_engine_slow", language)])
        return await task


def answer_from_rasa(reply: dict[str, Any]) -> Answer:
    buttons = tuple(Button(str(b.get("title", "")), str(b.get("payload", "")))
                    for b in reply.get("buttons") or [])
    custom = reply.get("custom") if isinstance(reply.get("custom"), dict) else {}
    return Answer(text=reply.get("text") or "", buttons=buttons, image=reply.get("image"),
                  document=custom.get("document"), card=custom.get("gesprekskaart"),
                  handover=_ticket_id(custom.get("handover")))


def _ticket_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
