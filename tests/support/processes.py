"""Front ends as real processes, started the way production starts them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.config import ROOT, VAR


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
    log_path = VAR / "log" / f"frontend-{name}.out"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "TELEGRAM_TOKEN": f"123:{name}",
                   "TELEGRAM_API_BASE_URL": api_base_url, "RASA_URL": rasa_url,
                   "DATABASE_URL": database_url, **env}
    process = subprocess.Popen([sys.executable, "-m", "bot", "frontend"], cwd=ROOT,
                               env=environment, stdout=log_path.open("ab"),
                               stderr=subprocess.STDOUT)
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
