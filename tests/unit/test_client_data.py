from sqlalchemy import select, text

from bot.client_data import ClientData
from bot.crypto import Cipher
from bot.store import Store
from bot.store.migrate import upgrade
from bot.store.models import Note

SHOWN = "Mag ik je notities bewaren?"


def make(database_url: str, secret: str = "key-1", old: list[str] | None = None) -> ClientData:
    upgrade(database_url)
    return ClientData(Store(database_url), Cipher(secret, old), "sqlite:///:memory:")


def consent(data: ClientData, granted: bool = True, purpose: str = "notes") -> None:
    data.record_consent("c1", purpose, granted, version="v1", text_shown=SHOWN, language="nl",
                        method="button",
                        contact_token=data.cipher.encrypt("telegram:42").decode())


def test_notes_need_consent_and_are_encrypted_at_rest(database_url):
    data = make(database_url)
    try:
        data.add_note("c1", "geen avonddiensten")
        raise AssertionError("a note was kept without consent")
    except PermissionError:
        pass
    consent(data)
    note_id = data.add_note("c1", "ik kan geen avonddiensten")
    assert [n.text for n in data.notes("c1")] == ["ik kan geen avonddiensten"]
    with data.store.session() as session:
        raw = session.scalars(select(Note.body).where(Note.id == note_id)).one()
    assert b"avonddiensten" not in raw
    assert data.contact("c1") == "telegram:42"


def test_edit_and_delete_only_touch_the_clients_own_notes(database_url):
    data = make(database_url)
    consent(data)
    note_id = data.add_note("c1", "eerste versie")
    assert not data.update_note("someone-else", note_id, "gekaapt")
    assert data.update_note("c1", note_id, "tweede versie")
    assert [n.text for n in data.notes("c1")] == ["tweede versie"]
    assert not data.delete_note("someone-else", note_id)
    assert data.delete_note("c1", note_id)
    assert data.notes("c1") == []


def test_withdrawing_consent_deletes_the_notes_and_the_contact_at_once(database_url):
    data = make(database_url)
    consent(data)
    data.add_note("c1", "mijn notitie")
    consent(data, granted=False)
    assert data.notes("c1") == []
    assert data.contact("c1") is None
    assert data.consents("c1") == {"notes": False, "reminders": False, "sharing": False,
                                   "review": False}
    exported = data.export("c1")
    assert [c["gegeven"] for c in exported["toestemmingen"]] == [True, False]
    assert exported["toestemmingen"][0]["tekst"] == SHOWN


def test_export_holds_everything_and_erasure_leaves_nothing(database_url):
    data = make(database_url)
    data.store.record_exchange("c1", "telegram", answers=1)
    consent(data)
    data.add_note("c1", "vraag naar opleiding")
    exported = data.export("c1")
    assert exported["notities"][0]["tekst"] == "vraag naar opleiding"
    assert exported["gespreksstatistiek"][0]["berichten_van_jou"] == 1
    counts = data.erase("c1")
    assert counts["notities"] == 1 and counts["toestemmingen"] == 1
    with data.store.session() as session:
        for table in ("clients", "conversations", "consents", "notes", "meetings"):
            assert session.execute(text(f"select count(*) from {table}")).scalar() == 0
        actions = session.execute(text("select action from audit_log")).scalars().all()
    assert actions == ["export", "erase"]


def test_notes_survive_a_key_rotation(database_url):
    old = make(database_url, secret="old-key")
    consent(old)
    old.add_note("c1", "versleuteld met de oude sleutel")
    rotated = make(database_url, secret="new-key", old=["old-key"])
    assert rotated.rotate_keys() == 2  # the note and the contact
    fresh = make(database_url, secret="new-key")
    assert [n.text for n in fresh.notes("c1")] == ["versleuteld met de oude sleutel"]


def test_retention_warns_once_in_advance_then_purges(database_url):
    from datetime import UTC, datetime, timedelta

    data = make(database_url)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    data.store.record_exchange("c1", "telegram", answers=1, now=start)
    consent(data)
    data.add_note("c1", "oude notitie")
    early = data.due_retention_warnings(start + timedelta(days=20), 30, 7)
    assert early == []
    due = data.due_retention_warnings(start + timedelta(days=24), 30, 7)
    assert due == [("c1", "telegram:42")]
    assert data.due_retention_warnings(start + timedelta(days=25), 30, 7) == []
    assert data.purge_expired(start + timedelta(days=29), 30, 90)["notes"] == 0
    assert data.purge_expired(start + timedelta(days=31), 30, 90)["notes"] == 1
    assert data.notes("c1") == []


def test_withdrawing_reminders_deletes_the_meetings_kept_for_them(database_url):
    from datetime import UTC, datetime

    from bot.meetings import Meetings

    data = make(database_url)
    consent(data, purpose="reminders")
    meetings = Meetings(data.store, data.cipher)
    now = datetime(2026, 11, 30, tzinfo=UTC)
    meeting_id = meetings.save("c1", datetime(2026, 12, 8, 9, tzinfo=UTC), True, None, {}, now)
    meetings.schedule_reminders("c1", meeting_id, now)
    assert data.count_for_purpose("c1", "reminders") == 3
    consent(data, granted=False, purpose="reminders")
    assert meetings.get("c1", meeting_id) is None
    assert data.count_for_purpose("c1", "reminders") == 0
