"""Mask what could identify a client before a misunderstood message is stored or shown.

Rules, applied in this order, each replacing the match with a bracketed mask:

- e-mail addresses              -> [e-mail]
- bank account numbers (IBAN)   -> [rekeningnummer]
- Dutch postcodes (1234 AB)     -> [postcode]
- street addresses: a word ending in straat, laan, plein, gracht, kade, singel, steeg or
  dreef, with or without a house number; ending in weg, dijk, hof, pad, park, markt, ring,
  plantsoen or wal only with a house number (so "onderweg" stays)  -> [adres]
- numbers of three digits or more, also written with spaces, dots or dashes (phone, BSN,
  client number, house number, amount, date)  -> [nummer]. One or two digits stay:
  "2 weken", "3 kinderen" say what the message is about and identify nobody.
- names -> [naam]: the word(s) after "ik heet", "mijn naam is", "meneer", "mevrouw",
  "klantmanager" and the like; and every capitalised word that is not at the start of a
  sentence and that the assistant never saw in its training data (clients type in lower
  case, so a capital in the middle of a sentence is mostly a name).

It errs on the side of masking too much. It cannot catch a name typed in lower case
without a cue word ("ik sprak jansen"); the administrator sees only masked text and can
throw a message away instead of using it.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import yaml

from bot.config import ROOT

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}\s?[A-Za-z]{4}(?:\s?\d){10}\b")
# letters of a postcode that are also short Dutch words ("1200 en") are not a postcode
POSTCODE = re.compile(r"\b[1-9]\d{3}\s?(?!(?:en|in|op|om|te|is|je|ik|de|al|of|na|nu|zo|er|ze|"
                      r"we|me|bv|pm|am)\b)[A-Za-z]{2}\b", re.IGNORECASE)
STREET_ALWAYS = "straat|laan|plein|gracht|kade|singel|steeg|dreef"
STREET_WITH_NUMBER = "weg|dijk|hof|pad|park|markt|ring|plantsoen|wal"
HOUSE_NUMBER = r"\s*\d+(?:\s*-?\s*[a-zA-Z](?![a-zA-Z]))?"
ADDRESS = re.compile(
    rf"\b[\w'-]{{2,}}(?:{STREET_ALWAYS})\b(?:{HOUSE_NUMBER})?"
    rf"|\b[\w'-]{{2,}}(?:{STREET_WITH_NUMBER})\b{HOUSE_NUMBER}", re.IGNORECASE)
NUMBER = re.compile(r"\+?\d(?:[ .\-/]?\d)+")
# after these the next word is a name, whatever it is
NAME_CUES = re.compile(
    r"\b(?:ik\s+heet|mijn\s+naam\s+is|m'?n\s+naam\s+is|naam\s+is|naam:|genaamd|meneer|"
    r"mevrouw|mevr\.?|mw\.?|dhr\.?|de\s+heer)\s+", re.IGNORECASE)
# after these the next word is a name when it is not a word the assistant knows
ROLE_CUES = re.compile(r"\b(?:klantmanager|consulent|werkcoach|casemanager|contactpersoon|"
                       r"begeleider|coach|ik\s+ben|met)\s+", re.IGNORECASE)
PARTICLE = r"(?:van|de|der|den|ter|ten|te|el|al|la|le|du|da|di|vd|v\.d\.)\s+"
NAME_AFTER_CUE = re.compile(rf"(?:{PARTICLE})*[^\W\d_][\w'-]*"
                            rf"(?:\s+(?:{PARTICLE})+[^\W\d_][\w'-]*|\s+[A-ZÀ-Þ][\w'-]*)*")
PARTICLES = {"van", "de", "der", "den", "het", "ter", "ten", "te", "el", "al", "la", "le",
             "du", "da", "di", "vd", "v.d."}
WORD = re.compile(r"[^\W\d_][\w'-]*")
CAPITALISED = re.compile(r"\b[A-ZÀ-Þ][a-zß-ÿ'-]+\b")
SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n)\s*$")


@cache
def vocabulary(nlu_dir: Path = ROOT / "nlu") -> frozenset[str]:
    """Every word of the training examples and lookup tables, in lower case; less the
    names in the examples themselves ("hoi ik heet mohammed"): a word right after "ik
    heet", "naam is" or "ik ben" that occurs nowhere else."""
    counts: Counter[str] = Counter()
    after_cue: set[str] = set()
    for path in sorted(nlu_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            examples = block.get("examples") if isinstance(block, dict) else None
            if isinstance(examples, str):
                # entity annotations "[tilburg](gemeente)": keep the words, drop the label
                plain = re.sub(r"\]\([^)]*\)|\]\{[^}]*\}", " ", examples).lower()
                counts.update(WORD.findall(plain))
                after_cue.update(re.findall(r"\b(?:ik heet|naam is|ik ben) (\w+)", plain))
    return frozenset(w for w in counts if not (w in after_cue and counts[w] == 1))


def mask(text: str, known_words: frozenset[str] | None = None) -> str:
    """The text with e-mail addresses, account numbers, postcodes, addresses, numbers and
    names replaced by bracketed masks; one line, surrounding spaces trimmed."""
    known = vocabulary() if known_words is None else known_words
    text = " ".join(text.split())
    text = EMAIL.sub("[e-mail]", text)
    text = IBAN.sub("[rekeningnummer]", text)
    text = POSTCODE.sub("[postcode]", text)
    text = ADDRESS.sub("[adres]", text)
    text = NUMBER.sub(lambda m: "[nummer]" if sum(c.isdigit() for c in m[0]) >= 3 else m[0],
                      text)
    text = _mask_after_cues(text, known)
    text = _mask_unknown_capitals(text, known)
    return re.sub(r"(\[naam\])(?:\s+\[naam\])+", r"\1", text)


def _mask_after_cues(text: str, known: frozenset[str]) -> str:
    out, position = [], 0
    cues = sorted([(m, True) for m in NAME_CUES.finditer(text)]
                  + [(m, False) for m in ROLE_CUES.finditer(text)], key=lambda c: c[0].start())
    for cue, always in cues:
        if cue.start() < position:
            continue
        name = NAME_AFTER_CUE.match(text, cue.end())
        if name is None:
            continue
        first = WORD.findall(name[0])[-1] if not always else ""
        if not always and (first.lower() in known or first.lower() in PARTICLES):
            continue
        out.append(text[position:cue.end()])
        out.append("[naam]")
        position = name.end()
    out.append(text[position:])
    return "".join(out)


def _mask_unknown_capitals(text: str, known: frozenset[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        word = match[0]
        before = text[:match.start()]
        if before.endswith("[") or SENTENCE_START.search(before):
            return word
        if word.lower() in known or word.lower() in PARTICLES:
            return word
        return "[naam]"

    return CAPITALISED.sub(replace, text)
