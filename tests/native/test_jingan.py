"""The jingan native workbook: built-in formulas, recalculated by LibreOffice, equal to the engine.

All LibreOffice work happens in one soffice start (the module fixture): hand-worked cases (areas and
staff; a 测评表 tally), random workbooks at the rules' edges, 参数 edits, and a workbook with one
broken formula. Where LibreOffice or python3-uno is missing these skip, except under
KAOHE_REQUIRE_LIBREOFFICE=1 (CI).
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kaohe import cli, engine, native, template
from kaohe.native.common import ERROR_PREFIX, HELPER
from kaohe.rules import sessions
from kaohe.workbook import STALE_CLAUSE, calculate, read_inputs
from tests import uno_recalc
from tests.native.differential import differences
from tests.native.random_jingan import PARAM_EDITS, workbook
from tests.native.test_gaojing import break_formula, set_param

SHEETS = ["居民区", "工作人员", "测评表", "街道考评", "加减分"]
FORBIDDEN = re.compile(r"_xlfn|_xlws|\b(LET|LAMBDA|XLOOKUP|FILTER|SORT|SORTBY|UNIQUE|SEQUENCE|RANK\.EQ|KAOHE_\w+)\(")

# Five areas, worked by hand from the guideline (jingan 五(一): 50% 街道考评 + 10% 互评 + 40% 党员群众测评, ± 四(二)):
#  甲: 0.5×96 + 0.1×90 + 0.4×95 = 48 + 9 + 38 = 95
#  乙: 0.5×90 + 0.1×90 + 0.4×90 = 90, 加分 3 (综合类市级) → 93;  丙: the same → 93, tied with 乙
#  丁: 实际参加 8 of 应参加 10 = exactly 80%, not over it (五(一)3 "须超过") → 测评结果无效: no 总分
#  戊: 0.5×50 + 0.1×60 + 0.4×55 = 25 + 6 + 22 = 53, 减分 2 → 51
# Caps (六(一)): 5 areas × 20% = 1 优秀, 1 良好. 甲 95 → 优秀. 乙 and 丙 tie at 93 across the 良好 cap of 1
# → both the lower grade, 一般 (DOMAIN §6); 戊 51 < 60 → 较差. 乙's 领导小组调整 = 良好 → 最终等次 良好.
# Staff (五(二): 书记/主任 50% area + 10% 内部互评 + 40% 党员群众测评; 五(三): others 30/20/10/40):
#  甲书记 0.5×95 + 0.1×90 + 0.4×90 = 47.5 + 9 + 36 = 92.5;  甲主任 47.5 + 8 + 32 = 87.5
#  甲一, 甲二 (其他) 0.3×95 + 0.2×90 + 0.1×90 + 0.4×90 = 28.5 + 18 + 9 + 36 = 91.5 each
#  甲三 (其他, 公务员) 28.5 + 16 + 8 + 32 = 84.5, graded by the civil service (八(六))
#  甲四 新进未满半年, 4 months: not assessed; 60000 × 4/12 × 1.0 (一般) = 20000 (八(五))
#  乙书记 (书记兼主任) 0.5×93 + 0.1×95 + 0.4×95 = 46.5 + 9.5 + 38 = 94;  乙一 27.9 + 19 + 9.5 + 38 = 94.4
#  丙书记 46.5 + 7 + 28 = 81.5;  丁书记: no area score → no score;  戊主任 25.5 + 9.8 + 39.2 = 74.5;
#  戊一 0.3×51 + 0.2×60 + 0.1×60 + 0.4×60 = 15.3 + 12 + 6 + 24 = 57.3 → 不合格
# 书记/主任 pool (六(二), street-wide): 6 people × 20% = 1 优秀: 乙书记 94 (戊主任 of a 较差 area may not be 优秀).
# 甲's others: 甲一, 甲二 (公务员 and not-assessed staff are outside the quota): 2 × 15% = 0, +1 for an 优秀 area
# = 1; they tie at 91.5 across it → both 合格. 乙's others: 1 × 15% = 0, area 良好 → 0 → 乙一 合格.
# Money (七): 甲书记 合格 80000 × 1.2 = 96000; 甲一 60000 × 1.2 = 72000; 乙书记 优秀 80000 × 1.1 + reward 0 = 88000;
# 乙一 50000 × 1.1 = 55000; 戊一 不合格 → 0.
TURNOUT = {"应参加人数": 10, "实际参加人数": 9}
HAND = {
    "居民区": [
        {"居民区": "甲", "街道考评": 96, "居民区互评": 90, "党员群众测评": 95, **TURNOUT},
        {"居民区": "乙", "街道考评": 90, "居民区互评": 90, "党员群众测评": 90, **TURNOUT, "加分": 3, "领导小组调整": "良好"},
        {"居民区": "丙", "街道考评": 90, "居民区互评": 90, "党员群众测评": 90, **TURNOUT, "加分": 3},
        {"居民区": "丁", "街道考评": 80, "居民区互评": 80, "党员群众测评": 80, "应参加人数": 10, "实际参加人数": 8},
        {"居民区": "戊", "街道考评": 50, "居民区互评": 60, "党员群众测评": 55, "应参加人数": 20, "实际参加人数": 17,
         "减分": 2},
    ],
    "工作人员": [
        {"姓名": "甲书记", "居民区": "甲", "岗位": "书记", "人员类别": "社区工作者", "内部互评": 90, "党员群众测评": 90,
         **TURNOUT, "奖金基数": 80000},
        {"姓名": "甲主任", "居民区": "甲", "岗位": "主任", "人员类别": "居委会全日制成员", "内部互评": 80, "党员群众测评": 80,
         **TURNOUT, "奖金基数": 80000},
        *({"姓名": name, "居民区": "甲", "岗位": "其他", "人员类别": "社区工作者", "书记主任考评": 90, "内部互评": 90,
           "党员群众测评": 90, **TURNOUT, "奖金基数": 60000} for name in ("甲一", "甲二")),
        {"姓名": "甲三", "居民区": "甲", "岗位": "其他", "人员类别": "公务员", "书记主任考评": 80, "内部互评": 80,
         "党员群众测评": 80, **TURNOUT},
        {"姓名": "甲四", "居民区": "甲", "岗位": "其他", "人员类别": "社区工作者", "不参加考核原因": "新进未满半年",
         "在岗月数": 4, "奖金基数": 60000},
        {"姓名": "乙书记", "居民区": "乙", "岗位": "书记兼主任", "人员类别": "社区工作者", "内部互评": 95, "党员群众测评": 95,
         **TURNOUT, "奖金基数": 80000},
        {"姓名": "乙一", "居民区": "乙", "岗位": "其他", "人员类别": "社区工作者", "书记主任考评": 95, "内部互评": 95,
         "党员群众测评": 95, **TURNOUT, "奖金基数": 50000},
        {"姓名": "丙书记", "居民区": "丙", "岗位": "书记", "人员类别": "社区工作者", "内部互评": 70, "党员群众测评": 70,
         "应参加人数": 10, "实际参加人数": 10, "奖金基数": 80000},
        {"姓名": "丁书记", "居民区": "丁", "岗位": "书记", "人员类别": "社区工作者", "内部互评": 70, "党员群众测评": 70,
         **TURNOUT, "奖金基数": 80000},
        {"姓名": "戊主任", "居民区": "戊", "岗位": "主任", "人员类别": "社区工作者", "内部互评": 98, "党员群众测评": 98,
         **TURNOUT, "奖金基数": 80000},
        {"姓名": "戊一", "居民区": "戊", "岗位": "其他", "人员类别": "社区工作者", "书记主任考评": 60, "内部互评": 60,
         "党员群众测评": 60, **TURNOUT, "奖金基数": 60000},
    ],
}

# A 居民区互评 tally by hand (jingan 五 second paragraph; DOMAIN 1.4), no A ratings (so no A-quota):
#  东's form 1: 东 80 (a self-rating: left out), 西 85, 南 75
#  西's form 1: 东 70, 西 99 (self), 南 "A 85" — tier A with 85 (a B score): the whole form is void
#  南's form 1: 东 "B 78", 西 "b,81", 南 60 (self), and 西 again 60 (a second rating on one form: the first counts)
# Means of the valid forms (东1, 南1): 东 78; 西 (85 + 81) / 2 = 83; 南 75.
# 总分 = 0.5×80 + 0.1×mean + 0.4×80: 东 40 + 7.8 + 32 = 79.8; 西 80.3; 南 79.5.
# Entry sheets (jingan 四(一)1, 四(二)): 东's 街道考评 from its 街道考评 row, 15+16+10+10+9+9+8+3 = 80 (each within its
# points); 西's 加分 3 (综合类奖励 市级) and 减分 1 (媒体曝光 市级) from 加减分 rows: 西 80.3 + 3 − 1 = 82.3.
FORMS_AREAS = [{"居民区": name, "街道考评": None if name == "东" else 80, "党员群众测评": 80, **TURNOUT}
               for name in ("东", "西", "南")]
ITEMS = ("社区党建工作", "社区自治工作", "社区服务工作", "社区管理工作", "社会平安工作", "社区党群工作", "社区发展工作",
         "其他工作")
FORMS = {
    "居民区": FORMS_AREAS,
    "街道考评": [{"居民区": "东", **dict(zip(ITEMS, (15, 16, 10, 10, 9, 9, 8, 3)))}],
    "加减分": [{"居民区": "西", "类型": "综合类奖励", "级别": "市级", "事由": "市级文明小区"},
            {"居民区": "西", "类型": "媒体曝光", "级别": "市级", "事由": "报道"}],
    "测评表": [{"测评": "居民区互评", "居民区": rater, "表号": 1, "对象": target, "评分": rating}
            for rater, ratings in (("东", (("东", 80), ("西", 85), ("南", 75))),
                                   ("西", (("东", 70), ("西", 99), ("南", "A 85"))),
                                   ("南", (("东", "B 78"), ("西", "b,81"), ("南", 60), ("西", 60))))
            for target, rating in ratings],
}
RANDOM_SEEDS = range(6)
# two 参数 edits per workbook: fewer workbooks for LibreOffice to compute
EDITED_SEEDS = {100 + n: PARAM_EDITS[n] + PARAM_EDITS[n + 1] for n in range(0, len(PARAM_EDITS), 2)}


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """Every workbook of this module, recalculated by one LibreOffice start."""
    if not uno_recalc.available():
        if os.environ.get("KAOHE_REQUIRE_LIBREOFFICE"):
            raise RuntimeError("LibreOffice or python3-uno is missing, but KAOHE_REQUIRE_LIBREOFFICE is set")
        pytest.skip("LibreOffice headless with python3-uno not installed here")
    tmp = tmp_path_factory.mktemp("native-jingan")
    paths: dict[str, Path] = {}

    def make(name: str, data, **options) -> Path:
        sizes = {"area_rows": 12, "people_rows": 60, "form_rows": len(data.get("测评表", ())) + 10} | options
        paths[name] = native.write_native("jingan", tmp / f"{name}.xlsx", data=data, **sizes)
        return paths[name]

    make("hand", HAND)
    set_param(make("hand-ceil", HAND), {"rounding.quota": "ceil"})
    make("forms", FORMS)
    for seed in RANDOM_SEEDS:
        make(f"random-{seed}", workbook(seed))
    for seed, edits in EDITED_SEEDS.items():
        set_param(make(f"edited-{seed}", workbook(seed)), dict(edits))
    broken = make("broken", HAND)
    break_formula(broken, "居民区", "总分", 4, "=1+1")  # 丙's 总分 replaced by a wrong formula
    saved = tmp / "saved"
    saved.mkdir()
    values = uno_recalc.recalc(list(paths.values()), SHEETS, save_dir=saved)
    return {name: (path, values[str(path.resolve())], saved / path.name) for name, path in paths.items()}


def cells(values, sheet: str, key: str) -> dict[str, object]:
    grid = values[sheet]
    header = grid[0]
    column = header.index("居民区" if sheet == "居民区" else "姓名")
    row = next(r for r in grid[1:] if r[column] == key)
    return dict(zip(header, row))


def test_hand_worked_areas(books):
    _, values, _ = books["hand"]
    area = {k: cells(values, "居民区", k) for k in "甲乙丙丁戊"}
    assert [area[k]["总分"] for k in "甲乙丙戊"] == pytest.approx([95, 93, 93, 51])
    assert [area[k]["建议等次"] for k in "甲乙丙戊"] == ["优秀", "一般", "一般", "较差"]  # 乙, 丙 tied at the cap
    assert [area[k]["最终等次"] for k in "甲乙丙戊"] == ["优秀", "良好", "一般", "较差"]
    for column in ("总分", "建议等次", "最终等次"):
        shown = area["丁"][column]
        assert shown.startswith(ERROR_PREFIX) and "未超过应参加10人的80%，测评结果无效" in shown, column


def test_hand_worked_staff(books):
    _, values, _ = books["hand"]
    person = {r[0]: dict(zip(values["工作人员"][0], r)) for r in values["工作人员"][1:] if r[0]}
    scores = {k: person[k]["得分"] for k in ("甲书记", "甲主任", "甲一", "甲二", "甲三", "乙书记", "乙一", "丙书记",
                                              "戊主任", "戊一")}
    assert scores == pytest.approx({"甲书记": 92.5, "甲主任": 87.5, "甲一": 91.5, "甲二": 91.5, "甲三": 84.5,
                                    "乙书记": 94, "乙一": 94.4, "丙书记": 81.5, "戊主任": 74.5, "戊一": 57.3})
    grades = {k: person[k]["最终等次"] for k in person}
    assert grades == {"甲书记": "合格", "甲主任": "合格", "甲一": "合格", "甲二": "合格", "甲三": "纳入公务员/事业编制考核统筹",
                      "甲四": "不参加考核", "乙书记": "优秀", "乙一": "合格", "丙书记": "合格",
                      "丁书记": person["丁书记"]["最终等次"], "戊主任": "合格", "戊一": "不合格"}
    assert person["丁书记"]["得分"].startswith(ERROR_PREFIX) and "测评结果无效" in person["丁书记"]["得分"]
    assert person["甲四"]["得分"].startswith("#提示")
    money = {k: person[k]["奖金"] for k in ("甲书记", "甲一", "甲四", "乙书记", "乙一", "戊一")}
    assert money == pytest.approx({"甲书记": 96000, "甲一": 72000, "甲四": 20000, "乙书记": 88000, "乙一": 55000,
                                   "戊一": 0})


def test_a_parameter_edit_recalculates(books):
    _, values, _ = books["hand-ceil"]
    # ceil: 优秀 ceil(5 × 20%) = 1 still; 书记/主任 ceil(6 × 20%) = 2: 乙书记 94 and 甲书记 92.5
    assert [cells(values, "工作人员", k)["最终等次"] for k in ("乙书记", "甲书记", "甲主任")] == ["优秀", "优秀", "合格"]


def test_hand_worked_tally(books):
    _, values, _ = books["forms"]
    mutual = [cells(values, "居民区", k)["居民区互评"] for k in "东西南"]
    assert mutual == pytest.approx([78, 83, 75])
    assert [cells(values, "居民区", k)["总分"] for k in "东西南"] == pytest.approx([79.8, 82.3, 79.5])
    assert (cells(values, "居民区", "东")["街道考评"], cells(values, "居民区", "西")["加分"],
            cells(values, "居民区", "西")["减分"]) == (80, 3, 1)


def _not_assessed_hint(line: str) -> bool:
    """A person not assessed: the engine gives no 得分 (an info reason) and the cell says why with "#提示："."""
    return ".得分: LibreOffice '#提示：" in line and "不参加本年度考核" in line


@pytest.mark.parametrize("name", ["hand", "hand-ceil", "forms", *(f"random-{s}" for s in RANDOM_SEEDS),
                                  *(f"edited-{s}" for s in EDITED_SEEDS)])
def test_every_result_equals_the_engine(books, name):
    path, values, _ = books[name]
    found, compared = differences(path, values)
    assert compared > 0
    assert [line for line in found if not _not_assessed_hint(line)] == []


def session_differences(path: Path, values) -> tuple[list[str], int]:
    """Each session cell the 测评表 tally fills (its mean, or why there is none) against the engine's tally."""
    inputs = read_inputs(path)
    areas, people, _ = engine.prepare(inputs.scheme, {n: s.records for n, s in inputs.sheets.items()})
    found, compared = [], 0
    for sheet, rows, key in (("居民区", areas, "居民区"), ("工作人员", people, "姓名")):
        grid = values[sheet]
        for row in rows:
            at = inputs.sheets[sheet].key_rows.get(str(row.get(key) or "").strip())
            if at is None:
                continue
            for column in sessions.SESSIONS:
                if column not in inputs.sheets[sheet].columns:
                    continue
                got, want = grid[at - 1][inputs.sheets[sheet].columns[column] - 1], row.get(column)
                compared += 1
                if want is None:  # no forms for it, nothing typed
                    same = got in ("", None)
                elif isinstance(want, str):  # why there is no mean ("#错误：…"), or text a clerk typed over it
                    same = isinstance(got, str) and (got.startswith("#") if want.startswith("#") else got == want)
                else:
                    same = isinstance(got, float) and abs(got - float(want)) <= 1e-9 * max(1, abs(got))
                if not same:
                    found.append(f"{path.name} {sheet}!{row.get(key)}.{column}: LibreOffice {got!r}, engine {want!r}")
    return found, compared


