"""Rows of cells (as a spreadsheet range or sheet gives them) to records keyed by header label.

A header row is found by its labels, so a clerk who inserts or moves a column breaks nothing
(WORKBOOK.md); blank rows are skipped. Used by the UDFs and the headless reader alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .reading import is_blank
from .sheetxml import CodedColumn


def column_letter(number: int) -> str:
    """1 → A, 27 → AA (openpyxl's get_column_letter, without importing openpyxl for a check)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    """A → 1, AA → 27."""
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _label(cell: object) -> str:
    return str(cell).strip() if isinstance(cell, str) else ""


def header_index(grid: Sequence[Sequence[object]], required: Iterable[str]) -> int | None:
    """The first row holding every required label, or None."""
    needed = set(required)
    return next((i for i, row in enumerate(grid) if needed <= {_label(c) for c in row}), None)


def records(grid: Sequence[Sequence[object]], required: Iterable[str]) -> list[dict[str, object]] | None:
    """Each non-blank row below the header as {label: cell}; None when no header row is found."""
    at = header_index(grid, required)
    if at is None:
        return None
    labels = [_label(c) for c in grid[at]]
    out = []
    for row in grid[at + 1:]:
        if all(is_blank(c) for c in row):
            continue
        out.append({label: cell for label, cell in zip(labels, row) if label})
    return out


def by_rows(columns: Sequence[Sequence[object]], first: int, last: int) -> list[list[object]]:
    """Rows ``first``…``last - 1`` of a sheet given column by column."""
    last = min(last, max(map(len, columns), default=0))
    return [[col[r] if r < len(col) else None for col in columns] for r in range(first, last)]


def header_in_columns(columns: Sequence[Sequence[object]], required: Sequence[str], near: int = 200) -> int | None:
    """The header row of a sheet given column by column: looked for near the top first, then everywhere."""
    at = header_index(by_rows(columns, 0, near), required)
    if at is None and max(map(len, columns), default=0) > near:
        at = header_index(by_rows(columns, 0, max(map(len, columns))), required)
    return at


def below_header(columns: Sequence[Sequence[object]], at: int) -> dict[str, Sequence[object]]:
    """Every row below header row ``at``, by header label, blank rows included: for long sheets (测评表),
    whose n-th row below the header is its record n (``第n条``) wherever the sheet is read."""
    height = max(map(len, columns), default=0)
    out: dict[str, Sequence[object]] = {}
    for col in columns:
        label = _label(col[at]) if at < len(col) else ""
        if label:
            body = col[at + 1:]  # a coded column stays coded: no object per cell
            out[label] = body if len(body) == height - at - 1 else [*body, *[None] * (height - at - 1 - len(body))]
    return out


def long_table(grid: Sequence[Sequence[object]], required: Iterable[str]) -> dict[str, Sequence[object]] | None:
    """``below_header`` of a sheet given row by row (an Excel range); None when no header row is found."""
    at = header_index(grid, required)
    if at is None:
        return None
    width = max(map(len, grid), default=0)
    return below_header([[row[c] if c < len(row) else None for row in grid] for c in range(width)], at)


def distinct(column: Sequence[object]) -> tuple[list[object], np.ndarray]:
    """The distinct cells of a column, and each cell's index among them (a column of 330,000 cells is
    coded at C speed). Python counts TRUE equal to 1; a column holding a TRUE keys its cells by type
    too, so that a TRUE is never read as the 1 a clerk typed. A column read straight from the sheet's
    XML (kaohe.sheetxml) comes coded already."""
    if isinstance(column, CodedColumn):
        return column.values, column.codes
    if bool in set(map(type, column)):
        keys = list(zip(map(type, column), column))
        typed = {key: k for k, key in enumerate(dict.fromkeys(keys))}
        return [value for _, value in typed], np.fromiter(map(typed.__getitem__, keys), dtype=np.int64, count=len(keys))
    index = {raw: k for k, raw in enumerate(dict.fromkeys(column))}
    return list(index), np.fromiter(map(index.__getitem__, column), dtype=np.int64, count=len(column))
