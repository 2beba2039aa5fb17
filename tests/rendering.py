"""Rendering helpers for the tests that need a real spreadsheet program (LibreOffice headless).

Where LibreOffice or poppler is missing the tests skip, except under CI, which sets
KAOHE_REQUIRE_LIBREOFFICE=1 so that they must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kaohe import office


def require_office() -> None:
    if office.soffice() is None or shutil.which("pdftoppm") is None:
        if os.environ.get("KAOHE_REQUIRE_LIBREOFFICE"):
            raise RuntimeError("LibreOffice or poppler-utils is missing, but KAOHE_REQUIRE_LIBREOFFICE is set")
        pytest.skip("LibreOffice headless not installed here", allow_module_level=True)


def ink(pdf: Path, tmp: Path, page: int = 1) -> float:
    """The share of non-white pixels on a page, from a grey PGM raster (no imaging library needed)."""
    stem = tmp / f"{pdf.stem}-p{page}"
    subprocess.run(["pdftoppm", "-gray", "-r", "40", "-f", str(page), "-l", str(page), str(pdf), str(stem)],
                   check=True, timeout=60)
    raw = next(tmp.glob(f"{stem.name}*.pgm")).read_bytes()
    fields = raw.split(maxsplit=4)  # P5, width, height, maxval, pixels
    assert fields[0] == b"P5"
    pixels = fields[4]
    return sum(1 for p in pixels if p < 200) / len(pixels)


def text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def flat(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    """The text of a PDF (or of pages first–last), line by line, without any whitespace (pdftotext spaces
    Chinese unevenly)."""
    pages_ = ["-f", str(first), "-l", str(last or first)] if first else []
    done = subprocess.run(["pdftotext", "-layout", *pages_, str(pdf), "-"], capture_output=True, text=True, check=True)
    return "".join(done.stdout.split())
