"""The gaojing-2024 native workbook: built-in formulas, recalculated by LibreOffice, equal to the engine.

All LibreOffice work happens in one soffice start (the module fixture): a hand-worked case, random
workbooks at the rules' edges, 参数 edits, and a workbook with one broken formula. Where LibreOffice
or python3-uno is missing these skip, except under KAOHE_REQUIRE_LIBREOFFICE=1 (CI).
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from kaohe import cli, engine, native, office
from kaohe.native.common import ERROR_PREFIX, HELPER
from kaohe.params import PARAM_SHEET, load, with_overrides
from kaohe.workbook import STALE_CLAUSE, calculate, read_inputs
from tests import uno_recalc
from tests.native.differential import differences
from tests.native.random_gaojing import PARAM_EDITS, workbook
from tests.rendering import text

SHEETS = ["居民区", "人员奖励", "满意度问卷"]
FORBIDDEN = re.compile(r"_xlfn|_xlws|\b(LET|LAMBDA|XLOOKUP|FILTER|SORT|SORTBY|UNIQUE|SEQUENCE|RANK\.EQ|KAOHE_\w+)\(")

# Four areas, worked by hand from the document (gaojing-2024 四(二), 附件1, 五):
#  甲: 平时 13+18+9 = 40; 满意度 S = 0.2×90 + 0.4×90 + 0.4×(90+90)/2 = 90; 走访 = 18×90/100 = 16.2;
#      办实事 = 16.2; 热线综合 (1+1+1)/3 = 1 → rank 1 → 24 points; 总分 = 40 + 16.2 + 16.2 + 24 = 96.4
#  乙: the same inputs as 甲 → 96.4, tied with 甲
#  丙: 第三方得分 left blank, from two questionnaires (附件2) of 10 × 6 = 60 and 10 × 8 = 80: mean 70;
#      平时 10+12+6 = 28; S = 0.2×80 + 0.4×70 + 0.4×(60+80)/2 = 16 + 28 + 28 = 72; 走访 = 18×0.72 − 2×1 = 10.96;
#      办实事 = 12.96; 热线综合 0.9 → rank 3 → 24; 加分 2, 减分 1: 总分 = 28 + 2 − 1 + 10.96 + 12.96 + 24 = 76.92
#  丁: 座谈会得分 blank → 满意度 cannot be computed, nor 总分 (its rank, tier and grade show the cause)
# 排名 (RANK.EQ): 甲 1, 乙 1, 丙 3. 档次 (1–5 A档): all three A档.
# 优秀 cap: 4 areas × 30% = 1.2 → floor 1 (and ≤ 9): 甲 and 乙 tie across the cap → both 合格 (DOMAIN §6);
# 丙 76.92 ≥ 70 → 合格; the leading group's override makes 丙 优秀 in 最终等次.
# With 参数 rounding.quota = ceil: ceil(1.2) = 2 → 甲 and 乙 both 优秀.
# With 乙's channels 90 / 95 / 85, 85: S = 18 + 38 + 34 = 90 again, 总分 96.4 tied; with 参数 tiebreak.column =
# 第三方得分, 乙 (95) goes before 甲 (90): 乙 takes the one 优秀, 甲 合格.
# Money (五(二)1): 张一 党组织负责人 in 甲 (A档) 5000; 钱五 其他 in 乙 0; 王三 in 丁 (no tier): the cause; 赵四 in
# 戊 (not an area): the cause; 孙六 副书记（主持工作） in 乙 is paid as 党组织负责人: 5000; 周七 居委主任（不坐班）: 0;
# 吴八 typed 社区工作者 without qualifier: read as 社区工作者（聘用人员）, A档 1500.
BASE = {"总户数": 1000, "党员数": 100, "座谈会户数": 60, "座谈会党员数": 12, "第三方户数": 60, "社区通上半年户数": 450,
        "社区通下半年户数": 450}
HAND = {
    "居民区": [
        {**BASE, "居民区": "甲", "加强党建引领": 13, "服务凝聚群众": 18, "维护社会和谐稳定": 9, "座谈会得分": 90,
         "第三方得分": 90,
         "社区通上半年得分": 90, "社区通下半年得分": 90, "未真实走访户数": 0, "处置率": 1, "解决率": 1, "满意率": 1},
        {**BASE, "居民区": "乙", "加强党建引领": 13, "服务凝聚群众": 18, "维护社会和谐稳定": 9, "座谈会得分": 90,
         "第三方得分": 90,
         "社区通上半年得分": 90, "社区通下半年得分": 90, "未真实走访户数": 0, "处置率": 1, "解决率": 1, "满意率": 1},
        {**BASE, "居民区": "丙", "加强党建引领": 10, "服务凝聚群众": 12, "维护社会和谐稳定": 6, "座谈会得分": 80,
         "第三方得分": None,
         "社区通上半年得分": 60, "社区通下半年得分": 80, "未真实走访户数": 2, "处置率": 0.9, "解决率": 0.9, "满意率": 0.9,
         "加分": 2, "减分": 1, "领导小组调整": "优秀"},
        {**BASE, "居民区": "丁", "加强党建引领": 10, "服务凝聚群众": 10, "维护社会和谐稳定": 5, "第三方得分": 70,
         "社区通上半年得分": 70, "社区通下半年得分": 70, "处置率": 0.8, "解决率": 0.8, "满意率": 0.8},
    ],
    "满意度问卷": [{"居民区": "丙", "渠道": "第三方", "问卷号": 1, **{f"题{n}": 6 for n in range(1, 11)}},
              {"居民区": "丙", "渠道": "第三方", "问卷号": 2, **{f"题{n}": 8 for n in range(1, 11)}}],
    "人员奖励": [{"姓名": "张一", "居民区": "甲", "岗位": "党组织负责人"}, {"姓名": "钱五", "居民区": "乙", "岗位": "其他"},
             {"姓名": "王三", "居民区": "丁", "岗位": "党组织负责人"}, {"姓名": "赵四", "居民区": "戊", "岗位": "其他"},
             {"姓名": "孙六", "居民区": "乙", "岗位": "党组织副书记（主持工作）"},
             {"姓名": "周七", "居民区": "丙", "岗位": "居委主任（不坐班）"},
             {"姓名": "吴八", "居民区": "甲", "岗位": "社区工作者"}],
}
RANDOM_SEEDS = range(12)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "gaojing-2024-native.xlsx"
EDITED_SEEDS = dict(zip(range(100, 100 + len(PARAM_EDITS)), PARAM_EDITS))


def set_param(path: Path, edits: dict[str, object]) -> None:
    """A street's edit of 参数's 值 column, saved as a clerk's program would (formulas kept)."""
    wb = load_workbook(path)
    ws = wb[PARAM_SHEET]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in edits:
            row[2].value = edits[row[0].value]
    wb.save(path)


