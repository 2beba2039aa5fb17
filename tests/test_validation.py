"""Data validation a clerk meets while typing: number ranges from the scheme with a Chinese prompt, the
document's words as dropdowns, names from the key columns — in the .xlsm and the native workbook,
written by openpyxl and read back."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from kaohe import cli, engine, validation
from kaohe.params import PARAM_SHEET


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dv")
    made = {}
    for scheme, native in (("jingan", False), ("jingan", True), ("gaojing-2024", False)):
        path = folder / f"{scheme}{'-native' if native else ''}.{'xlsx' if native else 'xlsm'}"
        assert cli.main(["new", "--scheme", scheme, "-o", str(path), *(["--native"] if native else [])]) == 0
        made[scheme, native] = load_workbook(path, keep_vba=not native)
    return made


def rules_of(ws) -> dict[str, object]:
    """Each validated column (by header) → its rule: every rule here covers one column's typed rows."""
    headers = {c.column_letter: c.value for c in ws[1]}
    return {headers[str(rule.sqref).split(":")[0].rstrip("0123456789")]: rule
            for rule in ws.data_validations.dataValidation}


def param_value(wb, cell: str) -> object:
    """The 参数 sheet's value at a reference such as '参数'!$C$3, and the parameter's path in column A."""
    row = int(cell.rsplit("$", 1)[1])
    return wb[PARAM_SHEET][f"A{row}"].value, wb[PARAM_SHEET][f"C{row}"].value


def test_a_score_is_bounded_by_its_parameter_cell_with_a_prompt_saying_so(books):
    wb = books["jingan", False]
    rule = rules_of(wb["居民区"])["街道考评"]
    # jingan 四(一)1: the eight items add up to 基本分值项合计 = 100 (jingan.toml area.items_total)
    assert (rule.type, rule.operator, rule.formula1) == ("decimal", "between", "0")
    assert param_value(wb, rule.formula2) == ("area.items_total", 100)
    assert rule.showInputMessage and rule.promptTitle == "街道考评"
    assert rule.prompt.startswith("填0–100的数字") and "area.items_total" in rule.prompt
    # the .xlsm's engine reads "90分" leniently: a warning a clerk may pass, never a refusal
    assert rule.errorStyle == "warning" and rule.showErrorMessage


def test_the_native_workbook_refuses_what_its_formulas_cannot_read(books):
    wb = books["jingan", True]
    rule = rules_of(wb["居民区"])["街道考评"]
    assert param_value(wb, rule.formula2) == ("area.items_total", 100)
    assert rule.errorStyle in (None, "stop") and "只认数字" in rule.error
    assert rule.prompt.startswith("填0–100的数字")


def test_every_number_input_of_each_sheet_is_validated(books):
    for (scheme, native), wb in books.items():
        s = engine.scheme(scheme)
        area, people = engine.sheets(s)
        layout = {"jingan": ("街道考评", "居民区互评", "党员群众测评", "应参加人数", "实际参加人数", "加分", "减分"),
                  "gaojing-2024": ("总户数", "加强党建引领", "座谈会得分", "处置率", "未真实走访户数", "加分", "减分",
                                   "本年热线件数")}[scheme]
        ruled = rules_of(wb[area])
        assert set(layout) <= set(ruled), (scheme, native, sorted(set(layout) - set(ruled)))
        assert ruled["应参加人数" if scheme == "jingan" else "总户数"].type == "whole"
        if scheme == "jingan":
            assert {"在岗月数", "奖金基数", "书记主任考评"} <= set(rules_of(wb[people]))


def test_gaojing_rates_and_items_take_their_own_bounds(books):
    wb = books["gaojing-2024", False]
    ruled = rules_of(wb["居民区"])
    # 高境镇 附件1 第4行: 加强党建引领 13 分 (gaojing-2024.toml items.party_leadership)
    assert param_value(wb, ruled["加强党建引领"].formula2) == ("items.party_leadership", 13)
    assert (ruled["处置率"].formula1, ruled["处置率"].formula2) == ("0", "1")
    assert "0%–100%" in ruled["处置率"].prompt
    # 附件2: each answer at most satisfaction.question_max
    survey = rules_of(wb["满意度问卷"])
    assert all(param_value(wb, rule.formula2)[0] == "satisfaction.question_max"
               for header, rule in survey.items() if header not in ("渠道",))


def test_forms_take_names_from_the_key_columns_and_do_not_refuse_others(books):
    wb = books["jingan", False]
    ruled = rules_of(wb["测评表"])
    rows = wb["居民区"].max_row  # 60 typed rows below the header in a new workbook
    assert ruled["居民区"].formula1 == f"'居民区'!$A$2:$A${rows}"
    # 对象: the areas in 居民区互评 (jingan 五(一)2), else the staff by name (column A of 工作人员)
    assert ruled["对象"].formula1 == (f"IF($A2=\"居民区互评\",'居民区'!$A$2:$A${rows},"
                                     f"'工作人员'!$A$2:$A${wb['工作人员'].max_row})")
    assert not ruled["对象"].showErrorMessage and not ruled["居民区"].showErrorMessage  # a namesake "居民区·姓名" may be typed
    assert ruled["测评"].type == "list" and ruled["表号"].type == "whole"


def test_prompts_and_messages_fit_excel_limits():
    s = engine.scheme("jingan")
    rule = validation.number_rule(s.params, "很长的表头" * 10, ("decimal", "0", "forms.score_max"), lenient=True)
    assert len(rule.promptTitle) <= 32 and len(rule.prompt) <= 255 and len(rule.error) <= 255
    # a high bound of 10,000,000 only keeps out slips: the prompt says "不小于 0"
    assert validation.number_rule(s.params, "应参加人数", ("whole", "0", "10000000"), lenient=True).prompt \
        == "填不小于0的整数；不适用的留空。"
