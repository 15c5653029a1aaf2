"""Administrator commands: `python -m bot admin <command>` (docs/beheer.md, in Dutch).

  check              everything `make check` checks, plus: YAML syntax and duplicate names
                     with file and line, B1 warnings (long sentences, rare long words), and
                     the translation checks of bot.i18n; exit code 1 on an error
  train              check first (refuses on an error), train only when the content changed,
                     then the test stories (rasa test core) and the NLU floor (bot.nlu_eval);
                     the model is approved only when both pass
  publish [model]    load the approved model for the current content (or the named one) into
                     every Rasa server of RASA_URL through its HTTP API, one at a time
  models             the models kept (the last KEEP), content version, approved, live
  rollback [model]   publish the approved model that was live before (or the named one)
  review             what the model was unsure about or fell back on (Rasa's tracker store),
                     only of clients who consented to the purpose review, masked
                     (bot.admin_web.masking), grouped by intent, as NLU YAML for nlu/

Approval is a small JSON file next to each model (models/model-<fingerprint>.approval.json);
every publish is appended to models/published.json. Messages are in Dutch: the people who
run these commands are the content administrators, not programmers.

Publishing, checked on Rasa 3.6.21: `PUT /model` loads the new model inside the server's
event loop, so the server does not answer for that time (about a second for our models)
and then answers every request that waited, none is refused. With several servers only
one loads at a time, and each is warmed up (a first parse) before the next one starts.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

from bot.config import ROOT, VAR, rasa_api_token

KEEP = 5
MAX_SENTENCE_WORDS = 20
MAX_WORD_LETTERS = 14
LONG_WORDS_FILE = ROOT / "content" / "lange-woorden.yml"
YAML_FOLDERS = ("nlu", "dialogues", "content", "tests/stories", "tests/nlu")
GATE_INPUTS = ("tests/stories", "tests/nlu")
FALLBACK_ACTIONS = {"action_fallback", "action_default_fallback", "action_two_stage_fallback"}
PUBLISH_LOG = "published.json"


log = logging.getLogger(__name__)


class AdminError(Exception):
    """Bad input or a refused step: the message says what and where, for the admin."""


# --- findings ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "waarschuwing" if self.warning else "fout"
        return f"{relative(self.path)}:{self.line}: {kind}: {self.message}"


def relative(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a name twice in one mapping (PyYAML keeps the last one
    silently: a response written twice would lose its first text without a word)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            try:
                hash(key)
            except TypeError:
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark,
                    f"{key!r} staat er twee keer (ook op regel {seen[key]})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


def read_yaml(path: Path) -> Any:
    """A YAML file, or AdminError naming the file and line of the problem."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise AdminError(f"{relative(path)}:{line}: {yaml_message(error)}") from None
    except yaml.YAMLError as error:
        raise AdminError(f"{relative(path)}:1: YAML klopt niet: {error}") from None
    except UnicodeDecodeError:
        raise AdminError(f"{relative(path)}:1: het bestand is geen UTF-8-tekst") from None


def yaml_message(error: yaml.MarkedYAMLError) -> str:
    problem = error.problem or "onbekend probleem"
    hint = ""
    if "found character '\\t'" in problem:
        hint = " (een tab: gebruik spaties om in te springen)"
    elif "mapping values are not allowed" in problem:
        hint = " (vaak: een dubbele punt ':' in een tekst; zet de tekst tussen aanhalingstekens)"
    elif "expected <block end>" in problem or "did not find expected" in problem:
        hint = " (vaak: inspringing klopt niet met de regel erboven)"
    return f"YAML klopt niet: {problem}{hint}"


def yaml_findings(root: Path = ROOT) -> list[Finding]:
    """Syntax errors and names written twice, in every content and test YAML file."""
    found: list[Finding] = []
    response_files: dict[str, tuple[Path, int]] = {}
    for folder in YAML_FOLDERS:
        for path in sorted((root / folder).rglob("*.yml")):
            try:
                document = read_yaml(path)
            except AdminError as error:
                location, _, message = str(error).partition(": ")
                line = int(location.rsplit(":", 1)[1]) if ":" in location else 1
                found.append(Finding(path, line, message))
                continue
            if path.parent == root / "dialogues" / "responses" and isinstance(document, dict):
                for name in document.get("responses") or {}:
                    line = line_of(path, f"{name}:")
                    if name in response_files:
                        first, first_line = response_files[name]
                        found.append(Finding(path, line, f"antwoord {name} staat ook in "
                                                         f"{relative(first)}:{first_line}"))
                    else:
                        response_files[name] = (path, line)
    return found


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    return 1


# --- B1: long sentences and rare long words -------------------------------------------------

SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
TEXT_WORD = re.compile(r"\{\w+\}|[^\W\d_](?:[\w'’]*\w)?(?:-[^\W\d_](?:[\w'’]*\w)?)*|\d+")
URLISH = re.compile(r"\S+(?:\.nl|\.com|\.org|\.eu)\S*|\S+@\S+|https?://\S+|www\.\S+")


