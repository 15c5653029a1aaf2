"""Reading when a client's next meeting is, from informal Dutch typed on a phone.

`dateparser` alone misreads most of these phrasings (weekdays land in the past, times and
"morgenochtend" get lost), so a small Dutch layer finds days, clock times and dagdelen first and
hands only clean date fragments ("12 maart 2027", "12-3") to dateparser.
The reading is deliberately strict: anything it cannot account for gives None, so the assistant
asks again instead of storing an invented date.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from difflib import SequenceMatcher
from zoneinfo import ZoneInfo

import dateparser

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DAY_ONLY_HOUR = 9

WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
SHORT_WEEKDAYS = {"ma": 0, "di": 1, "wo": 2, "do": 3, "vr": 4, "za": 5, "zo": 6}
MONTHS = {
    "januari": "jan(?:uari)?", "februari": "feb(?:ruari)?", "maart": "maart|mrt|maa",
    "april": "apr(?:il)?", "mei": "mei", "juni": "jun(?:i)?", "juli": "jul(?:i)?",
    "augustus": "aug(?:ustus)?", "september": "sep(?:t(?:ember)?)?",
    "oktober": "okt(?:ober)?|oct", "november": "nov(?:ember)?", "december": "dec(?:ember)?",
}
NUMBER_WORDS = {
    "een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8,
    "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "twintig": 20, "kwart": 15,
}
DAGDEEL_DEFAULT = {"ochtend": 9 * 60, "middag": 13 * 60 + 30, "avond": 19 * 60}
_DAGDEEL_HOURS = {  # spoken hour -> hour of the day, for each dagdeel
    "ochtend": {h: h for h in range(1, 13)},  # 12 for "half 12", "kwart voor 12"
    "middag": {**{h: h + 12 for h in range(1, 7)}, 12: 12, **{h: h for h in range(13, 19)}},
    "avond": {**{h: h + 12 for h in range(1, 12)}, **{h: h for h in range(13, 24)}},
}

_WD = "(" + "|".join(WEEKDAYS) + ")"
_MONTH = "(" + "|".join(MONTHS.values()) + r")\.?"
_HOUR = r"(\d{1,2}|een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf)\b"
_MINUTES = r"(\d{1,2}|vijf|tien|kwart|twintig)\b"
_COUNT = r"(\d{1,2}|een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien)\b"
_UUR = r"(?:\s*uur\b)?"

# A clock time right after one of these is a limit ("voor 10 uur"), not the meeting time.
_CLOCK_LIMITS = ("voor", "na", "tot", "tussen", "uiterlijk", "later dan", "eerder dan")
# ...and a day right after one of these is not the meeting day.
_DAY_LIMITS = ("na", "tot", "uiterlijk", "sinds", "tussen")
# Left over after reading, these mean the text says more about the date than we understood.
_UNREAD_WORDS = re.compile(
    r"\b(?:week|weken|weekje|maand|maanden|jaar|weekend|eind|einde|begin|midden|nacht|vannacht"
    r"|vorige|gisteren|eergisteren|duurt|uur|half|kwart|mrt|" + "|".join(MONTHS)
    + r"|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|twintig)\b|\d"
)


@dataclass(frozen=True)
class ParsedMoment:
    at: datetime  # timezone-aware, Europe/Amsterdam
    has_time: bool  # False when only a day was given (then at is that day 09:00)


class _Unreadable(Exception):
    """The text mentions a date or time, but not one we can read with confidence."""


@dataclass
class _Found:
    days: list[date] = field(default_factory=list)
    weekdays: list[int] = field(default_factory=list)
    clocks: list[tuple[int, int]] = field(default_factory=list)  # (spoken hour, minute offset)
    dagdelen: list[str] = field(default_factory=list)
    week_only: bool = False  # "volgende week" without a day: a Monday, but no time goes with it

    def is_empty(self) -> bool:
        return not (self.days or self.weekdays or self.clocks or self.dagdelen)


def parse_meeting_time(text: str, now: datetime) -> ParsedMoment | None:
    """When a meeting is, from a client's own words; None when it cannot be read.
    `now` is timezone-aware; results are never in the past (a weekday means the next one;
    a date without year that has passed means next year)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(AMSTERDAM)
    try:
        return _parse(_normalise(text), now)
    except _Unreadable:
        return None


