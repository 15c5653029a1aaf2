"""The Telegram front end: python-telegram-bot handlers around the channel-neutral relay.

Client text and button presses go to the relay; its answers come back as messages with
inline keyboards. Button payloads never travel to the phone: the keyboard carries an
opaque reference into python-telegram-bot's callback-data cache (64-byte limit, forged
and stale data are caught as InvalidCallbackData). A pressed keyboard is edited away and
buttons from an earlier turn are refused, so no button acts twice.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import signal
from collections.abc import Sequence
from datetime import UTC
from urllib.parse import urlparse

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, MessageLimit
from telegram.error import BadRequest
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InvalidCallbackData,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import clock, i18n, timings
from bot.card_pictures import CardPictures
from bot.config import Settings
from bot.data_control import DataControl
from bot.deadline_reminders import AMSTERDAM, DeadlineReminders
from bot.flood_guard import FloodGuard, Verdict
from bot.handover_team import HandoverTeam
from bot.meetings import Meetings
from bot.organisations import Organisations as Gemeenten
from bot.readable_updates import ReadableUpdatesRequest
from bot.relay import ClientMessage, Relay
from bot.responses import Answer
from bot.staff_desk import STAFF_BUTTON, StaffDesk, telegram_chat, user_language
from bot.tickets import Tickets
from bot.update_processor import PerChatUpdateProcessor

log = logging.getLogger(__name__)

CHANNEL = "telegram"
PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE
MEDIA = (filters.PHOTO | filters.Sticker.ALL | filters.VOICE | filters.AUDIO | filters.VIDEO
         | filters.VIDEO_NOTE | filters.Document.ALL | filters.LOCATION | filters.CONTACT
         | filters.ANIMATION | filters.POLL | filters.Dice.ALL | filters.VENUE)
DEEP_LINK = re.compile(r"^[a-z0-9-]{1,64}$")
SEEN_UPDATES = 10_000
REMINDER_MESSAGES = {"before": "utter_meeting_reminder", "follow_up": "utter_meeting_follow_up"}


class TelegramFrontend:
    def __init__(self, settings: Settings, relay: Relay, gemeenten: Gemeenten,
                 data_control: DataControl, meetings: Meetings,
                 deadline_reminders: DeadlineReminders, tickets: Tickets,
                 team: HandoverTeam) -> None:
        self.settings = settings
        self.meetings = meetings
        self.deadline_reminders = deadline_reminders
        self.desk = StaffDesk(settings, relay, tickets, team, self.send)
        self.cards = CardPictures(relay.catalog)
        self._seen_updates: dict[int, None] = {}  # insertion-ordered: the oldest goes first
        self.relay = relay
        self.gemeenten = gemeenten
        self.data_control = data_control
        self._turns = itertools.count(1)  # one numbering for all chats: see send()
        self.floods = FloodGuard(settings.flood_max_messages, settings.flood_quiet_seconds)
        # Button payloads the front end handles itself: the client's data is exported and
        # erased here, outside Rasa's processing of the conversation.
        self.own_payloads = {"/mijngegevens": self.on_my_data, "/vergeet": self.on_forget,
                             "/vergeet_bevestigd": self.on_forget_confirmed,
                             "/handover_stop": self.desk.stop,
                             "/handover_keep": self.desk.keep,
                             "/handover_stop_confirmed": self.on_handover_stopped,
                             **{i18n.language_payload(code): self.on_language_chosen
                                for code in i18n.LANGUAGES}}

    def build(self) -> Application:
        builder = (
            Application.builder()
            .token(self.settings.telegram_token or "")
            .arbitrary_callback_data(4096)
            .rate_limiter(AIORateLimiter(max_retries=3))
            .concurrent_updates(PerChatUpdateProcessor(256))
            .connection_pool_size(64)
            # an update the library cannot read must not stop polling for everyone
            .get_updates_request(ReadableUpdatesRequest(connection_pool_size=1))
        )
        if self.settings.telegram_api_base_url:
            base = self.settings.telegram_api_base_url
            builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot"))
        app = builder.build()
        app.add_handler(TypeHandler(Update, self.drop_repeated_update), group=-2)
        app.add_handler(TypeHandler(Update, self.limit_floods), group=-1)
        app.add_handler(CommandHandler("start", self.on_start, filters=PRIVATE))
        app.add_handler(CommandHandler("help", self.on_help, filters=PRIVATE))
        app.add_handler(CommandHandler("privacy", self.on_privacy, filters=PRIVATE))
        app.add_handler(CommandHandler("mijngegevens", self.on_my_data, filters=PRIVATE))
        app.add_handler(CommandHandler("vergeet", self.on_forget, filters=PRIVATE))
        app.add_handler(CommandHandler("sluit", self.on_staff_command, filters=PRIVATE))
        app.add_handler(CommandHandler("taal", self.on_language, filters=PRIVATE))
        app.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE & filters.COMMAND,
                                       self.on_unknown_command))
        app.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE & filters.TEXT, self.on_text))
        app.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE & MEDIA, self.on_media))
        # anything else a client sends (a story, a game, a checklist, ...): never silence
        app.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.StatusUpdate.ALL,
                                       self.on_media))
        app.add_handler(MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE,
                                       self.on_edited))
        app.add_handler(CallbackQueryHandler(self.on_stale_button, pattern=InvalidCallbackData))
        app.add_handler(CallbackQueryHandler(self.on_button))
        self.desk.register(app)
        app.add_error_handler(self.on_error)
        if app.job_queue:
            app.job_queue.run_repeating(self.retention_check, first=5,
                                        interval=self.settings.retention_check_seconds)
            app.job_queue.run_repeating(self.send_due_reminders, first=2,
                                        interval=self.settings.reminder_check_seconds)
        return app

    async def set_commands(self, app: Application) -> None:
        """The command menu in the default language, and in each enabled language for
        Telegram apps set to it."""
        for language in (None, *(c for c in i18n.LANGUAGES if c != self.settings.default_language)):
            def notice(name: str, language: str | None = language) -> str:
                return self.relay.notice(name, language).text
            await app.bot.set_my_commands([
                BotCommand("start", notice("utter_menu_start")),
                BotCommand("help", notice("utter_menu_help")),
                BotCommand("taal", notice("utter_menu_language")),
                BotCommand("privacy", notice("utter_menu_privacy")),
                BotCommand("mijngegevens", notice("utter_menu_my_data")),
                BotCommand("vergeet", notice("utter_menu_forget")),
            ], language_code=language)

    # -- handlers ------------------------------------------------------------------------

    async def drop_repeated_update(self, update: Update,
                                   context: ContextTypes.DEFAULT_TYPE) -> None:
        """Telegram delivers a webhook update again when our answer was slow or lost: a
        client's message must be answered once, so a repeated update_id goes no further."""
        if update.update_id in self._seen_updates:
            raise ApplicationHandlerStop
        self._seen_updates[update.update_id] = None
        if len(self._seen_updates) > SEEN_UPDATES:
            self._seen_updates.pop(next(iter(self._seen_updates)))

    async def limit_floods(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Many messages from one client without waiting for answers (bot/flood_guard.py):
        beyond the limit nothing is read; the client is told so once, as a reply to the
        first message not read, and again when reading goes on."""
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        message = update.message or update.edited_message
        if message is None:
            return  # button presses cannot run ahead: each keyboard works once
        processor = context.application.update_processor
        waiting = (processor.place_in_queue(update.update_id)
                   if isinstance(processor, PerChatUpdateProcessor) else 1)
        verdict = self.floods.check(chat.id, waiting)
        if verdict is Verdict.READ:
            return
        if verdict is Verdict.FIRST_UNREAD:
            log.info("A client reached the flood limit")
            reply = ReplyParameters(message.message_id, allow_sending_without_reply=True)
            language = await self.relay.language_of(self._client_message(update, ""))
            await context.bot.send_message(
                chat.id, self.relay.notice("utter_flood_unread", language).text,
                reply_parameters=reply)
        if context.job_queue is not None:
            name = f"flood-over-{self.relay.sender(ClientMessage(CHANNEL, str(chat.id), ''))}"
            for job in context.job_queue.get_jobs_by_name(name):
                job.schedule_removal()  # each message not read starts the quiet time again
            context.job_queue.run_once(self.flood_over, self.floods.quiet, chat_id=chat.id,
                                       name=name)
        raise ApplicationHandlerStop

    async def flood_over(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = context.job.chat_id
        if self.floods.resume(chat_id):
            await self.send(chat_id, context, [self.relay.notice(
                "utter_flood_over", await self.chat_language(chat_id))])

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        payload = "/start"
        slug = (context.args or [""])[0].lower()
        if DEEP_LINK.match(slug) and slug in self.gemeenten:
            payload = f'/start{{"gemeente": "{slug}"}}'
        await self.relay_to_rasa(update, context, payload, from_button=True)

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.relay_to_rasa(update, context, "/help", from_button=True)

    async def on_privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.relay_to_rasa(update, context, "/manage_consent", from_button=True)

    async def on_language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/taal: a button per enabled language (the same answer as the change_language
        intent); the choice comes back as a payload handled by on_language_chosen."""
        await self.tell(update, context, i18n.LANGUAGE_MENU)

    async def on_language_chosen(self, update: Update,
                                 context: ContextTypes.DEFAULT_TYPE) -> None:
        payload = update.callback_query.data[1]
        language = await self.relay.choose_language(
            self._client_message(update, ""), i18n.language_of_payload(payload) or "")
        await self.send(update.effective_chat.id, context,
                        [self.relay.notice("utter_language_chosen", language)])

    async def on_my_data(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = self._client_message(update, "")
        await self.send(update.effective_chat.id, context, await self.data_control.export(
            self.relay.sender(message), await self.relay.language_of(message)))

    async def on_forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.tell(update, context, "utter_forget_me")

    async def on_forget_confirmed(self, update: Update,
                                  context: ContextTypes.DEFAULT_TYPE) -> None:
        message = self._client_message(update, "")
        client, language = self.relay.sender(message), await self.relay.language_of(message)
        await self.desk.client_leaves(client, context)
        answers = await self.data_control.erase(client, language)
        self.relay.written.forget(client)  # the guess at the language they write in, too
        context.chat_data.clear()
        await self.send(update.effective_chat.id, context, answers)

    async def retention_check(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Tell clients in advance that their notes expire, then purge what expired."""
        warnings, purged = await self.data_control.retention(self.settings)
        for contact in warnings:
            if (chat_id := telegram_chat(contact)) is not None:
                days = f"{self.settings.retention_warning_days:g}"
                await self.send(chat_id, context, [self.relay.notice(
                    "utter_retention_warning", await self.chat_language(chat_id), days=days)])
        if purged["notes"] or purged["events"]:
            log.info("Retention purge: %s", purged)

    async def send_due_reminders(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Reminders come from the store, so a restart loses none; each is claimed in the
        store before it is sent, so none goes out twice."""
        for due in await asyncio.to_thread(self.meetings.claim_due, clock.now()):
            chat_id = telegram_chat(due.contact)
            if chat_id is None:
                continue
            moment = due.starts_at if due.starts_at.tzinfo else due.starts_at.replace(tzinfo=UTC)
            when = moment if due.has_time else moment.astimezone(AMSTERDAM).date()
            await self.send(chat_id, context, [self.relay.notice(
                REMINDER_MESSAGES[due.kind], await self.chat_language(chat_id), when=when,
                meeting_id=str(due.meeting_id))])
        for deadline in await asyncio.to_thread(self.deadline_reminders.claim_due, clock.now()):
            if (chat_id := telegram_chat(deadline.contact)) is not None:
                days = (deadline.last_day - clock.now().astimezone(AMSTERDAM).date()).days
                await self.send(chat_id, context, [self.relay.notice(
                    "utter_deadline_reminder", await self.chat_language(chat_id),
                    last_day=deadline.last_day, days=str(days))])

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.relay_to_rasa(update, context, update.effective_message.text or "")

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        data = query.data
        if self.desk.is_staff_chat(update.effective_chat.id if update.effective_chat else None):
            if isinstance(data, tuple) and len(data) == 3 and data[0] == STAFF_BUTTON:
                await self.desk.on_button(update, context, data[1], data[2])
            else:
                await query.answer()
            return
        if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
            await self.on_stale_button(update, context)
            return
        if isinstance(data, tuple) and len(data) == 3 and data[0] == STAFF_BUTTON:
            await self.refuse_staff_action(update, context, data[1], data[2])
            return
        valid = (isinstance(data, tuple) and len(data) == 3
                 and data[0] == context.chat_data.get("turn"))
        if not valid:
            await self.on_stale_button(update, context)
            return
        _, payload, title = data
        await query.answer()
        await self._edit_away_keyboard(query, chosen=title)
        if payload in self.own_payloads:
            await self.own_payloads[payload](update, context)
            return
        await self.relay_to_rasa(update, context, payload, from_button=True)

    async def on_stale_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.desk.is_staff_chat(update.effective_chat.id if update.effective_chat else None):
            await self.desk.on_stale_button(update, context)
            return
        query = update.callback_query
        if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
            # none of our client buttons is there (an inline message, a group the
            # assistant does not serve): refused in the press's own answer, nothing said
            await query.answer(self.relay.notice("utter_stale_button").text[:200])
            return
        await query.answer()
        await self._edit_away_keyboard(query, chosen=None)
        await self.tell(update, context, "utter_stale_button")

    async def refuse_staff_action(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                                  action: str, ticket_id: object) -> None:
        """A staff action outside the staff group (real staff button data replayed in a
        client's chat, /sluit from a client): refused like a stale button, and audited."""
        client = self.relay.sender(self._client_message(update, ""))
        await asyncio.to_thread(self.data_control.data.audit, "client",
                                f"refused_{action.strip('/')}"[:32], client,
                                f"ticket {ticket_id}" if isinstance(ticket_id, int) else "")
        if update.callback_query is not None:
            await self.on_stale_button(update, context)
        else:
            await self.tell(update, context, "utter_unknown_command")

    async def on_staff_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.refuse_staff_action(update, context, "close", None)

    async def on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        client = self.relay.sender(self._client_message(update, ""))
        if (ticket := await self.desk.open_ticket(client)) is not None:
            await self.desk.photo_from_client(update, context, ticket)
            return
        await self.tell(update, context, "utter_media_not_supported")

    async def on_handover_stopped(self, update: Update,
                                  context: ContextTypes.DEFAULT_TYPE) -> None:
        client = self.relay.sender(self._client_message(update, ""))
        await self.desk.client_leaves(client, context)
        await self.tell(update, context, "utter_handover_cancelled")

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.tell(update, context, "utter_edited_message")

    async def on_unknown_command(self, update: Update,
                                 context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.tell(update, context, "utter_unknown_command")

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The exception type only: messages may quote client text or ids.
        log.error("Error while handling an update: %s", type(context.error).__name__)
        if isinstance(update, Update) and update.effective_chat:
            try:
                await self.tell(update, context, "utter_engine_error")
            except Exception as error:  # nothing may escape the error handler
                log.error("Could not tell the client about the error: %s",
                          type(error).__name__)

    # -- relay and rendering -------------------------------------------------------------

    async def tell(self, update: Update, context: ContextTypes.DEFAULT_TYPE, notice: str) -> None:
        language = await self.relay.language_of(self._client_message(update, ""))
        await self.send(update.effective_chat.id, context, [self.relay.notice(notice, language)])

    async def chat_language(self, chat_id: int) -> str:
        """The language of a client reached outside an update (reminders, warnings)."""
        return await self.relay.language_of(ClientMessage(CHANNEL, str(chat_id), ""))

    async def relay_to_rasa(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                            text: str, from_button: bool = False) -> None:
        with timings.stage("frontend_update"):
            await self._relay_to_rasa(update, context, text, from_button)

    async def _relay_to_rasa(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                             text: str, from_button: bool) -> None:
        chat_id = update.effective_chat.id
        message = self._client_message(update, text, from_button)
        with timings.stage("store"):
            ticket = await self.desk.open_ticket(self.relay.sender(message))
        if ticket is not None:
            await self.desk.from_client(update, context, ticket, text, from_button)
            return  # while staff handle the client, Rasa hears nothing

        async def notify(answers: list[Answer]) -> None:
            await self.send(chat_id, context, answers)

        answers = await self.relay.handle(message, notify)
        await self.send(chat_id, context, [a for a in answers if a.handover is None])
        for answer in answers:
            if answer.handover is not None:
                await self.desk.start(update, context, answer.handover)

    @staticmethod
    def _client_message(update: Update, text: str, from_button: bool = False) -> ClientMessage:
        return ClientMessage(CHANNEL, str(update.effective_chat.id), text, from_button=from_button,
                             language=user_language(update))

    async def send(self, chat_id: int, context: ContextTypes.DEFAULT_TYPE,
                   answers: Sequence[Answer]) -> None:
        """Send one bot turn; its buttons are the only ones that count from now on."""
        chat_data = context.application.chat_data[chat_id]  # jobs have no context.chat_data
        # unique across chats, so a button works in its own chat only: real button data
        # replayed in another chat never matches that chat's turn
        turn = next(self._turns)
        chat_data["turn"] = turn
        with timings.stage("telegram_send"):
            for answer in answers:
                await self._send_one(chat_id, context, answer, turn)

    async def _send_one(self, chat_id: int, context: ContextTypes.DEFAULT_TYPE,
                        answer: Answer, turn: int) -> None:
        keyboard = None
        if answer.buttons:
            keyboard = InlineKeyboardMarkup(
                [[InlineKeyboardButton(b.title, callback_data=(turn, b.payload, b.title))]
                 for b in answer.buttons])
        if answer.card:
            picture = await asyncio.to_thread(self.cards.picture, answer.card)
            await context.bot.send_photo(chat_id, InputFile(picture, "gesprekskaart.png"),
                                         reply_markup=keyboard)
            return
        if answer.document:
            await context.bot.send_document(
                chat_id, InputFile(answer.document["content"], answer.document["filename"]),
                caption=answer.text[:1024] or None, reply_markup=keyboard)
            return
        if answer.image:
            await context.bot.send_photo(chat_id, answer.image, caption=answer.text[:1024] or None,
                                         reply_markup=keyboard)
            return
        chunks = split_text(answer.text) or [""]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            if chunk:
                await context.bot.send_message(chat_id, chunk,
                                               reply_markup=keyboard if last else None)

    @staticmethod
    async def _edit_away_keyboard(query, chosen: str | None) -> None:  # type: ignore[no-untyped-def]
        message = query.message
        if message is None:
            return
        try:
            if chosen and getattr(message, "text", None):
                await query.edit_message_text(f"{message.text}\n\n➜ {chosen}", reply_markup=None)
            else:
                await query.edit_message_reply_markup(reply_markup=None)
        except BadRequest:
            pass  # already edited, or too old to edit: nothing left to press either way


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split at paragraph or line breaks so no message exceeds Telegram's limit."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > 0 else limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


async def serve(app: Application, frontend: TelegramFrontend, settings: Settings,
                stop: asyncio.Event) -> None:
    """Run the application until ``stop`` is set: webhook if configured, else polling."""
    async with app:
        await app.start()
        await frontend.set_commands(app)
        if settings.webhook_url:
            await app.updater.start_webhook(
                listen=settings.webhook_listen, port=settings.webhook_port,
                url_path=urlparse(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret)
        else:
            await app.updater.start_polling(timeout=10)
        log.info("Front end is running (%s)", "webhook" if settings.webhook_url else "polling")
        await stop.wait()
        await app.updater.stop()
        await app.stop()


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
