"""Starts the engine processes the front end talks to: Rasa server and action server.

Used by `make run` and by the tests, so both run the same real processes. Children die
with the launcher (PR_SET_PDEATHSIG), so Ctrl-C or a killed test never leaves them behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml
from sqlalchemy.engine import make_url

from bot.config import ROOT, VAR, rasa_api_token
from bot.training import RASA, rasa_env

RUN = VAR / "run"
LOGS = VAR / "log"


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class EngineProcess:
    name: str
    url: str
    health_path: str
    process: subprocess.Popen
    log_path: Path
    command: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def restart(self) -> None:
        """Start the same process again (after it was stopped or killed)."""
        self.stop()
        self.process = _spawn(self.command, self.env, self.log_path)

    def kill(self) -> None:
        """Stop it hard, as a crash would: no chance to finish what it is doing."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Engine:
    processes: list[EngineProcess] = field(default_factory=list)

    @property
    def rasa_urls(self) -> list[str]:
        return [p.url for p in self.processes if p.name == "rasa"]

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


def _spawn(command: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_path.open("ab"),
                            stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)


def tracker_store_config(database_url: str | None) -> dict:
    """Rasa's SQL tracker store: SQLite under var/ unless a PostgreSQL URL is given."""
    if database_url and database_url.startswith("postgresql"):
        url = make_url(database_url)
        return {"type": "SQL", "dialect": "postgresql", "url": url.host or "127.0.0.1",
                "port": url.port or 5432, "db": url.database, "username": url.username or "",
                "password": url.password or ""}
    return {"type": "SQL", "dialect": "sqlite", "db": str(VAR / "rasa_tracker.db")}


def lock_store_config(redis_url: str | None) -> dict | None:
    """Rasa's Redis lock store: with several Rasa replicas it keeps one conversation's
    messages in order, whichever replica takes them. None: Rasa's in-memory lock."""
    if not redis_url:
        return None
    url = make_url(redis_url)
    return {"type": "redis", "url": url.host or "127.0.0.1", "port": url.port or 6379,
            "db": int(url.database or 0), "key_prefix": "clientassistent"}


def write_endpoints(path: Path, action_url: str, tracker_db_url: str | None = None,
                    redis_url: str | None = None) -> Path:
    endpoints = {
        # the domain is sent only to actions that ask for it (send_domain), not on every call
        "action_endpoint": {"url": f"{action_url}/webhook", "enable_selective_domain": True},
        "nlg": {"url": f"{action_url}/nlg"},
        "tracker_store": tracker_store_config(tracker_db_url),
    }
    if lock_store := lock_store_config(redis_url):
        endpoints["lock_store"] = lock_store
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return path


def write_credentials(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"rest": None}))
    return path


def write_logging_config(path: Path) -> Path:
    """Rasa's REST channel logs the whole client message with any failure (for example when
    the front end stops waiting for a hanging database): no log gets it."""
    config = {"version": 1, "disable_existing_loggers": False,
              "loggers": {"rasa.core.channels.rest": {"level": "CRITICAL"}}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def start_action_server(port: int, env: dict[str, str] | None = None) -> EngineProcess:
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"actions-{port}.log"
    command = [sys.executable, "-m", "bot", "actions"]
    environment = {**os.environ, **(env or {}), "ACTION_SERVER_PORT": str(port)}
    process = _spawn(command, environment, log_path)
    return EngineProcess("actions", f"http://127.0.0.1:{port}", "/health", process, log_path,
                         command, environment)


def start_rasa(model: Path, port: int, action_url: str, tracker_db_url: str | None = None,
               env: dict[str, str] | None = None,
               redis_url: str | None = None) -> EngineProcess:
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"rasa-{port}.log"
    endpoints = write_endpoints(RUN / f"endpoints-{port}.yml", action_url, tracker_db_url,
                                redis_url)
    credentials = write_credentials(RUN / "credentials.yml")
    logging_config = write_logging_config(RUN / "rasa-logging.yml")
    command = [str(RASA), "run", "--enable-api", "--model", str(model),
               "--endpoints", str(endpoints), "--credentials", str(credentials),
               "--logging-config-file", str(logging_config),
               "--interface", "127.0.0.1", "--port", str(port)]
    # the HTTP API is never open without it ("=": a token may start with "-")
    command += [f"--auth-token={rasa_api_token()}"]
    environment = {**rasa_env(), **(env or {})}
    process = _spawn(command, environment, log_path)
    return EngineProcess("rasa", f"http://127.0.0.1:{port}", "/", process, log_path,
                         command, environment)


def wait_until_up(engine_process: EngineProcess, timeout: float = 180) -> float:
    """Seconds until the process answers its health URL; raises if it dies or times out."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if engine_process.process.poll() is not None:
            tail = engine_process.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{engine_process.name} stopped while starting:\n{tail}")
        try:
            if httpx.get(engine_process.url + engine_process.health_path, timeout=2).is_success:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{engine_process.name} did not come up within {timeout:.0f} s")


def warm_up(rasa_url: str) -> None:
    """The first parse builds TensorFlow's graph; do it before a client waits for it."""
    httpx.post(f"{rasa_url}/model/parse", json={"text": "hallo"},
               params={"token": rasa_api_token()}, timeout=60)


def start_engine(model: Path, rasa_port: int = 5005, action_port: int = 5055,
                 tracker_db_url: str | None = None) -> Engine:
    return start_replicas(model, [rasa_port], [action_port], tracker_db_url)


def start_replicas(model: Path, rasa_ports: list[int], action_ports: list[int],
                   tracker_db_url: str | None = None, redis_url: str | None = None,
                   env: dict[str, str] | None = None) -> Engine:
    """One Rasa server and its action server per pair of ports. Several replicas share the
    SQL tracker store (PostgreSQL) and keep each conversation in order with Redis."""
    engine = Engine()
    try:
        for rasa_port, action_port in zip(rasa_ports, action_ports, strict=True):
            actions = start_action_server(action_port, env)
            engine.processes.append(actions)
            engine.processes.append(start_rasa(model, rasa_port, actions.url, tracker_db_url,
                                               redis_url=redis_url))
        for process in engine.processes:
            wait_until_up(process)
        for url in engine.rasa_urls:
            warm_up(url)
    except BaseException:
        engine.stop()
        raise
    return engine


@dataclass
class FrontendProcess:
    process: subprocess.Popen
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_frontend(api_base_url: str, rasa_url: str, database_url: str, name: str,
                   **env: str) -> FrontendProcess:
    log_path = LOGS / f"frontend-{name}.out"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "TELEGRAM_TOKEN": f"123:{name}",
                   "TELEGRAM_API_BASE_URL": api_base_url, "RASA_URL": rasa_url,
                   "DATABASE_URL": database_url, **env}
    process = subprocess.Popen([sys.executable, "-m", "bot", "frontend"], cwd=ROOT,
                               env=environment, stdout=log_path.open("ab"),
                               stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    frontend = FrontendProcess(process, log_path)
    _wait_until_polling(frontend)
    return frontend


def _wait_until_polling(frontend: FrontendProcess, timeout: float = 30) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if frontend.process.poll() is not None:
            raise RuntimeError(f"front end stopped:\n{frontend.log()[-3000:]}")
        if "Front end is running" in frontend.log():
            return
        time.sleep(0.2)
    raise RuntimeError(f"front end did not start:\n{frontend.log()[-3000:]}")