def break_formula(path: Path, sheet: str, header: str, row: int, formula: str) -> None:
    wb = load_workbook(path)
    ws = wb[sheet]
    col = next(c.column for c in ws[1] if c.value == header)
    ws.cell(row, col).value = formula
    wb.save(path)


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """Every workbook of this module, recalculated by one LibreOffice start."""
    if not uno_recalc.available():
        if os.environ.get("KAOHE_REQUIRE_LIBREOFFICE"):
            raise RuntimeError("LibreOffice or python3-uno is missing, but KAOHE_REQUIRE_LIBREOFFICE is set")
        pytest.skip("LibreOffice headless with python3-uno not installed here")
    tmp = tmp_path_factory.mktemp("native-gaojing")
    paths: dict[str, Path] = {}

    def make(name: str, data, **options) -> Path:
        paths[name] = native.write_native("gaojing-2024", tmp / f"{name}.xlsx", data=data, **options)
        return paths[name]

    make("hand", HAND, area_rows=6, people_rows=6, form_rows=5)
    set_param(make("hand-ceil", HAND, area_rows=6, people_rows=6, form_rows=5), {"rounding.quota": "ceil"})
    yi = {**HAND["居民区"][1], "第三方得分": 95, "社区通上半年得分": 85, "社区通下半年得分": 85}
    tiebreak = {**HAND, "居民区": [HAND["居民区"][0], yi, *HAND["居民区"][2:]]}
    set_param(make("hand-tiebreak", tiebreak, area_rows=6, people_rows=6, form_rows=5), {"tiebreak.column": "第三方得分"})
    later = engine.build(with_overrides(load("gaojing-2024"), {"satisfaction.online_rounds": "later"}))
    paths["hand-later"] = native.write_native(later, tmp / "hand-later.xlsx", data=HAND, area_rows=6, people_rows=6,
                                              form_rows=5)
    set_param(make("hand-set-later", HAND, area_rows=6, people_rows=6, form_rows=5),
              {"satisfaction.online_rounds": "later"})  # built for "mean", the 参数 cell changed afterwards
    for seed in RANDOM_SEEDS:
        make(f"random-{seed}", workbook(seed, n_areas=35 if seed == 0 else None), area_rows=45, people_rows=130, form_rows=40)
    for seed, edits in EDITED_SEEDS.items():
        set_param(make(f"edited-{seed}", workbook(seed), area_rows=45, people_rows=130, form_rows=40), edits)
    paths["example"] = EXAMPLE
    broken = make("broken", HAND, area_rows=6, people_rows=6, form_rows=5)
    break_formula(broken, "居民区", "总分", 4, "=1+1")  # 丙's 总分 replaced by a wrong formula
    saved = tmp / "saved"
    saved.mkdir()
    values = uno_recalc.recalc(list(paths.values()), SHEETS, save_dir=saved)
    return {name: (path, values[str(path.resolve())], saved / path.name) for name, path in paths.items()}


