"""The sheet-XML reader of long sheets: the same values as calamine (and the error cells' text), coded."""

from __future__ import annotations

import json
import zipfile
from xml.sax.saxutils import escape

import pytest
from openpyxl import Workbook, load_workbook

from kaohe import book as book_module
from kaohe import cli, sheetxml
from kaohe.book import OpenpyxlBook, sheet_parts
from kaohe.grid import distinct
from kaohe.sheetxml import read_columns
from tests.test_cli import area, jingan_book

SST = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def excel_like(path, sheet: str, sheet_data: str, strings: list[str]):
    """Replace one sheet's cells by ``sheet_data`` (raw <row> XML, as Excel writes it) and give the
    workbook the shared-string table ``strings`` (raw <si> items)."""
    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
        part = sheet_parts(z)[sheet]
    xml = members[part].decode("utf-8")
    start, end = xml.index("<sheetData"), xml.index("</sheetData>") + len("</sheetData>") if "</sheetData>" in xml \
        else xml.index("<sheetData/>") + len("<sheetData/>")
    members[part] = (xml[:start] + "<sheetData>" + sheet_data + "</sheetData>" + xml[end:]).encode("utf-8")
    members["xl/sharedStrings.xml"] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns='
                                       '"http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                       + "".join(strings) + "</sst>").encode("utf-8")
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rIdSST" Type="{SST}" Target="sharedStrings.xml"/></Relationships>'.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def one_sheet(path):
    wb = Workbook()
    wb.active.title = "测评表"
    wb.save(path)
    return path


STRINGS = ['<si><t>党员群众测评</t></si>',
           '<si><r><t>春</t></r><r><rPr><b/></rPr><t xml:space="preserve">晖 </t></r><rPh sb="0" eb="1"><t>チュン</t></rPh></si>',
           '<si><t>A&amp;B_x000D_C</t></si>', '<si><t/></si>', '<si/>', '<si><t>&#x41;&lt;</t></si>']
CELLS = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="2" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
         '<c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c></row>'
         '<row r="3"><c r="A3" t="e"><f>NA()</f><v>#N/A</v></c><c r="B3" t="b"><v>1</v></c>'
         '<c r="C3" t="str"><f>"x"</f><v>x&amp;y</v></c><c r="D3"><v>85.5</v></c><c r="E3" s="1"/>'
         '<c r="F3"><v>1234567.125</v></c></row>'
         '<row r="4"><c r="B4" t="n"><v>3</v></c><c r="C4" t="inlineStr"><is><t>内联</t></is></c><c r="D4"><v/></c>'
         '<c r="G4" t="e"><v>#DIV/0!</v></c></row>')


def test_every_kind_of_cell_reads_as_calamine_reads_it_errors_as_their_text(tmp_path):
    path = excel_like(one_sheet(tmp_path / "a.xlsx"), "测评表", CELLS, STRINGS)
    expected = [  # by column: row 2 has no cell at all; an empty text is no value (None), as calamine's "" is
        ["党员群众测评", None, "#N/A", None],
        ["春晖 ", None, True, 3.0],  # rich text runs joined, the phonetic guide (チュン) left out
        ["A&B\rC", None, "x&y", "内联"],  # &amp; and Excel's _x000D_ decoded; a formula's text; inline text
        [None, None, 85.5, None],
        [None, None, None, None],  # <si/> and a styled cell without a value
        ["A<", None, 1234567.125, None],
        [None, None, None, "#DIV/0!"],
    ]
    book = OpenpyxlBook(path)
    try:
        coded = book.columns("测评表")
        assert all(isinstance(c, sheetxml.CodedColumn) for c in coded)
        assert [list(c) for c in coded] == expected
        assert book.grid("测评表") == [list(r) for r in zip(*expected)]  # the calamine path, read by rows
    finally:
        book.close()


def test_equal_values_share_one_code_and_true_is_not_1(tmp_path):
    cells = ('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>1.0</v></c></row>'
             '<row r="3"><c r="A3" t="b"><v>1</v></c></row><row r="4"><c r="A4" t="s"><v>0</v></c></row>'
             '<row r="5"><c r="A5" t="s"><v>1</v></c></row>')
    [column] = read_columns(f"<worksheet><sheetData>{cells}</sheetData></worksheet>".encode(),
                            [b"<t>x</t>", b"<t>x</t>"])  # a table may hold one text twice
    values, codes = distinct(column)
    assert list(column) == [1.0, 1.0, True, "x", "x"]
    a, b, c, d, e = codes.tolist()
    assert a == b and d == e and len({a, c, d}) == 3  # 1 and 1.0 one value, "x" one value, TRUE its own
    assert type(values[c]) is bool and [values[k] for k in codes] == list(column)


def test_a_number_cell_that_holds_no_number_stays_text():
    cells = '<row r="1"><c r="A1"><v></v></c><c r="B1"><v>12abc</v></c><c r="C1"><v>1E3</v></c></row>'
    assert [list(c) for c in read_columns(f"<worksheet><sheetData>{cells}</sheetData></worksheet>".encode(), [])] \
        == [[None], ["12abc"], [1000.0]]


