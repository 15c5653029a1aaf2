"""Beyond one machine, on this machine: two Rasa servers and two action servers sharing the
PostgreSQL tracker store and the Redis lock store, front ends spreading conversations over
them, the app store on PostgreSQL, and jobs that fire once across two front ends."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from bot.client_data import ClientData
from bot.config import Settings
from bot.crypto import Cipher
from bot.launcher import start_frontend, start_replicas, wait_until_up
from bot.meetings import Meetings
from bot.pseudonym import sender_id
from bot.responses import ResponseCatalog
from bot.store import Store
from bot.store.migrate import upgrade
from bot.store.models import Client
from tests.conftest import free_port

pytestmark = pytest.mark.e2e

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0"
CLIENTS = 50
# (what a client types, the response that answers it)
SCRIPT = [("hallo", "utter_greet"), ("wat zijn mijn rechten", "utter_ask_rights_overview"),
          ("hoe maak ik bezwaar", "utter_ask_objection"),
          ("wat doet de ombudsman", "utter_ask_ombudsman"), ("bedankt", "utter_thank")]


@pytest.fixture(scope="module")
def pg_database():
    """A database of its own: the app store and Rasa's tracker store, as in production."""
    name = f"ca_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    url = f"{POSTGRES}/{name}"
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'drop database "{name}" with (force)'))
    admin.dispose()


@pytest.fixture(scope="module")
def replicas(model, pg_database):
    engine = start_replicas(model, [free_port(), free_port()], [free_port(), free_port()],
                            tracker_db_url=pg_database, redis_url=REDIS,
                            env={"DATABASE_URL": pg_database})
    yield engine
    engine.stop()


def opening(response: str) -> str:
    return ResponseCatalog.load().render(response).text[:40]


def test_fifty_clients_over_two_replicas_complete_and_in_order_with_one_killed(
        bot_api, replicas, pg_database):
    frontend = start_frontend(bot_api.base_url, ",".join(replicas.rasa_urls), pg_database,
                              "replicas", REDIS_URL=REDIS)
    expected = [opening(response) for _, response in SCRIPT]
    phones = [bot_api.phone("123:replicas") for _ in range(CLIENTS)]
    first_rasa = next(p for p in replicas.processes if p.name == "rasa")

    def answers(phone) -> list[str]:
        return [m.text[:40] for m in phone.bot_messages() if m.text[:40] in expected]

    def all_have(count: int) -> bool:
        return all(len(answers(phone)) >= count for phone in phones)

    try:
        for round_number, (message, _) in enumerate(SCRIPT):
            for index, phone in enumerate(phones):
                phone.send_quietly(message)
                if round_number == 1 and index == CLIENTS // 2:
                    first_rasa.kill()  # mid-round: some requests are in flight on it
            if round_number == 3:
                first_rasa.restart()
                wait_until_up(first_rasa)
            assert phones[0].wait_for(lambda n=round_number: all_have(n + 1), timeout=120), \
                f"round {round_number}: {[len(answers(p)) for p in phones]}"
        for phone in phones:
            assert answers(phone) == expected, [m.text[:60] for m in phone.bot_messages()]
            errors = [m.text for m in phone.bot_messages() if "opnieuw" in m.text]
            assert errors == [], "a client was asked to send again"
        with create_engine(pg_database).connect() as db:
            sender = sender_id(Settings.from_env().pseudonym_key,
                               f"telegram:{phones[0].chat_id}")
            user_turns = db.execute(text("select count(*) from events where sender_id = :s "
                                         "and type_name = 'user'"), {"s": sender}).scalar()
        assert user_turns == len(SCRIPT)  # each message processed once, in the shared store
    finally:
        frontend.stop()


def test_reminders_fire_once_across_two_front_ends(bot_api, replicas, pg_database, var_dir):
    clock_file = var_dir / "replicas-clock.txt"
    clock_file.write_text("")
    env = {"CLOCK_FILE": str(clock_file), "REMINDER_CHECK_SECONDS": "0.5",
           "RETENTION_CHECK_SECONDS": "0.5", "REDIS_URL": REDIS}
    urls = ",".join(replicas.rasa_urls)
    fronts = [start_frontend(bot_api.base_url, urls, pg_database, name, **env)
              for name in ("front-a", "front-b")]
    try:
        settings = Settings.from_env()
        cipher = Cipher(settings.secret_key, settings.old_secret_keys)
        store = Store(pg_database)
        meetings = Meetings(store, cipher)
        now = datetime.now(UTC)
        starts = now + timedelta(days=3)
        phones = [bot_api.phone("123:front-a") for _ in range(12)]
        for phone in phones:
            client = f"replica-client-{phone.chat_id}"
            meeting = meetings.save(client, starts, True, "klantmanager", {}, now)
            with store.sessions.begin() as session:
                session.get(Client, client).contact = cipher.encrypt(
                    f"telegram:{phone.chat_id}")
            meetings.schedule_reminders(client, meeting, now)
        # and clients whose notes expire soon, to be warned once
        quiet = [bot_api.phone("123:front-b") for _ in range(6)]
        data = ClientData(store, cipher, pg_database)
        for phone in quiet:
            client = f"quiet-client-{phone.chat_id}"
            data.record_consent(client, "notes", True, version="t", text_shown="t",
                                language="nl", method="button",
                                contact_token=cipher.encrypt(
                                    f"telegram:{phone.chat_id}").decode())
            data.add_note(client, "iets om te onthouden")
            with store.sessions.begin() as session:
                session.get(Client, client).last_active_at = now - timedelta(days=360)
        clock_file.write_text((starts - timedelta(hours=20)).isoformat())

        def reminders(phone) -> int:
            return sum(m.text.startswith("Herinnering") for m in phone.bot_messages())

        def warnings(phone) -> int:
            return sum("wis ik je notities" in m.text for m in phone.bot_messages())

        assert phones[0].wait_for(lambda: all(reminders(p) >= 1 for p in phones)
                                  and all(warnings(p) >= 1 for p in quiet), timeout=30)
        phones[0].wait_for(lambda: False, timeout=3)  # time for any second copy to arrive
        assert [reminders(p) for p in phones] == [1] * len(phones)
        assert [warnings(p) for p in quiet] == [1] * len(quiet)
        senders = {call.token for call in bot_api.api.calls
                   if call.method == "sendMessage"
                   and int(call.params.get("chat_id", 0)) in {p.chat_id for p in phones}}
        assert senders <= {"123:front-a", "123:front-b"}
    finally:
        for front in fronts:
            front.stop()
