"""The sheet-XML reader of long sheets: the same values as calamine (and the error cells' text), coded."""

from __future__ import annotations

import json
import os
import zipfile
from xml.sax.saxutils import escape

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from kaohe import book as book_module
from kaohe import cli, sheetxml
from kaohe.book import OpenpyxlBook, sheet_parts
from kaohe.grid import distinct
from kaohe.sheetxml import read_columns, read_columns_streamed
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


@pytest.fixture(params=["compiled", "numpy"])
def reader(request, monkeypatch):
    """Each test that takes it runs with the compiled pass (kaohe/_sheetcells.c) and with numpy's."""
    if request.param == "numpy":
        monkeypatch.setattr(sheetxml, "_sheetcells", None)
    elif sheetxml._sheetcells is None:
        pytest.skip("the compiled pass is not built here (setup.py: optional)")
    return request.param


def test_the_compiled_pass_is_built_where_it_is_required():
    """CI sets KAOHE_REQUIRE_COMPILED: there the compiled pass must have been built and imported, or the
    comparisons below would quietly test numpy against itself."""
    if not os.environ.get("KAOHE_REQUIRE_COMPILED"):
        pytest.skip("KAOHE_REQUIRE_COMPILED is not set")
    assert sheetxml._sheetcells is not None


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


def test_every_kind_of_cell_reads_as_calamine_reads_it_errors_as_their_text(tmp_path, reader):
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


def test_equal_values_share_one_code_and_true_is_not_1(reader):
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


def test_a_number_cell_that_holds_no_number_stays_text(reader):
    cells = '<row r="1"><c r="A1"><v></v></c><c r="B1"><v>12abc</v></c><c r="C1"><v>1E3</v></c></row>'
    assert [list(c) for c in read_columns(f"<worksheet><sheetData>{cells}</sheetData></worksheet>".encode(), [])] \
        == [[None], ["12abc"], [1000.0]]


@pytest.mark.parametrize("cells", [
    '<row r="1"><c r="A1" t="d"><v>2025-01-01T00:00:00</v></c></row>',  # a date cell
    '<row r="1"><c t="s"><v>0</v></c></row>',  # a cell without its reference
    '<row r="1"><c r="A1" t="s">\n  <v>0</v>\n</c></row>',  # whitespace between tags
    '<row><c r="A1" t="s"><v>0</v></c></row>',  # a row without its number
])
def test_xml_of_another_kind_is_left_to_calamine(tmp_path, cells, reader):
    assert read_columns(f"<worksheet><sheetData>{cells}</sheetData></worksheet>".encode(), [b"<t>x</t>"]) is None
    path = excel_like(one_sheet(tmp_path / "a.xlsx"), "测评表", cells, ["<si><t>春晖</t></si>"])
    book = OpenpyxlBook(path)
    try:
        [column] = book.columns("测评表")  # read all the same, the ordinary way
        assert not isinstance(column, sheetxml.CodedColumn) and column[0] is not None
    finally:
        book.close()


def test_a_sheet_read_in_pieces_is_the_same_sheet(monkeypatch, reader):
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
    monkeypatch.setattr(book_module, "read_columns_streamed", lambda *args: None)
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


# The compiled pass against numpy's, on generated XML: plain cells of every kind, and the slips that
# make a sheet "not plain" (a reference missing or not first, lowercase or four letters, a date type,
# whitespace between tags, a row without its number, a shared index past the table, an attribute-less
# tag). Both must give the same cells, or both None.
_VALUES = st.sampled_from(["0", "1", "3", "12", "", "85.5", "-3", "1E3", "#N/A", "TRUE", "85.125", "123456",
                           "1234567", "#DIV/0!", "1234567.125", "x&amp;y", "0" * 12, "春晖" * 3, "长" * 300,
                           "x" * 256, "x" * 257, "abcdefg", "abcdefg\x00"])
# a value of up to 6 bytes is packed into its key, a longer one numbered: both sides of that line; and
# values numpy's pass once took for one (256 and 257 bytes alike in their first 256; a trailing NUL)
_INDEXES = st.sampled_from(["0", "1", "3", "12", "", "007"])  # a shared string's index: within a table of 15
_TYPES = st.sampled_from(["", ' t="n"', ' t="b"', ' t="e"', ' t="str"', ' t="inlineStr"'])
_COLUMNS = st.sampled_from(["A", "B", "F", "Z", "AA", "XFD"])
_SLIPS = st.sampled_from([  # each makes a sheet not plain: the reader must say None, not guess
    '<c r="ABCD1"><v>1</v></c>', '<c r="a1"><v>1</v></c>', '<c s="1" r="A1"><v>1</v></c>', "<c><v>1</v></c>",
    '<c r="A1" t="d"><v>2025-01-01</v></c>', '<c r="A1" t="x"><v>1</v></c>', '<c r="A1">\n<v>1</v></c>',
    '<c r="A1" t="s"><v>15</v></c>', '<c r="A1" t="s"><v>1.5</v></c>', '<c r="A1" t="s"><v>9999999999999</v></c>',
    '<c r="A1" t="inlineStr"><is><t>x</t></is>', "</row><row>", '</row><row spans="1:2" r="7">',
    '</row><row r="0">'])


