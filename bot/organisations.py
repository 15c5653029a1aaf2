"""Organisations a client can turn to: per gemeente and national, from content/.

- `content/gemeenten/<slug>.yml`: one gemeente each; the file name is the slug used in the
  deep link (`/start <slug>`). Its complaint procedure, ombudsfunctie, Steunpunt,
  cliëntenraad and cliëntondersteuning.
- `content/organisaties/landelijk.yml`: the national organisations (Nationale ombudsman,
  Het Juridisch Loket, UWV, 113, Veilig Thuis, Geldfit), each with its source.

The pydantic models below are the schema: unknown keys are errors, so a typo is caught
by `make check` (bot/content_check.py), which reports every problem as file:line.
Office hours are in Europe/Amsterdam time.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.config import ROOT

CONTENT = ROOT / "content"
GEMEENTEN = "gemeenten"
ORGANISATIES = "organisaties"
NATIONAL_FILE = "landelijk.yml"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
SHORT_DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
SLUG = re.compile(r"^[a-z0-9-]{1,64}$")  # what a Telegram deep link carries (telegram_frontend)
TIME_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
PHONE = re.compile(r"^\+?[0-9][0-9 ]*[0-9]$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
EXAMPLE_DOMAIN = re.compile(r"\.example(/|$)")
DAY_MINUTES = 24 * 60
# Tags of the ombudsfunctie union; pydantic puts them in error locations, files don't have them.
OWN, REFERENCE = "eigen", "verwijzing"


class ContentError(ValueError):
    """A content file does not fit the schema; the message lists every problem."""


# -- values -------------------------------------------------------------------------------

def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _minutes(hours: str, minutes: str) -> int:
    return int(hours) * 60 + int(minutes)


def parse_range(text: str) -> tuple[int, int]:
    """"09:00-17:00" -> (540, 1020): minutes since midnight, end exclusive; 24:00 may end."""
    match = TIME_RANGE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a time range like 09:00-17:00")
    start, end = _minutes(*match.group(1, 2)), _minutes(*match.group(3, 4))
    if int(match[2]) > 59 or int(match[4]) > 59 or start >= DAY_MINUTES or end > DAY_MINUTES:
        raise ValueError(f"{text!r} has a time that does not exist (00:00 to 24:00)")
    if start >= end:
        raise ValueError(f"{text!r} ends before it starts")
    return start, end


def _valid_range(text: str) -> str:
    parse_range(text)
    return text


def _check_overlap(ranges: list[str]) -> list[str]:
    parsed = sorted(parse_range(text) for text in ranges)
    for (_, end), (start, _) in pairwise(parsed):
        if start < end:
            raise ValueError(f"time ranges overlap: {ranges}")
    return ranges


def _phone(value: Any) -> Any:
    if isinstance(value, int):
        raise ValueError("write the phone number in quotes, e.g. \"0800 8020\" (YAML reads "
                         "bare digits as a number and drops a leading 0)")
    if isinstance(value, str) and not PHONE.match(value.strip()):
        raise ValueError(f"{value!r} is not a phone number (digits and spaces)")
    return value


def _email(value: str | None) -> str | None:
    if value is not None and not EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _url(value: str | None) -> str | None:
    if value is not None and not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
        raise ValueError(f"{value!r} is not a web address starting with https://")
    return value


Ranges = Annotated[list[Annotated[str, AfterValidator(_valid_range)]],
                   BeforeValidator(_one_or_many)]
Phone = Annotated[str, BeforeValidator(_phone)]


# -- models -------------------------------------------------------------------------------

class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OfficeHours(Strict):
    """When an organisation can be reached: per weekday a list of "HH:MM-HH:MM" ranges
    (Europe/Amsterdam), none on a day means closed; `closed_on` lists dates it is closed."""

    maandag: Ranges = []
    dinsdag: Ranges = []
    woensdag: Ranges = []
    donderdag: Ranges = []
    vrijdag: Ranges = []
    zaterdag: Ranges = []
    zondag: Ranges = []
    closed_on: list[date] = []

    _overlap = field_validator(*WEEKDAYS)(_check_overlap)

    def ranges_on(self, day: date) -> list[tuple[int, int]]:
        if day in self.closed_on:
            return []
        return sorted(parse_range(text) for text in getattr(self, WEEKDAYS[day.weekday()]))

    def is_open(self, moment: datetime) -> bool:
        local = _local(moment)
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.ranges_on(local.date()))

    def next_opening(self, moment: datetime) -> datetime | None:
        """`moment` itself when open then, else the start of the next opening; None if never."""
        if self.is_open(moment):
            return _local(moment)
        local = _local(moment)
        minute = local.hour * 60 + local.minute
        for offset in range(366 + len(self.closed_on)):
            day = local.date() + timedelta(days=offset)
            for start, _ in self.ranges_on(day):
                if offset or start > minute:
                    return datetime.combine(day, time(start // 60, start % 60), tzinfo=AMSTERDAM)
        return None


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("office hours need an aware datetime (with a time zone)")
    return moment.astimezone(AMSTERDAM)


class Contact(Strict):
    """One organisation or desk. Only `name` is required; leave out what is not known."""

    name: str = Field(min_length=1)
    how: str | None = None  # how to reach them or file something, one or two short B1 sentences
    phone: Phone | None = None
    other_phones: list[Phone] = []
    free: bool = False  # calling is free of charge
    email: str | None = None
    website: str | None = None
    address: str | None = None
    office_hours: OfficeHours | None = None
    closed_on: list[date] = []
    response_weeks: int | None = Field(default=None, ge=1, le=52)
    source: str | None = None  # where the facts were checked (URL)
    _example: bool = PrivateAttr(default=False)

    _email = field_validator("email")(_email)
    _urls = field_validator("website", "source")(_url)

    @model_validator(mode="after")
    def _closed_days_join_the_hours(self) -> Contact:
        if self.closed_on:
            if self.office_hours is None:
                raise ValueError("closed_on needs office_hours")
            days = sorted(set(self.office_hours.closed_on) | set(self.closed_on))
            self.office_hours = self.office_hours.model_copy(update={"closed_on": days})
        return self

    @property
    def is_example(self) -> bool:
        return self._example


class SourcedContact(Contact):
    """A national organisation: the facts must say where they come from."""

    source: str


class NationalReference(Strict):
    """`ombudsfunctie: {national: nationale_ombudsman}`: the gemeente has no ombudsman of
    its own; complaints go on to the Nationale ombudsman."""

    national: Literal["nationale_ombudsman"]


def _ombudsfunctie_kind(value: Any) -> str:
    if isinstance(value, dict):
        return REFERENCE if "national" in value else OWN
    return REFERENCE if isinstance(value, NationalReference) else OWN


Ombudsfunctie = Annotated[
    Annotated[Contact, Tag(OWN)] | Annotated[NationalReference, Tag(REFERENCE)],
    Discriminator(_ombudsfunctie_kind),
]


class Gemeente(Strict):
    slug: str  # the file name, not written in the file
    name: str = Field(min_length=1)
    example: bool = False  # a made-up gemeente that shows the structure
    complaint: Contact | None = None  # the gemeente's own klachtenprocedure (Awb ch. 9)
    ombudsfunctie: Ombudsfunctie | None = None  # own ombudsman, or a national reference
    steunpunt: Contact | None = None  # independent Steunpunt
    clientenraad: Contact | None = None  # cliëntenraad / adviesraad sociaal domein
    clientondersteuning: Contact | None = None  # free independent support, Wmo 2015 art. 2.2.4

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"file name {value!r} cannot be a deep link: use a-z, 0-9 and -")
        return value

    @model_validator(mode="after")
    def _mark_examples(self) -> Gemeente:
        for contact in self.contacts().values():
            contact._example = self.example
        return self

    def contacts(self) -> dict[str, Contact]:
        found = {key: getattr(self, key) for key in
                 ("complaint", "ombudsfunctie", "steunpunt", "clientenraad",
                  "clientondersteuning")}
        return {key: value for key, value in found.items() if isinstance(value, Contact)}


class National(Strict):
    nationale_ombudsman: SourcedContact
    juridisch_loket: SourcedContact
    uwv: SourcedContact
    zelfmoordpreventie: SourcedContact = Field(alias="113")
    veilig_thuis: SourcedContact
    geldfit: SourcedContact

    @classmethod
    def keys(cls) -> dict[str, str]:
        """File key -> field name."""
        return {field.alias or name: name for name, field in cls.model_fields.items()}


# -- reading files with line numbers --------------------------------------------------------

@dataclass(frozen=True)
class Issue:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        try:
            shown = self.path.relative_to(ROOT)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}: {self.message}"


def _line(node: yaml.Node | None, loc: tuple) -> int:
    """The line of the key (or list item) that `loc` points to, as deep as the file goes."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(part):
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                if part in (OWN, REFERENCE):
                    continue
                break  # a missing key: the line of the mapping that lacks it
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys the model allows at the mapping `loc` points into (for "did you mean")."""
    current: Any = model
    for part in loc:
        if part in (OWN, REFERENCE):
            current = Contact if part == OWN else NationalReference
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        fields = {field.alias or name: field for name, field in current.model_fields.items()}
        if part not in fields:
            return []
        current = _model_in(fields[part].annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [field.alias or name for name, field in current.model_fields.items()]
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()) or ():
        if isinstance(argument, type) and issubclass(argument, BaseModel):
            return argument
    return None


def _message(model: type[BaseModel], error: dict) -> str:
    loc = tuple(part for part in error["loc"])
    shown = ".".join(str(part) for part in loc if part not in (OWN, REFERENCE))
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = [k for k in _allowed_keys(model, loc[:-1]) if k != "slug"]
        hint = difflib.get_close_matches(key, allowed, n=1)
        return (f"unknown key {shown!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + (f"; allowed: {', '.join(allowed)}" if allowed and not hint else ""))
    if kind == "missing":
        return f"{shown} is missing"
    message = error["msg"].removeprefix("Value error, ")
    return f"{shown}: {message}" if shown else message


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so pydantic reports a wrong one (2026-04-31)
    with its place instead of the YAML reader failing on it."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None, list[Issue]]:
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.load(text, Loader=_Loader), yaml.compose(text, Loader=_Loader), []
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return None, None, [Issue(path, line, f"not valid YAML: {error}")]


def validate_model(model: type[BaseModel], path: Path, data: Any, node: yaml.Node | None
              ) -> tuple[Any, list[Issue]]:
    try:
        return model.model_validate(data), []
    except ValidationError as error:
        return None, [Issue(path, _line(node, tuple(item["loc"])), _message(model, item))
                      for item in error.errors()]


def read_gemeente(path: Path) -> tuple[Gemeente | None, list[Issue]]:
    data, node, issues = read_yaml(path)
    if issues:
        return None, issues
    if not isinstance(data, dict):
        return None, [Issue(path, 1, "a gemeente file is a mapping with at least name:")]
    if "slug" in data:
        return None, [Issue(path, _line(node, ("slug",)),
                            "no slug: here, the file name is the slug")]
    gemeente, issues = validate_model(Gemeente, path, {**data, "slug": path.stem}, node)
    if gemeente is not None:
        issues = _example_issues(gemeente, path, node)
    return (gemeente if not issues else None), issues


def _example_issues(gemeente: Gemeente, path: Path, node: yaml.Node | None) -> list[Issue]:
    """A made-up gemeente uses made-up contact details only, and a real one none of those."""
    issues = []
    for key, contact in gemeente.contacts().items():
        for field in ("website", "email"):
            value = getattr(contact, field)
            if value is None:
                continue
            made_up = bool(EXAMPLE_DOMAIN.search(value.split("@")[-1]))
            if gemeente.example and not made_up:
                issues.append(Issue(path, _line(node, (key, field)),
                                    f"{key}.{field}: an example gemeente uses .example "
                                    "addresses only"))
            if not gemeente.example and made_up:
                issues.append(Issue(path, _line(node, (key, field)),
                                    f"{key}.{field}: a .example address in a real gemeente "
                                    "(set example: true, or fill in the real one)"))
        if gemeente.example and (contact.phone or contact.other_phones):
            issues.append(Issue(path, _line(node, (key, "phone")),
                                f"{key}.phone: an example gemeente has no phone numbers "
                                "(a made-up number may belong to someone)"))
    return issues


def read_national(path: Path) -> tuple[National | None, list[Issue]]:
    data, node, issues = read_yaml(path)
    if issues:
        return None, issues
    if not isinstance(data, dict):
        return None, [Issue(path, 1, "the national file is a mapping of organisations")]
    return validate_model(National, path, {str(key): value for key, value in data.items()}, node)


def check_content(root: Path = CONTENT) -> list[Issue]:
    """Every problem in `root`/gemeenten and `root`/organisaties, each with file and line."""
    return _load(root)[2]


def _load(root: Path) -> tuple[dict[str, Gemeente], National | None, list[Issue]]:
    issues: list[Issue] = []
    gemeenten: dict[str, Gemeente] = {}
    for path in sorted((root / GEMEENTEN).glob("*")):
        if path.suffix != ".yml":
            issues.append(Issue(path, 1, "only .yml files are read here"))
            continue
        gemeente, found = read_gemeente(path)
        issues += found
        if gemeente is not None:
            gemeenten[gemeente.slug] = gemeente
    issues += _same_names(gemeenten, root)
    national: National | None = None
    for path in sorted((root / ORGANISATIES).glob("*")):
        if path.name != NATIONAL_FILE:
            issues.append(Issue(path, 1, f"unknown file: only {NATIONAL_FILE} is read here"))
            continue
        national, found = read_national(path)
        issues += found
    if not (root / ORGANISATIES / NATIONAL_FILE).exists():
        issues.append(Issue(root / ORGANISATIES / NATIONAL_FILE, 1, "file is missing"))
    return gemeenten, national, issues


def _same_names(gemeenten: dict[str, Gemeente], root: Path) -> list[Issue]:
    seen: dict[str, str] = {}
    issues = []
    for slug, gemeente in gemeenten.items():
        for key in {normalise(gemeente.name), normalise(slug)}:
            if key in seen and seen[key] != slug:
                path = root / GEMEENTEN / f"{slug}.yml"
                issues.append(Issue(path, 1, f"name {gemeente.name!r} is the same as that of "
                                             f"{seen[key]}.yml once typed by a client"))
            seen.setdefault(key, slug)
    return issues


# -- the loaded content ---------------------------------------------------------------------

def normalise(text: str) -> str:
    """How a typed gemeente name is compared: no case, accents, spaces or punctuation, and
    without a leading "gemeente"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"^\s*gemeente\s+", "", plain)
    return re.sub(r"[^a-z0-9]", "", plain)


