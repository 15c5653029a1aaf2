"""A per-chat flood limit: a client who sends many messages in a few seconds.

Up to ``max_messages`` messages (or button presses) within ``window`` seconds are read and
answered in order. The message beyond that is not read: the client gets one notice, as a
reply to that very message ("from this message on I did not read"), and everything the
client sends until they have been quiet for ``quiet`` seconds is not read either. Then the
client is told that reading goes on and to send the question again, so nothing is lost
unannounced: every message between the two notices was not read, and the client knows it.

Why not read the extra messages later: forty questions become forty or more answers in
one chat, far beyond Telegram's one message per second per chat, and a mess of forms and
follow-ups in the conversation; one clear question after the pause serves the client
better. The time a message was sent (Telegram's ``date``) counts, not the time it is
handled, so a backlog after a restart is no flood.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    READ = "read"
    FIRST_UNREAD = "first_unread"  # tell the client, as a reply to this message
    UNREAD = "unread"  # told already: not read, nothing more said now


@dataclass
class FloodGuard:
    max_messages: int = 8
    window: float = 10.0
    quiet: float = 5.0
    _recent: dict[int, deque[float]] = field(default_factory=dict)
    _flooded: set[int] = field(default_factory=set)
    _checks: int = 0

    def check(self, chat_id: int, sent_at: float) -> Verdict:
        """Count a message the client sent at ``sent_at`` (seconds, Telegram's clock)."""
        if self.max_messages <= 0:  # no limit (the benchmark's saturation run)
            return Verdict.READ
        self._checks += 1
        if self._checks % 1000 == 0:
            self.forget_idle(sent_at)
        if chat_id in self._flooded:
            return Verdict.UNREAD
        recent = self._recent.setdefault(chat_id, deque())
        while recent and recent[0] <= sent_at - self.window:
            recent.popleft()
        if len(recent) >= self.max_messages:
            self._flooded.add(chat_id)
            return Verdict.FIRST_UNREAD
        recent.append(sent_at)
        return Verdict.READ

    def is_flooded(self, chat_id: int) -> bool:
        return chat_id in self._flooded

    def resume(self, chat_id: int) -> bool:
        """The client was quiet long enough: read again, from a clean slate. True when the
        chat was flooded (so the client must be told)."""
        self._recent.pop(chat_id, None)
        if chat_id in self._flooded:
            self._flooded.discard(chat_id)
            return True
        return False

    def forget_idle(self, now: float) -> None:
        """Drop the counts of chats with nothing in the window, so memory stays small."""
        for chat_id in [c for c, r in self._recent.items()
                        if (not r or r[-1] <= now - self.window) and c not in self._flooded]:
            del self._recent[chat_id]
