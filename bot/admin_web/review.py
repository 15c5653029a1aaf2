"""The review queue: messages the assistant did not understand, and what an administrator
decided about them.

Collected by the action server, only for clients who consented (purpose ``review``):
each message that ended in the fallback action, masked (bot.admin_web.masking) before it
is stored, and encrypted at rest. A message ends in the fallback when the NLU was below
the FallbackClassifier threshold of nlu/config.yml (reason ``unsure``) or when it was
recognised but no rule or story answers it there (reason ``no_answer``).

Grouping by similarity, so an administrator decides once for messages that say the same:
two messages are alike when at least half of their words are shared (token-set Jaccard
>= 0.5) or when their letters are at least 80% the same (difflib's ratio, which catches
typos of the same sentence). A message joins the group holding its most similar message;
this is plain single-link grouping over at most a few hundred open messages, and every
pairing can be explained by pointing at the shared words. No model, nothing to train.

A decision writes the masked texts as training examples into nlu/review.yml (Rasa 3
format), so the next ``make check``/``make train`` picks them up; "out of scope" writes
them under the ``out_of_scope`` intent, "not usable" keeps them out of the training data.
Every decision, and every time masked messages are shown, is in the audit log.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.admin_web.masking import mask
from bot.admin_web.models import ReviewItem
from bot.config import ROOT
from bot.crypto import Cipher
from bot.store import Store
from bot.store.models import AuditEntry, Client, Consent

NLU_DIR = ROOT / "nlu"
REVIEW_FILE = NLU_DIR / "review.yml"
LABELS = Path(__file__).with_name("intent_labels.yml")
OUT_OF_SCOPE = "out_of_scope"
JACCARD_MIN = 0.5
RATIO_MIN = 0.8
FALLBACK_ACTIONS = ("action_fallback", "action_default_fallback")
# intents a client never types: button payloads of our own questions and commands
NOT_OFFERED = {"nlu_fallback", "give_consent", "refuse_consent", "withdraw_consent", "start",
               "skip", "stop", "vergeet_bevestigd"}
HEADER = """\
version: "3.1"

# Written by the review page of the admin web app (bot/admin_web/review.py): messages that
# clients sent and the assistant did not understand, masked (no names, numbers or
# addresses), under the topic an administrator chose for them. The page adds to this file;
# the next `make train` learns from it.

"""

_write_lock = threading.Lock()


@dataclass(frozen=True)
class ReviewView:
    id: int
    client_id: str
    text: str
    reason: str
    guess: str | None
    confidence: float | None
    said_at: datetime


@dataclass
class Group:
    items: list[ReviewView] = field(default_factory=list)
    shared_words: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [item.id for item in self.items]

    @property
    def guess(self) -> str | None:
        """The intent the model guessed most often in this group."""
        guesses = [i.guess for i in self.items if i.guess]
        return max(set(guesses), key=guesses.count) if guesses else None


@dataclass(frozen=True)
class Decision:
    written: list[str]  # texts now in nlu/review.yml
    known: list[str]  # already an example of that intent
    conflicts: list[tuple[str, str]]  # (text, intent it is already an example of)


# -- which messages -------------------------------------------------------------------------


def fallback_threshold(config: Path = NLU_DIR / "config.yml") -> float:
    """The FallbackClassifier threshold of the NLU pipeline."""
    pipeline = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("pipeline") or []
    for component in pipeline:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return 0.3


def current_session(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events since the latest session start."""
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    return events[starts[-1] + 1:] if starts else events


