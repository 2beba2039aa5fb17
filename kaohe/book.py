"""The small workbook-access layer the check runs through: openpyxl here, xlwings inside Excel.

The check (``kaohe.checking``) reads sheets as grids of values and writes the 检查结果 rows and
cell colours through this interface only, so the macro in Excel (``udfs/kaohe_macros.py``, an xlwings
``Book``) and the command line (an :class:`OpenpyxlBook`) run the same code.
"""

from __future__ import annotations

import re
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import unescape

import numpy as np
from openpyxl import Workbook, load_workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import column_index_from_string
from python_calamine import CalamineWorkbook

NO_FILL = "无底色"  # a cell without a background colour


class Book(Protocol):
    def sheet_names(self) -> list[str]: ...

    def grid(self, sheet: str) -> list[list[object]]:
        """The sheet's values as shown (a formula cell: its last computed value), row by row."""

    def columns(self, sheet: str) -> list[list[object]]:
        """The same values column by column (a long sheet such as 测评表, without building its rows)."""

    def replace_rows(self, sheet: str, first_row: int, rows: list[list[object]]) -> None:
        """Clear the sheet from ``first_row`` down and write ``rows`` there."""

    def fill(self, sheet: str, cell: str, rgb: str) -> str | None:
        """Set a cell's background (an ARGB colour, or NO_FILL) and return the one it had, in the same
        terms; ``None`` when the cell's own fill could not be put back exactly (then it is left as is)."""


_TAG = {"sheet": re.compile(r"<sheet\s[^>]*>"), "rel": re.compile(r"<Relationship\s[^>]*>")}
_ERROR_CELL = re.compile(rb'<c\b(?=[^>]*\st="e")(?=[^>]*\sr="([A-Z]+)([0-9]+)")[^>]*>.*?<v>([^<]*)</v>', re.S)


def _attr(tag: str, name: str) -> str:
    found = re.search(rf'\s{re.escape(name)}="([^"]*)"', tag)
    return found.group(1) if found else ""


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's name → its XML part in the package (xl/worksheets/sheetN.xml)."""
    rels = {_attr(t, "Id"): _attr(t, "Target")
            for t in _TAG["rel"].findall(archive.read("xl/_rels/workbook.xml.rels").decode("utf-8"))}
    return {unescape(_attr(t, "name")): "xl/" + rels[_attr(t, "r:id")].lstrip("/").removeprefix("xl/")
            for t in _TAG["sheet"].findall(archive.read("xl/workbook.xml").decode("utf-8"))}


