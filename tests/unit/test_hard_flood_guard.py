"""The per-chat flood limit, property by property (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.flood_guard import FloodGuard, Verdict

FAST = settings(max_examples=200, deadline=None, database=None, derandomize=True)

gaps = st.lists(st.floats(min_value=0, max_value=4, allow_nan=False), min_size=1, max_size=80)


def times(steps: list[float], start: float = 1_700_000_000.0) -> list[float]:
    moments, now = [], start
    for step in steps:
        now += step
        moments.append(now)
    return moments


@FAST
@given(steps=gaps, limit=st.integers(1, 12), window=st.floats(1, 30))
def test_never_more_than_the_limit_is_read_within_any_window(steps, limit, window):
    guard = FloodGuard(max_messages=limit, window=window)
    read = [t for t in times(steps) if guard.check(1, t) is Verdict.READ]
    for index, start in enumerate(read):
        assert len([t for t in read[index:] if t < start + window]) <= limit


@FAST
@given(steps=gaps, limit=st.integers(1, 12), window=st.floats(1, 30))
def test_one_notice_per_flood_and_nothing_read_after_it_until_the_client_was_quiet(
        steps, limit, window):
    guard = FloodGuard(max_messages=limit, window=window)
    verdicts = [guard.check(1, t) for t in times(steps)]
    assert verdicts.count(Verdict.FIRST_UNREAD) <= 1
    if Verdict.FIRST_UNREAD in verdicts:
        first = verdicts.index(Verdict.FIRST_UNREAD)
        assert set(verdicts[first + 1:]) <= {Verdict.UNREAD}
        assert verdicts[:first] == [Verdict.READ] * first
        assert guard.is_flooded(1)
    else:
        assert set(verdicts) == {Verdict.READ}


@FAST
@given(count=st.integers(1, 200), limit=st.integers(1, 12), window=st.floats(1, 30))
def test_someone_typing_at_a_steady_pace_is_never_stopped(count, limit, window):
    guard = FloodGuard(max_messages=limit, window=window)
    pace = window / limit + 0.001
    assert all(guard.check(7, 1000 + i * pace) is Verdict.READ for i in range(count))


@FAST
@given(burst=st.integers(9, 60))
def test_after_the_pause_the_client_is_read_again_from_a_clean_slate(burst):
    guard = FloodGuard(max_messages=8, window=10)
    verdicts = [guard.check(3, 500.0) for _ in range(burst)]
    assert verdicts[:8] == [Verdict.READ] * 8 and verdicts[8] is Verdict.FIRST_UNREAD
    assert guard.resume(3) is True
    assert guard.resume(3) is False  # told once
    assert [guard.check(3, 500.0) for _ in range(8)] == [Verdict.READ] * 8


@FAST
@given(chats=st.lists(st.integers(1, 5), min_size=1, max_size=100))
def test_one_flooding_chat_never_limits_another(chats):
    guard = FloodGuard(max_messages=3, window=10)
    guard_per_chat = {chat: FloodGuard(max_messages=3, window=10) for chat in set(chats)}
    for chat in chats:
        assert guard.check(chat, 100.0) == guard_per_chat[chat].check(chat, 100.0)


def test_a_backlog_sent_slowly_but_delivered_at_once_is_no_flood():
    guard = FloodGuard(max_messages=8, window=10)
    sent_over_ten_minutes = [1000.0 + 60 * i for i in range(10)]
    assert all(guard.check(4, t) is Verdict.READ for t in sent_over_ten_minutes)


def test_memory_of_quiet_chats_is_dropped():
    guard = FloodGuard(max_messages=8, window=10)
    for chat in range(5000):
        guard.check(chat, 100.0)
    guard.forget_idle(now=200.0)
    assert guard._recent == {}


def test_a_limit_of_zero_is_no_limit():
    guard = FloodGuard(max_messages=0, window=10)
    assert all(guard.check(5, 100.0) is Verdict.READ for _ in range(1000))