@pytest.mark.parametrize("cells", [
    '<row r="1"><c r="A1" t="d"><v>2025-01-01T00:00:00</v></c></row>',  # a date cell
    '<row r="1"><c t="s"><v>0</v></c></row>',  # a cell without its reference
    '<row r="1"><c r="A1" t="s">\n  <v>0</v>\n</c></row>',  # whitespace between tags
    '<row><c r="A1" t="s"><v>0</v></c></row>',  # a row without its number
])
def test_xml_of_another_kind_is_left_to_calamine(tmp_path, cells):
    assert read_columns(f"<worksheet><sheetData>{cells}</sheetData></worksheet>".encode(), [b"<t>x</t>"]) is None
    path = excel_like(one_sheet(tmp_path / "a.xlsx"), "测评表", cells, ["<si><t>春晖</t></si>"])
    book = OpenpyxlBook(path)
    try:
        [column] = book.columns("测评表")  # read all the same, the ordinary way
        assert not isinstance(column, sheetxml.CodedColumn) and column[0] is not None
    finally:
        book.close()


def test_a_sheet_read_in_pieces_is_the_same_sheet(monkeypatch):
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>{r % 3}</v></c><c r="C{r}"><v>{r}</v></c></row>'
                   for r in range(2, 400, 3))
    xml = f"<worksheet><sheetData>{rows}</sheetData></worksheet>".encode()
    strings = [b"<t>a</t>", b"<t>b</t>", b"<t>c</t>"]
    whole = [list(c) for c in read_columns(xml, strings)]
    monkeypatch.setattr(sheetxml, "_CHUNK", 50)  # a piece of about one row
    assert [list(c) for c in read_columns(xml, strings)] == whole
    # row r holds "abc"[r % 3] in A and r in C; rows between hold nothing
    assert whole[0][4] == "c" and whole[2][4] == 5.0 and whole[0][5] is None and len(whole[0]) == 398


FORMS = [  # 测评表 rows: a mismatch (A 85), a stranger, a target twice on one form, an error cell, a blank row
    ("党员群众测评", "春晖", 1, None, "春晖", "B 80"),
    ("党员群众测评", "春晖", 1, None, "王芳", "B 82"),
    ("党员群众测评", "春晖", 2, None, "春晖", "B 84"),
    ("党员群众测评", "春晖", 2, None, "春晖", "B 70"),
    ("党员群众测评", "春晖", 2, None, "王芳", "A 85"),
    None,
    ("党员群众测评", "春晖", 3, None, "李四", "B 75"),
    ("党员群众测评", "春晖", 3, None, "王芳", "#N/A"),
    ("内部互评", "春晖", 1, "张三", "李四", 88),  # the 书记 rates the 主任: it counts (jingan 五(二)(1))
]


def _form_rows(forms) -> tuple[str, list[str]]:
    """The forms as Excel saves them: text as shared strings, #N/A as an error cell."""
    strings: dict[str, int] = {}

    def cell(ref: str, value: object) -> str:
        if isinstance(value, (int, float)):
            return f'<c r="{ref}"><v>{value}</v></c>'
        if value.startswith("#"):
            return f'<c r="{ref}" t="e"><f>NA()</f><v>{value}</v></c>'
        return f'<c r="{ref}" t="s"><v>{strings.setdefault(value, len(strings))}</v></c>'

    rows = [["测评", "居民区", "表号", "评分人", "对象", "评分"], *forms]
    xml = "".join(f'<row r="{n}">' + "".join(cell(f"{c}{n}", v) for c, v in zip("ABCDEF", row) if v is not None)
                  + "</row>" for n, row in enumerate(rows, start=1) if row is not None)
    return xml, [f"<si><t>{escape(s)}</t></si>" for s in strings]


def test_the_tally_finds_the_same_from_the_xml_as_from_calamine(tmp_path, capsys, monkeypatch):
    staff = [{"姓名": n, "居民区": "春晖", "岗位": p, "人员类别": "社区工作者", "内部互评": 80, "书记主任考评": 85,
              "应参加人数": 10, "实际参加人数": 9, "在岗月数": 12, "奖金基数": 1000}
             for n, p in (("张三", "书记"), ("李四", "主任"), ("王芳", "其他"))]
    path = jingan_book(tmp_path / "forms.xlsx", [area("春晖", members=None)], staff)
    wb = load_workbook(path)
    wb.create_sheet("测评表").append(["测评"])
    wb.save(path)
    excel_like(path, "测评表", *_form_rows(FORMS))
    book = OpenpyxlBook(path)
    assert isinstance(book.columns("测评表")[0], sheetxml.CodedColumn)  # read from the XML
    book.close()

    def run(*argv):
        code = cli.main([str(a) for a in argv])
        return code, json.loads(capsys.readouterr().out)

    from_xml = run("check", path, "--json"), run("calc", path, "--json")
    monkeypatch.setattr(book_module, "read_columns", lambda *args: None)  # calamine's way
    assert (run("check", path, "--json"), run("calc", path, "--json")) == from_xml
    (code, checked), (_, calculated) = from_xml
    found = {(i["rule"], i["cell"]) for i in checked["issues"]}
    assert ("测评表", "测评表!E5") in found  # 春晖 twice on form 2: the second (row 5) is an error
    assert ("档次分值不符", "测评表!F6") in found  # 王芳 "A 85" on form 2 (row 6): A is 90–100, the form is void
    assert ("输入格式", "测评表!F9") in found  # the #N/A cell is named as such, never read as a blank
    assert ("测评表", "工作人员!F3") in found  # 李四's typed 内部互评 80 against the number 88 on row 10
    # 春晖's 党员群众测评: form 1 gives 80; form 2 is void; form 3 rates staff only: 80.
    # 总分 = 0.5 × 街道考评 90 + 0.1 × 居民区互评 85 + 0.4 × 80 = 45 + 8.5 + 32 = 85.5
    [row] = calculated["sheets"]["居民区"]
    assert code == 1 and row["总分"] == pytest.approx(85.5)
