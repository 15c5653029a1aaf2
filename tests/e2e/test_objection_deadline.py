"""The bezwaar deadline, asked from the objection answer, computed from the letter's date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.deadlines import format_dutch_date, objection_deadline

pytestmark = pytest.mark.e2e


def test_the_deadline_is_computed_from_the_date_on_the_letter(bot_api, frontend):
    phone = bot_api.phone()
    phone.send("ik ben het niet eens met een besluit hoe maak ik bezwaar")
    phone.replies()
    phone.press("Bereken mijn termijn")
    assert "Welke datum staat op de brief" in phone.reply_text()
    phone.send("wat is dat nou weer")
    assert "begrijp ik niet" in phone.replies(2)[0].text

    letter = date.today() - timedelta(days=7)
    phone.send(f"{letter.day}-{letter.month}-{letter.year}")
    deadline = objection_deadline(letter)
    answer = phone.replies()[0].text
    assert f"uiterlijk op {format_dutch_date(deadline.last_day)}" in answer
    assert "Bron: Algemene wet bestuursrecht art. 6:7 en 6:8" in answer

    phone.send("en wat zet ik dan in die brief")
    assert "bezwaarschrift" in phone.reply_text().lower()
