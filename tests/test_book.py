"""The workbook-access layer: values as saved, error cells as their text, never as blanks."""

from __future__ import annotations

import zipfile

from openpyxl import Workbook

from kaohe.book import OpenpyxlBook, sheet_parts
from kaohe.workbook import calculate, read_inputs


def with_error_cell(path, sheet, cell, error_text):
    """Rewrite one cell of a saved workbook as an error value, as Excel saves a failed VLOOKUP."""
    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
        part = sheet_parts(z)[sheet]
    xml = members[part].decode("utf-8")
    start = xml.index(f'<c r="{cell}"')
    end = xml.index("</c>", start) + 4 if xml.find("/>", start) > xml.find("</c>", start) else xml.index("/>", start) + 2
    members[part] = (xml[:start] + f'<c r="{cell}" t="e"><f>NA()</f><v>{error_text}</v></c>' + xml[end:]).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_an_error_cell_reads_as_its_text(tmp_path):
    wb = Workbook()
    wb.active.title = "居民区"
    wb.active.append(["居民区", "党员群众测评"])
    wb.active.append(["春晖", 90])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    with_error_cell(path, "居民区", "B2", "#N/A")
    book = OpenpyxlBook(path)
    assert book.grid("居民区") == [["居民区", "党员群众测评"], ["春晖", "#N/A"]]
    book.close()


def test_a_rating_showing_an_error_is_named_not_called_missing(tmp_path):
    from tests.test_cli import area, jingan_book
    path = jingan_book(tmp_path / "a.xlsx", [area("春晖"), area("和平")])
    with_error_cell(path, "居民区", "D3", "#N/A")  # 春晖's 党员群众测评: title row 1, header row 2, row 3
    areas = calculate(read_inputs(path))["居民区"]
    reason = areas.reason("春晖", "总分")
    assert reason.rule == "输入格式" and "#N/A" in reason.message
