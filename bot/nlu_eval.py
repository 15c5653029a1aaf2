"""NLU evaluation on the held-out file: what `make eval` prints and CI gates on.

Runs Rasa's own `rasa test nlu` on the model in use and the held-out messages (written
separately from the training data), then summarises: accuracy, macro F1, the most
confused pairs, the worst messages, and what the fallback threshold does (answered right,
asked to rephrase, answered wrong) so the threshold is chosen by measurement.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.config import ROOT, VAR
from bot.training import RASA, ensure_model, rasa_env

HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
FLOOR = ROOT / "tests" / "nlu" / "floor.yml"


@dataclass
class Prediction:
    text: str
    intent: str
    predicted: str
    confidence: float

    @property
    def right(self) -> bool:
        return self.intent == self.predicted


@dataclass
class Evaluation:
    accuracy: float
    macro_f1: float
    predictions: list[Prediction]

    def at_threshold(self, threshold: float) -> tuple[float, float, float]:
        """Shares answered right, sent to the rephrase fallback, and answered wrong."""
        total = len(self.predictions)
        fallback = sum(p.confidence < threshold for p in self.predictions)
        wrong = sum(p.confidence >= threshold and not p.right for p in self.predictions)
        return (total - fallback - wrong) / total, fallback / total, wrong / total


def run_rasa_test(model: Path, heldout: Path = HELDOUT) -> Evaluation:
    out = VAR / "results" / "nlu"
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
    return Evaluation(report["accuracy"], report["macro avg"]["f1-score"], predictions)


def fallback_threshold() -> float:
    config = yaml.safe_load((ROOT / "nlu" / "config.yml").read_text())
    return next(c["threshold"] for c in config["pipeline"] if c["name"] == "FallbackClassifier")


def accuracy_floor() -> float:
    return float(yaml.safe_load(FLOOR.read_text())["accuracy_floor"])


def report(evaluation: Evaluation, threshold: float) -> str:
    lines = [f"held-out messages: {len(evaluation.predictions)}",
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


def main() -> int:
    evaluation = run_rasa_test(ensure_model())
    print(report(evaluation, fallback_threshold()))
    floor = accuracy_floor()
    if evaluation.accuracy < floor:
        print(f"\nFAIL: accuracy {evaluation.accuracy:.4f} is below the floor {floor}")
        return 1
    print(f"\nOK: accuracy is at or above the floor {floor}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
