"""The check: findings of a workbook written into its 检查结果 sheet, offending cells coloured.

Runs on any :class:`kaohe.book.Book`: the macro in Excel and ``kaohe check -o`` share it. It
decides no rule: the findings are the engine's; this writes them where a clerk sees them.
"""

from __future__ import annotations

from .book import Book
from .contract import REPORT_HEADER, REPORT_SHEET
from .engine import Calculated
from .findings import Finding, Severity
from .native.reading import text_in_number_cells
from .workbook import Inputs, calculate, forms_beyond_formulas, inputs_from, stale_results

PRIOR_FILL = "原底色"  # a helper column: the colour a marked cell had, so that clearing restores it
MARKS = {Severity.ERROR: "FFFF9999", Severity.WARNING: "FFFFE699", Severity.INFO: None}


def findings_of(book: Book, name: str, scheme: str | None = None) -> tuple[Inputs, Calculated, list[Finding]]:
    """The workbook's inputs, its result tables, and every finding (rules, then stale results)."""
    inputs = inputs_from(book, name, scheme)
    tables = calculate(inputs)
    return inputs, tables, all_findings(inputs, tables)


def all_findings(inputs: Inputs, tables: dict) -> list[Finding]:
    """Every finding of the rules, each once (a form's error explains results on two sheets: findings.Upstream),
    then the saved results that differ, 测评表 rows beyond the workbook's formulas and the text typed in
    number cells of a formula workbook."""
    once = {id(f): f for t in tables.values() for f in t.findings}
    return [*once.values(), *stale_results(inputs, tables), *forms_beyond_formulas(inputs), *text_in_number_cells(inputs)]


def _cell_text(value: object) -> object:
    return value if value is None or isinstance(value, (int, float, str)) else str(value)


def _header(book: Book) -> None:
    grid = book.grid(REPORT_SHEET) if REPORT_SHEET in book.sheet_names() else []
    if not grid or list(grid[0][:len(REPORT_HEADER)]) != list(REPORT_HEADER):
        book.replace_rows(REPORT_SHEET, 1, [[*REPORT_HEADER, PRIOR_FILL]])


def clear(book: Book) -> None:
    """Put back the colours of the cells the last check marked, and empty 检查结果 below its header."""
    if REPORT_SHEET in book.sheet_names():
        grid = book.grid(REPORT_SHEET)
        if grid and PRIOR_FILL in grid[0] and "位置" in grid[0]:
            where, prior = grid[0].index("位置"), grid[0].index(PRIOR_FILL)
            for row in grid[1:]:
                place = row[where] if where < len(row) else None
                colour = row[prior] if prior < len(row) else None
                if isinstance(place, str) and "!" in place and isinstance(colour, str) and colour:
                    sheet, cell = place.split("!", 1)
                    if sheet in book.sheet_names():
                        book.fill(sheet, cell, colour)
    _header(book)
    book.replace_rows(REPORT_SHEET, 2, [])


def report(book: Book, inputs: Inputs, findings: list[Finding]) -> None:
    """One row per finding; each offending cell coloured once (errors red, warnings yellow).

    A row records the colour its cell had only when that row coloured it, and the rows are written
    even if colouring stops part-way, so that clearing can always put every colour back.
    """
    clear(book)
    marked: set[str] = set()
    rows = []
    try:
        for f in findings:
            place = inputs.cell(f)
            prior: object = None
            colour = MARKS[f.severity]
            if place and colour and place not in marked:
                sheet, cell = place.split("!", 1)
                prior = book.fill(sheet, cell, colour)
                marked.add(place)
            rows.append([f.severity.label, f.rule, f.clause, place, f.where.key, f.message, _cell_text(f.allowed),
                         _cell_text(f.actual), prior])
    finally:
        book.replace_rows(REPORT_SHEET, 2, rows)


def report_failure(book: Book, reason: str) -> None:
    """A workbook the check cannot use: its marks cleared, and one row saying why."""
    clear(book)
    book.replace_rows(REPORT_SHEET, 2, [["错误", "工作簿", "", "", "", reason, "", "", None]])
