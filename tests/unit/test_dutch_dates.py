from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dutch_dates import ParsedMoment, parse_meeting_time

AMS = ZoneInfo("Europe/Amsterdam")
# A Monday morning; Tuesday is 1 December, next ISO week starts Monday 7 December.
NOW = datetime(2026, 11, 30, 10, 15, tzinfo=AMS)


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


# (what the client typed, expected moment, has_time)
PHRASINGS = [
    # weekdays, with and without a time, in either order
    ("dinsdag om 10 uur", at(12, 1, 10), True),
    ("om 10 uur dinsdag", at(12, 1, 10), True),
    ("ik heb een gesprek op dinsdag om 10 uur", at(12, 1, 10), True),
    ("Dinsdag 10u", at(12, 1, 10), True),
    ("dinsdg om 10", at(12, 1, 10), True),
    ("di 14.00", at(12, 1, 14), True),
    ("donderdag 14.00", at(12, 3, 14), True),
    ("dinsdag, 10:00", at(12, 1, 10), True),
    ("do 14h", at(12, 3, 14), True),
    ("dinsdag om 14u30", at(12, 1, 14, 30), True),
    ("vrijdag", at(12, 4), False),
    ("maandag", at(12, 7), False),  # today is Monday: the next one
    ("woensdagmiddag", at(12, 2, 13, 30), True),
    ("dinsdagmorgen", at(12, 1, 9), True),
    ("donderdagmiddag half 4", at(12, 3, 15, 30), True),
    ("woensdg in de ochtend", at(12, 2, 9), True),
    ("ik heb donderdag om half 2 een gesprek met mijn klantmanager", at(12, 3, 13, 30), True),
    # this / next week
    ("deze donderdag", at(12, 3), False),
    ("aanstaande vrijdag om kwart over 2", at(12, 4, 14, 15), True),
    ("a.s. dinsdag kwart voor 11", at(12, 1, 10, 45), True),
    ("dinsdag a.s. om 10", at(12, 1, 10), True),
    ("komende woensdag om 9", at(12, 2, 9), True),
    ("deze week vrijdag", at(12, 4), False),
    ("volgende week dinsdag", at(12, 8), False),
    ("dinsdag volgende week om 9 uur", at(12, 8, 9), True),
    ("volgende week woensdag half 11", at(12, 9, 10, 30), True),
    ("het is volgende week donderdag", at(12, 10), False),
    ("volgende week maandagochtend", at(12, 7, 9), True),
    ("volgende week", at(12, 7), False),
    # vandaag, morgen, overmorgen and dagdelen
    ("vandaag om 3 uur", at(11, 30, 15), True),
    ("vanmiddag", at(11, 30, 13, 30), True),
    ("vanochtend om 11 uur", at(11, 30, 11), True),
    ("vanmorgen om half 12", at(11, 30, 11, 30), True),
    ("vanavond om 7", at(11, 30, 19), True),
    ("morgen", at(12, 1), False),
    ("morgenochtend", at(12, 1, 9), True),
    ("morgen om half 3", at(12, 1, 14, 30), True),
    ("morgenmiddag om 2 uur", at(12, 1, 14), True),
    ("morgen vroeg", at(12, 1, 9), True),
    ("ergens in de middag morgen", at(12, 1, 13, 30), True),
    ("om10uur morgen", at(12, 1, 10), True),
    ("MORGEN OM 9 UUR", at(12, 1, 9), True),
    ("Morgen om 10 uur.", at(12, 1, 10), True),
    ("morgen 13.00 uur", at(12, 1, 13), True),
    ("kwart over 2 uur morgen", at(12, 1, 14, 15), True),
    ("overmorgen om 11:00", at(12, 2, 11), True),
    # clock times in daytime: 1..6 is afternoon, 7..12 morning or noon
    ("om 8 uur dinsdag", at(12, 1, 8), True),
    ("woensdag om 12", at(12, 2, 12), True),
    ("dinsdag half 10", at(12, 1, 9, 30), True),
    ("vijf over half drie donderdag", at(12, 3, 14, 35), True),
    ("vrijdag tien voor 11", at(12, 4, 10, 50), True),
    ("donderdag 2 uur 's middags", at(12, 3, 14), True),
    ("smiddags om 3 uur donderdag", at(12, 3, 15), True),
    ("vrijdag 8 uur 's avonds", at(12, 4, 20), True),
    ("om 3 uur", at(11, 30, 15), True),  # only a time: later today
    ("om 9 uur", at(12, 1, 9), True),  # ...or tomorrow when today's has passed
    ("om 1 uur", at(11, 30, 13), True),
    ("over 2 uur", at(11, 30, 12, 15), True),
    # relative days
    ("over 2 weken", at(12, 14), False),
    ("over 2 weken op maandag", at(12, 14), False),
    ("over 3 dagen", at(12, 3), False),
    ("over een week", at(12, 7), False),
    # dates
    ("12 maart", at(3, 12, year=2027), False),
    ("12 mrt", at(3, 12, year=2027), False),
    ("12-3", at(3, 12, year=2027), False),
    ("12/3 om 10.30", at(3, 12, 10, 30, year=2027), True),
    ("12-03-2027", at(3, 12, year=2027), False),
    ("12 maart 2027 om 9.15", at(3, 12, 9, 15, year=2027), True),
    ("3 april om 14:00", at(4, 3, 14, year=2027), True),
    ("3 januari", at(1, 3, year=2027), False),
    ("de 15e", at(12, 15), False),
    ("op de 8ste om 13:30", at(12, 8, 13, 30), True),
    ("15 december 10u", at(12, 15, 10), True),
    ("1 december om half 2", at(12, 1, 13, 30), True),
    ("30 november om 14:00", at(11, 30, 14), True),  # today's own date
    ("vr 4 dec", at(12, 4), False),
    ("dinsdag 1 december om 10 uur", at(12, 1, 10), True),
    ("dinsdag 8 december", at(12, 8), False),
    ("maandag 7 dec 11u30", at(12, 7, 11, 30), True),
    ("gesprek is vrijdag 4 december 's ochtends om 10 uur", at(12, 4, 10), True),
]

