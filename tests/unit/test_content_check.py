from pathlib import Path

from bot.content_check import check_variation, domain_intents

INTENTS = {"ask_prb", "human_handoff"}
KNOWLEDGE = Path(__file__).resolve().parents[2] / "dialogues" / "responses" / "knowledge.yml"


def messages(variation: dict, path: Path = KNOWLEDGE) -> list[str]:
    return [p.message for p in check_variation(path, 1, "utter_x", variation, INTENTS)]


def test_a_good_answer_passes():
    assert messages({"text": "Kort antwoord.\n\nBron: Participatiewet art. 9",
                     "buttons": [{"title": "Mens", "payload": "/human_handoff"}]}) == []


def test_too_long_unsourced_and_broken_buttons_are_each_reported():
    found = messages({"text": "woord " * 81, "buttons": [{"title": "x", "payload": "/nope"}]})
    assert any("81 words" in m for m in found)
    assert any("source" in m for m in found)
    assert any("unknown payload" in m for m in found)


def test_unknown_placeholders_are_reported():
    assert any("placeholders" in m for m in messages({"text": "Hoi {naam}. Bron: x"}))


def test_the_domain_knows_every_catalogue_intent():
    catalogue = (Path(__file__).resolve().parents[3] / "shared" / "spec" / "intents.md")
    names = {line.split("|")[1].strip() for line in catalogue.read_text().splitlines()
             if line.startswith("| ") and not line.startswith("| intent")
             and not line.startswith("|---")}
    assert names <= domain_intents()