def _parse(text: str, now: datetime) -> ParsedMoment | None:
    hours, text = _take_hours_from_now(text)
    found = _Found()
    text = _read_days(text, now, found)
    text = _read_dagdelen(text, found)
    if _UNREAD_WORDS.search(text):
        return None
    if hours is not None:
        return _hours_from_now(hours, now) if found.is_empty() else None
    return _combine(found, now)


# --- normalising ---------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: "Één" and "een" read the same."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def _normalise(text: str) -> str:
    text = fold(text)
    text = re.sub(r"[’‘`´]", "'", text)
    text = re.sub(r"\ba\.?s\.?(?=\s|$)", " aanstaande ", text)
    text = _normalise_dagdelen(text)
    text = re.sub(r"(\d)(?:ste|de|e)\b", r"\1e", text)
    # Phone typing drops spaces: "om10uur", "14u30", "12mrt"; keep "15e" (ordinal) whole.
    text = re.sub(r"(?<=[a-z])(?=\d)", " ", text)
    text = re.sub(r"(\d)(?!e\b)(?=[a-z])", r"\1 ", text)
    text = re.sub(r"[,;!?()\"]|\.(?=\s|$)", " ", text)
    text = " ".join(_canonical_weekday(word, text) for word in text.split())
    # After a weekday, "morgen" is the morning ("dinsdag morgen"), not tomorrow.
    text = re.sub(rf"\b{_WD}\s+morgen\b(?!\s*(?:ochtend|middag|avond))", r"\1 ochtend", text)
    return f" {text} "


def _normalise_dagdelen(text: str) -> str:
    text = re.sub(r"\bvan(?:daag\s*)?morgen\b", "vandaag ochtend", text)
    text = re.sub(r"\bvan(ochtend|middag|avond)\b", r"vandaag \1", text)
    text = re.sub(r"(?:'s|\bs'?)\s*morgens\b", " ochtend ", text)
    text = re.sub(r"(?:'s|\bs'?)\s*(ochtend|middag|avond)s\b", r" \1 ", text)
    text = re.sub(r"\b(over)?morgen\s*vroeg\b", r"\1morgen ochtend", text)
    text = re.sub(r"\b(over)?morgen(ochtend|middag|avond)\b", r"\1morgen \2", text)
    text = re.sub(r"\b(\w+?(?:dag|dg))(ochtend|middag|avond|morgen)\b", r"\1 \2", text)
    text = re.sub(r"\b(?:in de morgen|morgens|voormiddag)\b", " ochtend ", text)
    text = re.sub(r"\bnamiddag\b", " middag ", text)
    return re.sub(r"\b(ochtend|middag|avond)s\b", r"\1", text)


def _canonical_weekday(word: str, text: str) -> str:
    bare = word.rstrip(".")
    if bare in SHORT_WEEKDAYS and (bare != "zo" or re.search(r"\bzo\.?\s*\d", text)):
        # "zo" is also "so/soon"; only read it as Sunday right before a date or time.
        return WEEKDAYS[SHORT_WEEKDAYS[bare]]
    if len(bare) < 5 or not bare.isalpha() or not bare.rstrip("s").endswith("g"):
        return word
    for name in WEEKDAYS:
        if bare[:2] == name[:2] and SequenceMatcher(None, bare, name).ratio() >= 0.8:
            return name
    return word


# --- taking pieces out of the text ---------------------------------------------------------


def _take(pattern: str, text: str, limits: tuple[str, ...] = ()) -> tuple[list[re.Match[str]], str]:
    """All matches of `pattern`, and the text with them blanked out."""
    matches = list(re.finditer(pattern, text))
    for match in matches:
        before = text[: match.start()].rstrip()
        if any(before.endswith(f" {limit}") for limit in limits):
            raise _Unreadable
    # A separator, so what was before and after a match cannot be read as one phrase.
    return matches, re.sub(pattern, " ; ", text)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def _take_hours_from_now(text: str) -> tuple[int | None, str]:
    # "over 2 uur" is two hours from now, but "kwart over 2 uur" is a clock time.
    matches = [
        m for m in re.finditer(rf"\bover\s+{_COUNT}\s+uur\b", text)
        if not re.search(rf"\b{_MINUTES}\s*$", text[: m.start()])
    ]
    if not matches:
        return None, text
    if len(matches) > 1:
        raise _Unreadable
    match = matches[0]
    return _number(match.group(1)), text[: match.start()] + " ; " + text[match.end() :]


def _hours_from_now(hours: int, now: datetime) -> ParsedMoment:
    at = (now + timedelta(hours=hours)).replace(second=0, microsecond=0)
    return ParsedMoment(at, True)


# --- days and clock times ------------------------------------------------------------------