def cells(values, sheet: str, key: str) -> dict[str, object]:
    grid = values[sheet]
    header = grid[0]
    row = next(r for r in grid[1:] if r[0] == key)
    return dict(zip(header, row))


def test_hand_worked_case(books):
    _, values, _ = books["hand"]
    jia, yi, bing, ding = (cells(values, "居民区", k) for k in "甲乙丙丁")
    assert jia["群众满意度"] == pytest.approx(90) and jia["走访联系得分"] == pytest.approx(16.2)
    assert jia["热线得分"] == 24 and jia["总分"] == pytest.approx(96.4) and yi["总分"] == pytest.approx(96.4)
    assert [r[-2] for r in values["满意度问卷"][1:3]] == [60, 80] and bing["第三方得分"] == 70
    assert bing["群众满意度"] == pytest.approx(72) and bing["走访联系得分"] == pytest.approx(10.96)
    assert bing["办实事得分"] == pytest.approx(12.96) and bing["总分"] == pytest.approx(76.92)
    assert (jia["排名"], yi["排名"], bing["排名"]) == (1, 1, 3)
    assert (jia["档次"], yi["档次"], bing["档次"]) == ("A档", "A档", "A档")
    assert (jia["建议等次"], yi["建议等次"], bing["建议等次"]) == ("合格", "合格", "合格")  # tied across the cap of 1
    assert (jia["最终等次"], bing["最终等次"]) == ("合格", "优秀")
    for column in ("群众满意度", "总分", "排名", "档次", "建议等次", "最终等次"):
        assert str(ding[column]).startswith(ERROR_PREFIX) and "座谈会得分未填" in ding[column], column
    assert cells(values, "人员奖励", "张一")["奖励金额"] == 5000
    assert cells(values, "人员奖励", "钱五")["奖励金额"] == 0
    assert str(cells(values, "人员奖励", "王三")["奖励金额"]).startswith(ERROR_PREFIX)
    assert "不在居民区表中" in cells(values, "人员奖励", "赵四")["档次"]
    assert [cells(values, "人员奖励", k)["奖励金额"] for k in ("孙六", "周七", "吴八")] == [5000, 0, 1500]


def test_a_parameter_edit_recalculates(books):
    _, values, _ = books["hand-ceil"]
    assert [cells(values, "居民区", k)["建议等次"] for k in "甲乙丙"] == ["优秀", "优秀", "合格"]  # ceil(1.2) = 2
    _, values, _ = books["hand-tiebreak"]
    assert [cells(values, "居民区", k)["总分"] for k in "甲乙"] == pytest.approx([96.4, 96.4])
    assert [cells(values, "居民区", k)["建议等次"] for k in "甲乙"] == ["合格", "优秀"]


def test_a_scheme_merging_the_online_rounds_as_the_later_one(books):
    # satisfaction.online_rounds = "later" (DOMAIN 5.2): 丙's 社区通 is 下半年 80, not (60+80)/2 = 70;
    # S = 0.2×80 + 0.4×70 + 0.4×80 = 16 + 28 + 32 = 76; 办实事 = 18×76/100 = 13.68; 走访 = 13.68 − 2×1 = 11.68
    _, values, _ = books["hand-later"]
    bing = cells(values, "居民区", "丙")
    assert bing["群众满意度"] == pytest.approx(76) and bing["办实事得分"] == pytest.approx(13.68)
    assert bing["走访联系得分"] == pytest.approx(11.68)
    assert cells(values, "居民区", "甲")["群众满意度"] == pytest.approx(90)  # 90 and 90: the same either way


