"""A measure's trend chart as a PNG picture, for the Word paper (python-docx cannot embed SVG, issue 29).

Drawn from the same `TrendFigure` as the HTML's SVG (the words, the points, the target), so the two cannot disagree:
its name and key above, the readings as a solid line and the target dashed, in the SVG's colours (each at least 3:1
against the white page), the first and last days below. Sized for its place on the page: text at 10 pt once the
picture is WIDTH_CM wide. Pillow is imported only here, only by `report -f docx`.
"""

from __future__ import annotations

import io

from ilacs_cli.render.report import TARGET_LINE, TREND_LINE, TrendFigure

WIDTH_CM = 16.0  # the picture's width on the page (the Word paper's text is 17 cm wide)
DPI = 192
TEXT_PT = 10  # the Word paper's text size
INK = "#0b0c0c"  # the paper's text colour
# Arial where the machine has it (Windows, macOS), else its metric twin Liberation Sans, else Pillow's own font.
REGULAR = ("arial.ttf", "Arial.ttf", "LiberationSans-Regular.ttf")
BOLD = ("arialbd.ttf", "Arial Bold.ttf", "LiberationSans-Bold.ttf")


def _px(points: float) -> int:
    return round(points * DPI / 72)


def _font(names: tuple[str, ...], size: int):
    from PIL import ImageFont

    for name in names:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _wrapped(draw, text: str, font, width: int) -> list[str]:
    """`text` in lines no wider than `width` pixels, broken between words."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


def trend_png(figure: TrendFigure) -> bytes:
    """The trend chart as PNG bytes, WIDTH_CM wide at DPI."""
    from PIL import Image, ImageDraw

    width, size = round(WIDTH_CM / 2.54 * DPI), _px(TEXT_PT)
    regular, bold = _font(REGULAR, size), _font(BOLD, size)
    line_height = round(size * 1.3)
    measuring = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    heading = _wrapped(measuring, figure.heading, bold, width)
    key = _wrapped(measuring, figure.key, regular, width)
    reading, target, dash, gap = _px(2.25), _px(1.5), _px(6), _px(4.5)  # the SVG's 3 and 2 px lines, 8 and 6 dashes
    plot_top = line_height * (len(heading) + len(key)) + _px(6)
    plot = _px(60)  # the SVG's 80 px
    pad = reading  # room for the line's thickness at the top and bottom of the plot
    height = plot_top + plot + 2 * pad + _px(4) + line_height
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    y = 0
    for text, font in [(text, bold) for text in heading] + [(text, regular) for text in key]:
        draw.text((0, y), text, fill=INK, font=font)
        y += line_height

    def at(across: float, up: float) -> tuple[float, float]:
        return (pad + across * (width - 2 * pad), plot_top + pad + plot - up * plot)

    left, level = at(0, figure.target)
    right = width - pad
    x = left
    while x < right:
        draw.line([(x, level), (min(x + dash, right), level)], fill=TARGET_LINE, width=target)
        x += dash + gap
    points = [at(across, up) for across, up in figure.points]
    if len(points) > 1:
        draw.line(points, fill=TREND_LINE, width=reading, joint="curve")
    for px, py in points:  # each reading's place, and a single reading still shows
        draw.ellipse([px - reading, py - reading, px + reading, py + reading], fill=TREND_LINE)
    below = plot_top + plot + 2 * pad + _px(4)
    draw.text((0, below), figure.first_day, fill=INK, font=regular)
    draw.text((width - draw.textlength(figure.last_day, font=regular), below), figure.last_day, fill=INK, font=regular)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(DPI, DPI))
    return buffer.getvalue()
