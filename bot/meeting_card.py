"""The gesprekskaart: a meeting card a client holds up on their phone at a meeting.

Portrait, large type, high contrast and plain, so it stays readable across a desk. The
height follows the content, so nothing a client wrote is ever cut off.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from PIL import Image, ImageDraw, ImageFont

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DATE_PATTERN = "EEEE d MMMM y"
DATETIME_PATTERN = "EEEE d MMMM y 'om' HH:mm"

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
BASE_WIDTH = 1080
MIN_ASPECT = 1350 / 1080  # never squarer than 4:5, so it always reads as portrait
BULLET_INDENT = 46
BULLET_RADIUS = 7
# zero-width joiner, emoji presentation selector, skin tone modifiers
JOINERS = frozenset("\u200d\ufe0f" + "".join(map(chr, range(0x1F3FB, 0x1F400))))

BLUE = "#1f3a5f"
INK = "#141414"
WHITE = "#ffffff"
PALE = "#d6e1ee"  # the "Wanneer" label on the blue band; 8:1 contrast
MUTED = "#4d4d4d"  # the footer; still 8:1 on white
RULE = "#c8d2de"

# (size in px at BASE_WIDTH, bold)
STYLES: dict[str, tuple[int, bool]] = {
    "title": (64, True),
    "label": (36, False),
    "when": (48, True),
    "heading": (46, True),
    "body": (42, False),
    "footer": (32, False),
}
LINE_SPACING = 1.45
MARGIN = 60

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class CardContent:
    title: str
    when_label: str
    when: str
    sections: list[tuple[str, list[str]]]
    footer: str


def format_meeting_moment(moment: datetime, has_time: bool, locale: str = "nl_NL") -> str:
    """Babel-formatted, e.g. 'dinsdag 8 december 2026 om 10:00' (or without ' om ..' when
    has_time is False), in Europe/Amsterdam time.

    A naive moment is taken as UTC, as the store hands them back."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(AMSTERDAM)
    if has_time:
        return format_datetime(local, DATETIME_PATTERN, tzinfo=AMSTERDAM, locale=locale)
    return format_date(local.date(), DATE_PATTERN, locale=locale)


def render_card(card: CardContent, width: int = BASE_WIDTH) -> bytes:
    """The card as a PNG image (bytes)."""
    layout = _Layout(width)
    layout.header(card)
    for heading, lines in card.sections:
        layout.section(heading, lines)
    height = layout.finish(card.footer)
    image = Image.new("RGB", (width, height), WHITE)
    layout.draw(ImageDraw.Draw(image))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@lru_cache(maxsize=32)
def _font(size: int, bold: bool) -> Font:
    regular, heavy = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.exists() and heavy.exists():
        return ImageFont.truetype(str(heavy if bold else regular), size)
    return ImageFont.load_default(size=size)


@dataclass(frozen=True)
class _Run:
    x: float
    y: float
    text: str
    style: str
    fill: str
    anchor: str = "la"


@dataclass
class _Layout:
    """Two passes: place every run while measuring, then draw once the height is known."""

    width: int
    y: float = 0
    band_bottom: float = 0
    sections: int = 0
    runs: list[_Run] = field(default_factory=list)
    rules: list[float] = field(default_factory=list)
    dots: list[tuple[float, float]] = field(default_factory=list)

    def px(self, base: float) -> int:
        return max(1, round(base * self.width / BASE_WIDTH))

    def font(self, style: str) -> Font:
        size, bold = STYLES[style]
        return _font(max(8, self.px(size)), bold)

    def line_height(self, style: str) -> int:
        return round(self.px(STYLES[style][0]) * LINE_SPACING)

    def header(self, card: CardContent) -> None:
        self.y = self.px(MARGIN)
        self.paragraph(card.title, "title", WHITE)
        self.y += self.px(24)
        self.paragraph(card.when_label, "label", PALE)
        self.paragraph(card.when, "when", WHITE)
        self.y += self.px(MARGIN) - self.px(12)
        self.band_bottom = self.y
        self.y += self.px(MARGIN) - self.px(10)

    def section(self, heading: str, lines: list[str]) -> None:
        if not any(line.strip() for line in lines):
            return
        if self.sections:
            self.rule(before=28, after=36)
        self.sections += 1
        self.paragraph(heading, "heading", BLUE)
        self.y += self.px(6)
        for line in lines:
            if line.strip():
                self.paragraph(line, "body", INK, bullet=True)
                self.y += self.px(14)

    def finish(self, footer: str) -> int:
        """Place the footer at the bottom and return the card's height."""
        after_content = self.y + self.px(20)
        footer_lines = self.wrap(footer, "footer", self.text_width())
        footer_height = len(footer_lines) * self.line_height("footer")
        height = max(after_content + self.px(80) + footer_height + self.px(MARGIN),
                     self.width * MIN_ASPECT)
        self.y = height - self.px(MARGIN) - footer_height
        self.rules.append(self.y - self.px(30))
        self.paragraph(footer, "footer", MUTED)
        return round(height)

    def rule(self, before: int, after: int) -> None:
        self.y += self.px(before)
        self.rules.append(self.y)
        self.y += self.px(after)

    def text_width(self, indent: float = 0) -> float:
        return self.width - 2 * self.px(MARGIN) - indent

    def paragraph(self, text: str, style: str, fill: str, bullet: bool = False) -> None:
        indent = self.px(BULLET_INDENT) if bullet else 0
        rtl = _is_rtl(text)
        if bullet:
            self.bullet(style, rtl)
        left, right = self.px(MARGIN) + indent, self.width - self.px(MARGIN) - indent
        for line in self.wrap(text, style, self.text_width(indent)):
            self.runs.append(_Run(right, self.y, line, style, fill, "ra") if rtl
                             else _Run(left, self.y, line, style, fill))
            self.y += self.line_height(style)

    def bullet(self, style: str, rtl: bool) -> None:
        """A drawn "•", in line with the first line; the built-in font has no such glyph."""
        _, top, _, bottom = self.font(style).getbbox("x", anchor="la")
        offset = self.px(BULLET_RADIUS + 2)
        x = self.width - self.px(MARGIN) - offset if rtl else self.px(MARGIN) + offset
        self.dots.append((x, self.y + (top + bottom) / 2))

    def wrap(self, text: str, style: str, max_width: float) -> list[str]:
        font = self.font(style)
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            lines.extend(_wrap_paragraph(paragraph, font, max_width))
        return lines

    def draw(self, draw: ImageDraw.ImageDraw) -> None:
        draw.rectangle((0, 0, self.width, round(self.band_bottom)), fill=BLUE)
        margin, thickness = self.px(MARGIN), max(1, self.px(3))
        for y in self.rules:
            draw.line((margin, y, self.width - margin, y), fill=RULE, width=thickness)
        radius = self.px(BULLET_RADIUS)
        for x, y in self.dots:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=BLUE)
        for run in self.runs:
            draw.text((run.x, run.y), run.text, font=self.font(run.style), fill=run.fill,
                      anchor=run.anchor)