@pytest.mark.parametrize("name", ["example", "hand", "hand-ceil", "hand-tiebreak", "hand-later",
                                  *(f"random-{s}" for s in RANDOM_SEEDS),
                                  *(f"edited-{s}" for s in EDITED_SEEDS)])
def test_every_result_equals_the_engine(books, name):
    path, values, _ = books[name]
    found, compared = differences(path, values)
    assert compared > 0
    assert found == []


def test_random_workbooks_reach_the_edges(books):
    """The random inputs do produce ties at the cap, errors, overrides and every tier (else the
    differential test above would prove little)."""
    seen = set()
    for seed in RANDOM_SEEDS:
        path, _, _ = books[f"random-{seed}"]
        inputs = read_inputs(path)
        tables = calculate(inputs)
        rules = {f.rule for f in tables["居民区"].findings}
        seen |= {"并列超额", "名称重复"} & (rules | {f.rule for f in tables["人员奖励"].findings})
        areas = tables["居民区"]
        seen |= {str(areas.value(k, "档次")) for k in areas.rows} | {str(areas.value(k, "最终等次")) for k in areas.rows}
        seen |= {"error" for k in areas.rows if areas.value(k, "总分") is None}
    assert {"并列超额", "名称重复", "error", "A档", "B档", "", "优秀", "合格", "基本合格", "不合格"} <= seen


def check_json(path: Path, capsys) -> tuple[int, dict]:
    status = cli.main(["check", str(path), "--json"])
    return status, json.loads(capsys.readouterr().out)


def test_check_reports_a_broken_formula(books, capsys):
    _, values, saved = books["broken"]
    assert cells(values, "居民区", "丙")["总分"] == 2  # LibreOffice computed the wrong formula and saved it
    status, report = check_json(saved, capsys)
    stale = [i for i in report["issues"] if i["clause"] == STALE_CLAUSE]
    # the wrong 总分 (2) and what follows from it (丙 proposed 不合格), nothing of the other areas
    assert status == 1 and {i["key"] for i in stale} == {"丙"}
    assert {i["cell"] for i in stale} == {f"居民区!{column_of(saved, h)}4" for h in ("总分", "建议等次")}


def test_a_rounds_method_changed_after_building_is_caught_by_the_check(books, capsys):
    # the formulas keep the method they were built with (丙: mean (60+80)/2 = 70, S = 72); the check computes with
    # the 参数 sheet's "later" (S = 76, see the later-round test) and names the cells that differ, not silent
    _, values, saved = books["hand-set-later"]
    assert cells(values, "居民区", "丙")["群众满意度"] == pytest.approx(72)
    status, report = check_json(saved, capsys)
    stale = {(i["key"], i["cell"]) for i in report["issues"] if i["clause"] == STALE_CLAUSE}
    assert status == 1 and ("丙", f"居民区!{column_of(saved, '群众满意度')}4") in stale
    assert not {key for key, _ in stale} & {"甲", "乙"}  # their rounds are equal (90, 90): the same either way


def test_a_recalculated_native_workbook_checks_clean(books, capsys):
    _, _, saved = books["hand"]
    _, report = check_json(saved, capsys)
    assert not [i for i in report["issues"] if i["clause"] == STALE_CLAUSE]


def column_of(path: Path, header: str) -> str:
    ws = load_workbook(path, read_only=True)["居民区"]
    return next(c.column_letter for c in next(ws.iter_rows(max_row=1)) if c.value == header)


# --- the file itself (no LibreOffice needed) ----------------------------------------------------

@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    path = tmp_path_factory.mktemp("native-blank") / "高境镇.xlsx"
    assert cli.main(["new", "--scheme", "gaojing-2024", "-o", str(path), "--native"]) == 0
    return path


