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


# The date on the letter and the last day for the bezwaar, worked out by hand from the
# calendar: six weeks from the day after (Awb 6:7, 6:8), then past Saturdays, Sundays and
# feestdagen (Algemene termijnenwet art. 1 and 3).
DOZEN_DATES = [
    ("13-10-2026", "dinsdag 24 november 2026"),  # an ordinary Tuesday
    ("31-1-2026", "maandag 16 maart 2026"),  # month end; six weeks end on a Saturday
    ("31-12-2025", "woensdag 11 februari 2026"),  # year end
    ("28-2-2026", "maandag 13 april 2026"),  # end of February; ends on a Saturday
    ("19-9-2026", "maandag 2 november 2026"),  # ends on Saturday 31 October
    ("20-2-2026", "dinsdag 7 april 2026"),  # Goede Vrijdag, the weekend, tweede Paasdag
    ("23-2-2026", "dinsdag 7 april 2026"),  # tweede Paasdag
    ("16-3-2026", "dinsdag 28 april 2026"),  # Koningsdag on a Monday
    ("15-3-2025", "maandag 28 april 2025"),  # Koningsdag moved to Saturday 26 April 2025
    ("24-3-2026", "woensdag 6 mei 2026"),  # Bevrijdingsdag
    ("13-4-2026", "dinsdag 26 mei 2026"),  # tweede Pinksterdag
    ("14-11-2025", "maandag 29 december 2025"),  # tweede Kerstdag, then the weekend
    ("20-11-2026", "maandag 4 januari 2027"),  # Nieuwjaarsdag on a Friday, then the weekend
]


def test_the_last_day_for_a_dozen_letters(bot_api, frontend):
    phone = bot_api.phone()
    for letter, last_day in DOZEN_DATES:
        phone.send("hoe maak ik bezwaar tegen een besluit")
        phone.replies()
        phone.press("Bereken mijn termijn")
        phone.replies()
        phone.send(letter)
        answer = phone.replies()[0].text
        assert last_day in answer, f"{letter}: expected {last_day}, got {answer}"


def test_the_triage_computes_the_deadline_and_offers_a_reminder(bot_api, frontend,
                                                                database_url):
    phone = bot_api.phone()
    phone.send("ik wil een klacht indienen, ze hebben mijn uitkering stopgezet")
    assert "Waar gaat het over?" in phone.replies(2)[-1].text
    phone.press("Een besluit over mijn uitkering")
    assert "Welke datum staat op de brief" in phone.reply_text()
    letter = date.today() - timedelta(days=3)
    phone.send(f"{letter.day}-{letter.month}-{letter.year}")
    assert "In welke gemeente woon je?" in phone.reply_text()
    phone.press("Ik heb WW (UWV)")
    answers = phone.replies(3)
    last_day = objection_deadline(letter).last_day
    assert f"uiterlijk op {format_dutch_date(last_day)}" in answers[0].text
    assert "hoorzitting" in answers[1].text
    phone.wait_for(lambda: "Praten met een mens" in [t for t, _ in phone.chat[-1].buttons])
    phone.press("Herinner me op tijd")
    assert "een week en twee dagen voor je laatste dag" in phone.reply_text()
    phone.press("Ja, stuur herinneringen")
    assert f"Je laatste dag is {format_dutch_date(last_day)}" in phone.reply_text()
