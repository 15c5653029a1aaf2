"""Masking of misunderstood messages before they are stored for review."""

import pytest

from bot.admin_web.masking import mask, vocabulary

KNOWN = frozenset({"ik", "wil", "bezwaar", "maken", "mijn", "klantmanager", "is", "heel",
                   "streng", "de", "uwv", "belt", "ziek", "al", "weken", "en", "woon", "op",
                   "in", "tilburg", "hulp", "met", "praten", "kan"})


@pytest.mark.parametrize(("text", "expected"), [
    ("mail me op jan.de.vries@example.nl", "mail me op [e-mail]"),
    ("mijn bsn is 123 456 789", "mijn bsn is [nummer]"),
    ("bel 06-12345678 of +31 6 1234 5678", "bel [nummer] of [nummer]"),
    ("ik woon op 1234 AB", "ik woon op [postcode]"),
    ("ik woon op de Kerkstraat 12a in Tilburg", "ik woon op de [adres] in Tilburg"),
    ("ik woon op de dorpsstraat", "ik woon op de [adres]"),
    ("stationsweg 4", "[adres]"),
    ("onderweg naar huis", "onderweg naar huis"),  # "weg" alone is no street
    ("rekening NL91ABNA0417164300", "rekening [rekeningnummer]"),
    ("ik heet Jan de Vries en ik wil bezwaar maken", "ik heet [naam] en ik wil bezwaar maken"),
    ("ik heet jan van dijk", "ik heet [naam]"),
    ("mevrouw van der Berg belt", "mevrouw [naam] belt"),
    ("mijn klantmanager is heel streng", "mijn klantmanager is heel streng"),
    ("mijn klantmanager pietersen is streng", "mijn klantmanager [naam] is streng"),
    ("kan ik met Sanne praten", "kan ik met [naam] praten"),
    ("Kan ik met de UWV praten", "Kan ik met de UWV praten"),
    ("ik ben ziek al 2 weken", "ik ben ziek al 2 weken"),
    ("wat moet ik doen\nals de uwv belt", "wat moet ik doen als de uwv belt"),
])
def test_personal_details_are_masked_and_the_question_stays(text, expected):
    assert mask(text, KNOWN) == expected


def test_the_vocabulary_comes_from_the_training_data_without_the_names_in_it():
    words = vocabulary()
    assert {"bezwaar", "uitkering", "klantmanager"} <= words
    assert "mohammed" not in words  # "hoi ik heet mohammed" is an example, not a word
    assert mask("hallo ik ben Sandra") == "hallo ik ben [naam]"