def _error_cells(path: Path, part: str) -> dict[tuple[str, int], str]:
    """(column, row) → the error text (#N/A…) of each error cell of one sheet's XML."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(part)
    if b' t="e"' not in xml:  # the usual case: no error cell at all
        return {}
    return {(col.decode(), int(row)): unescape(text.decode("utf-8")) for col, row, text in _ERROR_CELL.findall(xml)}


class OpenpyxlBook:
    """A workbook file: read from its saved values, written (when asked) with formulas and VBA kept.

    Values are read with python-calamine (Rust; many times faster than openpyxl on big sheets). It
    reports an error cell (#N/A…) as an empty string, so those cells are found in the sheet's XML
    and given back their error text: an error is never read as a blank. openpyxl edits.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._values = CalamineWorkbook.from_path(str(self.path))
        self._arrays: dict[str, np.ndarray] = {}
        # Error cells are found in the sheets' XML by a second thread while calamine parses: inflating
        # a sheet releases the GIL, so on a big workbook the scan costs next to no time of its own.
        self._scanner = ThreadPoolExecutor(max_workers=1)
        self._scans: dict[str, Future] = {}
        with zipfile.ZipFile(self.path) as archive:
            for name, part in sheet_parts(archive).items():
                self._scans[name] = self._scanner.submit(_error_cells, self.path, part)
        self._edit = None
        self._rewritten: set[str] = set()

    def close(self) -> None:
        self._scanner.shutdown(wait=True, cancel_futures=True)
        self._values.close()

    def sheet_names(self) -> list[str]:
        return self._edit.sheet_names() if self._edit is not None else list(self._values.sheet_names)

    def grid(self, sheet: str) -> list[list[object]]:
        if self._edit is not None and sheet in self._rewritten:  # what this book wrote, not the old file
            return self._edit.grid(sheet)
        return self._array(sheet).tolist()

    def columns(self, sheet: str) -> list[list[object]]:
        if self._edit is not None and sheet in self._rewritten:
            return self._edit.columns(sheet)
        values = self._array(sheet)
        return [values[:, c].tolist() for c in range(values.shape[1])]

    def _array(self, sheet: str) -> np.ndarray:
        """The sheet as a 2-D array of cells: None for an empty cell (as openpyxl and xlwings give it)."""
        if sheet not in self._arrays:
            rows = self._values.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            width = max(map(len, rows), default=0)
            if len({len(row) for row in rows}) == 1:  # as calamine gives them: one width
                values = np.array(rows, dtype=object).reshape(len(rows), width)
            else:
                values = np.full((len(rows), width), None, dtype=object)
                for r, row in enumerate(rows):
                    values[r, :len(row)] = row
            values[values == ""] = None
            for (column, row), text in self._scans[sheet].result().items():
                r, c = row - 1, column_index_from_string(column) - 1
                if r < values.shape[0] and c < values.shape[1]:
                    values[r, c] = text
            self._arrays[sheet] = values
        return self._arrays[sheet]


    def _editable(self) -> MemoryBook:
        if self._edit is None:
            self._edit = MemoryBook(load_workbook(self.path, keep_vba=self.path.suffix.lower() == ".xlsm"))
        return self._edit

    def replace_rows(self, sheet: str, first_row: int, rows: list[list[object]]) -> None:
        self._rewritten.add(sheet)
        self._editable().replace_rows(sheet, first_row, rows)

    def fill(self, sheet: str, cell: str, rgb: str | None) -> str | None:
        return self._editable().fill(sheet, cell, rgb)

    def save(self, out: str | Path) -> None:
        from .workbook import write_atomically  # the writer lives with the reader

        write_atomically(self._editable().wb, Path(out))


class MemoryBook:
    """kaohe.book.Book over an openpyxl workbook in memory (formulas read as their text)."""

    def __init__(self, wb: Workbook):
        self.wb = wb

    def sheet_names(self) -> list[str]:
        return list(self.wb.sheetnames)

    def grid(self, sheet: str) -> list[list[object]]:
        return [list(r) for r in self.wb[sheet].iter_rows(values_only=True)]

    def columns(self, sheet: str) -> list[list[object]]:
        return [list(c) for c in zip(*self.wb[sheet].iter_rows(values_only=True))]

    def replace_rows(self, sheet: str, first_row: int, rows: list[list[object]]) -> None:
        ws = self.wb[sheet] if sheet in self.wb.sheetnames else self.wb.create_sheet(sheet)
        if ws.max_row >= first_row:
            ws.delete_rows(first_row, ws.max_row - first_row + 1)
        for offset, values in enumerate(rows):
            for col, value in enumerate(values, start=1):
                ws.cell(first_row + offset, col, value)

    def fill(self, sheet: str, cell: str, rgb: str | None) -> str | None:
        target = self.wb[sheet][cell]
        fill = target.fill
        if fill is not None and fill.fill_type not in (None, "solid"):
            return None  # a patterned fill: not marked, so that clearing can never lose it
        if fill is not None and fill.fill_type == "solid":
            before = fill.fgColor.rgb if fill.fgColor.type == "rgb" else None
            if before is None:
                return None  # a theme or palette colour: likewise left alone
        else:
            before = NO_FILL
        target.fill = PatternFill("solid", fgColor=rgb) if rgb and rgb != NO_FILL else PatternFill(fill_type=None)
        return before
