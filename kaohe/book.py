"""The small workbook-access layer the check runs through: openpyxl here, xlwings inside Excel.

The check (``kaohe.checking``) reads sheets as grids of values and writes the 检查结果 rows and
cell colours through this interface only, so the macro in Excel (``macros.py``, an xlwings
``Book``) and the command line (an :class:`OpenpyxlBook`) run the same code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from openpyxl import load_workbook
from openpyxl.styles import PatternFill


class Book(Protocol):
    def sheet_names(self) -> list[str]: ...

    def grid(self, sheet: str) -> list[list[object]]:
        """The sheet's values as shown (a formula cell: its last computed value), row by row."""

    def replace_rows(self, sheet: str, first_row: int, rows: list[list[object]]) -> None:
        """Clear the sheet from ``first_row`` down and write ``rows`` there."""

    def fill(self, sheet: str, cell: str, rgb: str | None) -> str | None:
        """Set a cell's background (``None``: no fill); return the one it had."""


class OpenpyxlBook:
    """A workbook file: read from its saved values, written (when asked) with formulas and VBA kept."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._values = load_workbook(self.path, read_only=True, data_only=True)
        self._grids: dict[str, list[list[object]]] = {}
        self._edit = None

    def close(self) -> None:
        self._values.close()

    def sheet_names(self) -> list[str]:
        return list(self._values.sheetnames)

    def grid(self, sheet: str) -> list[list[object]]:
        if sheet not in self._grids:
            self._grids[sheet] = [list(r) for r in self._values[sheet].iter_rows(values_only=True)]
        return self._grids[sheet]

    def _editable(self):
        if self._edit is None:
            self._edit = load_workbook(self.path, keep_vba=self.path.suffix.lower() == ".xlsm")
        return self._edit

    def replace_rows(self, sheet: str, first_row: int, rows: list[list[object]]) -> None:
        ws = self._editable()[sheet]
        if ws.max_row >= first_row:
            ws.delete_rows(first_row, ws.max_row - first_row + 1)
        for offset, values in enumerate(rows):
            for col, value in enumerate(values, start=1):
                ws.cell(first_row + offset, col, value)

    def fill(self, sheet: str, cell: str, rgb: str | None) -> str | None:
        target = self._editable()[sheet][cell]
        before = target.fill.fgColor.rgb if target.fill and target.fill.fill_type == "solid" else None
        target.fill = PatternFill("solid", fgColor=rgb) if rgb else PatternFill(fill_type=None)
        return before if isinstance(before, str) else None

    def save(self, out: str | Path) -> None:
        from .workbook import write_atomically  # the writer lives with the reader

        write_atomically(self._editable(), Path(out))
