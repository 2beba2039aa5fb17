"""Files that would run away with memory or time are refused before any parser sees them (kaohe.limits)."""

from __future__ import annotations

import re
import struct
import zipfile

import pytest

from kaohe import limits

from .build import add_row, example, kaohe, part_of, patch_sheet, rewrite, run


def stray(ref: str) -> str:
    row = re.sub(r"[A-Z]", "", ref)
    return f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'


@pytest.mark.parametrize("sheet, ref", [("居民区", "XFD1048576"), ("工作人员", "A1048576"), ("居民区", "ALM1"),
                                        ("测评表", "XFD1048576")])  # the biggest sheet: counted by its reader
def test_a_stray_value_far_away_is_refused_naming_its_cell(tmp_path, capsys, sheet, ref):
    # XFD1048576: calamine would allocate 16,384 × 1,048,576 cells (549 GB) and abort the process (exit 134);
    # A1048576: 1,048,576 rows > MAX_ROWS 500,000; ALM1: column 1,001 > MAX_COLUMNS 1,000.
    bad = patch_sheet(example(tmp_path), tmp_path / "bad.xlsm", sheet, lambda x: add_row(x, stray(ref)))
    code, _, err = run(capsys, "check", bad)
    assert code == 2
    assert f"bad.xlsm：工作表“{sheet}”的 {ref} 有内容" in err and "500,000 行" in err


def test_the_used_range_is_the_cells_not_the_dimension_a_file_claims(tmp_path, capsys):
    claims = patch_sheet(example(tmp_path), tmp_path / "claims.xlsm", "居民区",
                         lambda x: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', x))
    code, out, err = run(capsys, "check", claims)
    assert code in (0, 1) and "检查结果" in out and err == ""


def test_a_stray_value_on_the_last_row_is_refused_before_export_or_merge(tmp_path, capsys):
    bad = patch_sheet(example(tmp_path), tmp_path / "bad.xlsm", "工作人员", lambda x: add_row(x, stray("B1048576")))
    for argv in (("export", bad, "-o", tmp_path / "out.xlsx", "--force"), ("merge", bad, "-o", tmp_path / "sum.xlsx")):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "B1048576" in (err + _), argv
    assert not (tmp_path / "out.xlsx").exists() and not (tmp_path / "sum.xlsx").exists()


def test_a_million_rows_are_refused_at_the_row_limit(tmp_path):
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, 1_000_002))
    big = patch_sheet(example(tmp_path), tmp_path / "big.xlsm", "测评表", lambda x: add_row(x, rows))
    done = kaohe("check", big)
    assert done.returncode == 2 and "“测评表”的 A500001 有内容" in done.stderr  # the first row past 500,000


def _bomb(tmp_path, size: int):
    """A 居民区 sheet padded with ``size`` bytes of whitespace: deflates to almost nothing."""
    return patch_sheet(example(tmp_path), tmp_path / "bomb.xlsm", "居民区",
                       lambda x: x.replace("</sheetData>", "</sheetData>" + " " * size))


def test_a_part_declared_too_big_is_refused_unread(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(limits, "MAX_PART_BYTES", 2**20)  # 1 MB, so that the test builds a small file
    bomb = _bomb(tmp_path, 2 * 2**20)
    code, _, err = run(capsys, "check", bomb)
    assert code == 2 and "xl/worksheets/" in err and "解压后超过" in err and "上限为每部分 1 MB" in err


def test_a_part_that_inflates_beyond_what_it_declares_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(limits, "MAX_PART_BYTES", 2**20)
    bomb = _bomb(tmp_path, 2 * 2**20)
    # lie in the headers: every uncompressed size says 1,000 bytes (local header offset 22, central 24)
    data = bytearray(bomb.read_bytes())
    for signature, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        for found in re.finditer(re.escape(signature), bytes(data)):
            data[found.start() + at:found.start() + at + 4] = struct.pack("<I", 1000)
    bomb.write_bytes(bytes(data))
    code, _, err = run(capsys, "check", bomb)
    assert code == 2 and err.startswith("kaohe：bomb.xlsm") and "内部错误" not in err


def test_the_package_as_a_whole_is_bounded(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(limits, "MAX_PACKAGE_BYTES", 2**20)
    code, _, err = run(capsys, "check", example(tmp_path))  # 1.16 MB inflated (unzip -l) > 1 MB
    assert code == 2 and "全部" in err


XXE = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">' +
          "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi")) + "]>")