def allowed_long_words(path: Path = LONG_WORDS_FILE) -> set[str]:
    if not path.exists():
        return set()
    words = read_yaml(path) or {}
    if not isinstance(words, dict) or not isinstance(words.get("woorden"), list):
        raise AdminError(f"{relative(path)}:1: verwacht 'woorden:' met een lijst eronder")
    return {str(word).strip().lower() for word in words["woorden"]}


def sentences(text: str) -> Iterator[str]:
    for part in SENTENCE_END.split(text):
        part = part.strip().lstrip("-•*").strip()
        if part and not part.startswith("Bron:"):
            yield part


def b1_findings(root: Path = ROOT, allowed: set[str] | None = None) -> list[Finding]:
    """Warnings for the Dutch source texts: a sentence of more than MAX_SENTENCE_WORDS
    words, a word of more than MAX_WORD_LETTERS letters that is not in the allow-list."""
    from bot.i18n import response_messages

    allowed = allowed_long_words() if allowed is None else allowed
    found: list[Finding] = []
    for path in sorted((root / "dialogues" / "responses").glob("**/*.yml")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for line, context, text, _ in response_messages(source):
            if context.endswith(".button"):
                continue
            for sentence in sentences(URLISH.sub("link", text)):
                words = TEXT_WORD.findall(sentence)
                if len(words) > MAX_SENTENCE_WORDS:
                    at = locate(lines, line, words[:3])
                    found.append(Finding(path, at, f"{context}: zin van {len(words)} woorden "
                                                   f"(B1: hoogstens {MAX_SENTENCE_WORDS}): "
                                                   f"\"{shorten(sentence)}\"", warning=True))
                for word in words:
                    for part in word.split("-"):
                        letters = sum(c.isalpha() for c in part)
                        if (letters > MAX_WORD_LETTERS and not part.startswith("{")
                                and part.lower() not in allowed):
                            at = locate(lines, line, [part])
                            found.append(Finding(path, at, f"{context}: lang woord \"{part}\" "
                                                           f"({letters} letters); korter "
                                                           "zeggen, of in "
                                                           f"{relative(LONG_WORDS_FILE)} "
                                                           "zetten als het een vaste term is",
                                                 warning=True))
    return found


def locate(lines: list[str], first_line: int, words: list[str]) -> int:
    """The line at or after first_line where these words start (a text may span lines)."""
    pattern = re.compile(r"\W+".join(re.escape(w) for w in words))
    window = "\n".join(lines[first_line - 1:first_line + 60])
    match = pattern.search(window)
    return first_line + window.count("\n", 0, match.start()) if match else first_line


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


# --- check -----------------------------------------------------------------------------------

def check(root: Path = ROOT) -> int:
    """Exit code 0 when the content has no errors (warnings are allowed)."""
    print("1/3 YAML-bestanden lezen (nlu/, dialogues/, content/, tests/)...", flush=True)
    syntax = yaml_findings(root)
    for finding in syntax:
        print(finding)
    if syntax:
        print(f"\nNIET GOED: {len(syntax)} fout(en) in de YAML-bestanden. Verbeter die eerst; "
              "daarna kijkt check ook naar de rest.")
        return 1
    # bot/content_check.py: Rasa's data validation, the responses (length, {fields},
    # buttons, sources), the organisations schema, and the translations (bot.i18n: every
    # response translated in every enabled language, the same {fields} as the Dutch).
    print("2/3 inhoud controleren (make check: Rasa-data, antwoorden, gemeenten, "
          "vertalingen)...", flush=True)
    from bot.content_check import main as content_check

    try:
        content_errors = content_check() != 0
    except Exception as error:  # a shape YAML allows but the checks did not expect
        log.exception("make check stopped")
        print(f"fout: de controle liep vast op de inhoud ({type(error).__name__}: {error}). "
              f"Kijk naar je laatste wijziging; het hele verslag staat in "
              f"{relative(VAR / 'log' / 'admin.log')}.")
        return 1
    print("3/3 B1-taal: lange zinnen en lange woorden...", flush=True)
    try:
        language = b1_findings(root)
    except AdminError as error:
        print(error)
        return 1
    for finding in language:
        print(finding)
    print()
    if content_errors:
        print(f"NIET GOED: er zijn fouten (zie hierboven); {len(language)} waarschuwing(en).")
        return 1
    print(f"GOED: geen fouten; {len(language)} waarschuwing(en) over B1-taal "
          "(die mogen, maar kijk ernaar).")
    return 0


# --- models, approval and the publish log ------------------------------------------------------

def models_dir() -> Path:
    from bot.training import MODELS

    return MODELS


@dataclass
class Approval:
    model: str
    fingerprint: str
    commit: str
    trained_at: str
    tested_at: str = ""
    gate: str = ""
    stories_passed: bool = False
    stories_failed: int = 0
    # per held-out language: accuracy, macro_f1 and the floor they were held to
    nlu: dict[str, dict[str, float]] = field(default_factory=dict)
    approved: bool = False
    reasons: list[str] = field(default_factory=list)


def approval_path(model: Path) -> Path:
    return model.with_name(model.name.removesuffix(".tar.gz") + ".approval.json")


def read_approval(model: Path) -> Approval | None:
    path = approval_path(model)
    if not path.exists():
        return None
    try:
        return Approval(**json.loads(path.read_text()))
    except (ValueError, TypeError):
        return None


def write_approval(model: Path, approval: Approval) -> None:
    approval_path(model).write_text(json.dumps(asdict(approval), indent=2) + "\n")


def model_metadata(model: Path) -> dict[str, Any]:
    """metadata.json of a Rasa model archive: model_id (what /status reports), trained_at."""
    try:
        with tarfile.open(model, "r:gz") as archive:
            for member in archive:
                if member.name.lstrip("./") == "metadata.json":
                    file = archive.extractfile(member)
                    if file:
                        return json.loads(file.read())
    except (tarfile.TarError, OSError, ValueError) as error:
        raise AdminError(f"{relative(model)}: geen leesbaar Rasa-model ({error})") from None
    raise AdminError(f"{relative(model)}: geen Rasa-model (metadata.json ontbreekt)")


def trained_at(model: Path) -> datetime:
    approval = read_approval(model)
    stamp = approval.trained_at if approval else ""
    if not stamp:
        try:
            stamp = model_metadata(model).get("trained_at", "")
        except AdminError:
            stamp = ""
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return datetime.fromtimestamp(model.stat().st_mtime)


def kept_models(directory: Path | None = None) -> list[Path]:
    """The models in models/, newest first (by when they were trained)."""
    directory = directory or models_dir()
    return sorted(directory.glob("model-*.tar.gz"), key=trained_at, reverse=True)


def find_model(name: str, directory: Path | None = None) -> Path:
    """A model by file name, with or without .tar.gz, or by the start of its fingerprint."""
    directory = directory or models_dir()
    models = kept_models(directory)
    wanted = name.strip().removesuffix(".tar.gz").removeprefix("model-")
    matches = [m for m in models if m.name.removesuffix(".tar.gz").removeprefix("model-")
               .startswith(wanted)] if wanted else []
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(m.name.removesuffix(".tar.gz") for m in models) or "(geen)"
    if not matches:
        raise AdminError(f"onbekend model '{name}'. Modellen in {relative(directory)}/: "
                         f"{known}")
    raise AdminError(f"'{name}' past bij meer dan één model: "
                     f"{', '.join(m.name for m in matches)}")


def publish_log(directory: Path | None = None) -> list[dict[str, Any]]:
    path = (directory or models_dir()) / PUBLISH_LOG
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text())
    except ValueError as error:
        raise AdminError(f"{relative(path)}:{getattr(error, 'lineno', 1)}: dit "
                         f"publicatielogboek is beschadigd ({error})") from None
    return entries if isinstance(entries, list) else []


