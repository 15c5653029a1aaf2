"""When the term for a bezwaar (objection) ends, and reading the date of a besluit.

The term is six weeks (Awb art. 6:7) and starts the day after the besluit was made known
(art. 6:8 lid 1), so it ends on the same weekday six weeks later. A term ending on a Saturday,
Sunday or algemeen erkende feestdag runs on to the next day that is none of these (Algemene
termijnenwet art. 1). The feestdagen are those of Atw art. 3 lid 1, Goede Vrijdag (lid 2) and
the days a Koninklijk Besluit equates with them (lid 3, see EQUATED_DAYS).

Dates of a besluit are read strictly: anything that cannot be read with confidence gives None,
so the assistant asks for the date on the letter instead of counting from a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import dateparser
from babel.dates import format_date

from bot.dutch_dates import MONTHS, NUMBER_WORDS, WEEKDAYS, fold

OBJECTION_TERM = timedelta(weeks=6)
MAX_AGE_YEARS = 2
FIRST_YEAR = 2014  # Koningsdag on 27 April since 2014; earlier years had other rules
DATE_PATTERN = "EEEE d MMMM y"


def _named(name: str) -> str:
    """A day's Dutch name, marked for translation (babel.cfg): it reaches the client as the
    {reason} of utter_objection_deadline_extended, in the client's language."""
    return name


_WEEKEND = (_named("zaterdag"), _named("zondag"))

# Atw art. 3 lid 3: days equated with a feestdag by Koninklijk Besluit, about every three
# years. They cannot be computed; add the days of each new Besluit gelijkstelling here.
EQUATED_DAYS = {
    # Besluit gelijkstelling van 28 april 2023, 19 mei 2023, 10 mei 2024, 27 december 2024 en
    # 30 mei 2025 met een algemeen erkende feestdag
    date(2023, 4, 28): _named("vrijdag na Koningsdag"),
    date(2023, 5, 19): _named("vrijdag na Hemelvaartsdag"),
    date(2024, 5, 10): _named("vrijdag na Hemelvaartsdag"),
    date(2024, 12, 27): _named("vrijdag na tweede Kerstdag"),
    date(2025, 5, 30): _named("vrijdag na Hemelvaartsdag"),
    # The Besluit for 2026-2028 is left out until its text is confirmed on
    # wetten.overheid.nl: without it a deadline may come out one working day early, never late.
}


@dataclass(frozen=True)
class ObjectionDeadline:
    made_known: date  # the day the besluit was made known
    last_day: date  # the last day the bezwaarschrift may arrive
    extended: bool  # True when the Algemene termijnenwet moved the end
    reason: str | None  # what the day the term originally ended was, when extended


# --- the term ------------------------------------------------------------------------------


def objection_deadline(made_known: date) -> ObjectionDeadline:
    """The last day of the bezwaar term; raises ValueError for years dutch_holidays refuses."""
    end = made_known + OBJECTION_TERM
    last_day = end
    while _closed_because(last_day) is not None:
        last_day += timedelta(days=1)
    extended = last_day != end
    return ObjectionDeadline(made_known, last_day, extended, _closed_because(end))


def _closed_because(day: date) -> str | None:
    """Why a term cannot end on `day` (a feestdag's name, "zaterdag", "zondag"), else None."""
    if name := dutch_holidays(day.year).get(day):
        return name
    if day.weekday() >= 5:
        return _WEEKEND[day.weekday() - 5]
    return None


def dutch_holidays(year: int) -> dict[date, str]:
    """Every day the Algemene termijnenwet treats as an algemeen erkende feestdag in `year`,
    with its Dutch name: art. 3 lid 1, Goede Vrijdag (lid 2) and EQUATED_DAYS (lid 3)."""
    if year < FIRST_YEAR:
        raise ValueError(f"feestdagen before {FIRST_YEAR} are not supported")
    days: dict[date, str] = {}
    for day, name in _feestdagen(year):
        # Hemelvaartsdag can fall on 5 May (it did in 2016).
        days[day] = f"{days[day]} en {name}" if day in days else name
    return dict(sorted(days.items()))


