"""`python -m bot admin-user ...` and `python -m bot admin-web`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import sys

from bot.admin_web.models import ROLES
from bot.admin_web.settings import AdminSettings
from bot.config import Settings


def admin_user(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot admin-user",
        description="Accounts for the admin web pages. The password is asked twice, or "
                    "read from the first line of standard input when that is not a terminal.")
    commands = parser.add_subparsers(dest="action", required=True)
    add = commands.add_parser("add", help="make an account")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="beheerder",
                     help="beheerder: dashboard, review, handover overview; coordinator: "
                          "dashboard and handovers, may open a handover's content")
    password = commands.add_parser("password", help="set a new password")
    password.add_argument("name")
    disable = commands.add_parser("disable", help="block an account (it stays in the log)")
    disable.add_argument("name")
    enable = commands.add_parser("enable", help="unblock an account")
    enable.add_argument("name")
    commands.add_parser("list", help="all accounts")
    args = parser.parse_args(argv)

    from bot.admin_web.accounts import Accounts
    from bot.store import Store
    from bot.store.migrate import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url)
    accounts = Accounts(Store(settings.database_url))
    try:
        if args.action == "add":
            account = accounts.add(args.name, read_password(), args.role)
            print(f"Account {account.name} ({account.role}) gemaakt.")
        elif args.action == "password":
            accounts.set_password(args.name, read_password())
            print(f"Nieuw wachtwoord voor {args.name} ingesteld.")
        elif args.action in ("disable", "enable"):
            accounts.set_active(args.name, args.action == "enable")
            state = "geblokkeerd" if args.action == "disable" else "weer actief"
            print(f"Account {args.name} {state}.")
        else:
            for name, role, active, last in accounts.list():
                seen = last.strftime("%Y-%m-%d %H:%M") if last else "nooit"
                print(f"{name:24} {role:12} {'actief' if active else 'geblokkeerd':12} "
                      f"laatst ingelogd: {seen}")
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Wachtwoord (minstens 12 tekens): ")
    if getpass.getpass("Nog een keer: ") != first:
        raise ValueError("De twee wachtwoorden zijn niet gelijk.")
    return first


def admin_web() -> None:
    from bot.admin_web.app import serve

    admin = AdminSettings.from_env()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(Settings.from_env(), admin))