def log_publish(model: Path, servers: list[str], rollback: bool) -> None:
    entries = publish_log(model.parent)
    entries.append({"model": model.name, "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "servers": servers, "rollback": rollback,
                    "by": os.environ.get("USER", "onbekend")})
    try:
        (model.parent / PUBLISH_LOG).write_text(json.dumps(entries[-200:], indent=2) + "\n")
    except OSError as error:  # models/ mounted read-only: the servers have it all the same
        print(f"Let op: {relative(model.parent / PUBLISH_LOG)} niet bijgewerkt ({error}); "
              "rollback zonder modelnaam weet dit model dan niet.")


def content_fingerprint() -> str | None:
    """The fingerprint of the content here; None where nlu/ and dialogues/ are not (the
    app image of docker compose has only bot/, dialogues/ and content/)."""
    from bot.training import fingerprint

    try:
        return fingerprint()
    except OSError:
        return None


def git_commit(root: Path = ROOT) -> str:
    """The commit the content comes from, '+' when nlu/, dialogues/ or content/ have
    changes not yet committed; 'onbekend' outside a git checkout."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                              capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return "onbekend"
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "nlu", "dialogues",
                                "content"], cwd=root, capture_output=True, text=True,
                               timeout=10)
        return head.stdout.strip() + ("+" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "onbekend"


def gate_fingerprint(root: Path = ROOT) -> str:
    """What the approval was measured against: the test stories and the held-out NLU."""
    import hashlib

    digest = hashlib.sha256()
    for folder in GATE_INPUTS:
        for path in sorted((root / folder).rglob("*.yml")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --- train -----------------------------------------------------------------------------------

def run_test_stories(model: Path) -> tuple[bool, int, str]:
    """rasa test core on tests/stories, as tests/e2e/test_rasa_data.py runs it:
    (passed, number of failed stories, what failed)."""
    from bot.training import RASA, rasa_env

    out = VAR / "results" / "stories"
    shutil.rmtree(out, ignore_errors=True)
    result = subprocess.run(
        [str(RASA), "test", "core", "--model", str(model), "--stories", "tests/stories",
         "--out", str(out), "--fail-on-prediction-errors", "--no-plot"],
        cwd=ROOT, env=rasa_env(), capture_output=True, text=True)
    failed_file = out / "failed_test_stories.yml"
    failed_text = failed_file.read_text() if failed_file.exists() else ""
    failed = len(re.findall(r"^- story:", failed_text, re.MULTILINE))
    if result.returncode == 0:
        return True, 0, ""
    details = failed_text or (result.stdout + result.stderr)[-3000:]
    return False, max(failed, 1), details


def approve(model: Path, fingerprint: str) -> Approval:
    """The test stories, then (only if they pass) the NLU floor; the verdict is saved."""
    from bot import nlu_eval

    approval = Approval(model=model.name, fingerprint=fingerprint, commit=git_commit(),
                        trained_at=model_metadata(model).get("trained_at", ""),
                        gate=gate_fingerprint())
    print("Testverhalen (tests/stories) op het nieuwe model...", flush=True)
    passed, failed, details = run_test_stories(model)
    approval.stories_passed, approval.stories_failed = passed, failed
    if not passed:
        print(details[:4000])
        approval.reasons.append(f"{failed} testverha(a)l(en) in tests/stories gaan mis "
                                f"(zie hierboven, en {relative(VAR / 'results' / 'stories')})")
    else:
        for language, (heldout, floor) in nlu_floors().items():
            print(f"NLU-test ({relative(heldout)}) tegen de ondergrens {floor}...", flush=True)
            try:
                evaluation = nlu_eval.run_rasa_test(model, heldout)
            except subprocess.CalledProcessError as error:
                raise AdminError(f"rasa test nlu liep vast op {relative(heldout)} (exit "
                                 f"{error.returncode}); `make eval` geeft de details") from None
            approval.nlu[language] = {"accuracy": round(evaluation.accuracy, 4),
                                      "macro_f1": round(evaluation.macro_f1, 4),
                                      "floor": floor}
            # the rule of `make eval` and tests/e2e/test_rasa_data.py
            if evaluation.accuracy < floor or evaluation.macro_f1 < floor - 0.02:
                approval.reasons.append(
                    f"NLU ({language}): nauwkeurigheid {evaluation.accuracy:.3f} / macro-F1 "
                    f"{evaluation.macro_f1:.3f}, ondergrens {floor} / {floor - 0.02:.2f} "
                    f"({relative(nlu_eval.FLOOR)})")
    approval.approved = not approval.reasons
    approval.tested_at = datetime.now(UTC).isoformat(timespec="seconds")
    write_approval(model, approval)
    return approval


def nlu_floors() -> dict[str, tuple[Path, float]]:
    """{language: (held-out file, accuracy floor)} for every held-out set bot.nlu_eval
    measures that has a floor in tests/nlu/floor.yml."""
    from bot import nlu_eval

    floors = read_yaml(nlu_eval.FLOOR) or {}
    heldouts = getattr(nlu_eval, "HELDOUTS", {"nl": nlu_eval.HELDOUT})
    keys = getattr(nlu_eval, "FLOOR_KEYS", {"nl": "accuracy_floor"})
    found = {}
    for language, heldout in heldouts.items():
        key = keys.get(language)
        if key in floors and heldout.exists():
            try:
                found[language] = (heldout, float(floors[key]))
            except (TypeError, ValueError):
                raise AdminError(f"{relative(nlu_eval.FLOOR)}:{line_of(nlu_eval.FLOOR, key)}: "
                                 f"{key} moet een getal zijn") from None
    if not found:
        raise AdminError(f"{relative(nlu_eval.FLOOR)}:1: geen ondergrens (accuracy_floor)")
    return found


def train() -> int:
    from bot.training import ensure_model, fingerprint

    if check() != 0:
        print("\nNiet getraind: los eerst de fouten hierboven op en draai dan opnieuw "
              "`python -m bot admin train`.")
        return 1
    print("\nModel voor deze inhoud zoeken of trainen...", flush=True)
    content = fingerprint()
    try:
        model = ensure_model()
    except RuntimeError as error:
        raise AdminError(f"trainen is mislukt: {error}") from None
    earlier = read_approval(model)
    if earlier and earlier.gate == gate_fingerprint() and earlier.tested_at:
        print(f"{model.name} is al getest ({earlier.tested_at}).")
        approval = earlier
    else:
        approval = approve(model, content)
    removed = prune(keep=KEEP)
    print()
    if removed:
        print(f"Opgeruimd (alleen de laatste {KEEP} blijven): {', '.join(removed)}")
    if approval.approved:
        scores = ", ".join(f"{language} {figures['accuracy']:.3f} (ondergrens "
                           f"{figures['floor']})" for language, figures in approval.nlu.items())
        print(f"GOEDGEKEURD: {model.name} (inhoud {content}, git {approval.commit}; "
              f"testverhalen goed; NLU {scores}).")
        print("Zet het live met: python -m bot admin publish")
        return 0
    print(f"AFGEKEURD: {model.name} wordt niet gepubliceerd:")
    for reason in approval.reasons:
        print(f"  - {reason}")
    return 1


def prune(keep: int = KEEP, directory: Path | None = None,
          live: Iterable[str] = ()) -> list[str]:
    """Delete all but the newest `keep` models (and their approval files); the live model
    and the model for the current content are always kept."""
    directory = directory or models_dir()
    protected = set(live)
    entries = publish_log(directory)
    if entries:
        protected.add(entries[-1]["model"])
    if directory == models_dir() and (content := content_fingerprint()):
        protected.add(f"model-{content}.tar.gz")
    models = kept_models(directory)
    chosen = [m for m in models if m.name in protected]
    for model in models:
        if len(chosen) >= keep:
            break
        if model not in chosen:
            chosen.append(model)
    removed = []
    for model in models:
        if model not in chosen:
            model.unlink(missing_ok=True)
            approval_path(model).unlink(missing_ok=True)
            removed.append(model.name.removesuffix(".tar.gz"))
    return removed


# --- the Rasa servers --------------------------------------------------------------------------

def rasa_urls() -> list[str]:
    urls = [u.strip().rstrip("/") for u in os.environ.get("RASA_URL",
                                                          "http://127.0.0.1:5005").split(",")
            if u.strip()]
    for url in urls:
        if not re.match(r"^https?://[^/\s]+", url):
            raise AdminError(f"RASA_URL: '{url}' is geen adres (voorbeeld: "
                             "http://127.0.0.1:5005; meerdere met komma's ertussen)")
    return urls


class RasaServer:
    """One Rasa server's HTTP API (`--enable-api --auth-token`)."""

    def __init__(self, url: str, token: str | None = None,
                 http: httpx.Client | None = None) -> None:
        self.url = url.rstrip("/")
        self.params = {"token": token} if token else {}
        self.http = http or httpx.Client(timeout=httpx.Timeout(30, connect=5))

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, self.url + path, params=self.params,
                                         **kwargs)
        except httpx.TransportError as error:
            raise AdminError(f"{self.url}: Rasa-server niet bereikbaar "
                             f"({type(error).__name__}). Draait hij? Klopt RASA_URL?") from None
        if response.status_code in (401, 403):
            raise AdminError(f"{self.url}: geweigerd ({response.status_code}): de token klopt "
                             "niet. Zet RASA_API_TOKEN op de token waarmee Rasa draait "
                             f"(zonder RASA_API_TOKEN: {relative(VAR / 'rasa_api_token')}).")
        return response

    def status(self) -> dict[str, Any]:
        response = self._request("GET", "/status")
        if response.status_code == 409:  # no model loaded
            return {}
        if not response.is_success:
            raise AdminError(f"{self.url}/status gaf {response.status_code}: "
                             f"{response.text[:300]}")
        return response.json()

    def load(self, model_file: str, timeout: float = 600) -> None:
        response = self._request("PUT", "/model", json={"model_file": model_file},
                                 timeout=httpx.Timeout(timeout, connect=5))
        if response.status_code != 204:
            try:
                message = response.json().get("message", response.text)
            except ValueError:
                message = response.text
            raise AdminError(f"{self.url}: Rasa laadde {model_file} niet "
                             f"({response.status_code}): {message[:400]}. Staat het model op "
                             "dat pad voor de server? (zie RASA_MODEL_DIR)")

    def parse(self, text: str) -> dict[str, Any]:
        response = self._request("POST", "/model/parse", json={"text": text}, timeout=120)
        return response.json() if response.is_success else {}