def misunderstood(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The user events of the current session whose answer was the fallback action."""
    found, waiting = [], None
    for event in current_session(events):
        kind = event.get("event")
        if kind == "user":
            waiting = event
        elif kind == "action" and waiting is not None:
            name = event.get("name")
            if name == "action_listen":
                continue
            if name in FALLBACK_ACTIONS:
                found.append(waiting)
            waiting = None
    return [e for e in found if not (e.get("text") or "").startswith("/")]


def reading(event: dict[str, Any]) -> tuple[str, str | None, float | None]:
    """(reason, best guess, its confidence) from the parse data of a user event."""
    parse = event.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name")
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    best = ranking[0] if ranking else {}
    return ("unsure" if intent == "nlu_fallback" else "no_answer", best.get("name"),
            best.get("confidence"))


# -- similarity ----------------------------------------------------------------------------


def words(text: str) -> set[str]:
    return set(re.findall(r"\[[a-z-]+\]|\w+", text.lower()))


def similarity(a: str, b: str) -> float:
    """The larger of the shared-word share (Jaccard) and difflib's letter ratio; a pair
    counts as alike when Jaccard >= 0.5 or the ratio >= 0.8 (see ``alike``)."""
    wa, wb = words(a), words(b)
    jaccard = len(wa & wb) / len(wa | wb) if wa | wb else 0.0
    return max(jaccard, difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio())


def alike(a: str, b: str) -> bool:
    wa, wb = words(a), words(b)
    jaccard = len(wa & wb) / len(wa | wb) if wa | wb else 0.0
    return (jaccard >= JACCARD_MIN
            or difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio() >= RATIO_MIN)


def group(items: Iterable[ReviewView]) -> list[Group]:
    """Single-link groups: a message joins every group holding a message like it (groups
    it links are merged). Largest groups first, then the oldest."""
    groups: list[Group] = []
    for item in items:
        linked = [g for g in groups if any(alike(item.text, other.text) for other in g.items)]
        target = Group(items=[item])
        for g in linked:
            target.items = g.items + target.items
            groups.remove(g)
        groups.append(target)
    for g in groups:
        g.items.sort(key=lambda i: i.said_at)
        common = set.intersection(*(words(i.text) for i in g.items)) if len(g.items) > 1 else set()
        g.shared_words = sorted(w for w in common if not w.startswith("["))
    groups.sort(key=lambda g: (-len(g.items), g.items[0].said_at))
    return groups


# -- intents and their labels ---------------------------------------------------------------


@dataclass(frozen=True)
class Intent:
    name: str
    label: str  # in words, from intent_labels.yml
    example: str  # a training example, to show what it is about


@cache
def _nlu_examples(nlu_dir: Path) -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if isinstance(block, dict) and "intent" in block:
                texts = _example_lines(block.get("examples") or "")
                examples.setdefault(block["intent"], []).extend(texts)
    return examples


def _example_lines(block: str) -> list[str]:
    texts = []
    for line in block.splitlines():
        line = line.strip()
        if line.startswith("- "):
            # "[tilburg](gemeente)" reads as "tilburg"
            texts.append(re.sub(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})", r"\1", line[2:]))
    return texts


@cache
def labels(path: Path = LABELS) -> dict[str, str]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def label(intent: str) -> str:
    return labels().get(intent, intent.replace("_", " "))


def intents(nlu_dir: Path = NLU_DIR) -> list[Intent]:
    """The intents an administrator can choose: those with training examples, each with
    its label (bot/admin_web/intent_labels.yml) and an example of what clients say."""
    examples = _nlu_examples(nlu_dir)
    offered = [Intent(name, label(name), texts[0] if texts else "")
               for name, texts in examples.items() if name not in NOT_OFFERED]
    return sorted(offered, key=lambda i: i.label.lower())


# -- the NLU file -----------------------------------------------------------------------------


def _index(nlu_dir: Path, skip: Path) -> dict[str, str]:
    """Every training example in lower case -> its intent, outside ``skip``."""
    index = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        if path.resolve() == skip.resolve():
            continue
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if isinstance(block, dict) and "intent" in block:
                for text in _example_lines(block.get("examples") or ""):
                    index[_key(text)] = block["intent"]
    return index


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def read_review_file(path: Path) -> dict[str, list[str]]:
    if not path.exists():
        return {}
    blocks = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []
    return {b["intent"]: _example_lines(b.get("examples") or "") for b in blocks
            if isinstance(b, dict) and "intent" in b}


def write_examples(path: Path, intent: str, texts: list[str]) -> Decision:
    """Add texts as examples of ``intent`` to the review file. A text that is already an
    example of the same intent is left; one that is an example of another intent in the
    other NLU files is refused (the two would contradict each other); one that an earlier
    review put under another intent moves to this one (the newest decision counts)."""
    with _write_lock:
        current = read_review_file(path)
        elsewhere = _index(path.parent, path)
        written, known, conflicts = [], [], []
        for text in texts:
            text = " ".join(text.split())
            text = re.sub(r"\](?=[\[({])", "] ", text)  # "[naam](x)" would read as an entity
            if not text:
                continue
            key = _key(text)
            if key in elsewhere:
                (known.append(text) if elsewhere[key] == intent
                 else conflicts.append((text, elsewhere[key])))
                continue
            if any(_key(t) == key for t in current.get(intent, [])):
                known.append(text)
                continue
            for other, examples in current.items():
                current[other] = [t for t in examples if _key(t) != key]
            current.setdefault(intent, []).append(text)
            written.append(text)
        if written:
            _write_file(path, {k: v for k, v in current.items() if v})
        return Decision(written, known, conflicts)


def _write_file(path: Path, examples: dict[str, list[str]]) -> None:
    lines = [HEADER.rstrip("\n"), "", "nlu:"]
    for intent in sorted(examples):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in examples[intent]]
    content = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".review-", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(content)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


# -- the queue --------------------------------------------------------------------------------


class ReviewQueue:
    def __init__(self, store: Store, cipher: Cipher, review_file: Path = REVIEW_FILE) -> None:
        self.store = store
        self.cipher = cipher
        self.review_file = review_file

    def has_consent(self, client_id: str) -> bool:
        with self.store.session() as session:
            latest = session.scalars(select(Consent).where(
                Consent.client_id == client_id, Consent.purpose == "review")
                .order_by(Consent.id.desc()).limit(1)).first()
            return bool(latest and latest.granted)

    def add(self, client_id: str, events: list[dict[str, Any]]) -> int:
        """Keep these user events (masked) if the client consented; returns how many
        were new."""
        if not events or not self.has_consent(client_id):
            return 0
        added = 0
        for event in events:
            text = mask(event.get("text") or "")
            if not text.strip():
                continue
            reason, guess, confidence = reading(event)
            said = datetime.fromtimestamp(event.get("timestamp") or datetime.now(UTC).timestamp(),
                                          UTC)
            message_id = str(event.get("message_id") or f"t{event.get('timestamp')}")[:64]
            try:
                with self.store.sessions.begin() as session:
                    if session.get(Client, client_id) is None:
                        session.add(Client(id=client_id))
                    session.add(ReviewItem(client_id=client_id, message_id=message_id,
                                           text=self.cipher.encrypt(text), reason=reason,
                                           guess=guess, confidence=confidence, said_at=said,
                                           status="open"))
                added += 1
            except IntegrityError:
                pass  # kept already
        return added

    def count_open(self) -> int:
        with self.store.session() as session:
            return len(session.scalars(select(ReviewItem.id)
                                       .where(ReviewItem.status == "open")).all())

    def open_items(self, actor: str, limit: int = 300) -> list[ReviewView]:
        """The open messages, decrypted; showing them is in the audit log, one entry per
        client whose messages are shown."""
        with self.store.sessions.begin() as session:
            rows = session.scalars(select(ReviewItem).where(ReviewItem.status == "open")
                                   .order_by(ReviewItem.said_at).limit(limit)).all()
            views = [self._view(row) for row in rows]
            now = datetime.now(UTC)
            per_client: dict[str, list[int]] = {}
            for view in views:
                per_client.setdefault(view.client_id, []).append(view.id)
            for client_id, ids in per_client.items():
                session.add(AuditEntry(actor=actor, action="review_shown", client_id=client_id,
                                       detail=f"masked messages {ids}", at=now))
        return views

    def decide(self, item_ids: list[int], intent: str | None, actor: str) -> Decision:
        """``intent`` a chosen intent, OUT_OF_SCOPE, or None: not usable (discarded)."""
        with self.store.session() as session:
            rows = session.scalars(select(ReviewItem).where(
                ReviewItem.id.in_(item_ids), ReviewItem.status == "open")).all()
            views = [self._view(row) for row in rows]
        if not views:
            return Decision([], [], [])
        decision = (write_examples(self.review_file, intent, [v.text for v in views])
                    if intent else Decision([], [], []))
        refused = {text for text, _ in decision.conflicts}
        status = "discarded" if intent is None else (
            "out_of_scope" if intent == OUT_OF_SCOPE else "trained")
        now = datetime.now(UTC)
        with self.store.sessions.begin() as session:
            for view in views:
                if view.text in refused:
                    continue  # stays open: the administrator has to choose again
                item = session.get(ReviewItem, view.id)
                # decided: the text is kept no longer here (a training example is in the
                # NLU file, without anything that points to the client)
                item.text = self.cipher.encrypt("")
                item.status, item.decided_intent = status, intent
                item.decided_by, item.decided_at = actor, now
                session.add(AuditEntry(
                    actor=actor, action="review_decided", client_id=view.client_id,
                    detail=f"message {view.id}: {status}" + (f" as {intent}" if intent else ""),
                    at=now))
        return decision

    def decided(self, limit: int = 20) -> list[tuple[int, str, str | None, str | None,
                                                     datetime | None]]:
        """The latest decisions: (id, status, intent, by whom, when), no text."""
        with self.store.session() as session:
            rows = session.execute(
                select(ReviewItem.id, ReviewItem.status, ReviewItem.decided_intent,
                       ReviewItem.decided_by, ReviewItem.decided_at)
                .where(ReviewItem.status != "open")
                .order_by(ReviewItem.decided_at.desc()).limit(limit)).all()
        return [tuple(row) for row in rows]

    def _view(self, row: ReviewItem) -> ReviewView:
        said = row.said_at if row.said_at.tzinfo else row.said_at.replace(tzinfo=UTC)
        return ReviewView(row.id, row.client_id, self.cipher.decrypt(row.text), row.reason,
                          row.guess, row.confidence, said)
