"""The trained model against the project's own standards: the test stories predict
exactly, the held-out NLU accuracy stays above its floor, and the content checks pass."""

from __future__ import annotations

import subprocess

import pytest

from bot.config import ROOT, VAR
from bot.training import RASA, rasa_env

pytestmark = pytest.mark.e2e


def test_the_test_stories_predict_every_intent_and_action(model):
    out = VAR / "results" / "stories"
    result = subprocess.run(
        [str(RASA), "test", "core", "--model", str(model), "--stories", "tests/stories",
         "--out", str(out), "--fail-on-prediction-errors", "--no-plot"],
        cwd=ROOT, env=rasa_env(), capture_output=True, text=True)
    failed = out / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else result.stdout[-3000:]
    assert result.returncode == 0, details


def test_held_out_accuracy_stays_above_the_floor(model):
    from bot.nlu_eval import accuracy_floor, run_rasa_test

    evaluation = run_rasa_test(model)
    assert evaluation.accuracy >= accuracy_floor()
    assert evaluation.macro_f1 >= accuracy_floor() - 0.02


def test_english_held_out_accuracy_stays_above_its_floor(model):
    from bot.nlu_eval import HELDOUT_EN, accuracy_floor, run_rasa_test

    evaluation = run_rasa_test(model, HELDOUT_EN)
    assert evaluation.accuracy >= accuracy_floor("en")
    assert evaluation.macro_f1 >= accuracy_floor("en") - 0.02


def test_make_check_passes():
    from bot.content_check import main

    assert main() == 0