def server_model_path(model: Path) -> str:
    """The model's path as the Rasa servers see it: RASA_MODEL_DIR when their models/ is
    elsewhere (docker compose mounts it at /app/models), else this machine's path."""
    if directory := os.environ.get("RASA_MODEL_DIR"):
        return f"{directory.rstrip('/')}/{model.name}"
    return str(model.resolve())


def publish_model(model: Path, urls: list[str], token: str | None = None,
                  http: httpx.Client | None = None, wait: float = 180,
                  rollback: bool = False) -> list[str]:
    """Load the model into each server in turn; the next only when this one reports the
    new model_id in /status and answered a first parse. Returns the servers changed."""
    model_id = model_metadata(model).get("model_id")
    changed = []
    for number, url in enumerate(urls, start=1):
        server = RasaServer(url, token, http)
        prefix = f"[{number}/{len(urls)}] {url}"
        if server.status().get("model_id") == model_id:
            print(f"{prefix}: heeft {model.name} al.")
            continue
        print(f"{prefix}: laadt {model.name}...", flush=True)
        started = time.monotonic()
        server.load(server_model_path(model))
        deadline = time.monotonic() + wait
        while server.status().get("model_id") != model_id:
            if time.monotonic() > deadline:
                raise AdminError(f"{url}: meldt na {wait:.0f} s nog niet het nieuwe model; "
                                 f"de servers {', '.join(changed) or '(geen)'} hebben het al. "
                                 "Kijk in de log van Rasa en publiceer opnieuw.")
            time.sleep(0.5)
        server.parse("hallo")  # the first parse builds the model's graph: not for a client
        changed.append(url)
        print(f"{prefix}: klaar in {time.monotonic() - started:.1f} s.", flush=True)
    if changed:
        log_publish(model, changed, rollback)
    return changed