def test_only_shared_builtin_functions_no_macros(blank):
    with zipfile.ZipFile(blank) as z:
        names = z.namelist()
        text = "".join(z.read(n).decode("utf-8", "replace") for n in names if n.endswith(".xml"))
    assert not [n for n in names if "vba" in n.lower()]
    assert "xlwings" not in text.lower() and "KAOHE_" not in text
    wb = load_workbook(blank)
    formulas = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=")]
    assert len(formulas) > 60 * 12 and not [f for f in formulas if FORBIDDEN.search(f)]
    assert max(map(len, formulas)) < 8192  # Excel's formula length limit
    assert wb.calculation.fullCalcOnLoad
    assert wb.properties.creator == "kaohe"
    marks = [r.dxf.fill for ws in wb.worksheets for cf in ws.conditional_formatting for r in cf.rules]
    assert marks and all(f.bgColor.rgb == "FFF8CBAD" for f in marks)  # Excel shows a dxf fill's bgColor


def test_helpers_hidden_results_locked_inputs_open(blank):
    wb = load_workbook(blank)
    ws = wb["居民区"]
    header = {c.value: c.column_letter for c in ws[1]}
    helpers = [column_index_from_string(letter) for label, letter in header.items() if str(label).startswith(HELPER)]
    hidden = {n for d in ws.column_dimensions.values() if d.hidden and d.outlineLevel for n in range(d.min, d.max + 1)}
    assert helpers and set(helpers) <= hidden
    assert min(helpers) > column_index_from_string(header["最终等次"])  # to the right of every result
    assert ws.protection.sheet
    assert ws[f"{header['总分']}2"].protection.locked and not ws[f"{header['座谈会得分']}2"].protection.locked
    assert [w.title for w in wb.worksheets if w.sheet_view.tabSelected] == ["居民区"]


def test_kaohe_reads_a_native_workbook_by_its_headers(blank, tmp_path):
    wb = load_workbook(blank)
    ws = wb["居民区"]
    header = [c.value for c in ws[1]]
    for field, value in {**HAND["居民区"][2], "第三方得分": 70}.items():
        ws.cell(2, header.index(field) + 1).value = value
    path = tmp_path / "typed.xlsx"
    wb.save(path)
    tables = calculate(read_inputs(path))
    assert tables["居民区"].value("丙", "总分") == pytest.approx(76.92)  # as worked above


def test_check_names_text_the_formulas_cannot_read(blank, tmp_path, capsys):
    """"90分" is read by kaohe as 90 but not by a formula: the check reports the cell (issue 11)."""
    wb = load_workbook(blank)
    ws = wb["居民区"]
    header = [c.value for c in ws[1]]
    for field, value in {**HAND["居民区"][2], "第三方得分": 70, "座谈会得分": "80分"}.items():
        ws.cell(2, header.index(field) + 1).value = value
    path = tmp_path / "typed.xlsx"
    wb.save(path)
    status, report = check_json(path, capsys)
    text = [i for i in report["issues"] if i["rule"] == "输入格式（公式版）"]
    assert status == 1 and [(i["key"], i["cell"], i["actual"]) for i in text] == [
        ("丙", f"居民区!{column_of(path, '座谈会得分')}2", "80分")]


def test_the_xlsm_template_has_no_such_check(tmp_path, capsys):
    path = tmp_path / "高境镇.xlsm"
    assert cli.main(["new", "--scheme", "gaojing-2024", "-o", str(path)]) == 0
    wb = load_workbook(path, keep_vba=True)
    ws = wb["居民区"]
    header = [c.value for c in ws[1]]
    for field, value in {**HAND["居民区"][2], "第三方得分": 70, "座谈会得分": "80分"}.items():
        ws.cell(2, header.index(field) + 1).value = value
    wb.save(path)
    capsys.readouterr()
    _, report = check_json(path, capsys)
    assert not [i for i in report["issues"] if i["rule"] == "输入格式（公式版）"]  # the UDFs read "80分" as 80


def test_the_native_example_prints_its_results_without_error_marks(books, tmp_path):
    """LibreOffice opens the bundled example (no cached values: it computes on load) and prints the
    engine's totals and money, with no #NAME?, Err: or ### mark on any page."""
    pdf = office.to_pdf([EXAMPLE], tmp_path)[0]
    shown = text(pdf)
    tables = calculate(read_inputs(EXAMPLE))
    assert f"{tables['居民区'].value('春晖居民区', '总分'):.1f}" in shown and "5,000.00" in shown
    assert not re.search(r"#NAME|#VALUE|#REF|#N/A|Err:\d|###", shown)