@st.composite
def _cell(draw, row: int) -> str:
    head = f'<c r="{draw(_COLUMNS)}{row}"' + draw(st.sampled_from(["", ' s="1"']))
    if draw(st.integers(0, 2)) == 0:  # shared text, as Excel saves every text
        return head + f' t="s"><v>{draw(_INDEXES)}</v></c>'
    value = draw(_VALUES)
    return head + draw(_TYPES) + draw(st.sampled_from([
        "/>", f"><v>{value}</v></c>", f"><f>A1&amp;1</f><v>{value}</v></c>", "><f>NA()</f></c>",
        f"><is><t>{value}</t></is></c>", f"><is><r><t>{value}</t></r></is></c>", "></c>", f"/><v>{value}</v>"]))


@st.composite
def _sheet(draw) -> bytes:
    """A sheet of plain cells of every kind, and one time in four a slip somewhere among them."""
    rows = []
    for n in sorted(draw(st.sets(st.integers(1, 40), max_size=6))):
        start = draw(st.sampled_from([f'<row r="{n}">', f'<row r="{n}" spans="1:3">',
                                      f'<row r="{n}"><v>9</v>']))  # a stray <v>: no cell of the row before takes it
        rows.append(start + "".join(draw(st.lists(_cell(n), max_size=5))) + "</row>")
    if rows and draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(0, len(rows) - 1))
        row = rows[at]
        cut = draw(st.sampled_from([row.index(">") + 1, len(row) - len("</row>")]))
        rows[at] = row[:cut] + draw(_SLIPS) + row[cut:]
    return f"<worksheet><sheetData>{''.join(rows)}</sheetData></worksheet>".encode()


def _resolved(found):
    """Each cell as (row, column, key), a long value's key as its bytes: the two passes may number the
    long values differently (read_columns numbers them again for the whole sheet)."""
    if found is None:
        return None
    row, col, keys, odd = found
    return [(r, c, odd[k & sheetxml._LOW] if k >> 56 == sheetxml._LONG else k)
            for r, c, k in zip(row.tolist(), col.tolist(), keys.tolist())]


def _columns(found):
    return None if found is None else [(list(map(repr, c.values)), c.codes.tolist()) for c in found]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xml=_sheet(), strings=st.sampled_from([15, 15, 15, 4, 0]))
def test_the_compiled_pass_finds_what_numpy_finds(xml, strings):
    if sheetxml._sheetcells is None:
        pytest.skip("the compiled pass is not built here")
    buf = np.frombuffer(xml, dtype=np.uint8)
    lo, hi = xml.index(b"<sheetData>") + len(b"<sheetData>"), xml.index(b"</sheetData>")
    assert _resolved(sheetxml._compiled_cells(xml, buf, lo, hi, strings)) == \
        _resolved(sheetxml._numpy_cells(xml, buf, lo, hi, strings))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xml=_sheet(), steps=st.lists(st.integers(1, 60), min_size=1, max_size=8))
def test_a_sheet_read_as_it_inflates_is_the_sheet_read_whole(xml, steps):
    """read_columns_streamed, told the buffer's growth in uneven steps, reads what read_columns reads
    (None alike); with either pass, the same columns, value for value, code for code."""
    strings = [b"<t>a</t>", b"<t>b</t>", b"<t/>"] * 5  # 15, as the generated indexes assume
    whole = _columns(read_columns(xml, strings))
    buffer, filled, progress = bytearray(len(xml)), 0, []
    for step in [*steps, len(xml)]:
        part = xml[filled:filled + step]
        buffer[filled:filled + len(part)] = part
        filled += len(part)
        progress.append(filled)
    streamed = _columns(read_columns_streamed(((buffer, n) for n in progress), strings))
    assert streamed == whole
    saved = sheetxml._sheetcells
    try:
        sheetxml._sheetcells = None
        assert _columns(read_columns(xml, strings)) == whole
    finally:
        sheetxml._sheetcells = saved


def test_a_closed_cell_has_no_value_whatever_follows_it(reader):
    """<c r="A1"/> holds nothing; a <v> after it belongs to no cell (a generated sheet found that a closed
    inline cell took it as a shared string's index, past the table: a crash, not a reading)."""
    cells = '<row r="1"><c r="A1" t="inlineStr"/><v>0</v><c r="B1"/><v>7</v><c r="C1"><v>2</v></c></row>'
    assert [list(c) for c in read_columns(f"<worksheet><sheetData>{cells}</sheetData></worksheet>".encode(), [])] \
        == [[None], [None], [2.0]]


def test_a_read_that_failed_while_the_sheet_inflated_can_be_taken_again(tmp_path, monkeypatch):
    """The biggest sheet (the example's 测评表) is read as it inflates. A read that fails half-way (made
    to, here) leaves it readable: the next read takes the whole XML instead of waiting for chunks that
    have all come already."""
    import shutil
    import threading

    from tests.hostile.build import EXAMPLES

    path = tmp_path / "a.xlsm"
    shutil.copyfile(EXAMPLES["jingan"], path)
    expected = OpenpyxlBook(path)
    assert "测评表" in expected._kept  # the biggest sheet, inflating on its thread
    expected_columns = [list(c) for c in expected.columns("测评表")]
    expected.close()

    def failing(progress, strings, within=None):
        for _ in progress:  # to the end of the XML, then a failure
            pass
        raise RuntimeError("made to fail")

    book = OpenpyxlBook(path)
    streamed = book_module.read_columns_streamed
    monkeypatch.setattr(book_module, "read_columns_streamed", failing)
    with pytest.raises(RuntimeError):
        book.columns("测评表")
    monkeypatch.setattr(book_module, "read_columns_streamed", streamed)
    found: list = []
    reading = threading.Thread(target=lambda: found.append(book.columns("测评表")), daemon=True)
    reading.start()
    reading.join(timeout=60)
    assert not reading.is_alive() and [list(c) for c in found[0]] == expected_columns
    book.close()
