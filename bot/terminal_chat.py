"""A chat in the terminal, with no Telegram account needed.

It runs the real Telegram front end against our local Bot API server, and plays the phone:
what you type is sent as a client message, the bot's messages are printed, and buttons
are shown as numbered choices (type the number to press one).
"""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

from bot.config import VAR
from bot.local_bot_api import LocalBotApi, PhoneMessage

CHAT_ID = 424242
TOKEN = "local"
WELCOME = ("Lokale chat met de assistent. Typ je vraag en druk op Enter. "
           "Kies een knop door het nummer te typen. Stoppen: Ctrl-C of Ctrl-D.\n")


class TerminalPhone:
    def __init__(self, api: LocalBotApi) -> None:
        self.api = api
        self.keyboard: tuple[int, list[tuple[str, str]]] | None = None
        api.on_bot_message(self.show)

    def show(self, event: str, message: PhoneMessage) -> None:
        if event != "new" or message.chat_id != CHAT_ID or not message.from_bot:
            return
        prefix = ""
        if message.kind in ("photo", "document") and message.file_bytes is not None:
            prefix = f"[bestand: {self.save(message)}] "
        print(f"\nAssistent: {prefix}{message.text}")
        if message.buttons:
            for number, (title, _) in enumerate(message.buttons, start=1):
                print(f"   [{number}] {title}")
            self.keyboard = (message.message_id, message.buttons)
        print("Jij: ", end="", flush=True)

    @staticmethod
    def save(message: PhoneMessage) -> Path:
        """A file the bot sent, kept under var/downloads/ so you can open it."""
        folder = VAR / "downloads"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (message.file_name or f"bestand-{message.message_id}.png")
        path.write_bytes(message.file_bytes or b"")
        return path

    async def handle_line(self, line: str) -> None:
        line = line.strip()
        if line.isdigit() and self.keyboard:
            message_id, buttons = self.keyboard
            index = int(line) - 1
            if 0 <= index < len(buttons):
                await self.api.press_button(TOKEN, CHAT_ID, message_id, buttons[index][1])
                return
        await self.api.send_text(TOKEN, CHAT_ID, line or " ")


async def read_lines(queue: asyncio.Queue[str | None]) -> None:
    loop = asyncio.get_running_loop()

    def reader() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=reader, daemon=True).start()


async def chat(api: LocalBotApi, stop: asyncio.Event) -> None:
    phone = TerminalPhone(api)
    print(WELCOME)
    await api.send_text(TOKEN, CHAT_ID, "/start")
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    await read_lines(lines)
    while not stop.is_set():
        getter = asyncio.ensure_future(lines.get())
        stopper = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            getter.cancel()
            return
        stopper.cancel()
        line = getter.result()
        if line is None:
            stop.set()
            return
        await phone.handle_line(line)
