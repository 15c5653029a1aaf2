"""Command line: python -m bot <command>.

  run        set up the engine (Rasa server + action server) and the front end; without
             TELEGRAM_TOKEN a chat in the terminal, with one the Telegram bot
  frontend   only the Telegram front end (the engine runs elsewhere)
  actions    only the action server with the NLG endpoint
  train      train a model if the content changed
  eval       NLU figures on the held-out messages
  check      validate the content
  rotate-keys  re-encrypt notes with SECRET_KEY after a key change (OLD_SECRET_KEYS
             holds the previous keys until this has run)
  admin-web  the web pages for coordinators and administrators (dashboard, review queue,
             handovers); ADMIN_WEB=1 also starts them with run/frontend
  admin-user add|password|disable|enable|list  accounts for those pages
  admin      the content administrators' commands: check, train, publish, models,
             rollback, review (bot/admin_cli.py, docs/beheer.md)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from bot import timings
from bot.config import Settings
from bot.logging_setup import setup_logging


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot")
    parser.add_argument("command", choices=["run", "frontend", "actions", "train", "eval", "check",
                                            "rotate-keys", "admin-web", "admin-user", "admin"])
    parser.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_logging(args.command)
    if args.command == "actions":
        from bot import action_server
        action_server.run(Settings.from_env())
    elif args.command == "train":
        from bot.training import ensure_model
        print(ensure_model())
    elif args.command == "eval":
        from bot.nlu_eval import main as evaluate
        raise SystemExit(evaluate())
    elif args.command == "check":
        from bot.content_check import main as check
        raise SystemExit(check())
    elif args.command == "rotate-keys":
        rotate_keys(Settings.from_env())
    elif args.command == "admin":
        from bot.admin_cli import main as admin
        raise SystemExit(admin(args.args))
    elif args.command == "admin-user":
        from bot.admin_web.cli import admin_user
        raise SystemExit(admin_user(args.args))
    elif args.command == "admin-web":
        from bot.admin_web.cli import admin_web
        admin_web()
    elif args.command == "frontend":
        asyncio.run(run_frontend(Settings.from_env()))
    else:
        run_all()


def rotate_keys(settings: Settings) -> None:
    from bot.client_data import ClientData
    from bot.crypto import Cipher
    from bot.store import Store
    from bot.store.migrate import upgrade

    upgrade(settings.database_url)
    data = ClientData(Store(settings.database_url),
                      Cipher(settings.secret_key, settings.old_secret_keys),
                      settings.tracker_db_url)
    count = data.rotate_keys(actor=f"admin:{os.environ.get('USER', 'unknown')}")
    print(f"{count} values re-encrypted with the current SECRET_KEY. "
          "OLD_SECRET_KEYS can now be removed.")


def run_all() -> None:
    from bot.launcher import start_engine
    from bot.store.migrate import upgrade
    from bot.training import ensure_model

    started = time.monotonic()
    settings = Settings.from_env()
    upgrade(settings.database_url)
    model = ensure_model()
    print("Starting Rasa and the action server...", flush=True)
    engine = start_engine(model, tracker_db_url=os.environ.get("DATABASE_URL"))
    print(f"Up in {time.monotonic() - started:.0f} s.", flush=True)
    try:
        asyncio.run(run_frontend(settings))
    except KeyboardInterrupt:
        pass
    finally:
        print("\nStopping...", flush=True)
        engine.stop()


async def run_frontend(settings: Settings) -> None:
    from bot.admin_web.settings import AdminSettings
    from bot.client_data import ClientData
    from bot.crypto import Cipher
    from bot.data_control import DataControl
    from bot.deadline_reminders import DeadlineReminders
    from bot.handover_team import handover_team
    from bot.local_bot_api import LocalBotApi
    from bot.meetings import Meetings
    from bot.organisations import Organisations
    from bot.rasa_client import RasaClient
    from bot.relay import Relay
    from bot.responses import ResponseCatalog
    from bot.store import Store
    from bot.store.migrate import upgrade
    from bot.telegram_frontend import TelegramFrontend, serve, stop_on_signals
    from bot.terminal_chat import TOKEN, chat
    from bot.tickets import Tickets

    await asyncio.to_thread(upgrade, settings.database_url)
    local_api = None
    if not settings.telegram_token:
        local_api = LocalBotApi()
        base_url = await local_api.start()
        settings = Settings(**{**settings.__dict__, "telegram_token": TOKEN,
                               "telegram_api_base_url": base_url})
    rasa = RasaClient(settings.rasa_urls, settings.rasa_timeout_seconds)
    catalog = ResponseCatalog.load()
    store = Store(settings.database_url)
    cipher = Cipher(settings.secret_key, settings.old_secret_keys)
    relay = Relay(settings, rasa, catalog, store, cipher)
    data_control = DataControl(ClientData(store, cipher, settings.tracker_db_url), catalog)
    frontend = TelegramFrontend(settings, relay, Organisations.load(), data_control,
                                Meetings(store, cipher), DeadlineReminders(store, cipher),
                                Tickets(store, cipher), handover_team())
    stop = asyncio.Event()
    stop_on_signals(stop)
    tasks = [asyncio.create_task(serve(frontend.build(), frontend, settings, stop))]
    if (admin := AdminSettings.from_env()).enabled:  # the admin web pages, in this process
        from bot.admin_web.app import serve as serve_admin
        tasks.append(asyncio.create_task(serve_admin(settings, admin, stop)))
    if local_api:
        tasks.append(asyncio.create_task(chat(local_api, stop)))
        tasks.append(asyncio.create_task(release_on_stop(local_api, stop)))
    try:
        await asyncio.gather(*tasks)
    finally:
        timings.dump("frontend")
        await rasa.close()
        if local_api:
            await local_api.stop()


async def release_on_stop(local_api, stop: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
    await stop.wait()
    local_api.release_waiting_polls()


if __name__ == "__main__":
    main()
