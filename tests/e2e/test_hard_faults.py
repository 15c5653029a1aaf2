"""Faults in the middle of conversations, on an engine of this module's own (its own ports
and a throwaway PostgreSQL database, so the other tests are not disturbed):

- Rasa and the action server killed (SIGKILL) while several clients are talking, then
  started again: every client message is answered after recovery, or the client is told
  to send it again; none is dropped in silence, and the order holds.
- The database gone for a while (every connection cut, new ones refused, for the front
  end, Rasa's tracker store and the action server alike): the client gets a kind notice,
  nothing crashes, and the service is back as soon as the database is.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest
from sqlalchemy import create_engine, text

from bot.launcher import start_frontend, start_replicas, wait_until_up
from bot.responses import ResponseCatalog
from bot.store.migrate import upgrade
from tests.conftest import free_port

pytestmark = pytest.mark.e2e

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
TOKEN = "123:faults"
CLIENTS = 4


def notice(name: str) -> str:
    return ResponseCatalog.load().render(name).text


def opening(response: str) -> str:
    return ResponseCatalog.load().render(response).text[:40]


class TcpProxy:
    """Between the processes and PostgreSQL: cut() drops every connection and refuses new
    ones, as a database that went away; restore() lets them through again."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.trap: bytes | None = None  # cut() the moment a process sends these bytes
        self.flowing = asyncio.Event()  # cleared: the database hangs (holds every request)
        self.flowing.set()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, upstream_writer}
        await asyncio.gather(self._pipe(reader, upstream_writer, to_database=True),
                             self._pipe(upstream_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    to_database: bool = False) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                if to_database and self.trap and self.trap in data:
                    self.trap = None
                    await self.cut()  # the database dies in the middle of this write
                    return
                if to_database:
                    await self.flowing.wait()
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
        self._writers.discard(writer)


@pytest.fixture(scope="module")
def proxied_database(bot_api):
    name = f"ca_hard_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    upgrade(f"{POSTGRES}/{name}")
    proxy = TcpProxy(5432)
    bot_api.run(proxy.restore())
    yield proxy, f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/{name}"
    bot_api.run(proxy.cut())
    with admin.connect() as connection:
        connection.execute(text(f'drop database "{name}" with (force)'))
    admin.dispose()


@pytest.fixture(scope="module")
def private_engine(model, proxied_database):
    _, url = proxied_database
    engine = start_replicas(model, [free_port()], [free_port()], tracker_db_url=url,
                            env={"DATABASE_URL": url})
    yield engine
    engine.stop()


@pytest.fixture(scope="module")
def faults_frontend(bot_api, private_engine, proxied_database):
    _, url = proxied_database
    process = start_frontend(bot_api.base_url, private_engine.rasa_urls[0], url, "faults",
                             RASA_SLOW_NOTICE_SECONDS="30", RASA_TIMEOUT_SECONDS="6")
    yield process
    process.stop()


def outcomes(phone, expected: list[str]) -> list[str]:
    """Each bot message after the first answer, as: the opening of an expected answer,
    'resend' (the client was asked to send it again), or nothing (the down notice, the
    rest of a longer answer)."""
    resend = {notice("utter_engine_error"), notice("utter_engine_gave_up")}
    seen = []
    for message in phone.bot_messages()[1:]:
        if message.text in resend:
            seen.append("resend")
        elif message.text[:40] in expected:
            seen.append(message.text[:40])
    return seen


def test_rasa_and_the_action_server_killed_mid_conversation_nothing_is_lost_in_silence(
        bot_api, private_engine, faults_frontend):
    phones = [bot_api.phone(TOKEN, chat_id=8_800_300_000 + n, first_name="Xandriënne")
              for n in range(CLIENTS)]
    for phone in phones:
        phone.send("wat zijn mijn rechten")
    for phone in phones:
        phone.replies()
    second, third = opening("utter_ask_ombudsman"), opening("utter_ask_objection")
    actions, rasa = private_engine.processes

    for index, phone in enumerate(phones):
        phone.send_quietly("wat doet de ombudsman")
        if index == CLIENTS // 2:
            rasa.kill()  # some messages are on their way to Rasa, some not sent yet
            actions.kill()
    for phone in phones:
        phone.send_quietly("hoe maak ik bezwaar")
    down = notice("utter_engine_down")
    assert phones[0].wait_for(lambda: all(any(m.text == down for m in p.bot_messages())
                                          or len(outcomes(p, [second, third])) == 2
                                          for p in phones), timeout=30)

    actions.restart()
    rasa.restart()
    wait_until_up(actions)
    wait_until_up(rasa)
    assert phones[0].wait_for(lambda: all(len(outcomes(p, [second, third])) >= 2
                                          for p in phones), timeout=60), \
        [[m.text[:30] for m in p.bot_messages()] for p in phones]
    phones[0].wait_for(lambda: False, timeout=1)  # a late duplicate would show now
    for phone in phones:
        first, then = outcomes(phone, [second, third])
        assert first in (second, "resend") and then in (third, "resend"), (first, then)
        assert len(outcomes(phone, [second, third])) == 2, "a message had two outcomes"

    for phone in phones:  # and the service is back for everyone
        phone.send("wat doet de ombudsman")
    for phone in phones:
        assert phone.reply_text().startswith(second)


def test_the_database_gone_for_a_while_the_client_is_answered_or_told_and_it_comes_back(
        bot_api, private_engine, faults_frontend, proxied_database):
    proxy, _ = proxied_database
    phone = bot_api.phone(TOKEN, chat_id=8_800_300_100, first_name="Xandriënne")
    phone.send("wat zijn mijn rechten")
    phone.replies()
    ombudsman = opening("utter_ask_ombudsman")

    bot_api.run(proxy.cut())
    try:
        # Rasa answers from memory while its tracker store is away; the front end only
        # misses its counts and the client's chosen language (the default is used)
        phone.send("wat doet de ombudsman")
        assert phone.reply_text(timeout=30).startswith(ombudsman)
        # what needs the store is refused kindly: send it again later
        phone.send("/mijngegevens")
        assert phone.reply_text(timeout=30) == notice("utter_engine_error")
        assert faults_frontend.process.poll() is None
    finally:
        bot_api.run(proxy.restore())

    phone.send("hoe maak ik bezwaar")
    assert phone.reply_text(timeout=30).startswith(opening("utter_ask_objection"))
    phone.send("/mijngegevens")
    assert phone.replies(2, timeout=30)[-1].kind == "document"
    assert all(p.process.poll() is None for p in private_engine.processes)


def test_the_database_dying_in_the_middle_of_a_write_leaks_no_client_text(
        bot_api, private_engine, faults_frontend, proxied_database, var_dir):
    """The proxy cuts the database the moment a process sends the client's words to it
    (Rasa writing the user event): the error Rasa logs would quote that row."""
    proxy, _ = proxied_database
    phone = bot_api.phone(TOKEN, chat_id=8_800_300_200, first_name="Xandriënne")
    proxy.trap = b"Zwanenveld"
    try:
        phone.send("wat doet de ombudsman, vraagt Zwanenveld")
        reply = phone.reply_text(timeout=30)
        assert reply.startswith(opening("utter_ask_ombudsman")) or \
            reply == notice("utter_engine_error")
        assert proxy.trap is None, "nothing wrote the client's words to the database"
    finally:
        proxy.trap = None
        bot_api.run(proxy.restore())
    phone.send("hoe maak ik bezwaar")
    assert phone.reply_text(timeout=30).startswith(opening("utter_ask_objection"))
    leaks = [path.name for path in (var_dir / "log").glob("*")
             if path.is_file() and "Zwanenveld" in path.read_text(errors="replace")]
    assert leaks == [], f"client text in {leaks}"


def test_a_hanging_database_the_client_is_told_and_no_client_text_is_logged(
        bot_api, private_engine, faults_frontend, proxied_database, var_dir):
    """Rasa waits for its tracker store, the front end stops waiting for Rasa (its read
    timeout) and hangs up: Rasa's REST channel then logs the message it was handling."""
    proxy, _ = proxied_database
    phone = bot_api.phone(TOKEN, chat_id=8_800_300_300, first_name="Xandriënne")
    phone.send("hoi")
    phone.replies()
    bot_api.loop.call_soon_threadsafe(proxy.flowing.clear)
    try:
        phone.send("wat doet de ombudsman, vraagt Zwanenveld weer")
        told = phone.replies(timeout=30)
        assert told[-1].text == notice("utter_engine_error"), [m.text for m in told]
    finally:
        bot_api.loop.call_soon_threadsafe(proxy.flowing.set)
    phone.send("hoe maak ik bezwaar")
    assert phone.reply_text(timeout=30).startswith(opening("utter_ask_objection"))
    leaks = [path.name for path in (var_dir / "log").glob("*")
             if path.is_file() and "Zwanenveld" in path.read_text(errors="replace")]
    assert leaks == [], f"client text in {leaks}"