def _wrap_paragraph(paragraph: str, font: Font, max_width: float) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken between characters."""
    lines: list[str] = []
    current = ""
    # Invisible control characters (a pasted NUL, say) would only show as boxes.
    visible = "".join(c for c in paragraph if c.isspace() or unicodedata.category(c) != "Cc")
    for word in visible.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = _break_word(word, font, max_width)
        lines.extend(pieces[:-1])
        current = pieces[-1]
    lines.append(current)
    return _avoid_widow(lines, font, max_width)


def _avoid_widow(lines: list[str], font: Font, max_width: float) -> list[str]:
    """Take a word along to a lone last word, so a date ends on "om 10:00", not "10:00"."""
    if len(lines) < 2 or " " in lines[-1] or " " not in lines[-2]:
        return lines
    head, moved = lines[-2].rsplit(" ", 1)
    last = f"{moved} {lines[-1]}"
    if font.getlength(last) > max_width:
        return lines
    return [*lines[:-2], head, last]


def _break_word(word: str, font: Font, max_width: float) -> list[str]:
    """Break a too-long word (a web address, say) after a "-" or "/" where that is not too
    early in the line, else between any two characters."""
    pieces = [""]
    for cluster in _clusters(word):
        current = pieces[-1]
        if current and font.getlength(current + cluster) > max_width:
            cut = max(current.rfind("-"), current.rfind("/")) + 1
            if cut <= len(current) // 2:
                cut = len(current)
            pieces[-1:] = [current[:cut], current[cut:]]
        pieces[-1] += cluster
    return pieces


def _clusters(word: str) -> list[str]:
    """Roughly grapheme clusters: never split off an accent or the parts of a joined emoji."""
    clusters: list[str] = []
    for char in word:
        joins = unicodedata.category(char) in {"Mn", "Mc", "Me"} or char in JOINERS
        if clusters and (joins or clusters[-1].endswith("\u200d")):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _is_rtl(text: str) -> bool:
    """Whether the first strongly directional character is right-to-left (Arabic, Hebrew)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in {"R", "AL"}:
            return True
        if direction == "L":
            return False
    return False


def _sample() -> CardContent:
    return CardContent(
        title="Mijn gesprekskaart",
        when_label="Wanneer",
        when=format_meeting_moment(datetime(2026, 12, 8, 10, 0, tzinfo=AMSTERDAM), True),
        sections=[
            ("Met wie", ["Mevrouw De Vries, klantmanager"]),
            ("Waar gaat het over", ["Mijn re-integratietraject en de sollicitatieplicht"]),
            ("Wat ik wil", ["Een opleiding tot doktersassistent volgen in plaats van het "
                            "werkfit-traject"]),
            ("Mijn vragen", ["Mag ik een opleiding doen met behoud van mijn uitkering?",
                             "Wie betaalt de reiskosten?",
                             "Kan ik dit gesprek op papier terugkrijgen?"]),
            ("Ik neem mee", ["Mijn laatste loonstrook", "De brief van 12 november"]),
            ("Ik neem iemand mee", ["Ja, mijn buurvrouw Fatima"]),
            ("Mijn notities", ["Vorige keer is afgesproken dat ik eerst zelf een opleiding "
                               "zoek. Dat heb ik gedaan: ROC, start februari."]),
        ],
        footer="Gemaakt met de cliëntassistent",
    )


if __name__ == "__main__":
    Path("/tmp/gesprekskaart-sample.png").write_bytes(render_card(_sample()))
