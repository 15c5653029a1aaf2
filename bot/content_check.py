"""`make check`: the content is complete and within the rules before it is trained or shown.

- Rasa's own validation of domain, NLU data, rules and stories;
- every response: at most MAX_WORDS words per message, known {fields} only, every
  button payload an intent the domain knows;
- every knowledge and complaint answer names its source ("Bron:");
- every intent has an answer in a rule or story;
- every file in content/gemeenten/ and content/organisaties/ fits the models of
  bot/organisations.py (known keys only, weekdays, time ranges, names, sources);
- translations (bot/i18n.py): locales/messages.pot up to date, every response translated
  in every enabled language, {fields} identical in source and translation.
Each problem is printed with its file and line.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import i18n
from bot.config import ROOT
from bot.handover_team import read_team
from bot.organisations import check_content
from bot.responses import template_fields
from bot.training import RASA, rasa_env

MAX_WORDS = 80
SOURCED_FILES = ("knowledge.yml", "complaints.yml")
KNOWN_FIELDS = {"gemeente_name", "limit", "note_text", "note_id", "count", "notes",
                      "meeting_date", "consents", "meetings", "events", "messages",
                      "first_seen", "days", "when", "with_whom", "topic", "wish", "worry",
                      "questions", "documents", "bring", "meeting_id", "made_known",
                      "last_day", "reason", "organisation", "contact",
                      "ombudsfunctie_contact", "steunpunt_contact", "ticket",
                      "minutes", "opens", "staff_name", "text", "client_label", "summary",
                      "since", "route"}
# Button payloads the front end handles itself (privacy commands), not Rasa.
FRONTEND_PAYLOADS = {"/mijngegevens", "/vergeet", "/vergeet_bevestigd", "/handover_stop",
                     "/handover_stop_confirmed", "/handover_keep", "/ticket_claim",
                     "/ticket_close"}
PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.message}"


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    return 1


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def domain_intents() -> set[str]:
    intents: set[str] = set()
    for path in (ROOT / "dialogues" / "domain").glob("*.yml"):
        intents.update(i if isinstance(i, str) else next(iter(i)) for i in
                       load(path).get("intents") or [])
    return intents


def check_responses(intents: set[str]) -> list[Problem]:
    problems = []
    for path in sorted((ROOT / "dialogues" / "responses").glob("*.yml")):
        for name, variations in (load(path).get("responses") or {}).items():
            line = line_of(path, f"{name}:")
            for variation in variations:
                problems += check_variation(path, line, name, variation, intents)
    return problems


def check_variation(path: Path, line: int, name: str, variation: dict,
                    intents: set[str]) -> list[Problem]:
    text = variation.get("text", "")
    found = []
    words = len(re.findall(r"\w+", text))
    if words > MAX_WORDS:
        found.append(Problem(path, line, f"{name} has {words} words (at most {MAX_WORDS})"))
    unknown = template_fields(text) - KNOWN_FIELDS
    if unknown:
        found.append(Problem(path, line, f"{name} uses unknown {{fields}} {sorted(unknown)}"))
    if "\n\n" in text and not variation.get("buttons"):
        found.append(Problem(path, line, f"{name} has a blank line but no buttons: Rasa's REST "
                                         "channel would split it into separate messages"))
    if path.name in SOURCED_FILES and "Bron:" not in text:
        found.append(Problem(path, line, f"{name} does not name its source (Bron: ...)"))
    for button in variation.get("buttons") or []:
        payload = str(button.get("payload", ""))
        if payload in FRONTEND_PAYLOADS:
            continue
        if name.startswith("utter_ask_") and payload and not payload.startswith("/"):
            continue  # a ready answer to a form question, sent as if typed
        match = PAYLOAD.match(payload)
        if not match or match[1] not in intents:
            found.append(Problem(path, line, f"{name} has a button to an unknown payload "
                                             f"{button.get('payload')!r}"))
    return found


def check_every_intent_answered(intents: set[str]) -> list[Problem]:
    answered: set[str] = set()
    for path in (ROOT / "dialogues").glob("[rs]*/*.yml"):
        answered.update(re.findall(r"intent:\s*(\w+)", path.read_text(encoding="utf-8")))
    domain_file = ROOT / "dialogues" / "domain" / "intents.yml"
    return [Problem(domain_file, line_of(domain_file, f"- {intent}"),
                    f"intent {intent} has no rule or story that answers it")
            for intent in sorted(intents - answered)]


def check_organisations(root: Path = ROOT / "content") -> list[Problem]:
    """Every file in root/gemeenten and root/organisaties against bot.organisations' models."""
    return [Problem(issue.path, issue.line, issue.message) for issue in check_content(root)]


def check_handover_team() -> list[Problem]:
    """content/handover.yml: the staff team's office hours and waiting times."""
    return [Problem(issue.path, issue.line, issue.message) for issue in read_team()[1]]


def check_translations() -> list[Problem]:
    """The catalogs in locales/ against the responses, for every enabled language."""
    return [Problem(issue.path, issue.line, issue.message) for issue in
            i18n.check_catalogs(ROOT / "dialogues" / "responses")]


def rasa_validate() -> tuple[bool, str]:
    command = [str(RASA), "data", "validate", "--config", "nlu/config.yml",
               "--domain", "dialogues", "--data", "nlu", "dialogues/rules", "dialogues/stories"]
    result = subprocess.run(command, cwd=ROOT, env=rasa_env(), capture_output=True, text=True)
    return result.returncode == 0, result.stdout + result.stderr


def main() -> int:
    intents = domain_intents()
    problems = (check_responses(intents) + check_every_intent_answered(intents)
                + check_organisations() + check_handover_team() + check_translations())
    for problem in problems:
        print(problem)
    valid, output = rasa_validate()
    if not valid:
        print(output[-4000:])
        print("Rasa's data validation failed (see above).")
    if problems or not valid:
        return 1
    print("Content OK: responses, sources, buttons, intents, gemeenten, translations "
          f"({', '.join(i18n.LANGUAGES)}) and Rasa data.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