def _feestdagen(year: int) -> list[tuple[date, str]]:
    easter = easter_sunday(year)
    return [
        (date(year, 1, 1), _named("Nieuwjaarsdag")),
        (easter - timedelta(days=2), _named("Goede Vrijdag")),
        (easter + timedelta(days=1), _named("tweede Paasdag")),
        (_kings_day(year), _named("Koningsdag")),
        (date(year, 5, 5), _named("Bevrijdingsdag")),
        (easter + timedelta(days=39), _named("Hemelvaartsdag")),
        (easter + timedelta(days=50), _named("tweede Pinksterdag")),
        (date(year, 12, 25), _named("eerste Kerstdag")),
        (date(year, 12, 26), _named("tweede Kerstdag")),
        *((day, name) for day, name in EQUATED_DAYS.items() if day.year == year),
    ]


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous algorithm, as in Meeus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _kings_day(year: int) -> date:
    birthday = date(year, 4, 27)
    return birthday - timedelta(days=1) if birthday.weekday() == 6 else birthday


def format_dutch_date(day: date) -> str:
    return format_date(day, DATE_PATTERN, locale="nl_NL")


# --- reading the date of a besluit ---------------------------------------------------------

_WD = "(" + "|".join(WEEKDAYS) + ")"
_MONTH = "(" + "|".join(MONTHS.values()) + r")\.?"
_COUNT = r"(\d{1,2}|een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf)"
_UNITS = {"dag": "dag", "dagen": "dagen", "week": "week", "weekje": "week", "weken": "weken",
          "maand": "maand", "maanden": "maanden", "jaar": "jaar"}
_DAYS_AGO = {
    "vandaag": 0, "vanochtend": 0, "vanmorgen": 0, "vanmiddag": 0,
    "gisteren": 1, "gisterochtend": 1, "gistermiddag": 1, "gisteravond": 1, "eergisteren": 2,
}
# A date right after one of these is a limit or a guess ("na 12 maart", "ongeveer 3 weken
# geleden"), not the date of the besluit.
_VAGUE = ("na", "voor", "sinds", "vanaf", "tot", "tussen", "uiterlijk", "rond", "rondom",
          "omstreeks", "ongeveer", "circa", "ca", "zo'n", "zon", "bijna", "ruim", "pakweg")
# Left over after reading, these mean the text says more about the date than we understood.
_UNREAD = re.compile(
    r"\d|\b(?:dag|dagen|week|weken|weekje|weekend|maand|maanden|jaar|jaren|geleden|terug"
    r"|vorige|vorig|afgelopen|volgende|volgend|komende|aanstaande|morgen|overmorgen|"
    + "|".join([*MONTHS.values(), *_DAYS_AGO])
    + r")\b"
)


class _Unreadable(Exception):
    """The text mentions a date, but not one we can read with confidence."""


def parse_decision_date(text: str, today: date) -> date | None:
    """The date of a besluit as a client types it ("12 maart", "12-3", "gisteren",
    "vorige week dinsdag", "3 weken geleden", "1 februari 2026"); never in the future
    (a date without year that would be in the future means last year); None when unreadable
    or more than 2 years ago."""
    try:
        day = _read(_normalise(text), today)
    except _Unreadable:
        return None
    if day is None or day > today or day < _years_before(today, MAX_AGE_YEARS):
        return None
    return day


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _normalise(text: str) -> str:
    text = fold(text)
    text = re.sub(r"[’‘`´]", "'", text)
    text = re.sub(r"\bj\.\s?l\.?", "jl", text)
    text = re.sub(r"\b(\d{1,2})(?:ste|de|e)\b", r"\1", text)
    text = re.sub(r"[,;:!?()\"]|\.(?=\s|$)", " ", text)
    return f" {' '.join(text.split())} "


def _read(text: str, today: date) -> date | None:
    days: list[date] = []
    weekdays: list[int] = []
    for take in (_take_numeric_dates, _take_written_dates, _take_ago, _take_named_days,
                 _take_week_and_weekday):
        text = take(text, today, days)
    text = _take_weekdays(text, weekdays)
    if _UNREAD.search(text):
        raise _Unreadable
    return _pick(days, weekdays, today)


def _take(pattern: str, text: str) -> tuple[list[re.Match[str]], str]:
    """All matches of `pattern`, and the text with them blanked out."""
    matches = list(re.finditer(pattern, text))
    for match in matches:
        before = text[: match.start()].split()
        if before and before[-1] in _VAGUE:
            raise _Unreadable
    return matches, re.sub(pattern, " ; ", text)


