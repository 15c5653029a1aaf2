"""The admin command line without Rasa: file:line errors, B1 warnings, approval, publishing
one server at a time against fake Rasa servers, rollback, pruning, and review."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, text

from bot import admin_cli
from bot.admin_cli import (
    AdminError,
    Approval,
    Unsure,
    b1_findings,
    consenting_clients,
    fallback_threshold,
    find_model,
    kept_models,
    prune,
    publish_model,
    read_approval,
    read_yaml,
    require_approved,
    review_yaml,
    unsure_messages,
    write_approval,
    yaml_findings,
)

# --- file and line ---------------------------------------------------------------------------


def write(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def test_a_yaml_error_names_the_file_and_line(tmp_path):
    write(tmp_path / "nlu" / "good.yml", 'version: "3.1"\nnlu: []\n')
    write(tmp_path / "nlu" / "bad.yml",
          "nlu:\n- intent: greet\n  examples: |\n    - hoi\n\t- hallo\n")
    found = yaml_findings(tmp_path)
    assert [(f.path.name, f.line) for f in found] == [("bad.yml", 5)]
    assert "tab" in found[0].message


def test_a_colon_in_a_text_gets_a_hint(tmp_path):
    path = write(tmp_path / "x.yml", "responses:\n  utter_x:\n  - text: Let op: dit\n")
    with pytest.raises(AdminError, match=r"x.yml:3: .*aanhalingstekens"):
        read_yaml(path)


def test_a_response_written_twice_is_an_error_with_both_places(tmp_path):
    responses = tmp_path / "dialogues" / "responses"
    write(responses / "a.yml", "responses:\n  utter_a:\n  - text: een\n  utter_b:\n"
                               "  - text: b\n  utter_a:\n  - text: twee\n")
    write(responses / "c.yml", "responses:\n  utter_b:\n  - text: nog een b\n")
    found = yaml_findings(tmp_path)
    assert len(found) == 1 and found[0].line == 6 and "twee keer" in found[0].message
    del_a = "responses:\n  utter_a:\n  - text: een\n  utter_b:\n  - text: b\n"
    write(responses / "a.yml", del_a)
    found = yaml_findings(tmp_path)
    assert [(f.path.name, f.line) for f in found] == [("c.yml", 2)]
    assert "a.yml:4" in found[0].message


def test_the_real_content_reads_without_errors():
    assert yaml_findings() == []


# --- B1 --------------------------------------------------------------------------------------

RESPONSES = """\
responses:
  utter_short:
  - text: "Dit is kort. Bron: Participatiewet art. 18 en een heel lange bronvermelding erachter met veel meer dan twintig woorden zodat die niet telt"
    buttons:
    - title: "Een knop met een arbeidsongeschiktheidsverzekering"
      payload: /x
  utter_long:
  - text: |
      Eerste zin is kort.
      Dit is een zin met veel te veel woorden, want hij gaat maar door en door over de regels van de gemeente en het UWV.
      Vraag naar cliëntondersteuning of een arbeidsongeschiktheidsverzekering.