def require_approved(model: Path) -> Approval:
    approval = read_approval(model)
    if approval is None:
        raise AdminError(f"{model.name} is niet getest, dus niet goedgekeurd. Draai eerst "
                         "`python -m bot admin train`.")
    if not approval.approved:
        reasons = "; ".join(approval.reasons) or "niet goedgekeurd"
        raise AdminError(f"{model.name} is AFGEKEURD en wordt niet gepubliceerd: {reasons}. "
                         "Herstel de inhoud en draai `python -m bot admin train` opnieuw.")
    return approval


def publish(name: str | None = None, rollback: bool = False) -> int:
    from bot.training import model_path

    if name:
        model = find_model(name)
    else:
        if (content := content_fingerprint()) is None:
            raise AdminError("de inhoud (nlu/, dialogues/) is hier niet te lezen: geef de naam "
                             "van het model, bijvoorbeeld `publish model-5a1c`")
        model = model_path(content)
        if not model.exists():
            raise AdminError("er is nog geen model voor de inhoud zoals die nu is. Draai eerst "
                             "`python -m bot admin train`.")
    require_approved(model)
    urls = rasa_urls()
    token = rasa_api_token()
    print(f"Publiceren: {model.name} naar {len(urls)} Rasa-server(s), één voor één.")
    changed = publish_model(model, urls, token, rollback=rollback)
    print(f"KLAAR: {model.name} is live op alle {len(urls)} server(s)"
          + ("" if changed else " (er veranderde niets)") + ".")
    return 0


