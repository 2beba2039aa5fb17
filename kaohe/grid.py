"""Rows of cells (as a spreadsheet range or sheet gives them) to records keyed by header label.

A header row is found by its labels, so a clerk who inserts or moves a column breaks nothing
(WORKBOOK.md); blank rows are skipped. Used by the UDFs and the headless reader alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .reading import is_blank


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
