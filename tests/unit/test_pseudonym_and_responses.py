from bot.pseudonym import sender_id
from bot.responses import ResponseCatalog, fill, template_fields
from bot.telegram_frontend import split_text


def test_sender_id_is_stable_keyed_and_does_not_contain_the_chat_id():
    first = sender_id("key-a", 123456789)
    assert first == sender_id("key-a", 123456789)
    assert first != sender_id("key-b", 123456789)
    assert first != sender_id("key-a", 123456780)
    assert "123456789" not in first and len(first) == 32


def test_fill_leaves_no_raw_braces_and_fills_known_values():
    assert fill("Je komt via {gemeente_name}.", {"gemeente_name": "Utrecht"}) == \
        "Je komt via Utrecht."
    assert fill("Hoi {naam}!", {}) == "Hoi !"
    assert template_fields("{a} en {b}") == {"a", "b"}


def test_catalog_renders_text_and_buttons_from_dialogues():
    catalog = ResponseCatalog.load()
    answer = catalog.render("utter_welcome_gemeente", {"gemeente_name": "Voorbeeldstad"})
    assert "Voorbeeldstad" in answer.text
    assert answer.buttons and all(b.payload.startswith("/") for b in answer.buttons)


def test_split_text_respects_telegrams_limit_and_keeps_everything():
    text = ("Een zin van een paar woorden. " * 400).strip()
    chunks = split_text(text, limit=4096)
    assert all(len(c) <= 4096 for c in chunks)
    assert " ".join(chunks).split() == text.split()
