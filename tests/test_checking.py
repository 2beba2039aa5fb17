"""The check written into the workbook: `kaohe check -o` (openpyxl) and the macro (an xlwings Book)."""

from __future__ import annotations

import hashlib
import sys
import types
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kaohe import checking, cli, template
from kaohe.book import OpenpyxlBook
from kaohe.template import INPUT_FILL
from tests.conftest import typed_and_formulas

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "jingan-example.xlsm"


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def checked(tmp_path):
    before = digest(EXAMPLE)
    out = tmp_path / "checked.xlsm"
    assert cli.main(["check", str(EXAMPLE), "-o", str(out)]) == 1  # the example has errors
    assert digest(EXAMPLE) == before  # the clerk's file is never touched
    return out


def report_rows(path):
    return [r for r in load_workbook(path)["检查结果"].iter_rows(min_row=2, values_only=True) if any(r)]


def test_the_report_lists_every_finding_and_colours_the_cells(checked, capsys):
    rows = report_rows(checked)
    capsys.readouterr()
    cli.main(["check", str(EXAMPLE), "--json"])
    import json
    issues = json.loads(capsys.readouterr().out)["issues"]
    levels = {"error": "错误", "warning": "警告", "info": "提示"}
    assert [(r[0], r[1], r[3] or "") for r in rows] == [(levels[i["severity"]], i["rule"], i["cell"]) for i in issues]
    wb = load_workbook(checked)
    turnout = next(r for r in rows if r[1] == "测评参加率")
    sheet, cell = turnout[3].split("!")
    assert wb[sheet][cell].fill.fgColor.rgb == checking.MARKS[checking.Severity.ERROR]
    assert turnout[8] == INPUT_FILL.fgColor.rgb  # the colour it had, for clearing


def test_the_copy_keeps_inputs_formulas_and_vba(checked):
    original, copy = load_workbook(EXAMPLE, keep_vba=True), load_workbook(checked, keep_vba=True)
    for sheet in ("居民区", "工作人员", "参数"):
        assert typed_and_formulas(original[sheet]) == typed_and_formulas(copy[sheet])
    with zipfile.ZipFile(EXAMPLE) as a, zipfile.ZipFile(checked) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")


def test_checking_again_replaces_the_report_and_clearing_restores_colours(checked, tmp_path):
    again = tmp_path / "again.xlsm"
    cli.main(["check", str(checked), "-o", str(again)])
    # replaced, not appended; and the copy kept its saved results, so no "结果未计算" note this time
    rules = [r[1] for r in report_rows(again)]
    assert rules == [r[1] for r in report_rows(checked) if r[1] != "结果未计算"]
    book = OpenpyxlBook(again)
    checking.clear(book)
    cleared = tmp_path / "cleared.xlsm"
    book.save(cleared)
    book.close()
    wb, fresh = load_workbook(cleared), load_workbook(EXAMPLE)
    assert report_rows(cleared) == []
    for sheet in ("居民区", "工作人员"):
        assert [[c.fill.fgColor.rgb for c in r] for r in wb[sheet].iter_rows()] == \
               [[c.fill.fgColor.rgb for c in r] for r in fresh[sheet].iter_rows()]


# --- the macro, on a stand-in for an xlwings Book ---------------------------------------------------

class FakeRange:
    def __init__(self, sheet, first, last):
        self.sheet, self.first, self.last = sheet, first, last

    def options(self, **options):  # ndim=2, err_to_str=True: the stand-in has no error cells
        return self

    @property
    def formula(self):  # as xlwings gives a row's formulas: a tuple of one tuple; a value cell as its value
        return tuple(tuple(self.sheet.formula_text.get((r, c), self.sheet.cells.get((r, c), ""))
                           for c in range(self.first[1], self.last[1] + 1)) for r in range(self.first[0], self.last[0] + 1))

    @property
    def value(self):
        return [[self.sheet.cells.get((r, c)) for c in range(self.first[1], self.last[1] + 1)]
                for r in range(self.first[0], self.last[0] + 1)]

    @value.setter
    def value(self, rows):  # as Excel takes a value: parsed as if typed
        for dr, row in enumerate(rows):
            for dc, v in enumerate(row):
                at = (self.first[0] + dr, self.first[1] + dc)
                if isinstance(v, str) and v.startswith("'"):
                    v = v[1:]  # a leading apostrophe: the rest is text
                elif isinstance(v, str) and len(v) > 1 and v[0] in "=+-@":
                    self.sheet.formulas.add(at)  # Excel would make it a formula
                self.sheet.cells[at] = v

    def clear_contents(self):
        for r in range(self.first[0], self.last[0] + 1):
            for c in range(self.first[1], self.last[1] + 1):
                self.sheet.cells.pop((r, c), None)

    @property
    def color(self):
        return self.sheet.colors.get(self.first)

    @color.setter
    def color(self, rgb):
        self.sheet.colors[self.first] = rgb


