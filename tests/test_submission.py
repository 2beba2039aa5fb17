"""The copy sent upward: `kaohe export` (and its macro) and `kaohe verify`, on real files read back."""

from __future__ import annotations

import json
import re
import sys
import types
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

import kaohe
from kaohe import cli, office, submission
from tests.rendering import require_office, text
from tests.test_checking import FakeSheet, _Sheets
from tests.test_cli import area, jingan_book, run

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
JINGAN = EXAMPLES / "jingan-example.xlsm"
GAOJING = EXAMPLES / "gaojing-2024-example.xlsm"


@pytest.fixture(scope="module")
def forced(tmp_path_factory):
    """The jingan example exported although its check finds errors (it has planted ones)."""
    out = tmp_path_factory.mktemp("export") / "上报.xlsx"
    assert cli.main(["export", str(JINGAN), "-o", str(out), "--force"]) == 0
    return out


def source_block(path):
    return submission.read_source([list(r) for r in load_workbook(path)["来源"].iter_rows(values_only=True)])


def test_export_refuses_while_the_check_finds_errors(tmp_path, capsys):
    target = tmp_path / "上报.xlsx"
    code, _, err = run(capsys, "export", JINGAN, "-o", target)
    assert code == 1 and not target.exists()
    _, out, _ = run(capsys, "check", JINGAN, "--json")
    errors = [i for i in json.loads(out)["issues"] if i["severity"] == "error"]
    assert errors and f"检查发现 {len(errors)} 条错误" in err
    for issue in errors:  # each reason with its cell
        assert f"{issue['cell']}：{issue['message']}" in err


