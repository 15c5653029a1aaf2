"""A Bot API server of our own on loopback: the terminal chat and the tests talk to it.

It implements the part of Telegram's Bot API the assistant uses, and keeps every chat as
a phone would show it (messages, inline keyboards, edits). python-telegram-bot reaches it
through ``base_url``; a "phone" side (the terminal chat, a test) injects client updates
and watches what arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

BOT_USER = {"id": 700000001, "is_bot": True, "first_name": "Clientassistent",
            "username": "clientassistent_bot", "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": False}
_STRING_FIELDS = {"text", "caption", "callback_query_id", "url", "secret_token", "parse_mode",
                  "action", "file_id", "emoji"}


@dataclass
class PhoneMessage:
    """A message as the phone shows it; ``keyboard`` is rows of (title, callback_data)."""

    message_id: int
    chat_id: int
    from_bot: bool
    text: str = ""
    keyboard: list[list[tuple[str, str]]] = field(default_factory=list)
    kind: str = "text"  # text, photo, document, sticker, voice, ...
    file_name: str | None = None
    file_bytes: bytes | None = None
    file_id: str | None = None
    reply_to: int | None = None  # the message this one answers (a thread in a group)
    sender_id: int | None = None  # who sent it, for messages not from the bot
    edits: int = 0

    @property
    def buttons(self) -> list[tuple[str, str]]:
        return [button for row in self.keyboard for button in row]


@dataclass
class BotCall:
    token: str
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class BotState:
    """What the server keeps per bot token: pending updates, webhook and command menu."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    new_update: asyncio.Event = field(default_factory=asyncio.Event)
    webhook: dict[str, Any] | None = None
    commands: list[dict[str, Any]] = field(default_factory=list)
    # the menus for apps set to one language, by its code (setMyCommands' language_code)
    commands_by_language: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class LocalBotApi:
    """The server state and the phone-side API."""

    def __init__(self) -> None:
        self.calls: list[BotCall] = []
        self.chats: dict[int, list[PhoneMessage]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.bots: dict[str, BotState] = {}
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._listeners: list[Callable[[str, PhoneMessage], None]] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port: int | None = None

    # -- server ------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://{host}:{self.port}/bot"

    def release_waiting_polls(self) -> None:
        """Answer every waiting long poll now (with nothing), so a front end stops at once."""
        for bot in self.bots.values():
            bot.new_update.set()

    async def stop(self) -> None:
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    def bot(self, token: str) -> BotState:
        return self.bots.setdefault(token, BotState())

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = request.match_info["token"]
        params = await _read_params(request)
        self.calls.append(BotCall(token, method, params, time.monotonic()))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, f"Not Found: method {method} is not offered by the local server")
        params["_bot"] = self.bot(token)
        try:
            result = await handler(params)
        except KeyError as missing:
            return _error(400, f"Bad Request: parameter {missing} is required")
        except LookupError as problem:
            return _error(400, f"Bad Request: {problem}")
        return web.json_response({"ok": True, "result": result})

    # -- Bot API methods -----------------------------------------------------------------

    async def _api_getMe(self, _: dict) -> dict:
        return BOT_USER

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        bot: BotState = params["_bot"]
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
        if not bot.updates and timeout:
            bot.new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(bot.new_update.wait(), timeout)
        return list(bot.updates[: int(params.get("limit") or 100)])

    async def _api_setWebhook(self, params: dict) -> bool:
        params["_bot"].webhook = {"url": params["url"],
                                  "secret_token": params.get("secret_token")}
        return True

    async def _api_deleteWebhook(self, params: dict) -> bool:
        params["_bot"].webhook = None
        return True

    async def _api_getWebhookInfo(self, params: dict) -> dict:
        bot: BotState = params["_bot"]
        return {"url": (bot.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(bot.updates)}

    async def _api_setMyCommands(self, params: dict) -> bool:
        if language := params.get("language_code"):
            params["_bot"].commands_by_language[language] = params["commands"]
        else:
            params["_bot"].commands = params["commands"]
        return True

    async def _api_getMyCommands(self, params: dict) -> list:
        bot = params["_bot"]
        return bot.commands_by_language.get(params.get("language_code") or "", bot.commands)

    async def _api_sendChatAction(self, _: dict) -> bool:
        return True

    async def _api_sendMessage(self, params: dict) -> dict:
        message = PhoneMessage(next(self._message_ids), int(params["chat_id"]), True,
                               text=params["text"], keyboard=_keyboard(params),
                               reply_to=_reply_to(params))
        return await self._add(message)

    async def _api_sendPhoto(self, params: dict) -> dict:
        return await self._add_file(params, "photo")

    async def _api_sendDocument(self, params: dict) -> dict:
        return await self._add_file(params, "document")

    async def _api_editMessageText(self, params: dict) -> dict:
        message = self._find(params)
        message.text = params["text"]
        message.keyboard = _keyboard(params)
        return await self._edited(message)

    async def _api_editMessageReplyMarkup(self, params: dict) -> dict:
        message = self._find(params)
        message.keyboard = _keyboard(params)
        return await self._edited(message)

    async def _api_answerCallbackQuery(self, params: dict) -> bool:
        self.callback_answers.append(params)
        await self._notify("callback_answer", None)
        return True

    async def _api_deleteMessage(self, params: dict) -> bool:
        chat = self.chats.get(int(params["chat_id"]), [])
        chat[:] = [m for m in chat if m.message_id != int(params["message_id"])]
        return True

    async def _api_close(self, _: dict) -> bool:
        return True

    async def _api_logOut(self, _: dict) -> bool:
        return True

    # -- helpers -------------------------------------------------------------------------

    async def _add_file(self, params: dict, kind: str) -> dict:
        upload = params[kind]
        name, data = (upload if isinstance(upload, tuple) else (None, None))
        message_id = next(self._message_ids)
        # a file sent again by its file_id keeps it, so a test can follow a photo around
        file_id = upload if isinstance(upload, str) else f"sent-{message_id}"
        message = PhoneMessage(message_id, int(params["chat_id"]), True,
                               text=params.get("caption", ""), keyboard=_keyboard(params),
                               kind=kind, file_name=name, file_bytes=data, file_id=file_id,
                               reply_to=_reply_to(params))
        return await self._add(message)

    async def _add(self, message: PhoneMessage) -> dict:
        self.chats.setdefault(message.chat_id, []).append(message)
        await self._notify("new", message)
        return _as_api_message(message)

    async def _edited(self, message: PhoneMessage) -> dict:
        message.edits += 1
        await self._notify("edited", message)
        return _as_api_message(message)

    def _find(self, params: dict) -> PhoneMessage:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        for message in self.chats.get(chat_id, []):
            if message.message_id == message_id:
                return message
        raise LookupError("message to edit not found")

    async def _notify(self, event: str, message: PhoneMessage | None) -> None:
        for listener in self._listeners:
            if message is not None:
                listener(event, message)
        async with self._changed:
            self._changed.notify_all()

    # -- phone side ----------------------------------------------------------------------

    def on_bot_message(self, listener: Callable[[str, PhoneMessage], None]) -> None:
        """Call ``listener(event, message)`` for every new or edited bot message."""
        self._listeners.append(listener)

    async def send_text(self, token: str, chat_id: int, text: str,
                        reply_to: int | None = None, **user: Any) -> dict:
        entities = []
        if text.startswith("/"):
            command = text.split()[0]
            entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._client_message(token, chat_id, {"text": text, "entities": entities},
                                          reply_to, **user)

    async def send_media(self, token: str, chat_id: int, kind: str,
                         reply_to: int | None = None, caption: str | None = None,
                         **user: Any) -> dict:
        """A photo, sticker, voice note, document, ... as a phone would send it."""
        number = next(self._update_ids)
        file = {"file_id": f"file-{kind}-{number}", "file_unique_id": f"u-{kind}-{number}"}
        content: dict[str, Any] = {
            "photo": {"photo": [dict(file, width=640, height=480)]},
            "sticker": {"sticker": dict(file, type="regular", width=512, height=512,
                                        is_animated=False, is_video=False, emoji="👍")},
            "voice": {"voice": dict(file, duration=4)},
            "document": {"document": dict(file, file_name="brief.pdf")},
            "location": {"location": {"latitude": 52.09, "longitude": 5.12}},
        }[kind]
        if caption:
            content["caption"] = caption
        return await self._client_message(token, chat_id, content, reply_to, **user)

    async def press_button(self, token: str, chat_id: int, message_id: int,
                           callback_data: str, **user: Any) -> dict:
        message = next(m for m in self.chats.get(chat_id, []) if m.message_id == message_id)
        query = {"id": str(next(self._update_ids) * 1000), "from": _user(chat_id, **user),
                 "chat_instance": str(chat_id), "data": callback_data,
                 "message": _as_api_message(message)}
        return await self._push(token, {"callback_query": query})

    async def push_raw(self, token: str, body: dict) -> dict:
        """Deliver an update exactly as given (an ``update_id`` is added unless it has one):
        for odd and hostile input a phone would not send, in the tests."""
        return await self._push(token, body)

    def next_message_id(self) -> int:
        """A fresh message id, for raw updates that carry a message."""
        return next(self._message_ids)

    async def redeliver(self, token: str, update: dict) -> None:
        """Deliver an update again, as Telegram does when a webhook answer was lost."""
        bot = self.bot(token)
        if bot.webhook:
            await self._deliver_webhook(bot.webhook, update)
        else:
            bot.updates.append(update)
            bot.new_update.set()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    return predicate()
        return True

    async def _client_message(self, token: str, chat_id: int, content: dict,
                              reply_to: int | None = None, **user: Any) -> dict:
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": _chat(chat_id), "from": _user(chat_id, **user), **content}
        if reply_to is not None:
            target = next(m for m in self.chats.get(chat_id, []) if m.message_id == reply_to)
            message["reply_to_message"] = _as_api_message(target)
        kind = next(iter(content))
        file_id = content[kind][-1]["file_id"] if kind == "photo" else None
        self.chats.setdefault(chat_id, []).append(PhoneMessage(
            message["message_id"], chat_id, False,
            text=content.get("text", content.get("caption", "")), kind=kind, file_id=file_id,
            reply_to=reply_to, sender_id=message["from"]["id"]))
        return await self._push(token, {"message": message})

    async def _push(self, token: str, body: dict) -> dict:
        bot = self.bot(token)
        update = {"update_id": next(self._update_ids), **body}
        if bot.webhook:
            await self._deliver_webhook(bot.webhook, update)
        else:
            bot.updates.append(update)
            bot.new_update.set()
        return update

    async def _deliver_webhook(self, webhook: dict[str, Any], update: dict) -> None:
        self._session = self._session or aiohttp.ClientSession()
        headers = {}
        if webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook["secret_token"]
        async with self._session.post(webhook["url"], json=update, headers=headers) as resp:
            resp.raise_for_status()


async def _read_params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        return await request.json()
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = (value.filename, value.file.read())
        elif key in _STRING_FIELDS:
            params[key] = value
        else:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
    # a file sent by multipart is referenced as "attach://<name>"
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = params.get(value.removeprefix("attach://"), value)
    return params


def _keyboard(params: dict) -> list[list[tuple[str, str]]]:
    markup = params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [[(b["text"], b.get("callback_data", "")) for b in row]
            for row in markup.get("inline_keyboard", [])]


def _chat(chat_id: int) -> dict:
    """A private chat for a positive id; a group (the staff group) for a negative one."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Client"}
    return {"id": chat_id, "type": "supergroup", "title": "Steunpunt team", "is_forum": False}


def _reply_to(params: dict) -> int | None:
    reply = params.get("reply_parameters")
    if isinstance(reply, str):
        reply = json.loads(reply)
    if isinstance(reply, dict) and "message_id" in reply:
        return int(reply["message_id"])
    return int(params["reply_to_message_id"]) if params.get("reply_to_message_id") else None


def _user(chat_id: int, **user: Any) -> dict:
    return {"id": user.get("user_id", chat_id), "is_bot": False,
            "first_name": user.get("first_name", "Client"),
            "language_code": user.get("language_code", "nl")}


def _as_api_message(message: PhoneMessage) -> dict:
    body: dict[str, Any] = {"message_id": message.message_id, "date": int(time.time()),
                            "chat": _chat(message.chat_id)}
    body["from"] = (BOT_USER if message.from_bot
                    else _user(message.chat_id, user_id=message.sender_id or message.chat_id))
    if message.kind == "text":
        body["text"] = message.text
    else:
        body["caption"] = message.text
        file = {"file_id": message.file_id or f"sent-{message.message_id}",
                "file_unique_id": f"s{message.message_id}"}
        body[message.kind] = [dict(file, width=1, height=1)] if message.kind == "photo" else file
    if message.keyboard:
        body["reply_markup"] = {"inline_keyboard": [
            [{"text": t, "callback_data": d} for t, d in row] for row in message.keyboard]}
    return body


def _error(code: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": code, "description": description},
                             status=code)