@pytest.mark.parametrize("name", ["forms", *(f"random-{s}" for s in RANDOM_SEEDS)])
def test_every_session_mean_equals_the_engine(books, name):
    path, values, _ = books[name]
    found, compared = session_differences(path, values)
    assert compared > 0 and found == []


def test_random_workbooks_reach_the_edges(books):
    """The random inputs produce what the rules must handle (else the differential test proves little)."""
    rules, grades, means = set(), set(), 0
    for seed in RANDOM_SEEDS:
        path, values, _ = books[f"random-{seed}"]
        tables = calculate(read_inputs(path))
        rules |= {f.rule for t in tables.values() for f in t.findings}
        grades |= {str(t.value(k, "最终等次")) for t in tables.values() for k in t.rows}
        means += sum(isinstance(v, float) for r in values["居民区"][1:] for v in r[2:4])
    assert {"A档比例", "自评", "档次分值不符", "测评参加率", "等次名称", "无有效测评", "测评表"} <= rules
    assert {"优秀", "良好", "一般", "较差", "合格", "基本合格", "不合格", "不参加考核", "None"} <= grades
    assert means > 20


def check_json(path: Path, capsys) -> tuple[int, dict]:
    status = cli.main(["check", str(path), "--json"])
    return status, json.loads(capsys.readouterr().out)


