"""Text a clerk typed stays text in every file kaohe writes: never a formula, whatever it starts with."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from kaohe import checking, cli
from kaohe.book import OpenpyxlBook

from .build import example

LINK = '=HYPERLINK("http://evil.example/x","点击")'
NAMES = {"春晖居民区": LINK, "PERSON": "+SUM(1,2)", "高雪": "-2+3", "和平居民区": "@SUM(1)", "长青居民区": "\t=1+1",
         "孙涛玉": "\r=1+2", "郭平兰": "#N/A"}
UNIT = '=HYPERLINK("http://evil.example/u","单位")'


def _named_in_a_finding(path: Path) -> str:
    """A person the check names in 检查结果's 对象 column (so that the macro writes that name there)."""
    _, _, findings = checking.findings_of(OpenpyxlBook(path), path.name)
    return next(f.where.key for f in findings if f.where.table == "工作人员" and f.where.key)


def hostile_workbook(tmp_path: Path) -> Path:
    """The jingan example with names typed as formulas' text everywhere they occur, and such a 填报单位."""
    path = example(tmp_path)
    names = dict(NAMES, **{_named_in_a_finding(path): NAMES["PERSON"]})
    wb = load_workbook(path, keep_vba=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in names:
                    cell.value = names[cell.value]
                    cell.data_type = "s"  # typed as text (Excel: a leading apostrophe)
    wb["说明"]["B2"].value, wb["说明"]["B2"].data_type = UNIT, "s"
    wb.save(path)
    return path


def formulas(path: Path) -> list[str]:
    """Every formula in every sheet of a written file, from its XML."""
    with zipfile.ZipFile(path) as z:
        return [f for n in z.namelist() if n.startswith("xl/worksheets/")
                for f in re.findall(r"<f[^>]*>(.*?)</f>", z.read(n).decode("utf-8"), re.S)]


def texts(path: Path) -> set[str]:
    wb = CalamineWorkbook.from_path(str(path))
    return {v for n in wb.sheet_names for row in wb.get_sheet_by_name(n).to_python() for v in row if isinstance(v, str)}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inject")
    source = hostile_workbook(tmp)
    assert not any("HYPERLINK" in f or "SUM(1" in f for f in formulas(source))  # the input holds them as text only
    written = {}
    for name, argv in {"calc": ("calc", source, "-o", tmp / "calc.xlsm"),
                       "check": ("check", source, "-o", tmp / "check.xlsm"),
                       "export": ("export", source, "-o", tmp / "copy.xlsx", "--force"),
                       "merge": ("merge", tmp / "copy.xlsx", source, "-o", tmp / "sum.xlsx", "--workers", "1"),
                       "papers": ("papers", source, "-o", tmp / "papers")}.items():
        code = cli.main([str(a) for a in argv])
        assert code in (0, 1), name
        out = Path(argv[argv.index("-o") + 1])
        written[name] = sorted(out.glob("*.xlsx")) if out.is_dir() else [out]
    return written


@pytest.mark.parametrize("command", ["calc", "check", "export", "merge", "papers"])
def test_typed_text_never_becomes_a_formula(outputs, command):
    for path in outputs[command]:
        found = formulas(path)
        assert not [f for f in found if "HYPERLINK" in f or "SUM(1" in f or f.strip() in ("2+3", "1+1", "1+2")], path


@pytest.mark.parametrize("command", ["check", "export", "merge"])
def test_the_text_is_kept_as_typed(outputs, command):
    found = set().union(*(texts(p) for p in outputs[command]))
    assert LINK in found or any(LINK in t for t in found)
    assert "+SUM(1,2)" in found and "#N/A" in found  # "#N/A" as text, not Excel's error value


def test_papers_show_the_name_as_text(outputs):
    found = set().union(*(texts(p) for p in outputs["papers"]))
    assert any(LINK in t for t in found)


def test_the_check_macro_in_excel_writes_names_as_text(tmp_path, monkeypatch):
    """The macro writes 检查结果 through xlwings, and Excel parses a value as if typed (stand-in: FakeSheet)."""
    import sys
    import types

    import xlwings

    from ..test_checking import FakeSheet, _Sheets

    wb = load_workbook(hostile_workbook(tmp_path), data_only=True)
    sheets = {ws.title: FakeSheet(ws) for ws in wb.worksheets}
    book = types.SimpleNamespace(name="jingan.xlsm", sheets=_Sheets(sheets))
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: book), raising=False)
    sys.modules.pop("kaohe_macros", None)
    import kaohe_macros

    kaohe_macros.kaohe_check()
    report = sheets["检查结果"]
    assert any(isinstance(v, str) and v.startswith("+SUM(1,2)") for v in report.cells.values())  # written...
    assert report.formulas == set()  # ...as text
