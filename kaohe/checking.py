"""The check: findings of a workbook written into its 检查结果 sheet, offending cells coloured.

Runs on any :class:`kaohe.book.Book`: the macro in Excel and ``kaohe check -o`` share it. It
decides no rule: the findings are the engine's; this writes them where a clerk sees them.
"""

from __future__ import annotations

from .book import Book
from .findings import Finding, Severity
from .workbook import Inputs, calculate, inputs_from, stale_results

REPORT_SHEET = "检查结果"
REPORT_HEADER = ("级别", "规则", "依据", "位置", "对象", "说明", "上限/要求", "实际")
PRIOR_FILL = "原底色"  # a helper column: the colour a marked cell had, so that clearing restores it
MARKS = {Severity.ERROR: "FFFF9999", Severity.WARNING: "FFFFE699", Severity.INFO: None}


def findings_of(book: Book, name: str, scheme: str | None = None) -> tuple[Inputs, list[Finding]]:
    inputs = inputs_from(book, name, scheme)
    tables = calculate(inputs)
    return inputs, [f for t in tables.values() for f in t.findings] + stale_results(inputs, tables)


def _cell_text(value: object) -> object:
    return value if value is None or isinstance(value, (int, float, str)) else str(value)


def clear(book: Book) -> None:
    """Restore the colours of the cells the last check marked, and empty 检查结果."""
    if REPORT_SHEET not in book.sheet_names():
        return
    grid = book.grid(REPORT_SHEET)
    if grid and PRIOR_FILL in grid[0]:
        where, prior = grid[0].index("位置"), grid[0].index(PRIOR_FILL)
        for row in grid[1:]:
            place = row[where] if where < len(row) else None
            if isinstance(place, str) and "!" in place and prior < len(row) and row[prior] != "":
                sheet, cell = place.split("!", 1)
                if sheet in book.sheet_names():
                    book.fill(sheet, cell, row[prior] or None)
    book.replace_rows(REPORT_SHEET, 1, [[*REPORT_HEADER, PRIOR_FILL]])


def report(book: Book, inputs: Inputs, findings: list[Finding]) -> None:
    """Write one row per finding and colour each offending cell once (errors red, warnings yellow)."""
    clear(book)
    marked: set[str] = set()
    rows = []
    for f in findings:
        place = inputs.cell(f)
        prior: object = ""
        colour = MARKS[f.severity]
        if place and colour and place not in marked:
            sheet, cell = place.split("!", 1)
            prior = book.fill(sheet, cell, colour) or None
            marked.add(place)
        rows.append([f.severity.label, f.rule, f.clause, place, f.where.key, f.message, _cell_text(f.allowed),
                     _cell_text(f.actual), prior])
    book.replace_rows(REPORT_SHEET, 2, rows)
