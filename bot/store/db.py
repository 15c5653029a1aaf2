"""Engine, sessions and the store's operations (sync; async code calls them in a thread)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import as_utc
from bot.store.models import Client, Conversation

SESSION_GAP = timedelta(minutes=60)  # as Rasa's session_expiration_time


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class Store:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.sessions()

    def record_exchange(self, client_id: str, channel: str, answers: int,
                        now: datetime | None = None) -> None:
        """Count one client message and the answers it got, in the current conversation."""
        now = now or datetime.now(UTC)
        with self.sessions.begin() as session:
            client = session.get(Client, client_id) or Client(id=client_id, created_at=now)
            client.last_active_at = now
            client.retention_warned_at = None
            session.add(client)
            conversation = session.scalars(
                select(Conversation).where(Conversation.client_id == client_id)
                .order_by(Conversation.id.desc()).limit(1)).first()
            if conversation is None or as_utc(conversation.last_message_at) < now - SESSION_GAP:
                conversation = Conversation(client_id=client_id, channel=channel, started_at=now,
                                            messages_in=0, messages_out=0)
                session.add(conversation)
            conversation.last_message_at = now
            conversation.messages_in += 1
            conversation.messages_out += answers

    def set_gemeente(self, client_id: str, gemeente: str) -> None:
        with self.sessions.begin() as session:
            client = session.get(Client, client_id) or Client(id=client_id)
            client.gemeente = gemeente
            session.add(client)

    def language(self, client_id: str) -> str | None:
        """The language the client chose (/taal), None when they never chose one."""
        with self.sessions() as session:
            return session.scalar(select(Client.language).where(Client.id == client_id))

    def set_language(self, client_id: str, language: str) -> None:
        """Only the code is kept: it is needed to answer the client in their language; it is
        in the /mijngegevens export and /vergeet erases it with the client."""
        with self.sessions.begin() as session:
            client = session.get(Client, client_id) or Client(id=client_id)
            client.language = language
            session.add(client)

    def client(self, client_id: str) -> Client | None:
        with self.sessions() as session:
            return session.get(Client, client_id)

