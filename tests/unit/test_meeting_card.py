import io
from datetime import datetime
from zoneinfo import ZoneInfo

from PIL import Image

from bot import meeting_card
from bot.meeting_card import CardContent, format_meeting_moment, render_card

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
LONG_LINE = ("Ik wil graag weten of ik met behoud van mijn bijstandsuitkering een opleiding "
             "mag volgen, en wie dan de reiskosten en het lesgeld betaalt.")


def card(sections: list[tuple[str, list[str]]]) -> CardContent:
    return CardContent(title="Mijn gesprekskaart", when_label="Wanneer",
                       when="dinsdag 8 december 2026 om 10:00", sections=sections,
                       footer="Gemaakt met de cliëntassistent")


def image(content: CardContent, width: int = 1080) -> Image.Image:
    picture = Image.open(io.BytesIO(render_card(content, width)))
    picture.load()
    return picture


def test_the_card_is_a_portrait_png_1080_wide():
    picture = image(card([("Mijn vragen", ["Mag ik een opleiding doen?"])]))
    assert picture.format == "PNG"
    assert picture.width == 1080
    assert picture.height >= 1350


def test_the_height_grows_with_the_content():
    short = image(card([("Mijn vragen", [LONG_LINE] * 5)]))
    longer = image(card([("Mijn vragen", [LONG_LINE] * 10)]))
    assert longer.height > short.height > 1350


def test_empty_sections_are_left_out():
    questions = ("Mijn vragen", [LONG_LINE] * 6)
    with_empty = image(card([("Ik neem mee", []), questions, ("Notities", ["", "  "])]))
    assert with_empty.tobytes() == image(card([questions])).tobytes()


def test_long_arabic_and_emoji_text_renders_within_the_margins():
    lines = [f"{i}. {LONG_LINE}" for i in range(30)]
    lines += ["مرحبا، أريد أن أسأل عن المساعدة في البحث عن عمل 👍🏽🙂", "Wéér één vraag 👨‍👩‍👧",
              "https://www.rijksoverheid.nl/" + "heel-lang-adres-zonder-spaties" * 10]
    picture = image(card([("Mijn vragen", lines), ("Notities", ["x\ty\x00z\u202e"])]))
    assert picture.height > 30 * 2 * 60  # every long line wraps onto at least two lines
    right_margin = picture.crop((picture.width - 50, 700, picture.width, picture.height))
    assert right_margin.getcolors() == [(right_margin.width * right_margin.height,
                                         (255, 255, 255))]


def test_the_footer_is_not_cut_off():
    picture = image(card([("Mijn vragen", [LONG_LINE] * 20)])).convert("L")
    bottom = picture.crop((0, picture.height - 160, picture.width, picture.height))
    assert bottom.getextrema()[0] < 128  # the footer text is drawn there


def test_a_narrower_card_is_still_portrait():
    picture = image(card([("Mijn vragen", [LONG_LINE] * 3)]), width=540)
    assert picture.width == 540
    assert picture.height >= 675


def test_the_meeting_moment_in_dutch():
    moment = datetime(2026, 12, 8, 10, 0, tzinfo=AMSTERDAM)
    assert format_meeting_moment(moment, has_time=True) == "dinsdag 8 december 2026 om 10:00"
    assert format_meeting_moment(moment, has_time=False) == "dinsdag 8 december 2026"


def test_a_naive_moment_is_taken_as_utc_like_the_store():
    assert format_meeting_moment(datetime(2026, 12, 8, 9, 0), has_time=True) == \
        "dinsdag 8 december 2026 om 10:00"
    assert format_meeting_moment(datetime(2026, 12, 7, 23, 30), has_time=False) == \
        "dinsdag 8 december 2026"


def test_without_dejavu_the_built_in_font_is_used(monkeypatch, tmp_path):
    monkeypatch.setattr(meeting_card, "DEJAVU", tmp_path)
    meeting_card._font.cache_clear()
    try:
        picture = image(card([("Mijn vragen", [LONG_LINE, "مرحبا 👍"])]))
    finally:
        meeting_card._font.cache_clear()
    assert picture.width == 1080
    assert picture.height >= 1350