# --- models and rollback ---------------------------------------------------------------------

def live_models(urls: list[str], token: str | None,
                http: httpx.Client | None = None) -> tuple[dict[str, str], list[str]]:
    """{server: model_id} of the servers that answer, and the ones that do not."""
    live: dict[str, str] = {}
    unreachable = []
    client = http or httpx.Client(timeout=httpx.Timeout(5, connect=2))
    for url in urls:
        try:
            live[url] = RasaServer(url, token, client).status().get("model_id", "")
        except AdminError:
            unreachable.append(url)
    return live, unreachable


def models(http: httpx.Client | None = None) -> int:
    kept = kept_models()
    if not kept:
        print(f"Er zijn nog geen modellen in {relative(models_dir())}/. Draai "
              "`python -m bot admin train`.")
        return 0
    urls = rasa_urls()
    live, unreachable = live_models(urls, rasa_api_token(), http)
    entries = publish_log()
    last_published = entries[-1]["model"] if entries else None
    content = content_fingerprint()
    print(f"Modellen in {relative(models_dir())}/ (nieuwste eerst; de laatste {KEEP} blijven "
          f"bewaard). Inhoud nu: {content or 'onbekend'}.\n")
    print(f"{'model':<28} {'getraind':<17} {'git':<10} {'goedgekeurd':<12} live")
    for model in kept:
        approval = read_approval(model)
        try:
            model_id = model_metadata(model).get("model_id")
        except AdminError:
            model_id = None
        on = [url for url, mid in live.items() if mid == model_id]
        where = ", ".join(on) if on else ""
        if not on and not live and model.name == last_published:
            where = "laatst gepubliceerd"
        verdict = ("ja" if approval and approval.approved else
                   "NEE" if approval and approval.tested_at else "niet getest")
        note = "  <- inhoud nu" if content and model.name.endswith(f"-{content}.tar.gz") else ""
        print(f"{model.name.removesuffix('.tar.gz'):<28} "
              f"{trained_at(model):%Y-%m-%d %H:%M}  "
              f"{(approval.commit if approval else '?'):<10} {verdict:<12} {where}{note}")
    if unreachable:
        print(f"\nNiet bereikbaar: {', '.join(unreachable)} (live volgens het logboek: "
              f"{last_published or 'onbekend'}).")
    return 0


def rollback(name: str | None = None, http: httpx.Client | None = None) -> int:
    """Publish the named model, or the approved model that was published before the live
    one (from models/published.json), or else the newest approved model older than it."""
    if name:
        return publish(name, rollback=True)
    urls = rasa_urls()
    token = rasa_api_token()
    live, _ = live_models(urls, token, http)
    ids = {model.name: model_metadata(model).get("model_id") for model in kept_models()}
    live_names = {n for n, mid in ids.items() if mid in set(live.values())}
    entries = publish_log()
    if not live_names and entries:
        live_names = {entries[-1]["model"]}
    target = None
    for entry in reversed(entries):
        candidate = models_dir() / entry["model"]
        approval = read_approval(candidate) if candidate.exists() else None
        if entry["model"] not in live_names and approval and approval.approved:
            target = candidate
            break
    if target is None:
        newest_live = max((trained_at(models_dir() / n) for n in live_names), default=None)
        for model in kept_models():
            approval = read_approval(model)
            if (model.name not in live_names and approval and approval.approved
                    and (newest_live is None or trained_at(model) < newest_live)):
                target = model
                break
    if target is None:
        raise AdminError("geen eerder goedgekeurd model om naar terug te gaan. Zie "
                         "`python -m bot admin models`.")
    print(f"Terug naar {target.name} (live was: {', '.join(sorted(live_names)) or 'onbekend'}).")
    require_approved(target)
    changed = publish_model(target, urls, token, http, rollback=True)
    print(f"KLAAR: {target.name} is live op alle {len(urls)} server(s)"
          + ("" if changed else " (er veranderde niets)") + ".")
    return 0