def _read_days(text: str, now: datetime, found: _Found) -> str:
    text = _read_dated(text, now, found)
    text = _read_clocks(text, found)
    text = _read_short_dates(text, now, found)
    text = _read_day_of_month(text, now, found)
    text = _read_relative_days(text, now, found)
    return _read_weekdays(text, now, found)


def _read_dated(text: str, now: datetime, found: _Found) -> str:
    matches, text = _take(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})\b", text, _DAY_LIMITS)
    found.days += [_parse_date(m.group(0).replace(".", "-"), now, True) for m in matches]
    matches, text = _take(rf"\b(\d{{1,2}})e?\s*{_MONTH}(?:\s+(\d{{4}}))?(?!\w)", text, _DAY_LIMITS)
    for match in matches:
        fragment = f"{match.group(1)} {_month_name(match.group(2))} {match.group(3) or ''}"
        found.days.append(_parse_date(fragment.strip(), now, match.group(3) is not None))
    return text


def _read_short_dates(text: str, now: datetime, found: _Found) -> str:
    matches, text = _take(r"\b(\d{1,2})[-/](\d{1,2})\b", text, _DAY_LIMITS)
    found.days += [_parse_date(m.group(0), now, False) for m in matches]
    return text


def _month_name(abbreviation: str) -> str:
    return next(n for n, pattern in MONTHS.items() if re.fullmatch(pattern, abbreviation))


def _parse_date(fragment: str, now: datetime, has_year: bool) -> date:
    settings = {
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": "Europe/Amsterdam",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "DATE_ORDER": "DMY",
        "REQUIRE_PARTS": ["day", "month"],
    }
    parsed = dateparser.parse(fragment, languages=["nl"], settings=settings)
    if parsed is None:
        raise _Unreadable
    day = parsed.date()
    if not has_year:
        day = _this_year_if_still_ahead(day, now.date())
    if day < now.date():
        raise _Unreadable
    return day


def _this_year_if_still_ahead(day: date, today: date) -> date:
    # dateparser's "future" moves today's own date ("30 november" on 30 November) a year on.
    try:
        earlier = day.replace(year=day.year - 1)
    except ValueError:
        return day
    return earlier if earlier >= today else day


def _read_clocks(text: str, found: _Found) -> str:
    for pattern, to_clock in _CLOCK_PATTERNS:
        matches, text = _take(pattern, text, _CLOCK_LIMITS)
        found.clocks += [to_clock(m) for m in matches]
    return text


def _half(match: re.Match[str]) -> tuple[int, int]:
    minutes = _number(match.group(1)) if match.group(1) else 0
    sign = -1 if match.group(2) == "voor" else 1
    return _number(match.group(3)), -30 + sign * minutes


def _past_or_to(match: re.Match[str]) -> tuple[int, int]:
    minutes = _number(match.group(1))
    return _number(match.group(3)), minutes if match.group(2) == "over" else -minutes


_CLOCK_PATTERNS = (
    (rf"\b(?:{_MINUTES}\s+(over|voor)\s+)?half\s+{_HOUR}{_UUR}", _half),
    (rf"\b{_MINUTES}\s+(over|voor)\s+{_HOUR}{_UUR}(?!\s*(?:dag|dagen|week|weken))", _past_or_to),
    (r"\b(\d{1,2})[:.](\d{2})(?:\s*(?:uur|u|h)\b)?", lambda m: (int(m[1]), int(m[2]))),
    (r"\b(\d{1,2})\s*(?:u|h|uur)\s*(\d{2})\b", lambda m: (int(m[1]), int(m[2]))),
    (rf"\b(?!een\b){_HOUR}\s*(?:uur|u|h)\b", lambda m: (_number(m[1]), 0)),
    (r"\bom\s+een\s+uur\b", lambda m: (1, 0)),
    (
        rf"\b(?:om|rond|rondom|tegen)\s+(?!een\b){_HOUR}\b(?!\s*(?:[-/:.]\d|e\b|{_MONTH}))",
        lambda m: (_number(m[1]), 0),
    ),
)


def _read_day_of_month(text: str, now: datetime, found: _Found) -> str:
    matches, text = _take(r"\b(?:de\s+(\d{1,2})e?|(\d{1,2})e)\b", text, _DAY_LIMITS)
    found.days += [_next_day_of_month(int(m.group(1) or m.group(2)), now.date()) for m in matches]
    return text


def _next_day_of_month(day: int, today: date) -> date:
    year, month = today.year, today.month
    for _ in range(12):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise _Unreadable


