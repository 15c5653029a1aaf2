"""Bezwaar deadlines: every expected date below was counted by hand on a calendar."""

from datetime import date, timedelta

import pytest
from dateutil.easter import easter

from bot.deadlines import (
    EQUATED_DAYS,
    ObjectionDeadline,
    dutch_holidays,
    easter_sunday,
    format_dutch_date,
    objection_deadline,
    parse_decision_date,
)

# (made known, end of the six weeks, last day after the Algemene termijnenwet, reason)
DEADLINES = [
    # plain: Mon 2 Mar 2026 -> Mon 13 Apr 2026, a working day
    (date(2026, 3, 2), date(2026, 4, 13), None),
    # month end: Sat 31 Jan 2026 -> Sat 14 Mar 2026 -> Mon 16 Mar 2026
    (date(2026, 1, 31), date(2026, 3, 16), "zaterdag"),
    # month and year end: Mon 30 Nov 2026 -> Mon 11 Jan 2027
    (date(2026, 11, 30), date(2027, 1, 11), None),
    # Saturday: Sat 7 Nov 2026 -> Sat 19 Dec 2026 -> Mon 21 Dec 2026
    (date(2026, 11, 7), date(2026, 12, 21), "zaterdag"),
    # Sunday: Sun 1 Mar 2026 -> Sun 12 Apr 2026 -> Mon 13 Apr 2026
    (date(2026, 3, 1), date(2026, 4, 13), "zondag"),
    # leap year: Tue 18 Jan 2028 -> Tue 29 Feb 2028
    (date(2028, 1, 18), date(2028, 2, 29), None),
    # tweede Paasdag: Mon 23 Feb 2026 -> Mon 6 Apr 2026 -> Tue 7 Apr 2026
    (date(2026, 2, 23), date(2026, 4, 7), "tweede Paasdag"),
    # Koningsdag: Mon 16 Mar 2026 -> Mon 27 Apr 2026 -> Tue 28 Apr 2026
    (date(2026, 3, 16), date(2026, 4, 28), "Koningsdag"),
    # Koningsdag on a Saturday: Sat 15 Mar 2025 -> Sat 26 Apr 2025 -> Sun 27 -> Mon 28 Apr 2025
    (date(2025, 3, 15), date(2025, 4, 28), "Koningsdag"),
    # Hemelvaartsdag: Thu 2 Apr 2026 -> Thu 14 May 2026 -> Fri 15 May 2026 (a Besluit may equate
    # that Friday with a feestdag; until it is confirmed, the earlier, safe day is named)
    (date(2026, 4, 2), date(2026, 5, 15), "Hemelvaartsdag"),
    # 5 mei: Tue 24 Mar 2026 -> Tue 5 May 2026 -> Wed 6 May 2026
    (date(2026, 3, 24), date(2026, 5, 6), "Bevrijdingsdag"),
    # tweede Pinksterdag: Mon 13 Apr 2026 -> Mon 25 May 2026 -> Tue 26 May 2026
    (date(2026, 4, 13), date(2026, 5, 26), "tweede Pinksterdag"),
    # Christmas: Fri 13 Nov 2026 -> Fri 25 Dec 2026 -> Sat 26, Sun 27 -> Mon 28 Dec 2026
    (date(2026, 11, 13), date(2026, 12, 28), "eerste Kerstdag"),
    # tweede Kerstdag on a Saturday: Sat 14 Nov 2026 -> Sat 26 Dec 2026 -> Mon 28 Dec 2026
    (date(2026, 11, 14), date(2026, 12, 28), "tweede Kerstdag"),
    # Nieuwjaarsdag: Fri 20 Nov 2026 -> Fri 1 Jan 2027 -> Sat 2, Sun 3 -> Mon 4 Jan 2027
    (date(2026, 11, 20), date(2027, 1, 4), "Nieuwjaarsdag"),
    # Nieuwjaarsdag on a Thursday: Thu 20 Nov 2025 -> Thu 1 Jan 2026 -> Fri 2 Jan (equated),
    # Sat 3, Sun 4 -> Mon 5 Jan 2026
    (date(2025, 11, 20), date(2026, 1, 2), "Nieuwjaarsdag"),
    # Goede Vrijdag counts (Atw art. 3 lid 2): Fri 20 Feb 2026 -> Fri 3 Apr 2026 -> Sat 4,
    # Sun 5 (Pasen), Mon 6 (tweede Paasdag) -> Tue 7 Apr 2026
    (date(2026, 2, 20), date(2026, 4, 7), "Goede Vrijdag"),
]


@pytest.mark.parametrize(("made_known", "last_day", "reason"), DEADLINES)
def test_objection_deadline(made_known: date, last_day: date, reason: str | None) -> None:
    expected = ObjectionDeadline(made_known, last_day, reason is not None, reason)
    assert objection_deadline(made_known) == expected


def test_term_is_six_weeks_on_the_same_weekday() -> None:
    deadline = objection_deadline(date(2026, 3, 2))
    assert deadline.last_day - deadline.made_known == timedelta(weeks=6)
    assert deadline.last_day.weekday() == deadline.made_known.weekday()


def test_holidays_2026() -> None:
    assert dutch_holidays(2026) == {
        date(2026, 1, 1): "Nieuwjaarsdag",  # Thu
        date(2026, 4, 3): "Goede Vrijdag",  # Fri
        date(2026, 4, 6): "tweede Paasdag",  # Mon, Easter is Sun 5 Apr
        date(2026, 4, 27): "Koningsdag",  # Mon
        date(2026, 5, 5): "Bevrijdingsdag",  # Tue
        date(2026, 5, 14): "Hemelvaartsdag",  # Thu, Easter + 39
        date(2026, 5, 25): "tweede Pinksterdag",  # Mon, Easter + 50
        date(2026, 12, 25): "eerste Kerstdag",  # Fri
        date(2026, 12, 26): "tweede Kerstdag",  # Sat
    }


