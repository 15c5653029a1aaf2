"""The review queue: which messages, grouping, decisions into the NLU file, consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml
from sqlalchemy import select

from bot.admin_web.models import ReviewItem
from bot.admin_web.review import (
    ReviewQueue,
    ReviewView,
    fallback_threshold,
    group,
    intents,
    misunderstood,
    read_review_file,
    write_examples,
)
from bot.client_data import ClientData
from bot.crypto import Cipher
from bot.store import Store
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry

CIPHER = Cipher("test-secret")


def user(text, intent="nlu_fallback", guess="ask_objection", confidence=0.2, at=1.0, mid="m"):
    return {"event": "user", "text": text, "timestamp": at, "message_id": mid,
            "parse_data": {"intent": {"name": intent, "confidence": confidence},
                           "intent_ranking": [{"name": intent, "confidence": confidence},
                                              {"name": guess, "confidence": confidence}]}}


def action(name):
    return {"event": "action", "name": name}


def test_only_messages_answered_by_the_fallback_in_this_session_count():
    events = [user("oud", mid="0"), action("action_fallback"), action("action_listen"),
              {"event": "session_started"}, action("action_listen"),
              user("hoi", intent="greet", mid="1"), action("utter_greet"),
              action("action_listen"),
              user("wat is dit voor gedoe", mid="2"), action("action_fallback"),
              action("action_listen"),
              user('/give_consent{"purpose": "review"}', intent="give_consent", mid="3"),
              action("action_fallback"),
              user("mag ik de wasmachine houden", intent="ask_rights_overview", mid="4"),
              action("action_listen"), action("action_fallback")]
    assert [e["text"] for e in misunderstood(events)] == ["wat is dit voor gedoe",
                                                         "mag ik de wasmachine houden"]


def view(number, text, minutes=0):
    return ReviewView(number, "c", text, "unsure", None, None,
                      datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=minutes))


def test_alike_messages_are_grouped_and_the_shared_words_are_named():
    groups = group([view(1, "mag ik mijn auto houden", 1),
                    view(2, "wat is een prb", 2),
                    view(3, "mag ik mijn auto wel houden", 3),
                    view(4, "mag ik mjn auto houdn", 4),  # typos: the letters still match
                    view(5, "hoe laat is het", 5)])
    assert [g.ids for g in groups] == [[1, 3, 4], [2], [5]]
    assert groups[0].shared_words == ["auto", "ik", "mag"]


def test_examples_are_added_once_moved_by_a_newer_decision_and_never_contradict(tmp_path):
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "knowledge.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: ask_objection\n  examples: |\n    - hoe maak ik bezwaar\n')
    review = nlu / "review.yml"
    first = write_examples(review, "ask_prb", ["wat is dat [naam] budget", "hoe maak ik bezwaar"])
    assert first.written == ["wat is dat [naam] budget"]
    assert first.conflicts == [("hoe maak ik bezwaar", "ask_objection")]
    again = write_examples(review, "ask_prb", ["Wat is dat [naam]  budget"])
    assert again.written == [] and again.known == ["Wat is dat [naam] budget"]
    write_examples(review, "ask_iro", ["wat is dat [naam] budget"])
    assert read_review_file(review) == {"ask_iro": ["wat is dat [naam] budget"]}
    document = yaml.safe_load(review.read_text())
    assert document["version"] == "3.1"
    assert document["nlu"] == [{"intent": "ask_iro", "examples": "- wat is dat [naam] budget\n"}]


def test_the_threshold_and_the_intents_come_from_the_content():
    assert fallback_threshold() == pytest.approx(0.35)
    offered = {i.name: i for i in intents()}
    assert "ask_objection" in offered and "out_of_scope" in offered
    assert "nlu_fallback" not in offered and "give_consent" not in offered
    assert offered["ask_objection"].label == "Bezwaar maken"  # from intent_labels.yml
    assert offered["ask_objection"].example


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    return Store(url)


def consent(store, client, granted):
    ClientData(store, CIPHER, "sqlite://").record_consent(
        client, "review", granted, version="v1", text_shown="Mag ik ...", language="nl",
        method="button")


def test_nothing_is_kept_without_consent_and_a_withdrawal_erases_it(store, tmp_path):
    queue = ReviewQueue(store, CIPHER, tmp_path / "nlu" / "review.yml")
    assert queue.add("c1", [user("ik heet Jan en wil geld", mid="a")]) == 0
    consent(store, "c1", True)
    assert queue.add("c1", [user("ik heet Jan en wil geld", mid="a", at=100.0)]) == 1
    assert queue.add("c1", [user("ik heet Jan en wil geld", mid="a", at=100.0)]) == 0  # once
    with store.session() as session:
        row = session.scalars(select(ReviewItem)).one()
    assert b"Jan" not in row.text and CIPHER.decrypt(row.text) == "ik heet [naam] en wil geld"
    assert (row.reason, row.guess, row.confidence) == ("unsure", "ask_objection", 0.2)
    consent(store, "c1", False)
    with store.session() as session:
        assert session.scalars(select(ReviewItem)).all() == []


def test_showing_and_deciding_are_audited_and_written_to_the_nlu_file(store, tmp_path):
    review_file = tmp_path / "nlu" / "review.yml"
    queue = ReviewQueue(store, CIPHER, review_file)
    consent(store, "c1", True)
    consent(store, "c2", True)
    queue.add("c1", [user("mag ik mijn oude auto houden", mid="a"),
                     user("qwerty asdf", mid="b")])
    queue.add("c2", [user("wat weet je van voetbal", mid="c")])
    shown = queue.open_items("admin:anna")
    assert len(shown) == 3
    by_text = {v.text: v.id for v in shown}
    queue.decide([by_text["mag ik mijn oude auto houden"]], "ask_rights_overview", "admin:anna")
    queue.decide([by_text["wat weet je van voetbal"]], "out_of_scope", "admin:anna")
    queue.decide([by_text["qwerty asdf"]], None, "admin:anna")
    assert read_review_file(review_file) == {
        "ask_rights_overview": ["mag ik mijn oude auto houden"],
        "out_of_scope": ["wat weet je van voetbal"]}
    assert queue.open_items("admin:anna") == []
    with store.session() as session:
        audit = session.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.client_id)
                                .order_by(AuditEntry.id)).all()
        statuses = dict(session.execute(select(ReviewItem.id, ReviewItem.status)).all())
    assert ("admin:anna", "review_shown", "c1") in audit
    assert ("admin:anna", "review_shown", "c2") in audit
    assert [a for a in audit if a[1] == "review_decided"] == [
        ("admin:anna", "review_decided", "c1"), ("admin:anna", "review_decided", "c2"),
        ("admin:anna", "review_decided", "c1")]
    assert sorted(statuses.values()) == ["discarded", "out_of_scope", "trained"]


def test_the_review_items_are_in_the_export_and_go_with_the_client(store, tmp_path):
    queue = ReviewQueue(store, CIPHER, tmp_path / "review.yml")
    consent(store, "c1", True)
    queue.add("c1", [user("bel me op 0612345678", mid="a")])
    data = ClientData(store, CIPHER, f"sqlite:///{tmp_path / 'tracker.db'}")
    assert data.count_for_purpose("c1", "review") == 1
    exported = data.export("c1")["onbegrepen_berichten"]
    assert [e["tekst_zonder_namen_en_nummers"] for e in exported] == ["bel me op [nummer]"]
    data.erase("c1")
    with store.session() as session:
        assert session.scalars(select(ReviewItem)).all() == []


def test_kept_messages_go_after_the_history_retention(store, tmp_path):
    queue = ReviewQueue(store, CIPHER, tmp_path / "review.yml")
    consent(store, "c1", True)
    old = (datetime.now(UTC) - timedelta(days=100)).timestamp()
    queue.add("c1", [user("heel oud bericht", mid="a", at=old),
                     user("nieuw bericht", mid="b", at=datetime.now(UTC).timestamp())])
    data = ClientData(store, CIPHER, f"sqlite:///{tmp_path / 'tracker.db'}")
    assert data.purge_expired(datetime.now(UTC), 365, 90)["reviews"] == 1
    assert [v.text for v in queue.open_items("admin:anna")] == ["nieuw bericht"]


def test_a_decided_message_keeps_no_text_in_the_store(store, tmp_path):
    queue = ReviewQueue(store, CIPHER, tmp_path / "nlu" / "review.yml")
    consent(store, "c1", True)
    queue.add("c1", [user("mag ik mijn fiets houden", mid="a"), user("iets anders", mid="b")])
    first = next(v for v in queue.open_items("admin:anna") if "fiets" in v.text)
    queue.decide([first.id], "ask_rights_overview", "admin:anna")
    exported = ClientData(store, CIPHER, f"sqlite:///{tmp_path / 't.db'}").export("c1")
    assert exported["onbegrepen_berichten"] == [
        {"tekst_zonder_namen_en_nummers": None, "wanneer": exported["onbegrepen_berichten"][0]
         ["wanneer"], "status": "gebruikt als voorbeeld om de assistent te trainen"},
        {"tekst_zonder_namen_en_nummers": "iets anders", "wanneer": exported[
            "onbegrepen_berichten"][1]["wanneer"], "status": "wacht op een medewerker"}]
