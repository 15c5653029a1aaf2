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


def test_unknown_template_fields_are_reported():
    assert any("{fields}" in m for m in messages({"text": "Hoi {naam}. Bron: x"}))


# The intent catalogue of spec/intents.md, by exactly these names.
CATALOGUE = [
    "greet", "goodbye", "thank", "affirm", "deny", "help", "bot_challenge", "human_handoff",
    "change_language", "out_of_scope", "ask_rights_overview", "ask_obligations",
    "ask_sanction", "ask_what_is_reintegration", "ask_trajectory_info",
    "ask_influence_options", "ask_prb", "ask_iro", "ask_choose_provider",
    "ask_second_opinion", "ask_change_professional", "ask_independent_advice",
    "ask_client_council", "ask_help_with_barriers", "ask_meeting_rights", "ask_privacy",
    "ask_objection", "ask_complaint_procedure", "ask_ombudsman", "ask_steunpunt",
    "file_complaint", "prepare_meeting", "add_note", "view_notes", "forget_me",
    "manage_consent",
]


def test_the_domain_knows_every_catalogue_intent():
    assert set(CATALOGUE) <= domain_intents()