"""  # noqa: E501


def test_long_sentences_and_rare_long_words_are_warnings_on_their_own_line(tmp_path):
    write(tmp_path / "dialogues" / "responses" / "x.yml", RESPONSES)
    found = b1_findings(tmp_path, allowed={"cliëntondersteuning"})
    assert all(f.warning for f in found)
    assert [(f.line, f.message.split(":")[0]) for f in found] == [(10, "utter_long"),
                                                                    (11, "utter_long")]
    assert "25 woorden" in found[0].message
    assert "arbeidsongeschiktheidsverzekering" in found[1].message


def test_the_allow_list_file_is_read_and_checked(tmp_path):
    good = write(tmp_path / "w.yml", "woorden:\n  - Bezwaarschrift\n")
    assert admin_cli.allowed_long_words(good) == {"bezwaarschrift"}
    bad = write(tmp_path / "v.yml", "- bezwaarschrift\n")
    with pytest.raises(AdminError, match=r"v\.yml:1"):
        admin_cli.allowed_long_words(bad)


# --- models, approval, publish ---------------------------------------------------------------


def fake_model(directory: Path, fingerprint: str, model_id: str, trained: datetime,
               approved: bool | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"model-{fingerprint}.tar.gz"
    metadata = json.dumps({"model_id": model_id, "trained_at": trained.isoformat()}).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("metadata.json")
        info.size = len(metadata)
        archive.addfile(info, io.BytesIO(metadata))
    if approved is not None:
        write_approval(path, Approval(model=path.name, fingerprint=fingerprint, commit="abc",
                                      trained_at=trained.isoformat(), tested_at="now",
                                      approved=approved,
                                      reasons=[] if approved else ["2 testverhalen"]))
    return path


T0 = datetime(2026, 11, 1, 12, 0)


def test_models_are_found_by_name_or_start_and_an_unknown_name_lists_them(tmp_path):
    fake_model(tmp_path, "aaaa1111", "id-a", T0)
    fake_model(tmp_path, "aaaa2222", "id-b", T0 + timedelta(hours=1))
    assert find_model("model-aaaa1111.tar.gz", tmp_path).name == "model-aaaa1111.tar.gz"
    assert find_model("aaaa2", tmp_path).name == "model-aaaa2222.tar.gz"
    with pytest.raises(AdminError, match="meer dan één"):
        find_model("aaaa", tmp_path)
    with pytest.raises(AdminError, match=r"onbekend model 'zzz'.*model-aaaa2222, model-aaaa1111"):
        find_model("zzz", tmp_path)


def test_only_an_approved_model_may_be_published(tmp_path):
    untested = fake_model(tmp_path, "u", "id-u", T0)
    refused = fake_model(tmp_path, "r", "id-r", T0, approved=False)
    good = fake_model(tmp_path, "g", "id-g", T0, approved=True)
    with pytest.raises(AdminError, match="niet getest"):
        require_approved(untested)
    with pytest.raises(AdminError, match=r"AFGEKEURD.*2 testverhalen"):
        require_approved(refused)
    assert require_approved(good).approved


def test_a_model_is_approved_only_when_the_stories_and_every_nlu_floor_pass(tmp_path,
                                                                            monkeypatch):
    from types import SimpleNamespace

    from bot import nlu_eval

    model = fake_model(tmp_path, "m", "id-m", T0)
    measured: list[Path] = []

    def evaluation(accuracy: float):
        def run(_model: Path, heldout: Path):
            measured.append(heldout)
            return SimpleNamespace(accuracy=accuracy, macro_f1=accuracy)
        return run

    monkeypatch.setattr(admin_cli, "run_test_stories", lambda _: (False, 2, "failed: x"))
    monkeypatch.setattr(nlu_eval, "run_rasa_test", evaluation(0.99))
    refused = admin_cli.approve(model, "m")
    assert not refused.approved and measured == []  # no NLU test after failed stories
    assert "2 testverha(a)l(en)" in refused.reasons[0]
    assert read_approval(model) == refused

    monkeypatch.setattr(admin_cli, "run_test_stories", lambda _: (True, 0, ""))
    assert admin_cli.approve(model, "m").approved
    assert measured == [heldout for heldout, _ in admin_cli.nlu_floors().values()]
    monkeypatch.setattr(nlu_eval, "run_rasa_test", evaluation(0.5))
    low = admin_cli.approve(model, "m")
    assert not low.approved and "NLU (nl)" in low.reasons[0]
    assert read_approval(model).nlu["nl"]["accuracy"] == 0.5


def test_a_check_that_stops_on_odd_content_says_so_without_a_traceback(monkeypatch, capsys):
    from bot import content_check

    def odd() -> int:
        raise AttributeError("'list' object has no attribute 'items'")

    monkeypatch.setattr(content_check, "main", odd)
    assert admin_cli.check() == 1
    assert "de controle liep vast op de inhoud (AttributeError" in capsys.readouterr().out


def test_train_refuses_to_start_when_the_check_finds_an_error(monkeypatch, capsys):
    from bot import training

    monkeypatch.setattr(admin_cli, "check", lambda: 1)
    monkeypatch.setattr(training, "ensure_model", lambda: pytest.fail("trained anyway"))
    assert admin_cli.train() == 1
    assert "Niet getraind" in capsys.readouterr().out


class FakeRasa:
    """Rasa servers behind one httpx transport: /status, PUT /model, /model/parse, with a
    token; loading takes a few /status calls, as if the server were busy."""

    def __init__(self, urls: list[str], model_id: str, token: str = "tok",
                 loading_polls: int = 2) -> None:
        self.model = dict.fromkeys(urls, model_id)
        self.pending: dict[str, tuple[str, int]] = {}
        self.token, self.loading_polls = token, loading_polls
        self.calls: list[tuple[str, str, str]] = []
        self.ids: dict[str, str] = {}

    def handler(self, request: httpx.Request) -> httpx.Response:
        server = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        self.calls.append((server, request.method, request.url.path))
        if request.url.params.get("token") != self.token:
            return httpx.Response(401, json={"message": "auth"})
        if request.url.path == "/status":
            if server in self.pending:
                model_id, polls = self.pending[server]
                if polls <= 0:
                    self.model[server] = model_id
                    del self.pending[server]
                else:
                    self.pending[server] = (model_id, polls - 1)
            return httpx.Response(200, json={"model_id": self.model[server]})
        if request.url.path == "/model" and request.method == "PUT":
            assert not any(self.pending.values()), "two servers loading at once"
            path = json.loads(request.content)["model_file"]
            self.pending[server] = (self.ids[Path(path).name], self.loading_polls)
            return httpx.Response(204)
        if request.url.path == "/model/parse":
            return httpx.Response(200, json={"intent": {"name": "greet"}})
        return httpx.Response(404)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))


SERVERS = ["http://rasa-1:5005", "http://rasa-2:5005"]


def test_publish_loads_one_server_at_a_time_and_logs_it(tmp_path, monkeypatch):
    monkeypatch.setattr(admin_cli.time, "sleep", lambda _: None)
    model = fake_model(tmp_path, "new", "id-new", T0, approved=True)
    rasa = FakeRasa(SERVERS, "id-old")
    rasa.ids[model.name] = "id-new"
    changed = publish_model(model, SERVERS, "tok", rasa.client())
    assert changed == SERVERS
    order = [(s, m, p) for s, m, p in rasa.calls if p in ("/model", "/model/parse")]
    assert order == [(SERVERS[0], "PUT", "/model"), (SERVERS[0], "POST", "/model/parse"),
                     (SERVERS[1], "PUT", "/model"), (SERVERS[1], "POST", "/model/parse")]
    assert rasa.model == dict.fromkeys(SERVERS, "id-new")
    log = json.loads((tmp_path / "published.json").read_text())
    assert [(e["model"], e["servers"]) for e in log] == [(model.name, SERVERS)]
    assert publish_model(model, SERVERS, "tok", rasa.client()) == []  # nothing to do


def test_publish_says_what_is_wrong_with_the_token_or_the_server(tmp_path):
    model = fake_model(tmp_path, "new", "id-new", T0, approved=True)
    rasa = FakeRasa(SERVERS, "id-old")
    with pytest.raises(AdminError, match="token klopt niet"):
        publish_model(model, SERVERS, "wrong", rasa.client())

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    down = httpx.Client(transport=httpx.MockTransport(refuse))
    with pytest.raises(AdminError, match="rasa-1:5005: Rasa-server niet bereikbaar"):
        publish_model(model, SERVERS, "tok", down)


def test_rollback_goes_to_the_approved_model_published_before(tmp_path, monkeypatch):
    monkeypatch.setattr(admin_cli.time, "sleep", lambda _: None)
    monkeypatch.setattr(admin_cli, "models_dir", lambda: tmp_path)
    monkeypatch.setenv("RASA_URL", ",".join(SERVERS))
    monkeypatch.setenv("RASA_API_TOKEN", "tok")
    first = fake_model(tmp_path, "first", "id-1", T0, approved=True)
    refused = fake_model(tmp_path, "refused", "id-r", T0 + timedelta(hours=1), approved=False)
    second = fake_model(tmp_path, "second", "id-2", T0 + timedelta(hours=2), approved=True)
    rasa = FakeRasa(SERVERS, "id-1")
    rasa.ids.update({first.name: "id-1", second.name: "id-2", refused.name: "id-r"})
    publish_model(second, SERVERS, "tok", rasa.client())
    assert admin_cli.rollback(http=rasa.client()) == 0
    assert rasa.model == dict.fromkeys(SERVERS, "id-1")
    entries = json.loads((tmp_path / "published.json").read_text())
    assert [(e["model"], e["rollback"]) for e in entries] == [(second.name, False),
                                                              (first.name, True)]
    with pytest.raises(AdminError, match="AFGEKEURD"):
        admin_cli.rollback("refused", http=rasa.client())


def test_pruning_keeps_the_newest_five_and_the_live_one(tmp_path):
    models = [fake_model(tmp_path, f"m{n}", f"id-{n}", T0 + timedelta(hours=n), approved=True)
              for n in range(8)]
    removed = prune(keep=5, directory=tmp_path, live=[models[0].name])
    assert sorted(removed) == ["model-m1", "model-m2", "model-m3"]
    assert [m.name for m in kept_models(tmp_path)] == [m.name for m in
                                                       reversed(models[4:])] + [models[0].name]
    assert read_approval(models[1]) is None and not models[1].exists()


# --- review ----------------------------------------------------------------------------------

def user(text: str, intent: str, confidence: float, guess: str | None = None) -> dict:
    ranking = [{"name": intent, "confidence": confidence}]
    if guess:
        ranking.append({"name": guess, "confidence": confidence})
    return {"event": "user", "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": confidence},
                           "intent_ranking": ranking}}


@pytest.fixture
def tracker_db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    now = datetime.now(UTC).timestamp()
    events = [
        ("a", "user", None, user("hoe maak ik bezwaar", "ask_objection", 0.95)),
        ("a", "action", "utter_ask_objection", None),
        ("a", "user", None, user("krijg ik een boete als ik te laat kom", "nlu_fallback",
                                 0.35, "goodbye")),
        ("a", "action", "action_fallback", None),
        ("a", "user", None, user("/ask_prb", "ask_prb", 1.0)),  # a button
        ("a", "action", "utter_ask_prb", None),
        ("b", "user", None, user("mijn klantmanager Jansen zegt dat ik moet", "ask_obligations",
                                 0.31)),
        ("b", "action", "action_listen", None),
        ("b", "action", "utter_ask_obligations", None),
        ("b", "user", None, {**user("ik heet Piet en bel me op 0612345678", "greet", 0.9),
                             "metadata": {"language": "nl"}}),
        ("b", "action", "action_fallback", None),  # recognised, but answered by the fallback
        ("c", "user", None, user("wat moet ik doen", "ask_obligations", 0.2)),
    ]
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(text("create table events (id integer primary key, sender_id text, "
                        "type_name text, timestamp float, intent_name text, "
                        "action_name text, data text)"))
        for number, (sender, kind, action, event) in enumerate(events):
            db.execute(text("insert into events values (:i, :s, :k, :t, null, :a, :d)"),
                       {"i": number, "s": sender, "k": kind, "t": now, "a": action,
                        "d": json.dumps(event or {"event": kind, "name": action})})
        db.execute(text("create table consents (id integer primary key, client_id text, "
                        "purpose text, granted boolean)"))
        db.execute(text("insert into consents values (1, 'a', 'review', 1), "
                        "(2, 'b', 'review', 1), (3, 'c', 'review', 1), (4, 'c', 'review', 0),"
                        " (5, 'b', 'notes', 0)"))
    engine.dispose()
    return url


def test_review_takes_unsure_and_fallen_back_messages_of_consenting_clients_only(tracker_db):
    assert consenting_clients(tracker_db) == {"a", "b"}  # c withdrew
    found = unsure_messages(tracker_db, 0.35, senders={"a", "b"})
    assert [(m.text[:20], m.guess, m.fell_back) for m in found] == [
        ("krijg ik een boete a", "goodbye", True),
        ("mijn klantmanager Ja", "ask_obligations", False),
        ("ik heet Piet en bel ", "greet", True)]
    everyone = unsure_messages(tracker_db, 0.35)
    assert [m.conversation for m in everyone] == ["a", "b", "b", "c"]


def test_review_is_masked_grouped_and_pastes_as_nlu_yaml(tracker_db):
    found = unsure_messages(tracker_db, 0.35, senders={"a", "b"})
    found.append(Unsure("Krijg ik een boete als ik te laat kom", "goodbye", 0.3, True, "d"))
    found.append(Unsure("do i get a fine when late", "goodbye", 0.3, True, "e", "en"))
    output = review_yaml(found, 30, vocabulary=frozenset(),
                         files={("nl", "goodbye"): "nlu/x.yml", ("en", "goodbye"): "nlu/en/x.yml"},
                         consenting=2)
    assert "Jansen" not in output and "Piet" not in output and "0612345678" not in output
    document = yaml.safe_load(output)
    assert document["version"] == "3.1"
    blocks = {b["intent"]: b["examples"] for b in document["nlu"] if b["intent"] != "goodbye"}
    goodbye = [b["examples"] for b in document["nlu"] if b["intent"] == "goodbye"]
    assert goodbye == ["- krijg ik een boete als ik te laat kom\n",  # once
                       "- do i get a fine when late\n"]  # English apart, for nlu/en/
    assert blocks["ask_obligations"] == "- mijn klantmanager [naam] zegt dat ik moet\n"
    assert "[naam]" in blocks["greet"] and "[nummer]" in blocks["greet"]
    assert "# goodbye (nlu/x.yml): 1 bericht(en)" in output
    assert "# goodbye (nlu/en/x.yml): 1 bericht(en)" in output


def test_review_errors_name_the_database_or_the_config_line(tmp_path):
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(AdminError, match="tabel 'events'"):
        unsure_messages(empty, 0.3)
    with pytest.raises(AdminError, match="tabel 'consents'"):
        consenting_clients(empty)
    config = write(tmp_path / "config.yml",
                   "pipeline:\n  - name: WhitespaceTokenizer\n  - name: FallbackClassifier\n")
    with pytest.raises(AdminError, match=r"config\.yml:3: FallbackClassifier"):
        fallback_threshold(config)
    assert fallback_threshold() == pytest.approx(0.35, abs=0.3)


def test_bad_input_on_the_command_line_is_a_clear_error(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(admin_cli, "models_dir", lambda: tmp_path)
    assert admin_cli.main(["publish", "does-not-exist"]) == 2
    assert "onbekend model 'does-not-exist'" in capsys.readouterr().err
    monkeypatch.setenv("RASA_URL", "rasa-zonder-http")
    assert admin_cli.main(["models"]) == 0  # nothing kept: nothing to ask the servers
    fake_model(tmp_path, "x", "id-x", T0)
    assert admin_cli.main(["models"]) == 2
    assert "RASA_URL: 'rasa-zonder-http' is geen adres" in capsys.readouterr().err
    assert admin_cli.main(["review", "--dagen", "0"]) == 2
    with pytest.raises(SystemExit):
        admin_cli.main(["onzin"])