def test_the_copy_has_no_macros_no_formulas_and_no_python_link(forced):
    with zipfile.ZipFile(forced) as z:
        assert not [n for n in z.namelist() if "vba" in n.lower()]
        assert b"macroEnabled" not in z.read("[Content_Types].xml")
    wb = load_workbook(forced)
    # 汇总 is left out (its counts would be frozen): 封面 counts instead
    assert wb.sheetnames == ["封面", "来源", "说明", "居民区", "工作人员", "测评表", "街道考评", "加减分", "检查结果", "参数"]
    formulas = [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []


def test_the_copy_explains_itself_not_the_macros_it_no_longer_has(forced):
    source = [r for r in load_workbook(JINGAN)["说明"].iter_rows(values_only=True)]
    guide = [r for r in load_workbook(forced)["说明"].iter_rows(values_only=True)]
    assert guide[:4] == source[:4]  # title, 填报单位, 考核年度, 方案: as typed
    text = "".join(str(v) for row in guide for v in row if v)
    assert "这是上报副本" in text and "没有公式和宏" in text and "kaohe verify" in text
    assert "Python 提供" not in text and "kaohe_check" not in text and "Alt+F8" not in text


def test_the_first_sheet_says_the_export_was_forced(forced, capsys):
    _, out, _ = run(capsys, "check", JINGAN, "--json")
    errors = sum(1 for i in json.loads(out)["issues"] if i["severity"] == "error")
    first = load_workbook(forced).worksheets[0]
    assert first.title == "封面" and f"检查发现 {errors} 条错误" in first["A2"].value and "强制导出" in first["A2"].value
    assert source_block(forced).values[submission.FORCED_LABEL] == "是"


def test_inputs_are_as_typed_and_results_are_the_rules_values(forced, capsys):
    original, copy = load_workbook(JINGAN), load_workbook(forced)
    for sheet in ("居民区", "工作人员", "测评表", "参数"):
        typed = {c.coordinate: c.value for row in original[sheet].iter_rows() for c in row
                 if c.value is not None and c.data_type != "f"}
        assert {ref: copy[sheet][ref].value for ref in typed} == typed, sheet
    _, out, _ = run(capsys, "calc", JINGAN, "--json")
    expected = {r["居民区"]: r for r in json.loads(out)["sheets"]["居民区"]}
    ws = copy["居民区"]
    header = [c.value for c in ws[1]]
    saved = {row[0]: dict(zip(header, row)) for row in ws.iter_rows(min_row=2, values_only=True) if row[0] in expected}
    assert saved.keys() == expected.keys()  # every area of the workbook is in the copy, and checked below
    uncomputed = 0
    for key, want_row in expected.items():
        for column in ("总分", "建议等次", "最终等次"):
            want = want_row[column]
            if want is None:  # not computable: the copy shows why, as the workbook did
                assert str(saved[key][column]).startswith("#错误"), (key, column)
                uncomputed += 1
            else:
                assert saved[key][column] == (pytest.approx(want) if isinstance(want, float) else want), (key, column)
    assert 0 < uncomputed < 3 * len(expected)  # the example's planted errors: both kinds of cell are checked


def test_the_source_block_names_the_scheme_versions_time_and_digests(forced):
    block = source_block(forced).values
    assert (block["方案"], block["方案版本"], block["kaohe 版本"]) == ("jingan", "1", kaohe.__version__)
    assert block["填报单位（街道/镇）"] == "静安区示例街道" and block["源文件"] == JINGAN.name
    assert datetime.fromisoformat(block["导出时间"]).tzinfo is not None
    assert re.fullmatch("[0-9a-f]{64}", block[submission.INPUTS_DIGEST])
    assert re.fullmatch("[0-9a-f]{64}", block[submission.RESULTS_DIGEST])


@pytest.mark.parametrize("example", [JINGAN, GAOJING])
def test_a_fresh_copy_verifies_clean(example, tmp_path, capsys):
    copy = tmp_path / "上报.xlsx"
    assert run(capsys, "export", example, "-o", copy, "--force")[0] == 0
    code, out, _ = run(capsys, "verify", copy, "--json")
    report = json.loads(out)
    assert code == 0 and report["agrees"] and report["differences"] == []


def edited(forced, tmp_path, sheet, cell, value):
    wb = load_workbook(forced)
    wb[sheet][cell] = value
    path = tmp_path / "改过.xlsx"
    wb.save(path)
    return path


def test_an_edited_input_is_caught_with_its_row_and_the_results_it_moves(forced, tmp_path, capsys):
    # 和平居民区 (row 3): 街道考评 88.5 → 99. Its 总分 should move by 50% × (99 − 88.5) = 5.25 (jingan 五(一)1),
    # and so should every 居民区得分 of its staff (jingan 五(二), 五(三)).
    before = load_workbook(forced)["居民区"]["K3"].value  # 总分
    path = edited(forced, tmp_path, "居民区", "B3", 99)
    code, out, _ = run(capsys, "verify", path, "--json")
    differences = json.loads(out)["differences"]
    assert code == 1
    total = next(d for d in differences if d["cell"] == "居民区!K3")
    assert total["actual"] == pytest.approx(before) and total["allowed"] == pytest.approx(before + 5.25)
    assert any(d["rule"] == "摘要不符" and d["cell"] == "居民区!A3" and "输入" in d["message"] for d in differences)


def test_a_number_edited_with_its_result_is_still_caught_by_the_digest(forced, tmp_path, capsys):
    # the copy's 总分 of 和平居民区 and its input moved together so that the recomputation agrees: the
    # row's digests no longer do
    wb = load_workbook(forced)
    ws = wb["居民区"]
    ws["G3"] = (ws["G3"].value or 0) + 1  # 加分 +1 …
    ws["K3"] = ws["K3"].value + 1  # … and 总分 +1 (jingan 四(二): added to the total)
    path = tmp_path / "改过.xlsx"
    wb.save(path)
    code, out, _ = run(capsys, "verify", path, "--json")
    differences = json.loads(out)["differences"]
    assert code == 1 and not [d for d in differences if d["rule"] == "结果与规则不符" and d["cell"] == "居民区!K3"]
    row = [d["message"] for d in differences if d["cell"] == "居民区!A3"]
    assert any("输入" in m for m in row) and any("结果" in m for m in row)


def test_an_edited_rating_form_and_parameter_are_caught(forced, tmp_path, capsys):
    path = edited(forced, tmp_path, "测评表", "F10", "B 71")
    _, out, _ = run(capsys, "verify", path, "--json")
    assert any("“测评表”表的输入在导出后被改动" in d["message"] for d in json.loads(out)["differences"])
    params = load_workbook(forced)["参数"]
    row = next(r[0].row for r in params.iter_rows() if r[0].value == "turnout.min_share")
    path = edited(forced, tmp_path, "参数", f"C{row}", 0.5)
    code, out, _ = run(capsys, "verify", path, "--json")
    assert code == 1 and any("“参数”表的输入在导出后被改动" in d["message"] for d in json.loads(out)["differences"])


def test_what_the_source_sheet_says_is_covered_too(forced, tmp_path, capsys):
    wb = load_workbook(forced)
    row = next(r for r in wb["来源"].iter_rows() if r[0].value == submission.FORCED_LABEL)
    row[1].value = "否"  # a forced export passed off as a clean one
    path = tmp_path / "改过.xlsx"
    wb.save(path)
    code, out, _ = run(capsys, "verify", path, "--json")
    assert code == 1 and any("输入摘要与导出时不同" in d["message"] for d in json.loads(out)["differences"])


def test_values_that_readers_give_back_differently_still_verify(tmp_path, capsys):
    # Seven 党员群众测评 forms summing to 225: the tally 225 / 7 = 32.142857142857146 replaces the KAOHE_FORMS
    # block's cell in the copy and is saved by openpyxl to 16 digits (32.14285714285715), whose 15-digit rounding
    # differs from the unsaved value's. A date in a clerk's own column (openpyxl reads a datetime, calamine a
    # date) and a line break typed as CR LF must not count as edits either.
    from datetime import datetime

    from kaohe import template
    scores = [30, 30, 30, 30, 35, 35, 35]
    forms = [{"测评": "党员群众测评", "居民区": "春晖", "表号": n, "对象": "春晖", "评分": v}
             for n, v in enumerate(scores, start=1)]
    areas = [{"居民区": "春晖", "街道考评": 90, "居民区互评": 85, "应参加人数": 8, "实际参加人数": 7},
             {"居民区": "和平", "街道考评": 80, "居民区互评": 85, "党员群众测评": 88, "应参加人数": 8, "实际参加人数": 7}]
    wb = template.build("jingan", area_rows=3, people_rows=3, form_rows=10,
                        data={"居民区": areas, "工作人员": [], "测评表": forms})
    wb["说明"]["B2"] = "测试街道\r\n（一）"  # 填报单位, in 来源 and so in the inputs digest
    ws = wb["居民区"]
    ws["Q1"], ws["Q2"], ws["R1"], ws["R2"] = "备注", "第一行\r\n第二行", "填表日期", datetime(2024, 12, 20)
    path = tmp_path / "静安.xlsm"
    wb.save(path)
    copy = tmp_path / "上报.xlsx"
    assert run(capsys, "export", path, "-o", copy)[0] == 0
    copied = load_workbook(copy)["居民区"]
    assert copied["P1"].value == "党员群众测评（测评表）" and copied["P2"].value == pytest.approx(225 / 7)  # as a value
    assert copied["D2"].value is None  # the session cell the clerk left blank stays blank: the rules read the tally
    code, out, _ = run(capsys, "verify", copy, "--json")
    assert json.loads(out)["differences"] == [] and code == 0


def test_a_deleted_row_is_reported(forced, tmp_path, capsys):
    wb = load_workbook(forced)
    name = wb["工作人员"]["A5"].value
    wb["工作人员"].delete_rows(5)
    path = tmp_path / "删行.xlsx"
    wb.save(path)
    code, out, _ = run(capsys, "verify", path, "--json")
    assert code == 1 and any(f"“{name}”在导出后被删去" in d["message"] for d in json.loads(out)["differences"])


def test_a_workbook_that_is_not_a_copy_is_exit_2(capsys):
    code, _, err = run(capsys, "verify", JINGAN)
    assert code == 2 and "不是 kaohe 导出的上报副本" in err


def test_export_writes_only_xlsx(tmp_path, capsys):
    code, _, err = run(capsys, "export", GAOJING, "-o", tmp_path / "上报.xlsm", "--force")
    assert code == 2 and ".xlsx" in err and not (tmp_path / "上报.xlsm").exists()


def test_libreoffice_opens_the_copy_and_shows_its_values(forced, tmp_path):
    require_office()
    [pdf] = office.to_pdf([forced], tmp_path)
    shown = text(pdf)
    total = load_workbook(forced)["居民区"]["K3"].value  # 总分
    assert "上报副本" in shown and "静安区示例街道" in shown and f"{total:.1f}" in shown
    rows = [line for line in shown.splitlines() if line.strip().startswith(("和平居民区", "春晖居民区"))]
    assert rows and not [r for r in rows if "#NAME?" in r]  # no formula left for LibreOffice to fail on


# --- the macro -------------------------------------------------------------------------------------

def fake_caller(path, monkeypatch):
    wb = load_workbook(path, data_only=True)
    sheets = {ws.title: FakeSheet(ws) for ws in wb.worksheets}
    alerts = []
    book = types.SimpleNamespace(name=path.name, fullname=str(path), sheets=_Sheets(sheets), save=lambda: None,
                                 app=types.SimpleNamespace(alert=lambda prompt, title=None: alerts.append(prompt)))
    import xlwings
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: book), raising=False)
    sys.modules.pop("kaohe_macros", None)
    import kaohe_macros as macros
    return macros, sheets, alerts


