"""The per-chat flood limit, property by property (hypothesis), and the place in the queue
it is fed with."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.flood_guard import FloodGuard, Verdict
from bot.update_processor import PerChatUpdateProcessor

FAST = settings(max_examples=200, deadline=None, database=None, derandomize=True)

places = st.lists(st.integers(1, 60), min_size=1, max_size=80)


@FAST
@given(waiting=places, limit=st.integers(1, 12))
def test_read_while_few_wait_then_nothing_until_the_pause_and_one_notice(waiting, limit):
    guard = FloodGuard(max_messages=limit)
    verdicts = [guard.check(1, place) for place in waiting]
    first = next((i for i, place in enumerate(waiting) if place > limit), None)
    if first is None:
        assert set(verdicts) == {Verdict.READ}
        assert not guard.is_flooded(1)
    else:
        assert verdicts[:first] == [Verdict.READ] * first
        assert verdicts[first] is Verdict.FIRST_UNREAD
        assert set(verdicts[first + 1:]) <= {Verdict.UNREAD}  # told once
        assert guard.is_flooded(1)


@FAST
@given(count=st.integers(1, 500), limit=st.integers(1, 12))
def test_someone_who_waits_for_each_answer_is_never_stopped(count, limit):
    guard = FloodGuard(max_messages=limit)
    assert all(guard.check(7, 1) is Verdict.READ for _ in range(count))


@FAST
@given(burst=st.integers(9, 60))
def test_after_the_pause_the_client_is_read_again(burst):
    guard = FloodGuard(max_messages=8)
    verdicts = [guard.check(3, place) for place in range(1, burst + 1)]
    assert verdicts[:8] == [Verdict.READ] * 8 and verdicts[8] is Verdict.FIRST_UNREAD
    assert guard.resume(3) is True
    assert guard.resume(3) is False  # told once
    assert guard.check(3, 1) is Verdict.READ


@FAST
@given(chats=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 20)), min_size=1,
                      max_size=100))
def test_one_flooding_chat_never_limits_another(chats):
    guard = FloodGuard(max_messages=3)
    alone = {chat: FloodGuard(max_messages=3) for chat, _ in chats}
    for chat, place in chats:
        assert guard.check(chat, place) == alone[chat].check(chat, place)


def test_a_limit_of_zero_is_no_limit():
    guard = FloodGuard(max_messages=0)
    assert all(guard.check(5, place) is Verdict.READ for place in range(1, 1000))


def update(update_id: int, chat_id: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": "x",
        "chat": {"id": chat_id, "type": "private"}}}, None)


async def test_each_update_knows_its_place_in_its_chats_queue():
    processor = PerChatUpdateProcessor()
    release = asyncio.Event()
    seen: dict[int, int] = {}

    async def handle(update_id: int) -> None:
        seen[update_id] = processor.place_in_queue(update_id)
        await release.wait()

    tasks = [asyncio.create_task(processor.do_process_update(update(i, 1), handle(i)))
             for i in range(1, 6)]
    tasks.append(asyncio.create_task(processor.do_process_update(update(9, 2), handle(9))))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert seen == {1: 1, 9: 1}  # one chat's updates wait for each other, others do not
    release.set()
    await asyncio.gather(*tasks)
    assert seen == {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 9: 1}
    assert processor.place_in_queue(3) == 1  # forgotten once handled
