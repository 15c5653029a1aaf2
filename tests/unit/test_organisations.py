"""Organisations per gemeente and national: the shipped content, its schema and its texts."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest

from bot.config import ROOT
from bot.content_check import check_organisations
from bot.organisations import (
    AMSTERDAM,
    Contact,
    ContentError,
    OfficeHours,
    Organisations,
    contact_text,
    hours_text,
)

CONTENT = ROOT / "content"
NATIONAL_KEYS = ["nationale_ombudsman", "juridisch_loket", "uwv", "113", "veilig_thuis",
                 "geldfit"]


@pytest.fixture(scope="module")
def orgs() -> Organisations:
    return Organisations.load()


@pytest.fixture
def content(tmp_path):
    """A copy of the shipped content to break."""
    shutil.copytree(CONTENT, tmp_path / "content")
    return tmp_path / "content"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


# -- the shipped files --------------------------------------------------------------------

def test_the_shipped_content_passes_the_check():
    assert check_organisations() == []


def test_the_example_gemeente_loads_with_every_part(orgs):
    assert "voorbeeldstad" in orgs and "elders" not in orgs
    assert orgs.names == {"voorbeeldstad": "Voorbeeldstad"}
    assert orgs.name("voorbeeldstad") == "Voorbeeldstad"
    assert orgs.name(None) is None and orgs.gemeente("elders") is None
    gemeente = orgs.gemeente("voorbeeldstad")
    assert gemeente.example
    assert gemeente.complaint.response_weeks == 6
    assert gemeente.steunpunt.office_hours.maandag
    assert gemeente.clientenraad.email.endswith("@voorbeeldstad.example")
    assert gemeente.clientondersteuning.name


def test_every_national_organisation_has_a_phone_and_a_source(orgs):
    for key in NATIONAL_KEYS:
        contact = orgs.national(key)
        assert contact.phone and contact.source.startswith("http"), key
    assert orgs.national("nationale_ombudsman").phone == "0800 335 5555"
    assert orgs.national("juridisch_loket").phone == "0800 8020"
    assert orgs.national("113").other_phones == ["0800 0113"]
    assert orgs.national("veilig_thuis").phone == "0800 2000"
    assert orgs.national("geldfit").phone == "0800 8115"
    with pytest.raises(KeyError):
        orgs.national("bestaat_niet")


def test_the_old_name_still_loads_the_same():
    from bot.gemeenten import Gemeenten

    assert Gemeenten.load().name("voorbeeldstad") == "Voorbeeldstad"


# -- ombudsfunctie --------------------------------------------------------------------------

def test_a_gemeente_without_its_own_ombudsman_points_to_the_national_one(orgs):
    national = orgs.national("nationale_ombudsman")
    assert orgs.ombudsfunctie("voorbeeldstad") is national
    assert orgs.ombudsfunctie("onbekend") is national
    assert orgs.ombudsfunctie(None) is national


def test_a_gemeente_with_its_own_ombudsman_gets_that_one(content):
    (content / "gemeenten" / "eigenstad.yml").write_text(
        "name: Eigenstad\nombudsfunctie:\n  name: Ombudscommissie Eigenstad\n"
        "  website: https://www.eigenstad.nl/ombudscommissie\n", encoding="utf-8")
    orgs = Organisations.load(content)
    assert orgs.ombudsfunctie("eigenstad").name == "Ombudscommissie Eigenstad"
    assert orgs.ombudsfunctie("voorbeeldstad").name == "Nationale ombudsman"


# -- office hours ---------------------------------------------------------------------------

HOURS = OfficeHours(maandag=["09:00-12:00", "13:00-17:00"], dinsdag=["09:00-17:00"],
                    woensdag=["09:00-17:00"], donderdag=["09:00-17:00"],
                    vrijdag=["09:00-12:00"], closed_on=["2026-04-27"])


def test_open_and_closed_within_a_day():
    assert HOURS.is_open(at("2026-04-28T09:00"))       # tuesday, first minute
    assert not HOURS.is_open(at("2026-04-28T08:59"))
    assert not HOURS.is_open(at("2026-04-28T17:00"))   # the end is not included
    assert not HOURS.is_open(at("2026-05-04T12:30"))   # monday lunch
    assert HOURS.is_open(at("2026-05-04T13:00"))


def test_next_opening_after_a_weekend_and_a_closed_day():
    friday_afternoon = at("2026-04-24T12:00")
    # Saturday, Sunday, then Monday 27 April (Koningsdag) is closed: Tuesday 9:00.
    assert not HOURS.is_open(friday_afternoon)
    assert not HOURS.is_open(at("2026-04-27T10:00"))
    assert HOURS.next_opening(friday_afternoon) == at("2026-04-28T09:00")
    assert HOURS.next_opening(at("2026-05-01T13:00")) == at("2026-05-04T09:00")


def test_next_opening_later_the_same_day_or_now():
    assert HOURS.next_opening(at("2026-05-04T07:30")) == at("2026-05-04T09:00")
    assert HOURS.next_opening(at("2026-05-04T12:15")) == at("2026-05-04T13:00")
    assert HOURS.next_opening(at("2026-05-04T10:00")) == at("2026-05-04T10:00")


def test_times_are_amsterdam_time_whatever_zone_comes_in():
    # 07:30 UTC on a summer tuesday is 09:30 in Amsterdam.
    moment = datetime(2026, 4, 28, 7, 30, tzinfo=UTC)
    assert HOURS.is_open(moment)
    opening = HOURS.next_opening(datetime(2026, 5, 1, 23, 0, tzinfo=UTC))
    assert opening == at("2026-05-04T09:00") and opening.tzinfo is not None
    with pytest.raises(ValueError):
        HOURS.is_open(datetime(2026, 4, 28, 10, 0))


def test_never_open_has_no_next_opening():
    assert OfficeHours().next_opening(at("2026-05-04T10:00")) is None


def test_closed_on_next_to_the_hours_joins_them():
    contact = Contact(name="x", office_hours={"maandag": "09:00-17:00"},
                      closed_on=["2026-05-04"])
    assert not contact.office_hours.is_open(at("2026-05-04T10:00"))
    assert contact.office_hours.is_open(at("2026-05-11T10:00"))


def test_the_shipped_steunpunt_is_closed_on_its_holidays(orgs):
    hours = orgs.gemeente("voorbeeldstad").steunpunt.office_hours
    assert not hours.is_open(at("2026-04-27T10:00"))
    assert hours.next_opening(at("2026-04-24T13:00")) == at("2026-04-28T09:00")


def test_help_lines_are_open_day_and_night(orgs):
    for key in ("113", "veilig_thuis"):
        hours = orgs.national(key).office_hours
        assert hours.is_open(at("2026-05-03T03:00")) and hours.is_open(at("2026-05-03T23:59"))


# -- texts ----------------------------------------------------------------------------------

def test_hours_in_compact_dutch():
    assert hours_text(OfficeHours(**{day: ["09:00-17:00"] for day in
                                     ("maandag", "dinsdag", "woensdag", "donderdag",
                                      "vrijdag")})) == "ma-vr 9:00-17:00"
    assert hours_text(HOURS) == ("ma 9:00-12:00 en 13:00-17:00; di-do 9:00-17:00; "
                                 "vr 9:00-12:00")
    assert hours_text(OfficeHours(maandag=["10:00-12:00"], woensdag=["10:00-12:00"])) == \
        "ma, wo 10:00-12:00"
    every_day = {day: ["00:00-24:00"] for day in ("maandag", "dinsdag", "woensdag",
                                                  "donderdag", "vrijdag", "zaterdag",
                                                  "zondag")}
    assert hours_text(OfficeHours(**every_day)) == "dag en nacht"


def test_contact_text_one_item_a_line(orgs):
    contact = Contact(name="Nationale ombudsman", phone="0800 335 5555",
                      website="https://www.nationaleombudsman.nl/",
                      office_hours={day: ["09:00-17:00"] for day in
                                    ("maandag", "dinsdag", "woensdag", "donderdag",
                                     "vrijdag")})
    assert contact_text(contact) == ("Nationale ombudsman\n"
                                     "Bel 0800 335 5555 (ma-vr 9:00-17:00)\n"
                                     "Website: www.nationaleombudsman.nl")
    text = contact_text(orgs.national("113"))
    assert "Bel gratis 113 of 0800 0113 (dag en nacht)" in text.splitlines()


def test_an_example_gemeente_says_so(orgs):
    gemeente = orgs.gemeente("voorbeeldstad")
    for contact in gemeente.contacts().values():
        assert contact_text(contact).splitlines()[0].endswith(" (voorbeeld)")
    lines = contact_text(gemeente.complaint).splitlines()
    assert "E-mail: klachten@voorbeeldstad.example" in lines
    assert "Je krijgt binnen 6 weken antwoord." in lines
    assert "Open: ma-do 9:00-12:00 en 13:00-16:00; vr 9:00-12:00" in \
        contact_text(gemeente.steunpunt)
    assert "(voorbeeld)" not in contact_text(orgs.ombudsfunctie("voorbeeldstad"))


# -- typed names ------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["voorbeeldstad", "Voorbeeldstad", "VOORBEELDSTAD ",
                                   "Voorbeeld stad", "voorbeeld-stad", "Vóórbeeldstad.",
                                   "gemeente Voorbeeldstad"])
def test_find_gemeente_matches_the_name_loosely(orgs, typed):
    assert orgs.find_gemeente(typed) == "voorbeeldstad"


@pytest.mark.parametrize("typed", ["", "  ", "voorbeeld", "ik woon in voorbeeldstad",
                                   "Amsterdam"])
def test_find_gemeente_needs_the_whole_name(orgs, typed):
    assert orgs.find_gemeente(typed) is None


# -- the check --------------------------------------------------------------------------------

def problems(content):
    return [(p.path.name, p.line, p.message) for p in check_organisations(content)]


def line_with(path, needle):
    return next(number for number, line in
                enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                if needle in line)


def replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_misspelt_weekday_is_reported_at_its_line(content):
    path = content / "gemeenten" / "voorbeeldstad.yml"
    replace(path, "    dinsdag:", "    dinsdga:")
    [(name, line, message)] = problems(content)
    assert name == "voorbeeldstad.yml" and line == line_with(path, "dinsdga:")
    assert "dinsdga" in message and "did you mean 'dinsdag'" in message


def test_a_bad_time_range_is_reported_at_its_line(content):
    path = content / "gemeenten" / "voorbeeldstad.yml"
    replace(path, '    vrijdag: ["09:00-12:00"]', '    vrijdag: ["12:00-09:00"]')
    replace(path, "  closed_on: [2026-04-03", "  closed_on: [2026-04-31")
    found = problems(content)
    assert (path.name, line_with(path, "vrijdag:"),
            "steunpunt.office_hours.vrijdag.0: '12:00-09:00' ends before it starts") in found
    assert any(line == line_with(path, "  closed_on: [") and "closed_on" in message
               for _, line, message in found)
    assert len(found) == 2


def test_a_missing_name_and_an_unknown_key_are_reported(content):
    path = content / "gemeenten" / "voorbeeldstad.yml"
    replace(path, "  name: Cliëntenraad Voorbeeldstad\n", "")
    replace(path, "  response_weeks: 6", "  antwoord_weken: 6")
    found = problems(content)
    assert (path.name, line_with(path, "clientenraad:"), "clientenraad.name is missing") \
        in found
    assert any(line == line_with(path, "antwoord_weken") and "unknown key" in message
               for _, line, message in found)


def test_the_example_gemeente_keeps_to_made_up_details(content):
    path = content / "gemeenten" / "voorbeeldstad.yml"
    replace(path, "  email: klachten@voorbeeldstad.example",
            "  email: klachten@voorbeeldstad.nl\n  phone: 010 123 4567")
    found = problems(content)
    assert {line for _, line, _ in found} == {line_with(path, "klachten@"),
                                               line_with(path, "phone:")}
    with pytest.raises(ContentError):
        Organisations.load(content)


def test_a_missing_source_in_the_national_file_is_reported(content):
    path = content / "organisaties" / "landelijk.yml"
    replace(path, "  source: https://www.ikwoonleefzorg.nl",
            "  bron: https://www.ikwoonleefzorg.nl")
    found = problems(content)
    assert ("landelijk.yml", line_with(path, "geldfit:"), "geldfit.source is missing") in found
    assert any(line == line_with(path, "bron:") and "unknown key" in message
               for _, line, message in found)


def test_a_number_yaml_reads_as_a_number_is_caught(content):
    path = content / "organisaties" / "landelijk.yml"
    replace(path, '  phone: "113"', "  phone: 113")
    [(name, line, message)] = problems(content)
    assert (name, line) == ("landelijk.yml", line_with(path, "phone: 113"))
    assert "quotes" in message


def test_broken_yaml_and_stray_files_are_reported(content):
    (content / "gemeenten" / "kapot.yml").write_text("name: Kapot\n  steunpunt: [\n",
                                                     encoding="utf-8")
    (content / "gemeenten" / "notities.txt").write_text("x", encoding="utf-8")
    (content / "gemeenten" / "Fout_Naam.yml").write_text("name: Fout\n", encoding="utf-8")
    found = problems(content)
    assert any(name == "kapot.yml" and "not valid YAML" in message
               for name, _, message in found)
    assert any(name == "notities.txt" for name, _, _ in found)
    assert any(name == "Fout_Naam.yml" and "deep link" in message
               for name, _, message in found)
