"""The headless writer: `kaohe calc -o` gives the result formulas their values, changing nothing else."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from kaohe import cli, template
from kaohe.files import write_atomically
from kaohe.workbook import forms_beyond_formulas, read_inputs
from tests.conftest import typed_and_formulas

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "gaojing-2024-example.xlsm"


@pytest.fixture(scope="module")
def calculated(tmp_path_factory):
    out = tmp_path_factory.mktemp("calc") / "out.xlsm"
    before = hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert cli.main(["calc", str(EXAMPLE), "-o", str(out)]) == 0
    assert hashlib.sha256(EXAMPLE.read_bytes()).hexdigest() == before
    return out


def test_saved_results_are_what_calc_reports(calculated, capsys):
    capsys.readouterr()
    cli.main(["calc", str(EXAMPLE), "--json"])
    expected = {r["居民区"]: r for r in json.loads(capsys.readouterr().out)["sheets"]["居民区"]}
    ws = load_workbook(calculated, data_only=True)["居民区"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[0] is None:
            continue
        saved, want = dict(zip(header, row)), expected[row[0]]
        for column in ("总分", "排名", "档次", "建议等次", "最终等次"):
            if want[column] is None:  # not computable: the cell shows why, as the UDF would
                assert str(saved[column]).startswith("#错误")
            elif want[column] == "":
                # ranked below both tiers: an empty 档次, saved as one space (LibreOffice would recompute
                # an empty cached string into #NAME?)
                assert saved[column] == " "
            else:
                assert saved[column] == pytest.approx(want[column])


def test_formulas_inputs_and_vba_are_unchanged(calculated):
    original, result = load_workbook(EXAMPLE, keep_vba=True), load_workbook(calculated, keep_vba=True)
    for sheet in original.sheetnames:
        assert typed_and_formulas(original[sheet]) == typed_and_formulas(result[sheet])
    with zipfile.ZipFile(EXAMPLE) as a, zipfile.ZipFile(calculated) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
        assert sorted(a.namelist()) == sorted(b.namelist())


def test_every_cell_of_every_result_block_gets_its_value(calculated):
    # an array formula is written once, at its block's first cell; a program that shows saved values
    # without recomputing needs a value in every cell of the block (a number, a grade or a message)
    from kaohe.workbook import calculate, read_inputs, result_cells
    inputs = read_inputs(EXAMPLE)
    want = result_cells(inputs, calculate(inputs))
    saved = load_workbook(calculated, data_only=True)
    checked = shown = 0
    for ws in load_workbook(calculated).worksheets:
        for ref in ws.array_formulae.values():
            first_col, first_row, last_col, last_row = range_boundaries(ref)
            for r in range(first_row, last_row + 1):
                for c in range(first_col, last_col + 1):
                    a1 = f"{get_column_letter(c)}{r}"
                    value = saved[ws.title][a1].value
                    value = None if value == " " else value  # an empty result is saved as one space
                    expected = want[ws.title].get(a1, "")  # below the last typed row: blank
                    assert value == (None if expected == "" else pytest.approx(expected)), f"{ws.title}!{a1}"
                    checked, shown = checked + 1, shown + (value is not None)
    # every block cell of both sheets, most of them showing something
    assert checked > 500 and shown > 300


def test_a_calculated_workbook_checks_clean_of_stale_results(calculated, capsys):
    capsys.readouterr()
    cli.main(["check", str(calculated), "--json"])
    rules = {i["rule"] for i in json.loads(capsys.readouterr().out)["issues"]}
    assert "结果未计算" not in rules and "结果与规则不符" not in rules
    assert "并列超额" in rules  # the example's planted findings are still there


# --- the -o paths never harm the clerk's file ---------------------------------------------------

def test_new_never_overwrites_without_force(tmp_path):
    out = tmp_path / "a.xlsm"
    out.write_bytes(b"a clerk's file")
    assert cli.main(["new", "--scheme", "jingan", "-o", str(out)]) == 2
    assert out.read_bytes() == b"a clerk's file"
    assert cli.main(["new", "--scheme", "jingan", "-o", str(out), "--force"]) == 0


@pytest.mark.parametrize("command", ["calc", "check"])
def test_output_may_not_be_the_file_itself_nor_another_kind(tmp_path, command):
    own = tmp_path / "own.xlsm"
    own.write_bytes(EXAMPLE.read_bytes())
    before = own.read_bytes()
    assert cli.main([command, str(own), "-o", str(own)]) == 2
    assert cli.main([command, str(own), "-o", str(tmp_path / "copy.xlsx")]) == 2  # .xlsm content in an .xlsx
    assert own.read_bytes() == before and not (tmp_path / "copy.xlsx").exists()


def test_check_o_keeps_the_saved_results(calculated, tmp_path):
    out = tmp_path / "checked.xlsm"
    cli.main(["check", str(calculated), "-o", str(out)])
    before = load_workbook(calculated, data_only=True)["居民区"]
    after = load_workbook(out, data_only=True)["居民区"]
    assert after["AD2"].value == before["AD2"].value is not None  # 总分 of the first area, still there


def test_check_o_creates_a_missing_report_sheet(tmp_path):
    from kaohe import template
    wb = template.build("gaojing-2024", macro=False, area_rows=3, people_rows=3,
                        data={"居民区": [{"居民区": "春晖", "总户数": 1000}]})
    del wb["检查结果"]
    source, out = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    wb.save(source)
    assert cli.main(["check", str(source), "-o", str(out)]) == 1
    header = [c.value for c in load_workbook(out)["检查结果"][1]]
    assert header[:4] == ["级别", "规则", "依据", "位置"]


def test_text_xml_forbids_is_written_as_excel_writes_it(tmp_path):
    # A clerk pasted a vertical tab from Word into a score (Excel stores it as _x000B_; readers give back
    # the character): the message quoting it must not break the sheet's XML
    from kaohe import template
    data = {"居民区": [{"居民区": "春晖", "街道考评": "9_x000B_0", "居民区互评": 85, "党员群众测评": 92,
                        "应参加人数": 50, "实际参加人数": 41}]}
    source, out = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    template.build("jingan", macro=False, area_rows=2, people_rows=2, data=data).save(source)
    assert cli.main(["calc", str(source), "-o", str(out)]) == 0
    shown = load_workbook(out, data_only=True)["居民区"]["K2"].value  # 总分
    assert shown.startswith("#错误") and "_x000B_" in shown


def test_cached_values_fill_every_cell_of_an_array_block():
    from kaohe.workbook import _cached
    xml = '<sheetData><row r="2"><c r="J2" s="1"><f t="array" ref="J2:K3">KAOHE_AREA(1)</f></c><c r="K2" s="1"/>' \
          '<c r="L2" s="1"/></row><row r="3"><c r="J3" s="1"/><c r="K3" s="1"/></row></sheetData>'
    patched, count = _cached(xml, {"J2": 1.5, "K2": "优秀", "J3": "", "K3": 2, "L2": "outside the block"})
    assert count == 4
    assert '<c r="J2" s="1"><f t="array" ref="J2:K3">KAOHE_AREA(1)</f><v>1.5</v></c>' in patched
    assert '<c r="K2" s="1" t="str"><v>优秀</v></c>' in patched and '<c r="K3" s="1"><v>2.0</v></c>' in patched
    assert '<c r="L2" s="1"/>' in patched  # not a computed cell: untouched


def test_cached_values_find_cells_whatever_their_attribute_order():
    from kaohe.workbook import _cached
    xml = '<sheetData><row r="2"><c s="10" r="J2" t="str"><f>KAOHE_AREA(1)</f><v>old</v></c>' \
          '<c r="K2" s="3" t="s"><v>7</v></c></row></sheetData>'
    patched, count = _cached(xml, {"J2": 93.3, "K2": "typed cells are never touched"})
    assert count == 1
    assert '<c s="10" r="J2"><f>KAOHE_AREA(1)</f><v>93.3</v></c>' in patched
    assert '<c r="K2" s="3" t="s"><v>7</v></c>' in patched


# --- people keyed by (居民区, 姓名) or 编号, in a real file (DOMAIN §6) --------------------------------

def _staff_book(tmp_path, people):
    from kaohe import template

    area = {"街道考评": 80, "居民区互评": 80, "党员群众测评": 80, "应参加人数": 50, "实际参加人数": 45}
    person = {"岗位": "其他", "人员类别": "社区工作者", "书记主任考评": 80, "内部互评": 80, "应参加人数": 20,
              "实际参加人数": 18, "在岗月数": 12, "奖金基数": 10000}
    wb = template.build("jingan", macro=False, area_rows=3, people_rows=5, form_rows=2, data={
        "居民区": [{"居民区": "A", **area}, {"居民区": "B", **area}],
        "工作人员": [{**person, **p} for p in people]})
    path = tmp_path / "staff.xlsx"
    wb.save(path)
    return path


def test_two_namesakes_in_two_areas_both_get_results_from_a_file(tmp_path, capsys):
    path = _staff_book(tmp_path, [{"姓名": "王芳", "居民区": "A", "党员群众测评": 90},
                                  {"姓名": "王芳", "居民区": "B", "党员群众测评": 70}])
    capsys.readouterr()
    assert cli.main(["calc", str(path), "--json"]) in (0, 1)
    staff = {r["姓名"]: r for r in json.loads(capsys.readouterr().out)["sheets"]["工作人员"]}
    # 总分 A = B = 80 (五(一)); 王芳 (五(三)) = 0.3×80 + 0.2×80 + 0.1×80 + 0.4×党员群众测评
    assert staff["A·王芳"]["得分"] == pytest.approx(24 + 16 + 8 + 36)  # 84
    assert staff["B·王芳"]["得分"] == pytest.approx(24 + 16 + 8 + 28)  # 76


def test_two_namesakes_in_one_area_are_an_error_at_both_rows_of_a_file(tmp_path, capsys):
    path = _staff_book(tmp_path, [{"姓名": "王芳", "居民区": "A", "党员群众测评": 90},
                                  {"姓名": "李娜", "居民区": "A", "党员群众测评": 80},
                                  {"姓名": "王芳", "居民区": "A", "党员群众测评": 70}])
    capsys.readouterr()
    assert cli.main(["check", str(path), "--json"]) == 1
    [twice] = [i for i in json.loads(capsys.readouterr().out)["issues"] if i["rule"] == "名称重复"]
    assert twice["severity"] == "error" and "第1条" in twice["message"] and "第3条" in twice["message"]
    assert twice["cell"] == "工作人员!A2"  # the first of the two rows, at its 姓名


def test_forms_typed_below_the_formulas_range_are_named(tmp_path, capsys):
    """The .xlsm's result blocks read the 测评表 down to a fixed row; rows typed below it count in kaohe's
    results but not in Excel's: the check says which rows, and how to bring them in."""
    wb = template.build("jingan", area_rows=3, people_rows=3, form_rows=10)
    ws = wb["测评表"]
    for row in (11, 14, 15):  # rows 2…11 are inside the range '测评表'!$A$1:$F$11; 14 and 15 are not
        for col, value in enumerate(["居民区互评", "甲", 1, None, "乙", 80], start=1):
            ws.cell(row, col, value)
    path = tmp_path / "beyond.xlsm"
    write_atomically(wb, path)
    inputs = read_inputs(path)
    assert inputs.forms_reach == 11
    (found,) = forms_beyond_formulas(inputs)
    assert (found.rule, found.severity.value, found.allowed, found.actual) == ("测评表范围", "warning", 11, 15)
    assert "测评表第14–15行（2行）" in found.message and "第11行之前插入" in found.message
    assert inputs.cell(found) == "测评表!A14"
    assert cli.main(["check", str(path)]) == 1
    assert "测评表第14–15行" in capsys.readouterr().out


def test_forms_within_the_range_or_a_book_without_formulas_say_nothing(tmp_path):
    wb = template.build("jingan", area_rows=3, people_rows=3, form_rows=10)
    for col, value in enumerate(["居民区互评", "甲", 1, None, "乙", 80], start=1):
        wb["测评表"].cell(11, col, value)  # the range's last row
    path = tmp_path / "within.xlsm"
    write_atomically(wb, path)
    assert forms_beyond_formulas(read_inputs(path)) == []
    native = tmp_path / "native.xlsx"
    assert cli.main(["new", "--scheme", "jingan", "--native", "-o", str(native)]) == 0
    assert read_inputs(native).forms_reach is None  # built-in formulas: each row has its own
