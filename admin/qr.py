"""Print-ready QR codes of a campaign's deep link: PNG and SVG, error correction H, with the
campaign's name (and the link, for anyone who cannot scan) under the code."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from PIL import Image, ImageDraw, ImageFont

PNG_MODULE_PX = 24  # about 1000 px wide for a typical link: sharp at 8 cm and 300 dpi
SVG_MODULE = 10
BORDER = 4  # the quiet zone scanners need, in modules
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")
FONT_NAMES = {
    True: ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"),
    False: ("DejaVuSans.ttf", "LiberationSans-Regular.ttf"),
}


def make_qr(link: str) -> segno.QRCode:
    return segno.make(link, error="h", micro=False, boost_error=False)


def qr_png(link: str, name: str) -> bytes:
    code = make_qr(link)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=PNG_MODULE_PX, border=BORDER)
    symbol = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    width = symbol.width
    title_size, link_size = max(28, width // 18), max(16, width // 40)
    title_font = _font(title_size, bold=True)
    link_font = _font(link_size, bold=False)
    title_lines = textwrap.wrap(name, width=28)[:3] or [""]
    line_height = int(title_size * 1.3)
    caption = len(title_lines) * line_height + int(link_size * 1.6) + PNG_MODULE_PX * 2
    canvas = Image.new("RGB", (width, symbol.height + caption), "white")
    canvas.paste(symbol, (0, 0))
    draw = ImageDraw.Draw(canvas)
    y = symbol.height - PNG_MODULE_PX  # the quiet zone is wide enough to start the text in it
    for line in title_lines:
        draw.text((width / 2, y), line, font=title_font, fill="black", anchor="ma")
        y += line_height
    shown_link = link.removeprefix("https://")
    draw.text((width / 2, y + 4), shown_link, font=link_font, fill="#333333", anchor="ma")
    out = io.BytesIO()
    canvas.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


def qr_svg(link: str, name: str) -> str:
    code = make_qr(link)
    size = int(code.symbol_size(scale=SVG_MODULE, border=BORDER)[0])
    symbol = code.svg_inline(scale=SVG_MODULE, border=BORDER, dark="#000")
    title_lines = textwrap.wrap(name, width=28)[:3] or [""]
    title_size = size // 16
    link_size = size // 34
    height = size + len(title_lines) * int(title_size * 1.3) + int(link_size * 2.5)
    texts = []
    y = size - SVG_MODULE + title_size
    for line in title_lines:
        texts.append(_svg_text(line, size / 2, y, title_size, "bold"))
        y += int(title_size * 1.3)
    texts.append(_svg_text(link.removeprefix("https://"), size / 2, y, link_size, "normal"))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{height}" '
        f'viewBox="0 0 {size} {height}">\n'
        f"<title>{escape(name)}</title>\n"
        f'<rect width="{size}" height="{height}" fill="#fff"/>\n'
        f"{symbol}\n" + "\n".join(texts) + "\n</svg>\n"
    )


def _svg_text(text: str, x: float, y: float, size: int, weight: str) -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" '
        f'font-size="{size}" font-weight="{weight}" text-anchor="middle" fill="#000">'
        f"{escape(text)}</text>"
    )


def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for folder in FONT_DIRS:
        for name in FONT_NAMES[bold]:
            path = Path(folder) / name
            if path.is_file():
                return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)  # Pillow's own font: no system font needed