class Organisations:
    """The gemeenten (by slug) and the national organisations, as read from content/."""

    def __init__(self, gemeenten: dict[str, Gemeente], national: National) -> None:
        self.gemeenten = gemeenten
        self._national = national
        self._typed = {}
        for slug, gemeente in gemeenten.items():
            self._typed.setdefault(normalise(gemeente.name), slug)
            self._typed.setdefault(normalise(slug), slug)

    @classmethod
    def load(cls, root: Path = CONTENT) -> Organisations:
        gemeenten, national, issues = _load(root)
        if issues or national is None:
            raise ContentError("content does not fit the schema (run make check):\n"
                               + "\n".join(str(issue) for issue in issues))
        return cls(gemeenten, national)

    @property
    def names(self) -> dict[str, str]:
        return {slug: gemeente.name for slug, gemeente in self.gemeenten.items()}

    def __contains__(self, slug: object) -> bool:
        return slug in self.gemeenten

    def __iter__(self) -> Iterator[str]:
        return iter(self.gemeenten)

    def name(self, slug: str | None) -> str | None:
        gemeente = self.gemeente(slug)
        return gemeente.name if gemeente else None

    def gemeente(self, slug: str | None) -> Gemeente | None:
        return self.gemeenten.get(slug) if slug else None

    def national(self, key: str) -> Contact:
        """nationale_ombudsman, juridisch_loket, uwv, 113, veilig_thuis or geldfit."""
        field = National.keys().get(key)
        if field is None:
            raise KeyError(f"no national organisation {key!r}; known: "
                           f"{', '.join(National.keys())}")
        return getattr(self._national, field)

    def ombudsfunctie(self, slug: str | None) -> Contact:
        """The gemeente's own ombudsman or ombudscommissie, else the Nationale ombudsman
        (also for an unknown gemeente or one whose file does not say)."""
        gemeente = self.gemeente(slug)
        own = gemeente.ombudsfunctie if gemeente else None
        if isinstance(own, Contact):
            return own
        key = own.national if isinstance(own, NationalReference) else "nationale_ombudsman"
        return self.national(key)

    def find_gemeente(self, text: str) -> str | None:
        """The slug of the gemeente the client typed ("Voorbeeldstad", "gemeente
        voorbeeld-stad"), or None: the whole text must be the name, give or take case,
        accents, spaces and punctuation."""
        return self._typed.get(normalise(text)) if text and normalise(text) else None


