"""A per-chat flood limit: a client who sends many messages without waiting for answers.

Each message's place in its chat's queue is counted when it arrives (1: nothing else of
that chat waiting). Up to ``max_messages`` waiting messages are read and answered in order.
The first message beyond that is not read: the client gets one notice, as a reply to that
very message ("from this message on I did not read"), and everything the client sends
until they have been quiet for ``quiet`` seconds is not read either. Then the client is
told that reading goes on and to send the question again, so nothing is lost unannounced:
every message between the two notices was not read, and the client knows it.

Why the queue and not a rate: a client (or a test, or the benchmark) who waits for each
answer is never stopped, however quick; forty messages sent at once are. Button presses do
not count: each keyboard works once, so they cannot run ahead of the answers.

Why not read the extra messages later: forty questions become forty or more answers in
one chat, far beyond Telegram's one message per second per chat, and a mess of forms and
follow-ups in the conversation; one clear question after the pause serves the client
better.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    READ = "read"
    FIRST_UNREAD = "first_unread"  # tell the client, as a reply to this message
    UNREAD = "unread"  # told already: not read, nothing more said now


@dataclass
class FloodGuard:
    max_messages: int = 8  # 0: no limit
    quiet: float = 5.0
    _flooded: set[int] = field(default_factory=set)

    def check(self, chat_id: int, waiting: int) -> Verdict:
        """A message that found ``waiting - 1`` messages of its chat before it in the queue."""
        if self.max_messages <= 0:
            return Verdict.READ
        if chat_id in self._flooded:
            return Verdict.UNREAD
        if waiting > self.max_messages:
            self._flooded.add(chat_id)
            return Verdict.FIRST_UNREAD
        return Verdict.READ

    def is_flooded(self, chat_id: int) -> bool:
        return chat_id in self._flooded

    def resume(self, chat_id: int) -> bool:
        """The client was quiet long enough: read again. True when the chat was flooded
        (so the client must be told)."""
        if chat_id in self._flooded:
            self._flooded.discard(chat_id)
            return True
        return False
