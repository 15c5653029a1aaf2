"""NLU evaluation on the held-out files: what `make eval` prints and CI gates on.

Runs Rasa's own `rasa test nlu` on the model in use and the held-out messages (written
separately from the training data), then summarises: accuracy, macro F1, the most
confused pairs, the worst messages, and what the fallback threshold does (answered right,
asked to rephrase, answered wrong) so the threshold is chosen by measurement.

Dutch (tests/nlu/heldout.yml) and English (tests/nlu/heldout_en.yml) are measured apart,
with one model trained on both, each against its own floor in tests/nlu/floor.yml; a
table gives precision, recall and F1 per intent for both languages side by side.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.config import ROOT, VAR
from bot.training import RASA, ensure_model, rasa_env

HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
HELDOUT_EN = ROOT / "tests" / "nlu" / "heldout_en.yml"
FLOOR = ROOT / "tests" / "nlu" / "floor.yml"
# Each language's held-out file, and its key in floor.yml.
HELDOUTS = {"nl": HELDOUT, "en": HELDOUT_EN}
FLOOR_KEYS = {"nl": "accuracy_floor", "en": "accuracy_floor_en"}
LANGUAGE_NAMES = {"nl": "Dutch", "en": "English"}


@dataclass
class Prediction:
    text: str
    intent: str
    predicted: str
    confidence: float

    @property
    def right(self) -> bool:
        return self.intent == self.predicted


@dataclass(frozen=True)
class IntentScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Evaluation:
    accuracy: float
    macro_f1: float
    predictions: list[Prediction]
    per_intent: dict[str, IntentScore] = field(default_factory=dict)

    def at_threshold(self, threshold: float) -> tuple[float, float, float]:
        """Shares answered right, sent to the rephrase fallback, and answered wrong."""
        total = len(self.predictions)
        fallback = sum(p.confidence < threshold for p in self.predictions)
        wrong = sum(p.confidence >= threshold and not p.right for p in self.predictions)
        return (total - fallback - wrong) / total, fallback / total, wrong / total


def run_rasa_test(model: Path, heldout: Path = HELDOUT) -> Evaluation:
    # one folder per held-out file, so the Dutch and English results never mix
    out = VAR / "results" / ("nlu" if heldout == HELDOUT else f"nlu-{heldout.stem}")
    out.mkdir(parents=True, exist_ok=True)
    command = [str(RASA), "test", "nlu", "--model", str(model), "--nlu", str(heldout),
               "--out", str(out), "--successes", "--no-plot"]
    subprocess.run(command, cwd=ROOT, env=rasa_env(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report = json.loads((out / "intent_report.json").read_text())
    predictions = [
        Prediction(row["text"], row["intent"], row["intent_prediction"]["name"],
                   row["intent_prediction"]["confidence"])
        for name in ("intent_successes.json", "intent_errors.json")
        for row in json.loads((out / name).read_text())
    ]
    per_intent = {
        name: IntentScore(row["precision"], row["recall"], row["f1-score"], int(row["support"]))
        for name, row in report.items()
        if isinstance(row, dict) and "support" in row and not name.endswith(" avg")
    }
    return Evaluation(report["accuracy"], report["macro avg"]["f1-score"], predictions,
                      per_intent)


def fallback_threshold() -> float:
    config = yaml.safe_load((ROOT / "nlu" / "config.yml").read_text())
    return next(c["threshold"] for c in config["pipeline"] if c["name"] == "FallbackClassifier")


def accuracy_floor(language: str = "nl") -> float:
    """The accuracy a language's held-out set must reach (macro F1: this minus 0.02)."""
    return float(yaml.safe_load(FLOOR.read_text())[FLOOR_KEYS[language]])


def report(evaluation: Evaluation, threshold: float, heldout: Path = HELDOUT) -> str:
    lines = [f"held-out messages: {len(evaluation.predictions)} ({heldout.relative_to(ROOT)})",
             f"accuracy:  {evaluation.accuracy:.4f}",
             f"macro F1:  {evaluation.macro_f1:.4f}", "",
             "fallback threshold   right  rephrase  wrong"]
    for candidate in sorted({0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, threshold}):
        right, fallback, wrong = evaluation.at_threshold(candidate)
        mark = "  <- in use" if candidate == threshold else ""
        lines.append(f"  {candidate:<17.2f}  {right:6.1%}  {fallback:8.1%}  {wrong:5.1%}{mark}")
    errors = [p for p in evaluation.predictions if not p.right]
    pairs = Counter((p.intent, p.predicted) for p in errors)
    lines += ["", "most confused (true -> predicted):"]
    lines += [f"  {n}x {a} -> {b}" for (a, b), n in pairs.most_common(10)]
    lines += ["", "worst messages (wrong with the highest confidence):"]
    for p in sorted(errors, key=lambda p: -p.confidence)[:15]:
        lines.append(f"  {p.confidence:.2f} {p.intent} -> {p.predicted}: {p.text[:80]}")
    return "\n".join(lines)


def per_intent_table(evaluations: dict[str, Evaluation]) -> str:
    """Precision, recall, F1 and number of held-out messages per intent, one column group
    per language; '-' where a language's held-out set has no message of the intent."""
    languages = list(evaluations)
    intents = sorted({i for e in evaluations.values() for i in e.per_intent})
    width = max(len(i) for i in intents) if intents else 6
    header = "".join(f"  {LANGUAGE_NAMES.get(lang, lang):^22}" for lang in languages)
    lines = [f"{'':<{width}}{header}",
             f"{'intent':<{width}}" + "  prec   rec    F1    n" * len(languages)]
    for intent in intents:
        cells = []
        for language in languages:
            score = evaluations[language].per_intent.get(intent)
            cells.append(f"  {score.precision:4.2f}  {score.recall:4.2f}  {score.f1:4.2f}"
                         f"  {score.support:3d}" if score else f"  {'-':>4}  {'-':>4}  "
                         f"{'-':>4}  {'-':>3}")
        lines.append(f"{intent:<{width}}" + "".join(cells))
    return "\n".join(lines)


def main() -> int:
    model = ensure_model()
    threshold = fallback_threshold()
    evaluations: dict[str, Evaluation] = {}
    for language, heldout in HELDOUTS.items():
        evaluations[language] = run_rasa_test(model, heldout)
        print(f"=== {LANGUAGE_NAMES[language]} ===")
        print(report(evaluations[language], threshold, heldout), end="\n\n")
    print("=== per intent ===")
    print(per_intent_table(evaluations))
    failed = False
    print()
    for language, evaluation in evaluations.items():
        floor, name = accuracy_floor(language), LANGUAGE_NAMES[language]
        if evaluation.accuracy < floor or evaluation.macro_f1 < floor - 0.02:
            print(f"FAIL: {name} accuracy {evaluation.accuracy:.4f} / macro F1 "
                  f"{evaluation.macro_f1:.4f} below the floor {floor} / {floor - 0.02:.2f}")
            failed = True
        else:
            print(f"OK: {name} accuracy {evaluation.accuracy:.4f}, macro F1 "
                  f"{evaluation.macro_f1:.4f} (floor {floor})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