def test_the_macro_exports_beside_the_workbook(tmp_path, monkeypatch):
    path = jingan_book(tmp_path / "静安.xlsx", [area("春晖"), area("和平", street=80)])
    macros, _, alerts = fake_caller(path, monkeypatch)
    macros.kaohe_export()
    copy = tmp_path / "静安-上报.xlsx"
    assert copy.exists() and alerts == [f"已导出上报副本：{copy}"]
    assert submission.verify(copy).agrees


def test_the_macro_refuses_and_writes_the_errors_into_the_report(tmp_path, monkeypatch):
    source = tmp_path / JINGAN.name
    source.write_bytes(JINGAN.read_bytes())
    macros, sheets, alerts = fake_caller(source, monkeypatch)
    macros.kaohe_export()
    assert not (tmp_path / f"{JINGAN.stem}-上报.xlsx").exists()
    assert len(alerts) == 1 and "未导出上报副本" in alerts[0]
    levels = [sheets["检查结果"].cells.get((r, 1)) for r in range(2, 60)]
    assert "错误" in levels


def test_an_edited_award_row_is_caught_with_its_row_and_its_points(forced, tmp_path, capsys):
    # 加减分 row 2 (the first entry): 综合类奖励 市级 (+3) → 国家级 (+6), jingan 四(二)(1)
    copy = load_workbook(forced)
    assert (copy["加减分"]["B2"].value, copy["加减分"]["C2"].value, copy["加减分"]["E2"].value) == ("综合类奖励", "市级", 3)
    path = edited(forced, tmp_path, "加减分", "C2", "国家级")
    code, out, _ = run(capsys, "verify", path, "--json")
    differences = json.loads(out)["differences"]
    assert code == 1
    assert any(d["cell"] == "加减分!A2" and "输入在导出后被改动" in d["message"] for d in differences)
    moved = next(d for d in differences if d["cell"] == "加减分!E2")
    assert (moved["actual"], moved["allowed"]) == (3, 6)