# --- review ----------------------------------------------------------------------------------

@dataclass
class Unsure:
    text: str
    guess: str
    confidence: float
    fell_back: bool
    conversation: str
    language: str = "nl"  # the client's language, as the relay sent it with the message


def fallback_threshold(config: Path = ROOT / "nlu" / "config.yml") -> float:
    document = read_yaml(config) or {}
    for component in document.get("pipeline") or []:
        if isinstance(component, dict) and component.get("name") == "FallbackClassifier":
            try:
                return float(component["threshold"])
            except (KeyError, TypeError, ValueError):
                break
    raise AdminError(f"{relative(config)}:{line_of(config, 'FallbackClassifier')}: "
                     "FallbackClassifier met een threshold ontbreekt")


def consenting_clients(store_url: str) -> set[str]:
    """The clients (pseudonymous ids, as Rasa's sender ids) whose latest answer to the
    consent question for the purpose ``review`` is yes (bot/actions/review.py asks it)."""
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(store_url)
    try:
        with engine.connect() as db:
            if not inspect(db).has_table("consents"):
                raise AdminError(f"de tabel 'consents' ontbreekt in {safe_url(store_url)}: "
                                 "is dit de database van de assistent (DATABASE_URL)?")
            rows = db.execute(text("select client_id, granted from consents "
                                   "where purpose = 'review' order by id")).all()
    except SQLAlchemyError as error:
        raise AdminError(f"kan de toestemmingen niet lezen uit {safe_url(store_url)}: "
                         f"{type(error).__name__}") from None
    finally:
        engine.dispose()
    latest = {client: bool(granted) for client, granted in rows}
    return {client for client, granted in latest.items() if granted}


def unsure_messages(database_url: str, threshold: float, since: datetime | None = None,
                    senders: set[str] | None = None) -> list[Unsure]:
    """User messages with an intent below the threshold, read as nlu_fallback, or answered
    by a fallback action, from Rasa's SQL tracker store (the events table); only of these
    senders when given."""
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = create_engine(database_url)
        with engine.connect() as db:
            if not inspect(db).has_table("events"):
                raise AdminError(f"geen gesprekken gevonden: de tabel 'events' van Rasa "
                                 f"ontbreekt in {safe_url(database_url)}")
            rows = db.execute(text(
                "select sender_id, type_name, action_name, data from events "
                "where type_name in ('user', 'action') and timestamp >= :since "
                "order by sender_id, id"),
                {"since": (since or datetime.fromtimestamp(0, UTC)).timestamp()}).all()
    except SQLAlchemyError as error:
        raise AdminError(f"kan de gesprekken niet lezen uit {safe_url(database_url)}: "
                         f"{type(error).__name__}") from None
    finally:
        if "engine" in locals():
            engine.dispose()
    found: list[Unsure] = []
    pending: Unsure | None = None

    def settle(message: Unsure | None) -> None:
        if message and (message.fell_back or message.confidence < threshold):
            found.append(message)

    current = None
    for sender, kind, action, data in rows:
        if senders is not None and sender not in senders:
            continue
        if sender != current:
            settle(pending)
            pending, current = None, sender
        if kind == "user":
            settle(pending)
            pending = _user_message(sender, data)
        elif pending and action not in ("action_listen", "action_session_start", None):
            pending.fell_back = pending.fell_back or action in FALLBACK_ACTIONS
            settle(pending)
            pending = None
    settle(pending)
    return found


def _user_message(sender: str, data: str) -> Unsure | None:
    try:
        event = json.loads(data or "{}")
    except ValueError:
        return None
    text = " ".join(str(event.get("text") or "").split())
    if not text or text.startswith("/"):  # a button or command, not the client's words
        return None
    parse = event.get("parse_data") or {}
    ranking = [r for r in parse.get("intent_ranking") or []
               if r.get("name") and r.get("name") != "nlu_fallback"]
    intent = parse.get("intent") or {}
    guess = ranking[0] if ranking else intent
    # the FallbackClassifier read it as nlu_fallback (too unsure, or two intents too close)
    read_as_fallback = intent.get("name") == "nlu_fallback"
    language = str((event.get("metadata") or {}).get("language") or "nl")
    return Unsure(text, str(guess.get("name") or "onbekend"),
                  float(guess.get("confidence") or 0.0), read_as_fallback, sender, language)


def safe_url(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]+@", r"//\1:***@", url)


def intent_files(root: Path = ROOT) -> dict[tuple[str, str], str]:
    """{(language, intent): the nlu file with its examples}: Dutch in nlu/, other
    languages in nlu/<language>/ (one model learns them together)."""
    files: dict[tuple[str, str], str] = {}
    folders = [("nl", root / "nlu")] + [(p.name, p) for p in sorted((root / "nlu").glob("*"))
                                        if p.is_dir()]
    for language, folder in folders:
        for path in sorted(folder.glob("*.yml")):
            for match in re.finditer(r"^- intent:\s*(\w+)", path.read_text(encoding="utf-8"),
                                     re.MULTILINE):
                files.setdefault((language, match[1]), relative(path))
    return files


