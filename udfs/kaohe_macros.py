"""xlwings macros of kaohe.xlsm: check the workbook, clear the check's marks, export the copy sent upward.

Thin: they wrap the calling workbook as a :class:`kaohe.book.Book` and run ``kaohe.checking`` and
``kaohe.submission``, the same code as ``kaohe check -o`` and ``kaohe export`` on the command line.
Installed as the module ``kaohe_macros``; the workbook's VBA module ``kaohe`` calls each through xlwings'
RunPython (kaohe/vba.py writes it), so they run from Alt+F8 or a button bound to kaohe_check etc.
"""

from __future__ import annotations

from pathlib import Path

import xlwings as xw

from kaohe import checking, submission
from kaohe.book import NO_FILL, as_typed
from kaohe.workbook import WorkbookError


class XlwingsBook:
    """kaohe.book.Book over an open Excel workbook."""

    def __init__(self, book):
        self.book = book

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def grid(self, sheet: str) -> list[list[object]]:
        ws = self.book.sheets[sheet]
        last = ws.used_range.last_cell
        # err_to_str: an error cell (#N/A) reads as its text, as in the UDFs and the command line
        return ws.range((1, 1), (last.row, last.column)).options(ndim=2, err_to_str=True).value

    def columns(self, sheet: str) -> list[list[object]]:
        return [list(column) for column in zip(*self.grid(sheet))]

    def array_formulas(self, sheet: str) -> list[str]:
        """Row 2's formulas, where kaohe's result blocks start (their ranges say how far down the 测评表 they
        read). Not run here (no Excel): anything unexpected from COM reads as "cannot tell", never an error."""
        try:
            ws = self.book.sheets[sheet]
            formulas = ws.range((2, 1), (2, ws.used_range.last_cell.column)).formula
            row = formulas[0] if formulas and isinstance(formulas[0], (list, tuple)) else formulas
            return [f for f in (row if isinstance(row, (list, tuple)) else [row]) if isinstance(f, str)]
        except Exception:  # noqa: BLE001 — the check goes on without this one finding
            return []

    def replace_rows(self, sheet: str, first_row: int, rows: list[list[object]]) -> None:
        if sheet not in self.sheet_names():
            self.book.sheets.add(sheet, after=self.book.sheets[-1])
        ws = self.book.sheets[sheet]
        last = ws.used_range.last_cell
        if last.row >= first_row:
            ws.range((first_row, 1), (last.row, max(last.column, 1))).clear_contents()
        if rows:
            ws.range((first_row, 1)).value = [[as_typed(v) for v in row] for row in rows]

    def fill(self, sheet: str, cell: str, rgb: str) -> str | None:
        target = self.book.sheets[sheet].range(cell)
        before = target.color  # (r, g, b), or None for no fill
        target.color = None if rgb == NO_FILL else tuple(int(rgb[i:i + 2], 16) for i in (2, 4, 6))
        return NO_FILL if before is None else "FF" + "".join(f"{c:02X}" for c in before)


def _check(book: XlwingsBook) -> None:
    try:
        inputs, _, findings = checking.findings_of(book, book.book.name)
    except WorkbookError as exc:
        checking.report_failure(book, str(exc))
        return
    checking.report(book, inputs, findings)


@xw.sub
def kaohe_check() -> None:
    """检查：按方案核对全部规则，写入“检查结果”，并给有问题的格子上色。"""
    _check(XlwingsBook(xw.Book.caller()))


@xw.sub
def kaohe_export() -> None:
    """导出上报副本：先保存本工作簿，再在同一文件夹生成“名称-上报.xlsx”（不含宏，结果为数值，附摘要）。
    检查有错误时不导出，错误写入“检查结果”。"""
    caller = xw.Book.caller()
    caller.save()  # the copy is made from the file: what the clerk typed must be in it
    source = Path(caller.fullname)
    target = source.with_name(f"{source.stem}-上报.xlsx")
    try:
        submission.export(source, target)
    except submission.ExportRefused as refused:
        _check(XlwingsBook(caller))
        caller.app.alert(f"检查发现 {len(refused.errors)} 条错误，未导出上报副本。请按“检查结果”表改正后再导出。",
                         title="kaohe")
        return
    except WorkbookError as exc:
        caller.app.alert(f"未导出：{exc}", title="kaohe")
        return
    caller.app.alert(f"已导出上报副本：{target}", title="kaohe")


@xw.sub
def kaohe_clear() -> None:
    """清除上次检查的标记和检查结果。"""
    checking.clear(XlwingsBook(xw.Book.caller()))
