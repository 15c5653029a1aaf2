"""Is a typed message English or Dutch? A small, explainable count of function words.

The NLU model understands both languages (one model, docs/nlu.md "English"); this module
only decides which language to *answer* in when a client never chose one with /taal.

Each word of the message is looked up in two lists of words that occur in one language
and not (or hardly) in the other: English "i my the you what can please", Dutch "ik mijn
de je wat kan graag". Words both languages use ("is", "in", "me", "we", "u", "die",
"want", "over", "even"), loan words ("meeting", "job", "coach", "kids", "second opinion",
"sorry", "ok", "hi") and the Dutch words of the client's world that English writers keep
("bijstand", "klantmanager", "bezwaar", "uitkering", "gemeente") count for neither.

A language wins with at least :data:`MIN_WORDS` of its words and at least twice as many as
the other, or with its one word in a message of three words or more that has none of the
other ("what is iro"); anything else is undecided (None): "hi", "ok", "yes", an emoji, a
date, a half-and-half sentence. So "my klantmanager says i must work" is English (my,
says, i, must, work) and "ik heb een meeting met mijn coach" is Dutch. Measured on the
held-out NLU sets (docs/nlu.md): 398 of 420 English messages English, none Dutch; no Dutch
message English.

:class:`WrittenLanguages` remembers, per client (pseudonymous id, in memory only), that
they write English, so an undecided "ok" or a button press keeps the conversation in
English, and says when the client should be offered the language choice (once).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

ENGLISH = "en"
DUTCH = "nl"
MIN_WORDS = 2  # a language needs at least this many of its own words
DOMINANCE = 2  # ... and at least this many times the other language's words
LONE_MARKER_LENGTH = 3  # or, in a message of this many words, one word and none of the other


def _listed(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that mark English and are not Dutch words (nor common in Dutch chat).
ENGLISH_WORDS = _listed("""
    i im ive id my mine myself you your youre yours ur he she his him her they them their
    theyre it its us our the a an this that these those there here
    what how why where when who whom which whose
    can could cant cannot will would wont should shouldnt must may might shall
    am are arent be been being were isnt wasnt
    do does did dont doesnt didnt have has havent hasnt having
    get got getting need needs know knew tell told say says said make made go going goes
    went give gave take took like work works working find found
    not no yes yeah yep nope please pls plz thanks thank thx
    to on at by from with without for about into out up down off than then
    and or but if because so too also very much many more most some any every each
    other another again still only just already now today tomorrow yesterday
    next after before new good right rights wrong true
    speak talk english dutch language understand
    show delete remove erase notes note write written remember
    someone somebody anyone anybody nobody something anything nothing everything
    person people human real money benefit decision complaint allowed agree disagree
    sick debt debts child children home house hello
    morning afternoon evening night goodbye see sure fine great exactly absolutely course
    never way really rather idea dunno question answer time again back care
    explain mean means meaning personal own choose choice change options settings request
    independent advice free group clients council provider agreement
    application overview private anonymous shared information phone number address times
    against prepare view consent withdraw permission permissions reminders forget clear
    wipe throw away quit cancel continue leave end husband wife beats violent rude treat
    treats treated employee legal cut percent problems long takes old song sing
""")

# Words that mark Dutch and are not English words.
DUTCH_WORDS = _listed("""
    ik mij mijn mn jij je jou jouw jullie uw hij zij ze haar hem wij ons onze hun zn
    de het een dit deze dat er daar hier
    wat hoe waar wanneer waarom wie welke welk hoeveel waarvoor
    kan kun kunt kunnen wil wilt willen moet moeten mag mogen zou zal zullen
    ben bent zijn heb hebt heeft hebben wordt worden werd
    ga gaat gaan doe doet doen kom komt komen krijg krijgt krijgen weet weten
    zeg zegt zeggen maak maakt maken laat zien schrijf verwijder
    niet geen nee ja graag dank dankje dankjewel bedankt alsjeblieft aub hoi hallo doei
    en van voor met aan op om te naar bij uit tot na sinds tegen zonder mee terug
    ook nog maar als dan omdat wel toch eens al zo heel veel meer niks niets alles
    iemand iets nu nou vraag vraagje vragen goed slecht werk geld mensen hulp
""")

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


@dataclass(frozen=True)
class Evidence:
    """The marker words found: why a message was taken as English, Dutch or neither."""

    english: tuple[str, ...]
    dutch: tuple[str, ...]
    length: int  # words in the message, marker or not

    @property
    def language(self) -> str | None:
        en, nl = len(self.english), len(self.dutch)
        if en >= MIN_WORDS and en >= DOMINANCE * nl:
            return ENGLISH
        if nl >= MIN_WORDS and nl >= DOMINANCE * en:
            return DUTCH
        if self.length >= LONE_MARKER_LENGTH and {en, nl} == {0, 1}:
            return ENGLISH if en else DUTCH  # "what is iro", "can steunpunt help me"
        return None


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes dropped ("don't" -> "dont", "m'n" -> "mn")."""
    text = text.lower().replace("\u2019", "'").replace("a.u.b.", "aub")
    return [w.replace("'", "") for w in _WORD.findall(text)]


def evidence(text: str) -> Evidence:
    found = words(text)
    return Evidence(tuple(w for w in found if w in ENGLISH_WORDS),
                    tuple(w for w in found if w in DUTCH_WORDS), len(found))


def detect(text: str) -> str | None:
    """"en", "nl", or None when the message does not say (too short, mixed, no words)."""
    return evidence(text).language


class WrittenLanguages:
    """Per client (pseudonymous id): the language they write in, when it is not Dutch.

    Kept in memory only, for at most ``limit`` clients (the least recently heard go
    first): it is a guess for this conversation, not a choice; a choice made with /taal is
    stored and always wins. A Dutch message forgets the guess; an undecided one keeps it.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._languages: OrderedDict[str, str] = OrderedDict()
        self._offered: OrderedDict[str, None] = OrderedDict()

    def language(self, client: str) -> str | None:
        return self._languages.get(client)

    def hear(self, client: str, text: str) -> bool:
        """Note the language of a typed message; True the first time this client is heard
        writing English, when the language choice should be offered to them."""
        written = detect(text)
        if written == DUTCH:
            self._languages.pop(client, None)
        elif written == ENGLISH:
            self._remember(self._languages, client, written)
            if client not in self._offered:
                self._remember(self._offered, client, None)
                return True
        return False

    def forget(self, client: str) -> None:
        self._languages.pop(client, None)
        self._offered.pop(client, None)

    def _remember(self, table: OrderedDict, client: str, value: str | None) -> None:
        table[client] = value
        table.move_to_end(client)
        while len(table) > self.limit:
            table.popitem(last=False)