def test_check_reports_a_broken_formula(books, capsys):
    _, values, saved = books["broken"]
    assert cells(values, "居民区", "丙")["总分"] == 2  # LibreOffice computed the wrong formula and saved it
    status, report = check_json(saved, capsys)
    stale = [i for i in report["issues"] if i["clause"] == STALE_CLAUSE]
    # 丙's 总分 and what follows from it: its 书记's 居民区得分, 得分, grades and money
    assert status == 1 and stale[0]["key"] == "丙" and {i["key"] for i in stale} == {"丙", "丙书记"}


def test_a_recalculated_native_workbook_checks_clean(books, capsys):
    _, _, saved = books["hand"]
    _, report = check_json(saved, capsys)
    assert not [i for i in report["issues"] if i["clause"] == STALE_CLAUSE]


# --- the file itself (no LibreOffice needed) ----------------------------------------------------

@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    path = tmp_path_factory.mktemp("native-blank") / "静安.xlsx"
    assert cli.main(["new", "--scheme", "jingan", "-o", str(path), "--native"]) == 0
    return path


def test_only_shared_builtin_functions_and_no_macros(blank):
    with zipfile.ZipFile(blank) as archive:
        names = archive.namelist()
        xml = "".join(archive.read(n).decode("utf-8") for n in names if n.startswith("xl/worksheets/"))
    assert not [n for n in names if "vba" in n.lower()]
    assert "<f>" in xml and not FORBIDDEN.search(xml)