UNREADABLE = [
    "",
    "weet ik niet",
    "binnenkort",
    "geen idee",
    "asdf",
    "eind van de maand",
    "volgende maand",
    "ergens in maart",
    "na het weekend",
    "over een paar dagen",
    "dinsdag of woensdag",
    "vorige week dinsdag",
    "gisteren om 10 uur",
    "vandaag om 9 uur",  # already past at 10:15
    "dinsdag 2 december",  # 2 December is a Wednesday
    "31-2",
    "12-03-2020",
    "voor 10 uur",  # a limit, not a meeting time
    "dinsdag 10",  # 10 what?
    "dinsdag tien",
    "dinsdag 10 uur 's middags",  # 10 in the afternoon does not exist
    "volgende week om 10 uur",  # which day?
    "om 25 uur",
    "maandag 9:75",
    "het gesprek duurt een uur",
    "ik vraag om een gesprek",
    "zo snel mogelijk",
]


@pytest.mark.parametrize(("text", "expected", "has_time"), PHRASINGS)
def test_phrasings_are_read(text: str, expected: datetime, has_time: bool) -> None:
    assert parse_meeting_time(text, NOW) == ParsedMoment(expected, has_time)


@pytest.mark.parametrize("text", UNREADABLE)
def test_unreadable_phrasings_give_none(text: str) -> None:
    assert parse_meeting_time(text, NOW) is None


def test_results_are_amsterdam_time() -> None:
    moment = parse_meeting_time("morgen om 10 uur", NOW.astimezone(ZoneInfo("UTC")))
    assert moment is not None
    assert moment.at.tzinfo == AMS
    assert moment.at == at(12, 1, 10)


OTHER_NOWS = [
    NOW,
    datetime(2026, 12, 6, 23, 50, tzinfo=AMS),  # late on a Sunday
    datetime(2026, 12, 1, 16, 0, tzinfo=AMS),  # Tuesday afternoon
    datetime(2026, 12, 31, 12, 0, tzinfo=AMS),  # last day of the year
    datetime(2027, 3, 27, 20, 0, tzinfo=AMS),  # evening before summer time starts
]


@pytest.mark.parametrize("now", OTHER_NOWS, ids=lambda now: now.isoformat())
def test_nothing_returned_is_in_the_past(now: datetime) -> None:
    for text in [text for text, _, _ in PHRASINGS] + UNREADABLE:
        moment = parse_meeting_time(text, now)
        if moment is None:
            continue
        assert moment.at.tzinfo is not None, text
        if moment.has_time:
            assert moment.at >= now, text
        else:
            assert moment.at.date() >= now.date(), text
            assert (moment.at.hour, moment.at.minute) == (9, 0), text


def test_a_date_without_year_rolls_over_to_next_year() -> None:
    now = datetime(2026, 12, 28, 10, 0, tzinfo=AMS)
    assert parse_meeting_time("3 januari", now) == ParsedMoment(at(1, 3, year=2027), False)
    assert parse_meeting_time("3-1 om 10 uur", now) == ParsedMoment(at(1, 3, 10, year=2027), True)
    assert parse_meeting_time("de 2e", now) == ParsedMoment(at(1, 2, year=2027), False)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_meeting_time("morgen", datetime(2026, 11, 30, 10, 15))
