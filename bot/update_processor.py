"""Concurrent update processing that keeps each chat's messages in order.

python-telegram-bot processes updates one at a time unless told otherwise; with plain
concurrency two quick messages of one client could overtake each other. Here different
chats run concurrently and one chat's updates run strictly one after another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self._places: dict[int, int] = {}  # update_id -> its place in its chat's queue

    def place_in_queue(self, update_id: int) -> int:
        """How many updates of its chat were waiting or running when this one arrived,
        itself included (1: none before it); for the flood limit."""
        return self._places.get(update_id, 1)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._users[chat.id] = self._users.get(chat.id, 0) + 1
        self._places[update.update_id] = self._users[chat.id]
        try:
            async with lock:
                await coroutine
        finally:
            self._places.pop(update.update_id, None)
            self._users[chat.id] -= 1
            if not self._users[chat.id]:
                del self._users[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