class FakeSheet:
    """What the macro uses of an xlwings Sheet, over cells read from a real workbook file."""

    def __init__(self, ws, formulas=None):
        from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
        self._coord = lambda a1: (coordinate_from_string(a1)[1], column_index_from_string(coordinate_from_string(a1)[0]))
        self.name = ws.title
        self.formulas: set[tuple[int, int]] = set()
        # ``formulas``: the same sheet loaded with its formulas; an array formula's text at its first cell
        self.formula_text = {(c.row, c.column): "=" + c.value.text.lstrip("=") for r in formulas.iter_rows() for c in r
                             if hasattr(c.value, "text")} if formulas is not None else {}
        self.cells = {(c.row, c.column): c.value for r in ws.iter_rows() for c in r if c.value is not None}
        self.colors = {(c.row, c.column): tuple(int(c.fill.fgColor.rgb[i:i + 2], 16) for i in (2, 4, 6))
                       for r in ws.iter_rows() for c in r if c.fill.fill_type == "solid"}

    @property
    def used_range(self):
        rows = [r for r, _ in self.cells] or [1]
        cols = [c for _, c in self.cells] or [1]
        return types.SimpleNamespace(last_cell=types.SimpleNamespace(row=max(rows), column=max(cols)))

    def range(self, first, last=None):
        first = self._coord(first) if isinstance(first, str) else first
        return FakeRange(self, first, last or first)


def macros_over(monkeypatch, name, sheets):
    """kaohe_macros imported afresh, xlwings' Book.caller giving a stand-in book of ``sheets``."""
    book = types.SimpleNamespace(name=name, sheets=_Sheets(sheets))
    import xlwings
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: book), raising=False)
    sys.modules.pop("kaohe_macros", None)
    import kaohe_macros
    return kaohe_macros


def reported_rules(report) -> list:
    """The 规则 column of 检查结果 as the macro wrote it."""
    return [report.cells.get((r, 2)) for r in range(2, 60) if report.cells.get((r, 2))]


def test_the_macro_runs_the_same_check_through_xlwings(monkeypatch):
    wb = load_workbook(EXAMPLE, data_only=True)
    sheets = {ws.title: FakeSheet(ws) for ws in wb.worksheets}
    macros = macros_over(monkeypatch, EXAMPLE.name, sheets)
    macros.kaohe_check()
    report = sheets["检查结果"]
    found = reported_rules(report)
    _, _, findings = checking.findings_of(OpenpyxlBook(EXAMPLE), EXAMPLE.name)
    assert found == [f.rule for f in findings]
    assert sheets["居民区"].colors[(5, 6)] == (0xFF, 0x99, 0x99)  # 居民区!F5, the invalid session, in red
    macros.kaohe_clear()
    assert report.cells.get((2, 2)) is None
    assert sheets["居民区"].colors[(5, 6)] == (0xFF, 0xF2, 0xCC)  # back to the input colour


class _Sheets:
    def __init__(self, sheets):
        self._sheets = sheets

    def __getitem__(self, name):
        return self._sheets[name]

    def __iter__(self):
        return iter(self._sheets.values())


def test_a_cell_named_by_two_findings_gets_its_own_colour_back(tmp_path):
    # 等次名额 and a hand-edited result both point at the same 最终等次 cell
    from tests.test_cli import area, jingan_book
    areas = [area(n, 95 - i, 总分=None) for i, n in enumerate("ABCDEFGHIJ")]
    areas[2]["领导小组调整"] = "优秀"  # a third 优秀 where 10 areas allow 2
    path = jingan_book(tmp_path / "a.xlsx", areas, results=("总分", "建议等次", "最终等次"))
    wb = load_workbook(path)
    wb["居民区"]["L5"].value = "一般"  # C's 最终等次, saved by hand as 一般 (the rules give 优秀)
    wb["居民区"]["L5"].fill = template.RESULT_FILL
    wb.save(path)
    book = OpenpyxlBook(path)
    inputs, _, findings = checking.findings_of(book, path.name)
    assert sum(1 for f in findings if inputs.cell(f) == "居民区!L5") >= 1
    checking.report(book, inputs, findings)
    checking.clear(book)
    out = tmp_path / "b.xlsx"
    book.save(out)
    assert load_workbook(out)["居民区"]["L5"].fill.fgColor.rgb == template.RESULT_FILL.fgColor.rgb


def test_a_form_error_is_reported_once_not_again_where_its_tally_is_read():
    # The jingan example's form 1 has a rating "B" without a score (测评表!F135, jingan 五: 测评分值): the
    # tally it feeds cannot be computed, and the session cell it fills is left to that one finding
    # (findings.Upstream), never reported a second time as text typed into a number cell.
    _, tables, findings = checking.findings_of(OpenpyxlBook(EXAMPLE), EXAMPLE.name)
    assert len([f for f in findings if f.rule == "测评分值"]) == 1
    assert not [f for f in findings if "#错误" in f.message]  # no message quoting a cell's "#错误：…" text
    assert len({id(f) for f in findings}) == len(findings)
    form = next(f for f in findings if f.rule == "测评分值")
    people = tables["工作人员"]
    explained = [k for k in people.rows if people.reason(k, "得分") is form]
    assert explained  # the person whose 党员群众测评 that form would have given: 得分 says why, with that finding


def test_the_macro_names_forms_typed_below_the_formulas_range(tmp_path, monkeypatch):
    """In Excel the check reads the result blocks' formulas through xlwings (Range.formula of row 2)."""
    wb = template.build("jingan", area_rows=3, people_rows=3, form_rows=10)
    for col, value in enumerate(["居民区互评", "甲", 1, None, "乙", 80], start=1):
        wb["测评表"].cell(14, col, value)  # the formulas read rows 1…11
    path = tmp_path / "beyond.xlsm"
    wb.save(path)
    values, formulas = load_workbook(path, data_only=True), load_workbook(path)
    sheets = {ws.title: FakeSheet(ws, formulas[ws.title]) for ws in values.worksheets}
    macros_over(monkeypatch, path.name, sheets).kaohe_check()
    assert "测评表范围" in reported_rules(sheets["检查结果"])