def review_yaml(messages: list[Unsure], days: int, vocabulary: frozenset[str] | None = None,
                files: dict[tuple[str, str], str] | None = None,
                consenting: int | None = None) -> str:
    """The masked messages as Rasa NLU YAML, one block per language and intent the model
    guessed, each with the file its examples go in."""
    from bot.admin_web.masking import mask

    files = intent_files() if files is None else files
    groups: dict[tuple[str, str], dict[str, Unsure]] = defaultdict(dict)
    for message in messages:
        masked = mask(message.text, vocabulary)
        masked = re.sub(r"\](?=[\[({])", "] ", masked)  # "[naam](x)" would read as an entity
        groups[message.language, message.guess].setdefault(masked.lower(), Unsure(
            masked, message.guess, message.confidence, message.fell_back, "",
            message.language))
    conversations = len({m.conversation for m in messages})
    lines = [
        f"# Onzekere berichten van de laatste {days} dagen: {len(messages)} bericht(en) uit "
        f"{conversations} gesprek(ken).",
        "# Alleen van cliënten die toestemming gaven (doel 'review')"
        + (f": {consenting}." if consenting is not None else "."),
        "# Gemaskeerd: namen, e-mail, adressen, postcodes, rekeningnummers en andere nummers.",
        "# Per blok de intent die het model gokte. Klopt de gok niet? Zet het voorbeeld bij de",
        "# goede intent. Plak een voorbeeld in het nlu-bestand onder '- intent: <naam>' bij",
        "# 'examples: |', en train daarna (python -m bot admin train).",
        'version: "3.1"',
        "nlu:",
    ]
    if not groups:
        lines[-1] = "nlu: []"
    def order(group: tuple[tuple[str, str], dict[str, Unsure]]) -> tuple:
        (language, guess), unique = group
        return language != "nl", language, -len(unique), guess  # Dutch first, most first

    for (language, guess), unique in sorted(groups.items(), key=order):
        scores = [u.confidence for u in unique.values()]
        fell_back = sum(u.fell_back for u in unique.values())
        where = files.get((language, guess)) or (
            f"nlu/{language}/, nog geen bestand" if language != "nl" else "geen nlu-bestand")
        lines.append(f"# {guess} ({where}): {len(unique)} "
                     f"bericht(en), zekerheid {min(scores):.2f}-{max(scores):.2f}, "
                     f"{fell_back} keer teruggevallen")
        lines.append(f"- intent: {guess}")
        lines.append("  examples: |")
        for message in sorted(unique.values(), key=lambda u: u.confidence):
            lines.append(f"    - {message.text}")
    return "\n".join(lines) + "\n"


def review(days: int, database_url: str | None = None) -> int:
    """Only the conversations of clients who said yes to the review purpose: the others'
    messages are there to answer them, not to improve the assistant."""
    from bot.config import Settings

    if days < 1:
        raise AdminError(f"--dagen moet 1 of meer zijn, niet {days}")
    settings = Settings.from_env()
    threshold = fallback_threshold()
    since = datetime.now(UTC) - timedelta(days=days)
    senders = consenting_clients(settings.database_url)
    messages = unsure_messages(database_url or settings.tracker_db_url, threshold, since,
                               senders)
    print(review_yaml(messages, days, consenting=len(senders)), end="")
    return 0


# --- command line ----------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m bot admin",
        description="Beheer van de inhoud: controleren, trainen, publiceren (docs/beheer.md).")
    commands = main.add_subparsers(dest="command", required=True, metavar="opdracht")
    commands.add_parser("check", help="controleer de inhoud (fouten en B1-waarschuwingen)")
    commands.add_parser("train", help="check, train als de inhoud veranderde, test, keur goed")
    publish_cmd = commands.add_parser("publish", help="zet het goedgekeurde model live")
    publish_cmd.add_argument("model", nargs="?", help="een bepaald model (standaard: het "
                                                      "model voor de inhoud van nu)")
    commands.add_parser("models", help="de bewaarde modellen: datum, versie, goedgekeurd, live")
    rollback_cmd = commands.add_parser("rollback", help="terug naar het vorige goede model")
    rollback_cmd.add_argument("model", nargs="?", help="een bepaald model")
    review_cmd = commands.add_parser("review", help="berichten waar het model onzeker over was")
    review_cmd.add_argument("--dagen", "--days", dest="days", type=int, default=30,
                            help="hoeveel dagen terug (standaard 30)")
    review_cmd.add_argument("--database", help="database van Rasa's gesprekken (standaard: "
                                               "die van DATABASE_URL of var/)")
    return main


def main(argv: list[str] | None = None) -> int:
    from bot.logging_setup import setup_logging

    args = parser().parse_args(argv)
    setup_logging("admin")
    try:
        if args.command == "check":
            return check()
        if args.command == "train":
            return train()
        if args.command == "publish":
            return publish(args.model)
        if args.command == "models":
            return models()
        if args.command == "rollback":
            return rollback(args.model)
        return review(args.days, args.database)
    except AdminError as error:
        print(f"FOUT: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
