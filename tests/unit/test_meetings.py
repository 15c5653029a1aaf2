from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.crypto import Cipher
from bot.meetings import Meetings
from bot.store import Store
from bot.store.migrate import upgrade

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_reminders_are_planned_claimed_once_and_follow_a_moved_meeting(database_url):
    upgrade(database_url)
    cipher = Cipher("k")
    store = Store(database_url)
    meetings = Meetings(store, cipher)
    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    starts = datetime(2026, 12, 8, 10, 0, tzinfo=AMSTERDAM)
    meeting_id = meetings.save("c1", starts, True, "klantmanager", {"wish": "kok"}, now)
    with store.sessions.begin() as session:
        from bot.store.models import Client
        session.get(Client, "c1").contact = cipher.encrypt("telegram:7")
    assert meetings.schedule_reminders("c1", meeting_id, now) == 3

    day_before = starts - timedelta(hours=23)
    [due] = meetings.claim_due(day_before)
    assert (due.kind, due.contact, due.starts_at) == ("before", "telegram:7", starts)
    assert meetings.claim_due(day_before) == []  # never twice

    later = starts + timedelta(days=7)
    assert meetings.move("c1", meeting_id, later, True, day_before)
    assert not meetings.move("someone-else", meeting_id, later, True, day_before)
    kinds = [d.kind for d in meetings.claim_due(later + timedelta(hours=4))]
    assert kinds == ["follow_up"]  # "before" reminders are not sent after the meeting
    assert meetings.cancel("c1", meeting_id)
    assert meetings.details(meetings.get("c1", meeting_id)) == {"wish": "kok"}
