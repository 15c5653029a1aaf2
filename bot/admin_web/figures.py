"""The dashboard's figures: aggregated and pseudonymous only, never a client's words.

From Rasa's tracker store (the ``events`` table, read as bot/tracker_store.py does) come
conversations, messages, fallbacks, outcomes and topics: one pass over the period's
events in id order, reading only the columns sender_id, type_name, timestamp,
intent_name and action_name (never ``data``, which holds the text), streamed, with a
small state per client. From our store come handovers, consents and languages.

Definitions (shown on the dashboard in Dutch as well):

- conversation: a client's messages with less than an hour between them (Rasa's
  session_expiration_time), or up to a new Rasa session;
- a message ends in a fallback when the first action after it is the fallback action
  (the NLU was below the FallbackClassifier threshold, or nothing answers it);
- outcome of a conversation, the first that applies:
  ongoing: its last message is less than ``idle`` ago;
  dropped out: it ended right after a fallback, or in the middle of a form;
  answered after a clarification: it had a fallback, followed by an understood message;
  answered directly: no fallback at all.
- waiting time of a handover: posted in the staff group (or requested, if not posted)
  until claimed; handling time: claimed until closed.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, select

from bot.admin_web.models import ReviewItem
from bot.client_data import PURPOSES
from bot.store import Store
from bot.store.models import Client, Consent, Ticket
from bot.tracker_store import _engine, _events

TZ = ZoneInfo("Europe/Amsterdam")
SESSION_GAP = timedelta(minutes=60)
FALLBACK_ACTIONS = ("action_fallback", "action_default_fallback")
SKIPPED_ACTIONS = ("action_listen", "action_session_start")
HUMAN = "human_handoff"
# intents that are no topic: greetings, yes/no, our own buttons
NOT_TOPICS = {"nlu_fallback", "greet", "goodbye", "thank", "affirm", "deny", "start",
              "give_consent", "refuse_consent", "withdraw_consent", "skip", "stop"}
OUTCOMES = ("direct", "clarified", "dropped_fallback", "dropped_form", "ongoing")
EVENT_TYPES = ("user", "action", "active_loop", "session_started")


@dataclass
class Conversation:
    started: datetime
    last: datetime
    messages: int = 0
    fallbacks: int = 0
    last_turn: str = "pending"  # pending, understood, fallback
    form_active: bool = False
    asked_person: bool = False

    def outcome(self, now: datetime, idle: timedelta) -> str:
        if now - self.last < idle:
            return "ongoing"
        if self.last_turn == "fallback":
            return "dropped_fallback"
        if self.form_active:
            return "dropped_form"
        return "clarified" if self.fallbacks else "direct"


@dataclass
class ConversationFigures:
    conversations_per_day: Counter[date] = field(default_factory=Counter)
    messages_per_day: Counter[date] = field(default_factory=Counter)
    fallbacks_per_day: Counter[date] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)
    asked_person: int = 0

    @property
    def conversations(self) -> int:
        return sum(self.conversations_per_day.values())

    @property
    def messages(self) -> int:
        return sum(self.messages_per_day.values())

    @property
    def fallbacks(self) -> int:
        return sum(self.fallbacks_per_day.values())


def day_of(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


def analyse(rows: Any, now: datetime, idle: timedelta,
            gap: timedelta = SESSION_GAP) -> ConversationFigures:
    """One pass over (sender_id, type_name, timestamp, intent_name, action_name) rows in
    the order Rasa wrote them."""
    figures = ConversationFigures()
    current: dict[str, Conversation] = {}
    pending: set[str] = set()  # senders whose latest message has no answer yet

    def finish(sender: str) -> None:
        conversation = current.pop(sender, None)
        pending.discard(sender)
        if conversation is None or conversation.messages == 0:
            return
        figures.conversations_per_day[day_of(conversation.started)] += 1
        figures.outcomes[conversation.outcome(now, idle)] += 1
        figures.asked_person += conversation.asked_person

    for sender, kind, timestamp, intent, action in rows:
        moment = datetime.fromtimestamp(timestamp or 0, UTC)
        conversation = current.get(sender)
        if kind == "session_started":
            finish(sender)
        elif kind == "user":
            if conversation is None or moment - conversation.last > gap:
                finish(sender)
                conversation = current[sender] = Conversation(started=moment, last=moment)
            conversation.messages += 1
            conversation.last = moment
            conversation.last_turn = "pending"
            figures.messages_per_day[day_of(moment)] += 1
            if intent and intent not in NOT_TOPICS:
                figures.topics[intent] += 1
            conversation.asked_person |= intent == HUMAN
            pending.add(sender)
        elif kind == "action" and conversation is not None:
            if sender in pending and action not in SKIPPED_ACTIONS:
                pending.discard(sender)
                if action in FALLBACK_ACTIONS:
                    conversation.fallbacks += 1
                    conversation.last_turn = "fallback"
                    figures.fallbacks_per_day[day_of(conversation.last)] += 1
                else:
                    conversation.last_turn = "understood"
        elif kind == "active_loop" and conversation is not None:
            conversation.form_active = action is not None
    for sender in list(current):
        finish(sender)
    return figures


def conversation_figures(tracker_url: str, since: datetime, until: datetime, now: datetime,
                         idle: timedelta) -> ConversationFigures:
    events: Table | None = _events(tracker_url)
    if events is None:
        return ConversationFigures()
    query = (select(events.c.sender_id, events.c.type_name, events.c.timestamp,
                    events.c.intent_name, events.c.action_name)
             .where(events.c.timestamp >= since.timestamp(),
                    events.c.timestamp < until.timestamp(),
                    events.c.type_name.in_(EVENT_TYPES))
             .order_by(events.c.id))
    with _engine(tracker_url).connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=5000).execute(query)
        return analyse(result, now, idle)


# -- from our store -------------------------------------------------------------------------


@dataclass
class HandoverFigures:
    per_day: Counter[date] = field(default_factory=Counter)
    status: Counter[str] = field(default_factory=Counter)
    left_waiting: int = 0  # closed by the client before anyone claimed it
    waiting_minutes: list[float] = field(default_factory=list)
    handling_minutes: list[float] = field(default_factory=list)

    @property
    def requested(self) -> int:
        return sum(self.per_day.values())


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def handover_figures(store: Store, since: datetime, until: datetime) -> HandoverFigures:
    figures = HandoverFigures()
    with store.session() as session:
        rows = session.execute(
            select(Ticket.status, Ticket.created_at, Ticket.posted_at, Ticket.claimed_at,
                   Ticket.closed_at, Ticket.closed_by)
            .where(Ticket.created_at >= since, Ticket.created_at < until)).all()
    for status, created, posted, claimed, closed, closed_by in rows:
        created, posted, claimed, closed = map(_aware, (created, posted, claimed, closed))
        figures.per_day[day_of(created)] += 1
        figures.status[status] += 1
        if claimed is not None:
            figures.waiting_minutes.append((claimed - (posted or created)).total_seconds() / 60)
            if closed is not None:
                figures.handling_minutes.append((closed - claimed).total_seconds() / 60)
        elif closed is not None and closed_by == "client":
            figures.left_waiting += 1
    return figures


def consent_figures(store: Store, active_since: datetime) -> dict[str, dict[str, int]]:
    """Per purpose, among clients active in the period: the latest answer given (yes or
    no; a withdrawal is a no) or never asked."""
    with store.session() as session:
        active = select(Client.id).where(Client.last_active_at >= active_since)
        total = session.scalar(select(func.count()).select_from(active.subquery())) or 0
        latest = (select(func.max(Consent.id)).where(Consent.client_id.in_(active))
                  .group_by(Consent.client_id, Consent.purpose))
        rows = session.execute(
            select(Consent.purpose, Consent.granted, func.count())
            .where(Consent.id.in_(latest)).group_by(Consent.purpose, Consent.granted)).all()
    result = {p: {"granted": 0, "refused": 0, "not_asked": total} for p in PURPOSES}
    for purpose, granted, count in rows:
        entry = result.setdefault(purpose, {"granted": 0, "refused": 0, "not_asked": total})
        entry["granted" if granted else "refused"] += count
        entry["not_asked"] -= count
    return result


def language_figures(store: Store, active_since: datetime,
                     default: str = "nl") -> list[tuple[str, int]]:
    with store.session() as session:
        rows = session.execute(select(Client.language, func.count())
                               .where(Client.last_active_at >= active_since)
                               .group_by(Client.language)).all()
    counts: Counter[str] = Counter()
    for language, count in rows:
        counts[language or default] += count
    return counts.most_common()


def open_reviews(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(ReviewItem)
                              .where(ReviewItem.status == "open")) or 0


# -- all of it ------------------------------------------------------------------------------


def minutes_summary(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "p90": None, "count": 0}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {"median": round(statistics.median(ordered), 1), "p90": round(p90, 1),
            "count": len(ordered)}


def share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def dashboard(store: Store, tracker_url: str, days: int, now: datetime | None = None,
              idle: timedelta = SESSION_GAP, default_language: str = "nl") -> dict[str, Any]:
    """Everything the dashboard shows for the last ``days`` days (today included), as
    plain JSON-able values."""
    now = now or datetime.now(UTC)
    first_day = day_of(now) - timedelta(days=days - 1)
    # midnight in the Netherlands, as UTC: the store keeps UTC (SQLite without a zone)
    since = datetime.combine(first_day, datetime.min.time(), TZ).astimezone(UTC)
    until = (now + timedelta(seconds=1)).astimezone(UTC)
    talk = conversation_figures(tracker_url, since, until, now, idle)
    handovers = handover_figures(store, since, until)
    day_list = [first_day + timedelta(days=i) for i in range(days)]
    finished = sum(talk.outcomes[o] for o in OUTCOMES if o != "ongoing")
    dropped = talk.outcomes["dropped_fallback"] + talk.outcomes["dropped_form"]
    return {
        "days": [d.isoformat() for d in day_list],
        "period_days": days,
        "conversations_per_day": [talk.conversations_per_day[d] for d in day_list],
        "messages_per_day": [talk.messages_per_day[d] for d in day_list],
        "fallbacks_per_day": [talk.fallbacks_per_day[d] for d in day_list],
        "handovers_per_day": [handovers.per_day[d] for d in day_list],
        "totals": {
            "conversations": talk.conversations,
            "messages": talk.messages,
            "fallbacks": talk.fallbacks,
            "fallback_share": share(talk.fallbacks, talk.messages),
            "finished": finished,
            "ongoing": talk.outcomes["ongoing"],
            "direct": talk.outcomes["direct"],
            "clarified": talk.outcomes["clarified"],
            "dropped": dropped,
            "direct_share": share(talk.outcomes["direct"], finished),
            "clarified_share": share(talk.outcomes["clarified"], finished),
            "dropped_share": share(dropped, finished),
            "asked_person": talk.asked_person,
            "handovers": handovers.requested,
            "open_reviews": open_reviews(store),
        },
        "outcomes": {o: talk.outcomes[o] for o in OUTCOMES},
        "handovers": {
            "status": {s: handovers.status[s] for s in ("waiting", "claimed", "closed")},
            "left_waiting": handovers.left_waiting,
            "waiting_minutes": minutes_summary(handovers.waiting_minutes),
            "handling_minutes": minutes_summary(handovers.handling_minutes),
        },
        "topics": talk.topics.most_common(10),
        "consents": consent_figures(store, since),
        "languages": language_figures(store, since, default_language),
    }