def _take_numeric_dates(text: str, today: date, days: list[date]) -> str:
    matches, text = _take(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", text)
    days += [_dateparser(m.group(0), today, has_year=True) for m in matches]
    matches, text = _take(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})\b", text)
    days += [_dateparser(m.group(0).replace(".", "-"), today, has_year=True) for m in matches]
    # Without a year only - and /: "12.11" may as well be a time.
    matches, text = _take(r"\b(\d{1,2})[-/](\d{1,2})\b", text)
    days += [_dateparser(m.group(0), today, has_year=False) for m in matches]
    return text


def _take_written_dates(text: str, today: date, days: list[date]) -> str:
    matches, text = _take(rf"\b(\d{{1,2}})\s*{_MONTH}(?:\s+(\d{{4}}))?(?!\w)", text)
    for match in matches:
        fragment = f"{match.group(1)} {_month_name(match.group(2))} {match.group(3) or ''}"
        days.append(_dateparser(fragment.strip(), today, has_year=match.group(3) is not None))
    return text


def _month_name(abbreviation: str) -> str:
    return next(name for name, pattern in MONTHS.items() if re.fullmatch(pattern, abbreviation))


def _dateparser(fragment: str, today: date, has_year: bool) -> date:
    settings = {
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "DMY",
        "RELATIVE_BASE": datetime.combine(today, time(23, 59)),
        "REQUIRE_PARTS": ["day", "month", "year"] if has_year else ["day", "month"],
    }
    parsed = dateparser.parse(fragment, languages=["nl"], settings=settings)
    if parsed is None:
        raise _Unreadable
    day = parsed.date()
    if not has_year and day > today:  # dateparser should already prefer the past
        day = _years_before(day, 1)
    return day


def _take_ago(text: str, today: date, days: list[date]) -> str:
    # dateparser reads "3 weken geleden", but not "drie weken", "een maand" or "terug".
    units = "|".join(_UNITS)
    matches, text = _take(rf"\b{_COUNT}\s+({units})\s+(?:geleden|terug)\b", text)
    for match in matches:
        count = int(match.group(1)) if match.group(1).isdigit() else NUMBER_WORDS[match.group(1)]
        fragment = f"{count} {_UNITS[match.group(2)]} geleden"
        days.append(_dateparser(fragment, today, has_year=False))
    return text


def _take_named_days(text: str, today: date, days: list[date]) -> str:
    matches, text = _take(r"\b(" + "|".join(_DAYS_AGO) + r")\b", text)
    days += [today - timedelta(days=_DAYS_AGO[m.group(1)]) for m in matches]
    return text


def _take_week_and_weekday(text: str, today: date, days: list[date]) -> str:
    """ "vorige week dinsdag", "dinsdag van vorige week", "deze week maandag"."""
    monday = today - timedelta(days=today.weekday())
    for which, week_start in (("vorige|afgelopen", monday - timedelta(weeks=1)), ("deze", monday)):
        week = rf"(?:van\s+)?(?:de\s+)?(?:{which})\s+week"
        for pattern in (rf"\b{week}\s+(?:op\s+)?{_WD}\b", rf"\b{_WD}\s+{week}\b"):
            matches, text = _take(pattern, text)
            days += [week_start + timedelta(days=WEEKDAYS.index(m.group(1))) for m in matches]
    matches, text = _take(rf"\bvorige\s+{_WD}\b", text)
    days += [_previous_weekday_last_week(m.group(1), today) for m in matches]
    return text


def _previous_weekday_last_week(weekday: str, today: date) -> date:
    # "vorige dinsdag" on a Thursday may mean two days or nine days ago: ask instead.
    day = _most_recent(WEEKDAYS.index(weekday), today)
    if day >= today - timedelta(days=today.weekday()):
        raise _Unreadable
    return day


def _take_weekdays(text: str, weekdays: list[int]) -> str:
    pattern = rf"\b(?:afgelopen\s+)?{_WD}(?:\s+(?:jl|jongstleden))?\b"
    matches, text = _take(pattern, text)
    weekdays += [WEEKDAYS.index(m.group(1)) for m in matches]
    return text


def _most_recent(weekday: int, today: date) -> date:
    """The last `weekday` before today ("maandag" on a Monday is a week ago)."""
    return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)


def _pick(days: list[date], weekdays: list[int], today: date) -> date | None:
    if len(set(days)) > 1 or len(set(weekdays)) > 1:
        raise _Unreadable
    if days:
        if weekdays and days[0].weekday() != weekdays[0]:
            raise _Unreadable  # "dinsdag 25 november" when 25 November is a Wednesday
        return days[0]
    if weekdays:
        return _most_recent(weekdays[0], today)
    return None