def test_holidays_2027() -> None:
    assert dutch_holidays(2027) == {
        date(2027, 1, 1): "Nieuwjaarsdag",  # Fri
        date(2027, 3, 26): "Goede Vrijdag",  # Fri, Easter is Sun 28 Mar
        date(2027, 3, 29): "tweede Paasdag",  # Mon
        date(2027, 4, 27): "Koningsdag",  # Tue
        date(2027, 5, 5): "Bevrijdingsdag",  # Wed
        date(2027, 5, 6): "Hemelvaartsdag",  # Thu
        date(2027, 5, 17): "tweede Pinksterdag",  # Mon
        date(2027, 12, 25): "eerste Kerstdag",  # Sat
        date(2027, 12, 26): "tweede Kerstdag",  # Sun
    }


def test_koningsdag_moves_to_saturday_when_27_april_is_a_sunday() -> None:
    holidays = dutch_holidays(2025)
    assert holidays[date(2025, 4, 26)] == "Koningsdag"  # Sat
    assert date(2025, 4, 27) not in holidays  # Sun


def test_hemelvaartsdag_on_5_mei() -> None:
    # Easter 2016 was 27 March, so Hemelvaartsdag was Thu 5 May.
    assert dutch_holidays(2016)[date(2016, 5, 5)] == "Bevrijdingsdag en Hemelvaartsdag"


def test_years_before_koningsdag_are_refused() -> None:
    with pytest.raises(ValueError):
        dutch_holidays(2013)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2028, date(2028, 4, 16)),
        (2038, date(2038, 4, 25)),  # the latest possible
        (2285, date(2285, 3, 22)),  # the earliest possible
    ],
)
def test_easter(year: int, expected: date) -> None:
    assert easter_sunday(year) == expected


def test_easter_agrees_with_dateutil() -> None:
    assert all(easter_sunday(year) == easter(year) for year in range(1583, 3000))


@pytest.mark.parametrize("day", sorted(EQUATED_DAYS))
def test_equated_days_are_fridays_after_a_feestdag(day: date) -> None:
    assert day.weekday() == 4
    assert day - timedelta(days=1) in dutch_holidays(day.year)


TODAY = date(2026, 11, 30)  # a Monday

PHRASINGS = [
    ("12 november", date(2026, 11, 12)),  # Thu
    ("12-11", date(2026, 11, 12)),
    ("12/11/2026", date(2026, 11, 12)),
    ("12-11-26", date(2026, 11, 12)),
    ("12.11.2026", date(2026, 11, 12)),
    ("De brief is van 12e nov.", date(2026, 11, 12)),
    ("gisteren", date(2026, 11, 29)),  # Sun
    ("eergisteren", date(2026, 11, 28)),  # Sat
    ("vandaag", date(2026, 11, 30)),  # Mon
    ("vorige week dinsdag", date(2026, 11, 24)),  # Tue
    ("dinsdag van vorige week", date(2026, 11, 24)),
    ("vorige dinsdag", date(2026, 11, 24)),
    ("afgelopen vrijdag", date(2026, 11, 27)),  # Fri
    ("maandag", date(2026, 11, 23)),  # today is Monday: the one before
    ("dinsdag 24 november", date(2026, 11, 24)),
    ("3 weken geleden", date(2026, 11, 9)),  # Mon
    ("drie weken terug", date(2026, 11, 9)),
    ("een maand geleden", date(2026, 10, 30)),  # Fri
    ("1 december", date(2025, 12, 1)),  # 1 December 2026 is tomorrow: last year's, a Mon
    ("12 maart", date(2026, 3, 12)),  # Thu
    ("12-3", date(2026, 3, 12)),
    ("1 februari 2026", date(2026, 2, 1)),  # Sun
    ("30 november 2024", date(2024, 11, 30)),  # exactly two years ago, a Sat
    # None: unreadable, in the future, vague, ambiguous or more than two years ago
    ("weet ik niet", None),
    ("", None),
    ("volgend jaar", None),
    ("1 januari 2020", None),
    ("29 november 2024", None),
    ("1 december 2026", None),
    ("morgen", None),
    ("deze week dinsdag", None),
    ("vorige week", None),
    ("november", None),
    ("woensdag 24 november", None),  # 24 November 2026 is a Tuesday
    ("ongeveer 3 weken geleden", None),
    ("na 12 maart", None),
    ("12 of 13 november", None),
    ("31-11", None),
]


@pytest.mark.parametrize(("text", "expected"), PHRASINGS)
def test_parse_decision_date(text: str, expected: date | None) -> None:
    assert parse_decision_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("12-3", date(2026, 3, 5), date(2025, 3, 12)),  # a week ahead: last year's
        ("5 maart", date(2026, 3, 5), date(2026, 3, 5)),  # today
        ("vorige dinsdag", date(2026, 12, 3), None),  # Thu: 1 December or 24 November?
        ("vorige dinsdag", date(2026, 12, 7), date(2026, 12, 1)),  # Mon: last week's
    ],
)
def test_parse_decision_date_relative_to_today(
    text: str, today: date, expected: date | None
) -> None:
    assert parse_decision_date(text, today) == expected


def test_format_dutch_date() -> None:
    assert format_dutch_date(date(2026, 4, 13)) == "maandag 13 april 2026"
