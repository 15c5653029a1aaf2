from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, select

from bot.store import Store
from bot.store.migrate import upgrade
from bot.store.models import Conversation


def test_migration_creates_the_tables(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    tables = set(inspect(Store(url).engine).get_table_names())
    assert {"clients", "conversations", "alembic_version"} <= tables


def test_exchanges_are_counted_per_conversation_and_a_pause_starts_a_new_one(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    store = Store(url)
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    store.record_exchange("abc", "telegram", answers=2, now=start)
    store.record_exchange("abc", "telegram", answers=1, now=start + timedelta(minutes=5))
    store.record_exchange("abc", "telegram", answers=1, now=start + timedelta(hours=3))
    with store.session() as session:
        conversations = session.scalars(select(Conversation).order_by(Conversation.id)).all()
    assert [(c.messages_in, c.messages_out) for c in conversations] == [(2, 3), (1, 1)]
    assert store.client("abc").last_active_at.replace(tzinfo=UTC) == start + timedelta(hours=3)