def _read_relative_days(text: str, now: datetime, found: _Found) -> str:
    today = now.date()
    matches, text = _take(rf"\bover\s+{_COUNT}\s+(dag|dagen|week|weekje|weken)\b", text)
    for match in matches:
        days_per_unit = 1 if match.group(2).startswith("dag") else 7
        found.days.append(today + timedelta(days=_number(match.group(1)) * days_per_unit))
    offsets = {"vandaag": 0, "morgen": 1, "overmorgen": 2}
    matches, text = _take(r"\b(vandaag|overmorgen|morgen)\b", text)
    found.days += [today + timedelta(days=offsets[m.group(1)]) for m in matches]
    return text


def _read_weekdays(text: str, now: datetime, found: _Found) -> str:
    monday = now.date() - timedelta(days=now.weekday())
    for week_start, word in ((monday + timedelta(weeks=1), "volgende"), (monday, "deze")):
        week = rf"(?:van\s+)?(?:de\s+)?{word}\s+week"
        for pattern in (rf"\b{week}\s+(?:op\s+)?{_WD}\b", rf"\b{_WD}\s+{week}\b"):
            matches, text = _take(pattern, text, _DAY_LIMITS)
            found.days += [_day_in_week(week_start, m.group(1), now.date()) for m in matches]
    pattern = rf"\b(?:(?:deze|aanstaande|komende|volgende)\s+)?{_WD}(?:\s+aanstaande)?\b"
    matches, text = _take(pattern, text, _DAY_LIMITS)
    found.weekdays += [WEEKDAYS.index(m.group(1)) for m in matches]
    matches, text = _take(r"\bvolgende\s+week\b", text, _DAY_LIMITS)
    if matches:
        found.days.append(monday + timedelta(weeks=1))
        found.week_only = True
    return text


def _day_in_week(week_start: date, weekday: str, today: date) -> date:
    day = week_start + timedelta(days=WEEKDAYS.index(weekday))
    if day < today:
        raise _Unreadable
    return day


def _read_dagdelen(text: str, found: _Found) -> str:
    matches, text = _take(r"\b(ochtend|middag|avond)\b", text)
    found.dagdelen += [m.group(1) for m in matches]
    return text


# --- putting it together -------------------------------------------------------------------


def _combine(found: _Found, now: datetime) -> ParsedMoment | None:
    day = _pick_day(found, now.date())
    minutes = _pick_minutes(found)
    if minutes is None:
        if day is None:
            return None
        return ParsedMoment(_at(day, DAY_ONLY_HOUR * 60), False)
    if found.week_only:
        raise _Unreadable
    if day is None:
        at = _at(now.date(), minutes)
        return ParsedMoment(at if at >= now else _at(now.date() + timedelta(days=1), minutes), True)
    at = _at(day, minutes)
    if at < now:
        raise _Unreadable
    return ParsedMoment(at, True)


def _pick_day(found: _Found, today: date) -> date | None:
    if len(set(found.days)) > 1 or len(set(found.weekdays)) > 1:
        raise _Unreadable
    if found.days:
        day = found.days[0]
        if found.weekdays and day.weekday() != found.weekdays[0]:
            raise _Unreadable
        return day
    if found.weekdays:
        return today + timedelta(days=(found.weekdays[0] - today.weekday() - 1) % 7 + 1)
    return None


def _pick_minutes(found: _Found) -> int | None:
    if len(set(found.clocks)) > 1 or len(set(found.dagdelen)) > 1:
        raise _Unreadable
    dagdeel = found.dagdelen[0] if found.dagdelen else None
    if not found.clocks:
        return DAGDEEL_DEFAULT[dagdeel] if dagdeel else None
    hour, offset = found.clocks[0]
    if offset > 59 or hour > 23:
        raise _Unreadable
    minutes = _daytime_hour(hour, dagdeel) * 60 + offset
    if not 0 <= minutes < 24 * 60:
        raise _Unreadable
    return minutes


def _daytime_hour(hour: int, dagdeel: str | None) -> int:
    """A meeting is in the daytime: "om 3" is 15:00, "om 8" is 08:00."""
    if dagdeel is None:
        return hour + 12 if 1 <= hour <= 6 else hour
    if hour not in _DAGDEEL_HOURS[dagdeel]:
        raise _Unreadable  # "10 uur 's middags", "14 uur 's ochtends"
    return _DAGDEEL_HOURS[dagdeel][hour]


def _at(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=AMSTERDAM)
