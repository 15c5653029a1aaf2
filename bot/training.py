"""Train a Rasa model only when what it is trained from changed.

The fingerprint covers the NLU data and config, the domain, rules and stories, the names
(not the texts) of the responses, and the Rasa version lock. Response texts are rendered
by our NLG endpoint from dialogues/ at run time, so editing a text needs no training.
Trained models are also kept in a cache outside the checkout, so a fresh clone (CI) with
the same content reuses them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import time
from pathlib import Path

import yaml

from bot.config import ROOT, VAR

log = logging.getLogger(__name__)

MODELS = ROOT / "models"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
CACHE = Path(os.environ.get("CLIENTASSISTENT_CACHE",
                            Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                            / "clientassistent")) / "models"
TRAINING_INPUTS = ["nlu", "dialogues/domain", "dialogues/rules", "dialogues/stories"]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for folder in TRAINING_INPUTS:
        for path in sorted((ROOT / folder).rglob("*.yml")):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    for path in sorted((ROOT / "dialogues" / "responses").rglob("*.yml")):
        names = sorted((yaml.safe_load(path.read_text()) or {}).get("responses") or {})
        digest.update("\n".join(names).encode())
    digest.update((ROOT / "requirements" / "rasa.lock").read_bytes())
    return digest.hexdigest()[:16]


def model_path(print_: str | None = None) -> Path:
    return MODELS / f"model-{print_ or fingerprint()}.tar.gz"


def latest_model() -> Path | None:
    models = sorted(MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def ensure_model() -> Path:
    """The model for the current content: already here, from the cache, or trained now."""
    target = model_path()
    cached = CACHE / target.name
    MODELS.mkdir(exist_ok=True)
    if target.exists():
        target.touch()  # the newest model is the one in use
        return target
    if cached.exists():
        shutil.copy2(cached, target)
        target.touch()
        log.info("Model taken from the cache: %s", target.name)
        return target
    train(target)
    CACHE.mkdir(parents=True, exist_ok=True)
    shutil.copy2(target, cached)
    return target


def train(target: Path) -> float:
    started = time.monotonic()
    print(f"Training {target.name} (content changed; this takes a few minutes)...", flush=True)
    command = [str(RASA), "train", "--config", "nlu/config.yml", "--domain", "dialogues",
               "--data", "nlu", "dialogues/rules", "dialogues/stories",
               "--out", str(target.parent), "--fixed-model-name", target.name[:-7], "--force"]
    log_path = VAR / "log" / "train.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log_file:
        result = subprocess.run(command, cwd=ROOT, env=rasa_env(), stdout=log_file,
                                stderr=subprocess.STDOUT)
    if result.returncode != 0:
        print(log_path.read_text(errors="replace")[-4000:])
        raise RuntimeError(f"Training failed; the whole output is in {log_path}")
    seconds = time.monotonic() - started
    print(f"Trained in {seconds:.0f} s", flush=True)
    return seconds


def rasa_env() -> dict[str, str]:
    """Environment for Rasa processes: no telemetry, quiet TensorFlow, our own cache dirs."""
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
                "PYTHONWARNINGS": "ignore", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "TF_ENABLE_ONEDNN_OPTS": "0"})
    return env