def five_areas(tmp_path) -> Path:
    """Five areas whose three scores are typed alike (so 总分 is that score) and two staff new this year."""
    from kaohe import template
    areas = [{"居民区": name, "街道考评": v, "居民区互评": v, "党员群众测评": v, "应参加人数": 10, "实际参加人数": 9}
             for name, v in (("甲", 95), ("乙", 90), ("丙", 80), ("丁", 70), ("戊", 50))]
    staff = [{"姓名": name, "居民区": "甲", "岗位": "其他", "人员类别": "社区工作者", "不参加考核原因": "新进未满半年",
              "在岗月数": 4, "奖金基数": 48000} for name in ("赵一", "钱二")]
    wb = template.build("jingan", area_rows=5, people_rows=2, form_rows=5, data={"居民区": areas, "工作人员": staff},
                        info={template.UNIT_LABEL: "测试街道", template.YEAR_LABEL: 2025})
    path = tmp_path / "五个.xlsm"
    wb.save(path)
    return path


def cover_of(path) -> dict[str, object]:
    return {r[0]: r[1] for r in load_workbook(path)["封面"].iter_rows(values_only=True) if r[0]}


def test_the_cover_counts_the_areas_the_people_and_each_grade(tmp_path):
    copy = tmp_path / "上报.xlsx"
    submission.export(five_areas(tmp_path), copy, force=True)
    assert load_workbook(copy).sheetnames[0] == "封面"
    cover = cover_of(copy)
    # 总分 = 50% × v + 10% × v + 40% × v = v (jingan 五(一)): 95, 90, 80, 70, 50. jingan 六(一): 优秀 and 良好 each
    # at most 20% of 5 = 1 (floor); 一般 from 60 (default), below it 较差: 甲 优秀, 乙 良好, 丙 丁 一般, 戊 较差.
    # The two staff are new this year (jingan 六(三)): not assessed, so neither has a grade.
    assert (cover["填报单位（街道/镇）"], cover["考核年度"]) == ("测试街道", "2025")
    assert cover["方案"].endswith("（jingan）")
    assert (cover["“居民区”行数"], cover["“工作人员”行数"]) == (5, 2)
    assert [cover[f"居民区最终等次：{g}"] for g in ("优秀", "良好", "一般", "较差", "无")] == [1, 1, 2, 1, 0]
    assert [cover[f"工作人员最终等次：{g}"] for g in ("优秀", "合格", "基本合格", "不合格", "无")] == [0, 0, 0, 0, 2]
    for line in submission.SIGN_OFF:  # blank, for pen and seal
        assert f"{line}：" in cover and cover[f"{line}："] is None


def test_verify_recomputes_the_cover_and_finds_an_edited_line(tmp_path, capsys):
    copy = tmp_path / "上报.xlsx"
    submission.export(five_areas(tmp_path), copy, force=True)
    assert submission.verify(copy).agrees
    wb = load_workbook(copy)
    row = next(r for r in wb["封面"].iter_rows() if r[0].value == "居民区最终等次：优秀")
    row[1].value = 2
    wb.save(tmp_path / "改过.xlsx")
    found = submission.verify(tmp_path / "改过.xlsx").findings
    assert [(f.rule, f.where.table, f.allowed, f.actual) for f in found] == [("封面不符", "封面", 1, 2.0)]


def test_the_copy_reports_what_it_holds_not_the_sources_unsaved_results(forced):
    # The example was never computed in Excel (no saved results): its check notes "结果未计算". The copy holds
    # kaohe's results as values, so its 检查结果 lists the rules' findings only — the planted errors stay.
    rules = [r[1] for r in load_workbook(forced)["检查结果"].iter_rows(min_row=2, values_only=True) if r[1]]
    assert "结果未计算" not in rules
    assert "测评参加率" in rules  # jingan 五(一)3: the planted session at exactly 80% is still reported
