"""Built PDFs -> page-review sheets: every page of a PDF side by side in one PNG.

A person looks at every page at once (a half-empty page, a heading left at the foot of a
column, a box cut in two show at a glance at 50-70 dpi). Pages are rasterised by poppler's
`pdftoppm` (maintained, installed with poppler-utils) and laid out on a contact sheet with
Pillow (a WeasyPrint dependency). One sheet per PDF, named after it, with the file name and
the page numbers printed on the sheet.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .errors import PublishError
from .formats import FORMATS, format_of_path

PDF = FORMATS["pdf"]

GAP = 16          # pixels between pages
LABEL = 22        # pixels of caption above each row of pages
BACKGROUND = (150, 150, 150)


class RasterizerMissing(PublishError):
    """pdftoppm is not installed."""

    exit_code = 6


@dataclass(frozen=True)
class Sheet:
    """One contact sheet: the PDF it shows, the PNG written, how many pages."""

    pdf: Path
    png: Path
    pages: int


def find_pdfs(targets: list[Path]) -> list[Path]:
    """The PDFs named by `targets` (files, or folders searched recursively), sorted."""
    found: list[Path] = []
    for target in targets:
        if target.is_dir():
            found += sorted(p for p in target.rglob("*") if format_of_path(p) is PDF and not p.name.startswith("."))
        elif format_of_path(target) is PDF:
            found.append(target)
    return found


def rasterize(pdf: Path, dpi: int, where: Path) -> list[Path]:
    """Every page of `pdf` as a PNG in `where` (pdftoppm), in page order."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise RasterizerMissing("pdftoppm (poppler-utils) is needed to draw the pages: "
                                "apt-get install poppler-utils")
    subprocess.run([tool, "-r", str(dpi), "-png", str(pdf), str(where / "p")], check=True,
                   capture_output=True)
    return sorted(where.glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def contact_sheet(pages: list[Image.Image], title: str, columns: int) -> Image.Image:
    """The pages in rows of `columns`, each with its number, under a title line."""
    width = max(p.width for p in pages)
    height = max(p.height for p in pages)
    rows = (len(pages) + columns - 1) // columns
    cols = min(columns, len(pages))
    sheet = Image.new("RGB", (GAP + cols * (width + GAP), LABEL + rows * (height + LABEL + GAP)), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    draw.text((GAP, 4), title, fill=(0, 0, 0), font=font)
    for index, page in enumerate(pages):
        row, col = divmod(index, columns)
        x = GAP + col * (width + GAP)
        y = LABEL + row * (height + LABEL + GAP) + LABEL
        draw.text((x, y - LABEL + 4), f"page {index + 1}", fill=(0, 0, 0), font=font)
        sheet.paste(page, (x, y))
    return sheet


def review_sheets(targets: list[Path], out_dir: Path, *, dpi: int = 60, columns: int = 4) -> list[Sheet]:
    """Write one contact sheet `<pdf name>.png` into `out_dir` for every PDF in `targets`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sheets = []
    for pdf in find_pdfs(targets):
        with tempfile.TemporaryDirectory() as tmp:
            files = rasterize(pdf, dpi, Path(tmp))
            images = [Image.open(f).convert("RGB") for f in files]
        if not images:
            continue
        png = out_dir / (pdf.stem + ".png")
        contact_sheet(images, f"{pdf.name}: {len(images)} page(s)", columns).save(png)
        sheets.append(Sheet(pdf, png, len(images)))
    return sheets