@pytest.mark.parametrize("dtd", [XXE, LAUGHS])
@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/sharedStrings.xml", "sheet", "biggest sheet"])
def test_a_dtd_in_any_part_is_refused(tmp_path, capsys, dtd, part):
    """"biggest sheet": the one inflated on its own thread and read as it inflates (book._Inflating)."""
    source = example(tmp_path)
    with zipfile.ZipFile(source) as z:
        names = z.namelist()
        sheets = sorted((i for i in z.infolist() if i.filename.startswith("xl/worksheets/sheet")),
                        key=lambda i: i.file_size)
    target = part if part in names else sheets[-1].filename if part == "biggest sheet" \
        else next(n for n in names if n.startswith("xl/worksheets/"))

    def change(name, data):
        if name != target:
            return data
        return dtd.encode() + re.sub(rb"^<\?xml[^>]*\?>", b"", data)

    bad = rewrite(source, tmp_path / "dtd.xlsm", change)
    code, _, err = run(capsys, "check", bad)
    assert code == 2 and "DTD" in err and "passwd" not in err


@pytest.mark.parametrize("size_of_chunk", [5, 8, 13])
def test_a_dtd_split_across_two_chunks_is_refused(tmp_path, size_of_chunk):
    """The parts inflate chunk by chunk (1 MB; the biggest sheet 4 MB): a <!DOCTYPE or <!ENTITY cut at
    any place between two chunks is found all the same; text with a "!" in it is not refused."""
    for tag in (b"<!DOCTYPE r>", b"<!ENTITY x 'y'>"):
        for offset in range(2 * size_of_chunk):
            path = tmp_path / f"{offset}.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("xl/worksheets/sheet1.xml", b"x" * offset + tag + b"<worksheet/>")
                z.writestr("xl/worksheets/sheet2.xml", b"x" * offset + b"<t>!DOCTYPE? no!</t><![CDATA[!]]>")
            with zipfile.ZipFile(path) as z:
                with pytest.raises(limits.LimitError, match="DTD"):
                    list(limits._inflated(z, z.getinfo("xl/worksheets/sheet1.xml"), [0], size_of_chunk))
                assert b"".join(limits._inflated(z, z.getinfo("xl/worksheets/sheet2.xml"), [0], size_of_chunk)) \
                    .endswith(b"<![CDATA[!]]>")


def test_openpyxl_parses_through_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML  # pinned by the dependency, not left to the installed expat


@pytest.mark.parametrize("name, content, says", [
    ("a.csv", b"\xe5\xb1\x85\xe6\xb0\x91\xe5\x8c\xba,1\n", "不是 Excel 工作簿"),
    ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "不是 Excel 工作簿"),  # OLE: .xls, or encrypted .xlsx
    ("a.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "或已加密"),
])
def test_csv_xls_and_encrypted_files_exit_2(tmp_path, capsys, name, content, says):
    (tmp_path / name).write_bytes(content)
    code, _, err = run(capsys, "check", tmp_path / name)
    assert code == 2 and says in err and name in err


def test_cells_without_references_are_counted_where_they_stand(tmp_path, capsys):
    # a row of 1,001 cells with content and no r="": the 1,001st stands in column 1,001 > MAX_COLUMNS
    cells = "<c><v>1</v></c>" * 1001
    bad = patch_sheet(example(tmp_path), tmp_path / "wide.xlsm", "居民区", lambda x: add_row(x, f"<row>{cells}</row>"))
    code, _, err = run(capsys, "check", bad)
    assert code == 2 and "第17行第1001列" in err  # 居民区 ends on row 16 (its 15 areas below the header)


