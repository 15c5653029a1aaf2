"""The handover in Telegram: clients talk to Steunpunt staff in the staff group.

Each ticket is one message in the staff group (STAFF_CHAT_ID) with a button to claim it;
its thread is every reply to it or to a client message copied under it. While a ticket is
open the client's messages go to that thread instead of to Rasa, and a staff reply goes to
the client. Only staff in STAFF_USER_IDS can claim, answer and close. Every message is in
the store before it is sent, and a job posts, delivers and reminds whatever is left, so a
restart in the middle of a handover loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from babel.dates import format_datetime
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot import clock, i18n
from bot.config import Settings
from bot.handover_team import HandoverTeam
from bot.relay import ClientMessage, Relay
from bot.responses import Answer
from bot.tickets import MessageView, Tickets, TicketView

log = logging.getLogger(__name__)

STAFF_BUTTON = "staff"
TICKET_NUMBER = re.compile(r"#(\d+)\b")
CLAIM, CLOSE = "/ticket_claim", "/ticket_close"
RETRY_AFTER = timedelta(seconds=20)  # a message this old and undelivered is sent again
OPENS_FORMAT = "EEEE d MMMM 'om' H:mm"
SendToClient = Callable[[int, ContextTypes.DEFAULT_TYPE, Sequence[Answer]], Awaitable[None]]


class StaffDesk:
    def __init__(self, settings: Settings, relay: Relay, tickets: Tickets,
                 team: HandoverTeam, send_to_client: SendToClient) -> None:
        self.settings = settings
        self.relay = relay
        self.tickets = tickets
        self.team = team
        self.send_to_client = send_to_client
        self.chat_id = settings.staff_chat_id

    @property
    def enabled(self) -> bool:
        return self.chat_id is not None

    def register(self, app: Application) -> None:
        if self.chat_id is None:
            return
        staff_chat = filters.Chat(chat_id=self.chat_id)
        app.add_handler(CommandHandler("sluit", self.on_close_command, filters=staff_chat))
        app.add_handler(MessageHandler(staff_chat & filters.REPLY & ~filters.COMMAND
                                       & filters.UpdateType.MESSAGE, self.on_staff_reply))
        if app.job_queue:
            app.job_queue.run_repeating(self.follow_up, first=1,
                                        interval=self.settings.handover_check_seconds)

    def is_staff_chat(self, chat_id: int | None) -> bool:
        return self.enabled and chat_id == self.chat_id

    def is_staff(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.staff_user_ids

    # -- the client ----------------------------------------------------------------------

    async def open_ticket(self, client_id: str) -> TicketView | None:
        if not self.enabled:
            return None
        return await asyncio.to_thread(self.tickets.open_for_client, client_id)

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                    ticket_id: int) -> None:
        """A ticket the assistant just made: post it and tell the client what to expect."""
        chat_id = update.effective_chat.id
        if not self.enabled:
            await asyncio.to_thread(self.tickets.close, ticket_id, "system", clock.now())
            await self.send_to_client(chat_id, context, [self.relay.notice(
                "utter_handover_unavailable", await self.client_language(update))])
            return
        await asyncio.to_thread(self.tickets.set_contact, ticket_id, f"telegram:{chat_id}")
        user = update.effective_user
        if user is not None:
            await asyncio.to_thread(self.tickets.set_client_name, ticket_id, user.full_name)
        await self.send_to_client(chat_id, context, [
            self.waiting_notice(ticket_id, await self.client_language(update))])
        await self.post(context, ticket_id)

    def waiting_notice(self, ticket_id: int, language: str = "nl") -> Answer:
        now = clock.now()
        if self.team.is_open(now):
            return self.relay.notice("utter_handover_waiting_open", language,
                                     ticket=str(ticket_id),
                                     minutes=str(self.team.answer_within_minutes))
        opens = self.team.next_opening(now)
        shown = "?"
        if opens:
            shown = (format_datetime(opens, OPENS_FORMAT, locale="nl") if language == "nl"
                     else i18n.format_moment(opens, language))
        return self.relay.notice("utter_handover_waiting_closed", language,
                                 ticket=str(ticket_id), opens=shown)

    async def client_language(self, update: Update) -> str:
        return await self.relay.language_of(ClientMessage(
            "telegram", str(update.effective_chat.id), "", language=user_language(update)))

    async def from_client(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                          ticket: TicketView, text: str, from_button: bool) -> None:
        """A client's text while a ticket is open: to the staff thread, never to Rasa."""
        if from_button:
            await self.tell(update, context, "utter_handover_in_progress")
            return
        await self._client_says(update, context, ticket, "text", text, None)

    async def photo_from_client(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                                ticket: TicketView) -> None:
        message = update.effective_message
        if not message.photo:
            await self.tell(update, context, "utter_handover_media_not_supported")
            return
        await self._client_says(update, context, ticket, "photo", message.caption or "",
                                message.photo[-1].file_id)

    async def _client_says(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                           ticket: TicketView, kind: str, text: str,
                           file_id: str | None) -> None:
        await self._keep_and_deliver(context, ticket, "client", kind, text, file_id)
        if ticket.status == "waiting":
            await self.tell(update, context, "utter_handover_message_kept")

    async def stop(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.tell(update, context, "utter_handover_stop_confirm")

    async def keep(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.tell(update, context, "utter_handover_kept")

    async def client_leaves(self, client_id: str, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """The client stops (or erases their data): close the ticket and tell staff."""
        ticket = await self.open_ticket(client_id)
        if ticket is None:
            return False
        closed = await asyncio.to_thread(self.tickets.close, ticket.id, "client", clock.now())
        if closed is not None:
            await self._post_note(context, closed, "utter_staff_client_stopped")
            await self._show_ticket(context, closed, "utter_staff_closed_ticket",
                                    staff_name="cliënt")
        return True

    async def tell(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                   notice: str) -> None:
        await self.send_to_client(update.effective_chat.id, context,
                                  [self.relay.notice(notice, await self.client_language(update))])

    # -- the staff group -----------------------------------------------------------------

    async def post(self, context: ContextTypes.DEFAULT_TYPE, ticket_id: int) -> None:
        if not await asyncio.to_thread(self.tickets.claim_posting, ticket_id, self.chat_id):
            return  # posted already, or being posted by another front end
        ticket = await asyncio.to_thread(self.tickets.get, ticket_id)
        answer = self.relay.notice("utter_staff_ticket", ticket=str(ticket.id),
                                   client_label=client_label(ticket), summary=ticket.summary)
        try:
            sent = await self._send_staff(context, answer, ticket.id)
        except TelegramError as error:
            log.warning("Could not post ticket %s: %s", ticket.id, type(error).__name__)
            await asyncio.to_thread(self.tickets.mark_posted, ticket.id, None, clock.now())
            return
        await asyncio.to_thread(self.tickets.mark_posted, ticket.id, sent.message_id,
                                clock.now())

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                        action: str, ticket_id: int) -> None:
        query = update.callback_query
        user = update.effective_user
        if not self.is_staff(user.id if user else None):
            await asyncio.to_thread(self.tickets.audit_refusal, ticket_id,
                                    user.id if user else 0, action.strip("/"))
            await query.answer(self.relay.notice("utter_staff_not_allowed").text,
                               show_alert=True)
            return
        if action == CLAIM:
            await self.claim(update, context, ticket_id, reply_in_thread=False)
        elif action == CLOSE:
            await self.close(context, ticket_id, user.id, user.first_name)
            await query.answer()

    async def on_stale_button(self, update: Update,
                              context: ContextTypes.DEFAULT_TYPE) -> None:
        """A staff button from before a restart: show the ticket again with fresh buttons."""
        query = update.callback_query
        message = query.message
        ticket = None
        if message is not None:
            ticket = await asyncio.to_thread(self.tickets.for_staff_message, self.chat_id,
                                             message.message_id)
        if ticket is None:
            await query.answer()
            return
        await query.answer(self.relay.notice("utter_staff_buttons_refreshed",
                                             ticket=str(ticket.id)).text, show_alert=True)
        await self.refresh(context, ticket)

    async def claim(self, update: Update, context: ContextTypes.DEFAULT_TYPE, ticket_id: int,
                    reply_in_thread: bool) -> bool:
        user = update.effective_user
        result = await asyncio.to_thread(self.tickets.claim, ticket_id, user.id,
                                         user.first_name, clock.now())
        ticket = result.ticket
        query = update.callback_query
        if ticket is None or not ticket.is_open:
            notice = self.relay.notice("utter_staff_ticket_not_open", ticket=str(ticket_id))
        elif not result.claimed:
            notice = self.relay.notice("utter_staff_already_claimed", ticket=str(ticket_id),
                                       staff_name=ticket.claimed_by_name or "")
        else:
            if query:
                await query.answer()
            await self.refresh(context, ticket)
            await self._to_client(context, ticket, [self.relay.notice(
                "utter_handover_claimed", await self.relay.client_language(ticket.client_id),
                staff_name=ticket.claimed_by_name or "")])
            return True
        if query:
            await query.answer(notice.text, show_alert=True)
        elif reply_in_thread:
            await update.effective_message.reply_text(notice.text)
        return False

    async def on_staff_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        ticket = await self._thread_of(message.reply_to_message, context)
        if ticket is None:
            return  # a conversation among staff, not in a ticket's thread
        user = update.effective_user
        if not self.is_staff(user.id if user else None):
            await asyncio.to_thread(self.tickets.audit_refusal, ticket.id,
                                    user.id if user else 0, "answer")
            await message.reply_text(self.relay.notice("utter_staff_not_allowed").text)
            return
        if not ticket.is_open:
            await message.reply_text(self.relay.notice("utter_staff_ticket_not_open",
                                                       ticket=str(ticket.id)).text)
            return
        if not message.text and not message.photo:
            await message.reply_text(self.relay.notice("utter_staff_media_not_supported").text)
            return
        if ticket.status == "waiting":
            await self.claim(update, context, ticket.id, reply_in_thread=True)
            await message.reply_text(self.relay.notice("utter_staff_claim_first",
                                                       ticket=str(ticket.id)).text)
            ticket = await asyncio.to_thread(self.tickets.get, ticket.id)
        kind = "photo" if message.photo else "text"
        file_id = message.photo[-1].file_id if message.photo else None
        await self._keep_and_deliver(context, ticket, "staff", kind,
                                     message.text or message.caption or "", file_id,
                                     staff_user_id=user.id,
                                     staff_message_id=message.message_id)

    async def _thread_of(self, replied: Message,
                         context: ContextTypes.DEFAULT_TYPE) -> TicketView | None:
        """The ticket whose thread a reply is in. A copy of a client message is recorded
        just after Telegram took it, so a very quick reply to it can come first: then the
        ticket number the assistant wrote first in it ("#12 ...") tells, for its own messages."""
        ticket = await asyncio.to_thread(self.tickets.for_staff_message, self.chat_id,
                                         replied.message_id)
        from_us = replied.from_user is not None and replied.from_user.id == context.bot.id
        if ticket is None and from_us:
            match = TICKET_NUMBER.search(replied.text or replied.caption or "")
            if match:
                ticket = await asyncio.to_thread(self.tickets.get, int(match[1]))
        return ticket

    async def on_close_command(self, update: Update,
                               context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        user = update.effective_user
        replied = message.reply_to_message
        ticket = replied and await self._thread_of(replied, context)
        if not ticket:
            return
        if not self.is_staff(user.id if user else None):
            await asyncio.to_thread(self.tickets.audit_refusal, ticket.id,
                                    user.id if user else 0, "close")
            await message.reply_text(self.relay.notice("utter_staff_not_allowed").text)
            return
        if not await self.close(context, ticket.id, user.id, user.first_name):
            await message.reply_text(self.relay.notice("utter_staff_ticket_not_open",
                                                       ticket=str(ticket.id)).text)

    async def close(self, context: ContextTypes.DEFAULT_TYPE, ticket_id: int, staff_id: int,
                    staff_name: str) -> bool:
        closed = await asyncio.to_thread(self.tickets.close, ticket_id, f"staff:{staff_id}",
                                         clock.now())
        if closed is None:
            return False
        await self._show_ticket(context, closed, "utter_staff_closed_ticket",
                                staff_name=staff_name)
        await self._to_client(context, closed, [self.relay.notice(
            "utter_handover_closed", await self.relay.client_language(closed.client_id),
            staff_name=closed.claimed_by_name or staff_name)])
        return True

    async def refresh(self, context: ContextTypes.DEFAULT_TYPE, ticket: TicketView) -> None:
        if ticket.status == "claimed":
            await self._show_ticket(context, ticket, "utter_staff_claimed_ticket",
                                    staff_name=ticket.claimed_by_name or "")
        elif ticket.status == "waiting":
            await self._show_ticket(context, ticket, "utter_staff_ticket")

    # -- delivery ------------------------------------------------------------------------

    async def _keep_and_deliver(self, context: ContextTypes.DEFAULT_TYPE, ticket: TicketView,
                                sender: str, kind: str, text: str, file_id: str | None,
                                **staff: int) -> None:
        """Store a message of the handover first, then send it to the other side."""
        message_id = await asyncio.to_thread(self.tickets.add_message, ticket.id, sender,
                                             kind, text, file_id, now=clock.now(), **staff)
        await self.deliver(context, ticket,
                           await asyncio.to_thread(self.tickets.message, message_id))

    async def deliver(self, context: ContextTypes.DEFAULT_TYPE, ticket: TicketView,
                      message: MessageView) -> None:
        """Send a stored message to the other side; on failure it waits for follow_up."""
        if not await asyncio.to_thread(self.tickets.claim_delivery, message.id):
            return
        try:
            if message.sender == "client":
                copy = await self._client_copy(context, ticket, message)
                await asyncio.to_thread(self.tickets.delivered, message.id, copy)
            else:
                await self._to_client(context, ticket, [staff_answer(
                    self.relay, ticket, message,
                    await self.relay.client_language(ticket.client_id))])
        except (TelegramError, LookupError) as error:
            log.warning("Ticket message %s not delivered: %s", message.id,
                        type(error).__name__)
            await asyncio.to_thread(self.tickets.release_delivery, message.id)

    async def _client_copy(self, context: ContextTypes.DEFAULT_TYPE, ticket: TicketView,
                           message: MessageView) -> int | None:
        """The client's message in the ticket's thread; None while the ticket is not posted
        (the copy is made when it is)."""
        if not ticket.staff_message_id or ticket.staff_chat_id != self.chat_id:
            raise LookupError("ticket not posted yet")
        text = self.relay.notice("utter_staff_client_says", ticket=str(ticket.id),
                                 client_label=client_label(ticket), text=message.text).text
        reply = ReplyParameters(ticket.staff_message_id, allow_sending_without_reply=True)
        if message.kind == "photo":
            sent = await context.bot.send_photo(self.chat_id, message.file_id,
                                                caption=text[:1024], reply_parameters=reply)
        else:
            sent = await context.bot.send_message(self.chat_id, text, reply_parameters=reply)
        return sent.message_id

    async def _to_client(self, context: ContextTypes.DEFAULT_TYPE, ticket: TicketView,
                         answers: list[Answer]) -> None:
        chat_id = client_chat(ticket)
        if chat_id is None:
            raise LookupError("the ticket has no contact")
        await self.send_to_client(chat_id, context, answers)

    async def follow_up(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Post what is not posted, deliver what is not delivered, remind staff of tickets
        nobody picked up while the team is open. Runs every few seconds."""
        try:
            await self._follow_up(context)
        except Exception as error:  # the job must keep running; the store may be back soon
            log.error("Handover follow-up failed: %s", type(error).__name__)

    async def _follow_up(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        for ticket in await asyncio.to_thread(self.tickets.unposted, self.chat_id):
            await self.post(context, ticket.id)
        now = clock.now()
        for ticket, message in await asyncio.to_thread(self.tickets.undelivered,
                                                       now - RETRY_AFTER):
            await self.deliver(context, ticket, message)
        if not self.team.is_open(now):
            return
        for ticket in await asyncio.to_thread(self.tickets.claim_staff_reminders,
                                              self.team.remind_before(now), now):
            await self._post_note(context, ticket, "utter_staff_reminder", with_buttons=True,
                                  minutes=str(self.team.remind_staff_after_minutes))
            try:
                await self._to_client(context, ticket, [self.relay.notice(
                    "utter_handover_late", await self.relay.client_language(ticket.client_id))])
            except (TelegramError, LookupError) as error:
                log.warning("Could not tell a waiting client: %s", type(error).__name__)

    # -- sending to the staff group ------------------------------------------------------

    async def _send_staff(self, context: ContextTypes.DEFAULT_TYPE, answer: Answer,
                          ticket_id: int, reply_to: int | None = None) -> Message:
        reply = (ReplyParameters(reply_to, allow_sending_without_reply=True)
                 if reply_to else None)
        return await context.bot.send_message(self.chat_id, answer.text,
                                              reply_markup=staff_keyboard(answer, ticket_id),
                                              reply_parameters=reply)

    async def _post_note(self, context: ContextTypes.DEFAULT_TYPE, ticket: TicketView,
                         notice: str, with_buttons: bool = False, **values: str) -> None:
        """A line in the ticket's thread from the assistant."""
        answer = self.relay.notice(notice, ticket=str(ticket.id), **values)
        if not with_buttons:
            answer = Answer(text=answer.text)
        try:
            await self._send_staff(context, answer, ticket.id,
                                   reply_to=ticket.staff_message_id or None)
        except TelegramError as error:
            log.warning("Could not post to the staff group: %s", type(error).__name__)

    async def _show_ticket(self, context: ContextTypes.DEFAULT_TYPE, ticket: TicketView,
                           notice: str, **values: str) -> None:
        """Rewrite the ticket's message: its state and the buttons that fit it."""
        if not ticket.staff_message_id:
            return
        answer = self.relay.notice(notice, ticket=str(ticket.id),
                                   client_label=client_label(ticket), summary=ticket.summary,
                                   **values)
        # unchanged, or too old to edit: the state is in the store either way
        with contextlib.suppress(BadRequest):
            await context.bot.edit_message_text(
                answer.text, chat_id=self.chat_id, message_id=ticket.staff_message_id,
                reply_markup=staff_keyboard(answer, ticket.id))


def staff_keyboard(answer: Answer, ticket_id: int) -> InlineKeyboardMarkup | None:
    """Staff buttons carry (staff, action, ticket) in python-telegram-bot's callback-data
    cache: what a button does is looked up, never read from what Telegram sends back."""
    if not answer.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        b.title, callback_data=(STAFF_BUTTON, b.payload, ticket_id))] for b in answer.buttons])


def staff_answer(relay: Relay, ticket: TicketView, message: MessageView,
                 language: str | None = None) -> Answer:
    name = ticket.claimed_by_name or "Steunpunt"
    text = relay.notice("utter_handover_staff_says", language, staff_name=name,
                        text=message.text).text
    if message.kind == "photo":
        return Answer(text=text, image=message.file_id)
    return Answer(text=text)


def user_language(update: Update) -> str | None:
    """The language of the client's Telegram app: the first guess before they choose."""
    return update.effective_user.language_code if update.effective_user else None


def client_label(ticket: TicketView) -> str:
    """How staff see the client: a number, and the Telegram name only with consent."""
    label = f"cliënt {ticket.id}"
    return f"{ticket.client_name} ({label})" if ticket.client_name else label


def client_chat(ticket: TicketView) -> int | None:
    return telegram_chat(ticket.contact or "")


def telegram_chat(contact: str) -> int | None:
    """The Telegram chat id in a stored contact ("telegram:<chat id>"), if it is one."""
    channel, _, chat_key = contact.partition(":")
    return int(chat_key) if channel == "telegram" and chat_key.lstrip("-").isdigit() else None
