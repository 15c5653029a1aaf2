"""A content change made the way docs/beheer.md says, in a copy of the checkout: new
training examples for a phrasing the assistant did not understand, then `python -m bot
admin train` (check, train, test stories, NLU floors) and `publish` to a running assistant
(its own Rasa server, with an API token) while phones keep sending messages: every message
is answered, none is dropped, and afterwards the new phrasing is understood.

Meanwhile, in a second copy, the test stories demand an answer the model in use does not
give (what a broken rule or story change leads to, without a second training of a few
minutes): `admin train` does not approve that model and `admin publish` refuses it.
The working tree itself is never changed."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from bot.config import ROOT
from bot.launcher import start_engine, start_frontend
from bot.responses import ResponseCatalog
from tests.conftest import free_port

pytestmark = pytest.mark.e2e

TOKEN = "publish-test-token"
# A message the model in use does not understand, and the examples an administrator adds
# for it to nlu/knowledge.yml, under ask_sanction. "zwabberdag" (clients' slang for a day
# without benefit, say) is made up for this test, so the content of the day cannot have it
# already: other training data changes all the time.
NEW_PHRASING = "ik kreeg een zwabberdag wat nu"
NEW_EXAMPLES = [
    "ik kreeg een zwabberdag",
    "wat is een zwabberdag",
    "ze geven me een zwabberdag mag dat",
    "zwabberdag gekregen van de gemeente",
    "hoe lang duurt een zwabberdag",
    "krijg ik een zwabberdag als ik te laat kom",
]
# What the phones keep asking during the publish, and the answer each must get.
SCRIPT = [("hoe maak ik bezwaar", "utter_ask_objection"),
          ("wat doet de ombudsman", "utter_ask_ombudsman"),
          ("wat zijn mijn rechten", "utter_ask_rights_overview"),
          ("bedankt", "utter_thank")]
PHONES = 4
PAUSE = 1.3  # seconds between a reply and the next message: below the front end's flood limit
IGNORED = shutil.ignore_patterns(".git", "var", "models", "__pycache__", ".rasa",
                                 ".pytest_cache", ".ruff_cache", "results", "*.pyc")


def copy_checkout(target: Path, model: Path) -> Path:
    """The working tree as an administrator's own checkout: the same code, content and
    environments (.venv links), the model in use in its models/."""
    shutil.copytree(ROOT, target, symlinks=True, ignore=IGNORED)
    (target / "models").mkdir()
    shutil.copy2(model, target / "models" / model.name)
    return target


def add_examples(checkout: Path, intent: str, examples: list[str]) -> None:
    """As docs/beheer.md says: under '- intent: <name>', below 'examples: |', one line
    per example, '    - ' in front."""
    path = checkout / "nlu" / "knowledge.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index(f"- intent: {intent}\n")
    assert lines[at + 1].strip() == "examples: |"
    lines[at + 2:at + 2] = [f"    - {example}\n" for example in examples]
    path.write_text("".join(lines), encoding="utf-8")


def break_the_stories(checkout: Path) -> None:
    """The first test story now expects the ombudsman text after a bezwaar question: the
    model answers with the bezwaar text, so this story fails for it."""
    path = checkout / "tests" / "stories" / "test_conversations.yml"
    text = path.read_text(encoding="utf-8")
    assert "  - action: utter_ask_objection\n" in text
    path.write_text(text.replace("  - action: utter_ask_objection\n",
                                 "  - action: utter_ask_ombudsman\n", 1))


def admin(checkout: Path, env: dict[str, str], *command: str,
          background: bool = False) -> subprocess.CompletedProcess | subprocess.Popen:
    args = [str(checkout / ".venv" / "bin" / "python"), "-m", "bot", "admin", *command]
    if background:
        return subprocess.Popen(args, cwd=checkout, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    return subprocess.run(args, cwd=checkout, env=env, capture_output=True, text=True,
                          timeout=600)


def admin_env(checkout: Path, rasa_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update({"VAR_DIR": str(checkout / "var"),
                "CLIENTASSISTENT_CACHE": str(checkout / "cache"),  # really trains
                "RASA_URL": rasa_url, "RASA_API_TOKEN": TOKEN})
    return env


def opening(response: str) -> str:
    return ResponseCatalog.load().render(response).text[:40]


class Chatter(threading.Thread):
    """A phone that keeps asking: send, wait for the answer, pause, send the next."""

    def __init__(self, phone, offset: int) -> None:
        super().__init__(daemon=True)
        self.phone, self.offset = phone, offset
        self.stop = threading.Event()
        self.sent: list[tuple[float, str]] = []  # (when, expected opening)
        self.latencies: list[float] = []
        self.unanswered = 0

    def run(self) -> None:
        time.sleep(self.offset * PAUSE / PHONES)
        turn = self.offset
        while not self.stop.is_set():
            message, response = SCRIPT[turn % len(SCRIPT)]
            turn += 1
            expected = opening(response)
            before = len(self.phone.bot_messages())
            started = time.monotonic()
            self.sent.append((started, expected))
            self.phone.send_quietly(message)
            if self.phone.wait_for(lambda b=before: len(self.phone.bot_messages()) > b, 60):
                self.latencies.append(time.monotonic() - started)
            else:
                self.unanswered += 1
            time.sleep(PAUSE)

    def answers(self) -> list[str]:
        return [m.text[:40] for m in self.phone.bot_messages()]


def rasa_status(rasa_url: str) -> dict:
    return httpx.get(f"{rasa_url}/status", params={"token": TOKEN}, timeout=10).json()


def test_a_change_by_the_guide_goes_live_without_a_dropped_message_and_a_broken_one_is_refused(
        tmp_path, model, database_url, bot_api, monkeypatch):
    started = time.monotonic()
    good = copy_checkout(tmp_path / "checkout", model)
    broken = copy_checkout(tmp_path / "broken", model)
    break_the_stories(broken)
    rasa_port = free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    # the refused model is tested alongside (its content did not change: no training)
    broken_train = admin(broken, admin_env(broken, rasa_url), "train", background=True)
    marks: dict[str, float] = {}

    monkeypatch.setenv("RASA_API_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", database_url)
    engine = start_engine(model, rasa_port=rasa_port, action_port=free_port())
    monkeypatch.delenv("RASA_API_TOKEN")
    frontend = start_frontend(bot_api.base_url, rasa_url, database_url, "publish")
    try:
        assert httpx.get(f"{rasa_url}/status", timeout=10).status_code == 401  # token needed
        assert rasa_status(rasa_url)["model_file"] == model.name
        sanction = opening("utter_ask_sanction")
        asker = bot_api.phone("123:publish")
        asker.send(NEW_PHRASING)
        assert not asker.reply_text().startswith(sanction)  # not understood yet

        env = admin_env(good, rasa_url)
        add_examples(good, "ask_sanction", NEW_EXAMPLES)
        marks["engine up"] = time.monotonic() - started
        trained = admin(good, env, "train")  # its first step is `admin check`
        assert trained.returncode == 0, trained.stdout[-4000:] + trained.stderr
        assert "GOED: geen fouten" in trained.stdout and "Training model-" in trained.stdout
        assert "GOEDGEKEURD" in trained.stdout
        marks["train"] = time.monotonic() - started
        new_model = next(p for p in (good / "models").glob("*.tar.gz") if p.name != model.name)

        chatters = [Chatter(bot_api.phone("123:publish"), n) for n in range(PHONES)]
        for chatter in chatters:
            chatter.start()
        time.sleep(4)  # a few turns answered by the old model
        publish_started = time.monotonic()
        published = admin(good, env, "publish")
        publish_ended = time.monotonic()
        time.sleep(4)  # and a few by the new one
        for chatter in chatters:
            chatter.stop.set()
        for chatter in chatters:
            chatter.join(70)
        assert published.returncode == 0, published.stdout + published.stderr
        assert rasa_status(rasa_url)["model_file"] == new_model.name

        sent = [s for c in chatters for s in c.sent]
        during = [when for when, _ in sent if publish_started <= when <= publish_ended]
        assert during, "no message was sent while the model was loading"
        for chatter in chatters:
            expected = [text for _, text in chatter.sent]
            assert chatter.unanswered == 0
            assert chatter.answers() == expected, (chatter.answers(), expected)
        latencies = sorted(x for c in chatters for x in c.latencies)
        print(f"\npublish: {publish_ended - publish_started:.1f} s; {len(sent)} messages, "
              f"{len(during)} sent while publishing, all answered; latency median "
              f"{latencies[len(latencies) // 2]:.2f} s, max {latencies[-1]:.2f} s")

        asker.send(NEW_PHRASING)
        assert asker.reply_text().startswith(sanction)  # the new examples are live

        listed = admin(good, env, "models")
        assert listed.returncode == 0, listed.stderr
        live_line = next(line for line in listed.stdout.splitlines()
                         if line.startswith(new_model.name.removesuffix(".tar.gz")))
        assert rasa_url in live_line and " ja " in live_line

        marks["publish"] = time.monotonic() - started
        output, _ = broken_train.communicate(timeout=400)
        marks["broken refused"] = time.monotonic() - started
        assert broken_train.returncode == 1, output[-4000:]
        assert "AFGEKEURD" in output and "testverha" in output, output[-4000:]
        refused = admin(broken, admin_env(broken, rasa_url), "publish")
        assert refused.returncode != 0
        assert "AFGEKEURD" in refused.stderr and "niet gepubliceerd" in refused.stderr
        assert rasa_status(rasa_url)["model_file"] == new_model.name  # still the good one
    finally:
        if broken_train.poll() is None:
            broken_train.kill()
        frontend.stop()
        engine.stop()
    print("seconds from the start: " + ", ".join(f"{k} {v:.0f}" for k, v in marks.items())
          + f"; whole test {time.monotonic() - started:.0f}")