@cache
def organisations() -> Organisations:
    """The content of this checkout, read once per process."""
    return Organisations.load()


# -- text for a chat message ----------------------------------------------------------------

def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _day_runs(days: list[int]) -> str:
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(SHORT_DAYS[run[0]] if len(run) == 1 else
                     f"{SHORT_DAYS[run[0]]}-{SHORT_DAYS[run[-1]]}" for run in runs)


def hours_text(hours: OfficeHours) -> str:
    """Compact Dutch: "ma-vr 9:00-17:00", "ma-do 9:00-12:00 en 13:00-16:00; vr 9:00-12:00",
    "elke dag 10:00-22:00", "dag en nacht"; "" when never open."""
    per_day = [tuple(sorted(parse_range(text) for text in getattr(hours, day)))
               for day in WEEKDAYS]
    groups: dict[tuple, list[int]] = {}
    for day, ranges in enumerate(per_day):
        if ranges:
            groups.setdefault(ranges, []).append(day)
    if list(groups) == [((0, DAY_MINUTES),)] and len(groups[((0, DAY_MINUTES),)]) == 7:
        return "dag en nacht"
    parts = []
    for ranges, days in groups.items():
        times = " en ".join(f"{_clock(start)}-{_clock(end)}" for start, end in ranges)
        parts.append(f"{'elke dag' if len(days) == 7 else _day_runs(days)} {times}")
    return "; ".join(parts)


def _web(url: str) -> str:
    return re.sub(r"^https?://", "", url).rstrip("/")


def contact_text(contact: Contact) -> str:
    """A short Dutch block for a chat message, one item a line, e.g.

        Nationale ombudsman
        Bel gratis 0800 335 5555
        Website: www.nationaleombudsman.nl

    A contact of an example gemeente says "(voorbeeld)" after its name."""
    lines = [contact.name + (" (voorbeeld)" if contact.is_example else "")]
    if contact.how:
        lines.append(contact.how)
    hours = hours_text(contact.office_hours) if contact.office_hours else ""
    if contact.phone:
        numbers = " of ".join([contact.phone, *contact.other_phones])
        lines.append(f"Bel {'gratis ' if contact.free else ''}{numbers}"
                     + (f" ({hours})" if hours else ""))
    elif hours:
        lines.append(f"Open: {hours}")
    if contact.website:
        lines.append(f"Website: {_web(contact.website)}")
    if contact.email:
        lines.append(f"E-mail: {contact.email}")
    if contact.address:
        lines.append(f"Adres: {' '.join(contact.address.split())}")
    if contact.response_weeks:
        lines.append(f"Je krijgt binnen {contact.response_weeks} weken antwoord.")
    return "\n".join(lines)
