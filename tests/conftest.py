"""Shared fixtures: a private var/ dir, the trained model, the real engine processes,
our local Bot API server in a background thread, and front ends as real processes."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="clientassistent-test-"))
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

import pytest

from tests.support.phone import BotApiThread


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def var_dir() -> Path:
    return Path(os.environ["VAR_DIR"])


@pytest.fixture(scope="session")
def model() -> Path:
    from bot.training import ensure_model

    return ensure_model()


@pytest.fixture(scope="session")
def database_url(var_dir: Path) -> str:
    from bot.store.migrate import upgrade

    url = f"sqlite:///{var_dir / 'assistant.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(model: Path, database_url: str):
    from bot.launcher import start_engine

    os.environ["DATABASE_URL"] = database_url
    running = start_engine(model, rasa_port=free_port(), action_port=free_port())
    yield running
    running.stop()


@pytest.fixture(scope="session")
def rasa_url(engine) -> str:
    return next(p.url for p in engine.processes if p.name == "rasa")


@pytest.fixture(scope="session")
def bot_api():
    thread = BotApiThread()
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture(scope="session")
def frontend(bot_api: BotApiThread, rasa_url: str, database_url: str):
    from tests.support.processes import start_frontend

    process = start_frontend(bot_api.base_url, rasa_url, database_url, "main")
    yield process
    process.stop()
