"""Complaint triage: what it is about, since when, which gemeente; then the route.

A besluit or a maatregel leads to bezwaar, with the deadline from the date on the letter;
treatment, the re-integratiebedrijf or privacy lead to the complaint procedure of the
gemeente (or UWV) and then the ombudsfunctie; the Steunpunt is offered at every route.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.base import SafeAction
from bot.actions.context import organisations
from bot.actions.deadline import read_besluit_date, tell_deadline
from bot.dutch_dates import fold
from bot.organisations import contact_text

OBJECTION_TOPICS = ("besluit", "maatregel")
UWV = "uwv"
# Words that say what a typed answer is about; the first topic with a match wins.
TOPIC_WORDS = {
    "maatregel": ("maatregel", "korting", "gekort", "sanctie", "boete", "verlaag", "minder geld"),
    "besluit": ("besluit", "beslissing", "afgewezen", "afwijzing", "beschikking", "stopgezet",
                "gestopt", "ingetrokken", "terugvorder", "terugbetal"),
    "reintegratie": ("re-integratie", "reintegratie", "integratiebedrijf", "traject", "bedrijf"),
    "privacy": ("privacy", "gegevens", "dossier", "inzage", "avg"),
    "behandeling": ("behandeld", "behandeling", "onbeleefd", "brutaal", "teruggebeld", "bejegen",
                    "discrimin", "respect", "klantmanager", "werkcoach", "uitgescholden"),
    "anders": ("anders", "weet niet", "iets anders"),
}
TOPIC_LABELS = {
    "besluit": "een besluit over de uitkering", "maatregel": "een maatregel of korting",
    "behandeling": "hoe de cliënt behandeld is", "reintegratie": "het re-integratiebedrijf",
    "privacy": "privacy of dossier", "anders": "iets anders",
}
ROUTE_LABELS = {
    "besluit": "bezwaar", "maatregel": "bezwaar tegen de maatregel",
    "behandeling": "klacht, daarna ombudsfunctie",
    "reintegratie": "klacht over het re-integratiebedrijf, daarna ombudsfunctie",
    "privacy": "inzage of correctie (AVG), klacht via FG of Autoriteit Persoonsgegevens",
    "anders": "onafhankelijke hulp",
}
MAX_ANSWER = 80


def topic_of(text: str) -> str | None:
    folded = fold(text)
    for topic, words in TOPIC_WORDS.items():
        if any(word in folded for word in words):
            return topic
    return None


class ActionStartComplaint(SafeAction):
    """A new triage starts empty: the answers of an earlier one are not assumed."""

    def name(self) -> str:
        return "action_start_complaint"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_complaint_intro")
        return [SlotSet(slot, None) for slot in ("complaint_topic", "complaint_since",
                                                 "complaint_gemeente", "besluit_date")]


class ValidateComplaintForm(FormValidationAction):
    def name(self) -> str:
        return "validate_complaint_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        slots = ["complaint_topic"]
        if tracker.get_slot("complaint_topic") in OBJECTION_TOPICS:
            slots.append("besluit_date")
        else:
            slots.append("complaint_since")
        if not tracker.get_slot("gemeente"):
            slots.append("complaint_gemeente")
        return slots

    def validate_complaint_topic(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value is None or str(value).startswith("/"):
            return {"complaint_topic": None}  # the button or words that opened the form
        topic = value if value in TOPIC_LABELS else topic_of(str(value))
        if topic is None:
            dispatcher.utter_message(response="utter_complaint_topic_not_understood")
        return {"complaint_topic": topic}

    def validate_complaint_since(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return {"complaint_since": " ".join(str(value).split())[:MAX_ANSWER]}

    def validate_besluit_date(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value == "-":
            return {"besluit_date": "-"}
        return {"besluit_date": read_besluit_date(value, dispatcher)}

    def validate_complaint_gemeente(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = " ".join(str(value).split())[:MAX_ANSWER]
        if text == "-":
            return {"complaint_gemeente": "-"}
        if fold(text).strip() == UWV:
            return {"complaint_gemeente": UWV, "gemeente": UWV}
        orgs = organisations()
        slug = text if text in orgs else orgs.find_gemeente(text)
        return {"complaint_gemeente": text, "gemeente": slug}


class ActionAskComplaintGemeente(SafeAction):
    """The gemeente question, with a button for every gemeente the content knows."""

    def name(self) -> str:
        return "action_ask_complaint_gemeente"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        buttons = [{"title": name, "payload": f'/inform{{"complaint_gemeente": "{slug}"}}'}
                   for slug, name in sorted(organisations().names.items(), key=lambda n: n[1])]
        dispatcher.utter_message(response="utter_ask_complaint_gemeente", buttons=buttons)
        return []


class ActionComplaintRoute(SafeAction):
    def name(self) -> str:
        return "action_complaint_route"

    async def act(self, dispatcher: CollectingDispatcher,
                  tracker: Tracker) -> list[dict[str, Any]]:
        topic = tracker.get_slot("complaint_topic") or "anders"
        gemeente = tracker.get_slot("gemeente")
        events: list[dict[str, Any]] = [SlotSet("complaint_route", ROUTE_LABELS[topic])]
        if topic in OBJECTION_TOPICS:
            events += objection_route(dispatcher, topic, tracker.get_slot("besluit_date"))
        elif topic in ("behandeling", "reintegratie"):
            complaint_route(dispatcher, topic, gemeente, tracker.get_slot("complaint_since"))
            events.append(SlotSet("topic", "ask_complaint_procedure"))
        elif topic == "privacy":
            organisation = organisation_name(gemeente)
            dispatcher.utter_message(response="utter_route_privacy", organisation=organisation)
            dispatcher.utter_message(response="utter_route_privacy_complaint",
                                     organisation=organisation)
        else:
            dispatcher.utter_message(response="utter_route_other")
        steunpunt_offer(dispatcher, gemeente)
        return events


def objection_route(dispatcher: CollectingDispatcher, topic: str,
                    besluit_date: str | None) -> list[dict[str, Any]]:
    if topic == "maatregel":
        dispatcher.utter_message(response="utter_route_sanction")
    events: list[dict[str, Any]] = [SlotSet("topic", "ask_objection")]
    made_known = _iso_date(besluit_date)
    if made_known is None:
        dispatcher.utter_message(response="utter_route_objection_no_date")
    else:
        events += tell_deadline(dispatcher, made_known, "utter_route_objection")
    dispatcher.utter_message(response="utter_route_objection_next")
    return [*events, SlotSet("besluit_date", None)]


def complaint_route(dispatcher: CollectingDispatcher, topic: str, gemeente: str | None,
                    since: str | None) -> None:
    orgs = organisations()
    if topic == "reintegratie":
        dispatcher.utter_message(response="utter_route_reintegration")
    if gemeente == UWV:
        dispatcher.utter_message(response="utter_route_complaint",
                                 contact=contact_text(orgs.national("uwv")))
    elif (found := orgs.gemeente(gemeente)) is not None and found.complaint is not None:
        dispatcher.utter_message(response="utter_route_complaint",
                                 contact=contact_text(found.complaint))
    else:
        dispatcher.utter_message(response="utter_route_complaint_own_gemeente")
    if since and "jaar" in since.lower():
        dispatcher.utter_message(response="utter_route_complaint_old")
    ombudsfunctie = orgs.ombudsfunctie(None if gemeente == UWV else gemeente)
    dispatcher.utter_message(response="utter_route_complaint_next",
                             ombudsfunctie_contact=contact_text(ombudsfunctie))


def steunpunt_offer(dispatcher: CollectingDispatcher, gemeente: str | None) -> None:
    found = organisations().gemeente(gemeente)
    if found is not None and found.steunpunt is not None:
        dispatcher.utter_message(response="utter_route_steunpunt",
                                 steunpunt_contact=contact_text(found.steunpunt))
    else:
        dispatcher.utter_message(response="utter_route_steunpunt_unknown")


def organisation_name(gemeente: str | None) -> str:
    if gemeente == UWV:
        return "UWV"
    found = organisations().gemeente(gemeente)
    return f"de gemeente {found.name}" if found is not None else "je gemeente"


def _iso_date(value: str | None) -> date | None:
    if not value or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    return date.fromisoformat(value)