def test_same_sheets_and_headers_as_the_template(blank):
    s, wb = engine.scheme("jingan"), load_workbook(blank)
    # the template's input and result columns (the people sheet with its optional 编号)
    expected = {layout.sheet: (*layout.inputs, *layout.results) for layout in template.layouts(s, 1, 1)}
    expected[sessions.FORM_SHEET] = sessions.FORM_INPUTS
    expected |= {sheet: (*headers, *engine.results_of(s, sheet)) for sheet, headers in engine.entry_sheets(s).items()}
    for sheet, headers in expected.items():
        ws = wb[sheet]
        labels = [c.value for c in ws[1]]
        assert [v for v in labels if not str(v).startswith(HELPER)] == list(headers), sheet
        helpers = [c.column for c in ws[1] if str(c.value).startswith(HELPER)]
        hidden = [d for d in ws.column_dimensions.values() if d.hidden and d.outlineLevel]
        assert helpers and all(any(d.min <= h <= d.max for d in hidden) for h in helpers), sheet
        assert ws.protection.sheet


def test_kaohe_reads_a_blank_native_workbook(blank):
    inputs = read_inputs(blank)
    assert set(inputs.sheets) == {"居民区", "工作人员", "测评表", "街道考评", "加减分"}
    tables = calculate(inputs)
    assert all(not t.rows for t in tables.values())


def test_rating_cells_take_a_score_or_a_tier_with_a_score(blank):
    ws = load_workbook(blank)["测评表"]
    rules = {str(v.sqref).split(":")[0]: v for v in ws.data_validations.dataValidation}
    rating = rules["F2"]  # 评分: a number 0–score_max, or text starting with a tier letter and more ("A 92")
    assert rating.type == "custom" and '"ABCD"' in rating.formula1 and "ISNUMBER(F2)" in rating.formula1