@pytest.mark.parametrize("command", ["check", "export"])
def test_the_biggest_sheet_of_a_kind_only_calamine_reads_is_scanned_before_it(tmp_path, capsys, command):
    # 测评表, the biggest sheet, is left to its own reader (kaohe.sheetxml); cells without references are
    # not its kind: the whole scan runs before calamine (check) or openpyxl (export) reads it
    cells = "<c><v>1</v></c>" * 1001
    bad = patch_sheet(example(tmp_path), tmp_path / "wide.xlsm", "测评表", lambda x: add_row(x, f"<row>{cells}</row>"))
    argv = ("check", bad) if command == "check" else ("export", bad, "-o", tmp_path / "out.xlsx", "--force")
    code, _, err = run(capsys, *argv)
    assert code == 2 and "工作表“测评表”的 第" in err and "第1001列 有内容" in err
    assert not (tmp_path / "out.xlsx").exists()


def _declared(path, part: str, size: int) -> None:
    """The headers of one part (local, offset 22; central, offset 24) made to declare ``size`` bytes."""
    data, name = bytearray(path.read_bytes()), part.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        for found in re.finditer(re.escape(signature), bytes(data)):
            if data[found.start() + name_at:found.start() + name_at + len(name)] == name:
                data[found.start() + size_at:found.start() + size_at + 4] = struct.pack("<I", size)
    path.write_bytes(bytes(data))


def test_a_part_declaring_400_mb_over_a_few_bytes_is_not_given_them(tmp_path):
    """The biggest sheet inflates into one buffer set aside before it inflates: as big as the compressed
    bytes can give (deflate: 1,032 to 1), not as big as a header claims (within the 512 MB limit)."""
    import tracemalloc

    from kaohe.book import OpenpyxlBook

    honest = example(tmp_path)
    lying = example(tmp_path, name="lying.xlsm")
    _declared(lying, part_of(lying, "测评表"), 400 * 2**20)
    read = []
    for path in (honest, lying):
        tracemalloc.start()
        try:
            book = OpenpyxlBook(path)
            read.append([list(c) for c in book.columns("测评表")])
            book.close()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        # the example's 测评表: 0.85 MB of XML, 70 KB compressed, so at most 1,032 × 70 KB ≈ 72 MB set aside
        assert peak < 100 * 2**20
    assert read[0] == read[1]


@pytest.mark.parametrize("row", ['<row r="999999999999"><c r="A1"><v>1</v></c></row>',  # 10¹² rows: its columns
                                 '<row r="600000"><c r="A1"><v>1</v></c></row>'])  # would not fit in memory
def test_a_row_numbered_past_the_limit_is_refused_whatever_its_cells_say(tmp_path, capsys, row):
    """The limits' scan places a cell by its reference (A1), the 测评表's reader by its row's number: a file
    where the two disagree is refused all the same, naming the row, not read into a column of 10¹² rows."""
    bad = patch_sheet(example(tmp_path), tmp_path / "rows.xlsm", "测评表", lambda x: add_row(x, row))
    code, _, err = run(capsys, "check", bad)
    number = re.search(r'r="(\d+)"', row).group(1)
    assert code == 2 and f"“测评表”的 第{int(number):,}行" in err and "内部错误" not in err


def test_a_row_numbered_0_is_not_read_as_the_last_row(tmp_path, capsys):
    """Rows count from 1: <row r="0"> is not the plain XML the 测评表 reader knows (index −1 would be the
    last row); the sheet is read the ordinary way, or refused with a reason, never a traceback."""
    bad = patch_sheet(example(tmp_path), tmp_path / "zero.xlsm", "测评表",
                      lambda x: add_row(x, '<row r="0"><c r="A0"><v>1</v></c></row>'))
    code, out, err = run(capsys, "check", bad)
    assert code in (0, 1, 2) and "内部错误" not in err and "Traceback" not in err + out
    assert code != 2 or err.startswith("kaohe：zero.xlsm")
