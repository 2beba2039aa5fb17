"""The five UDFs called as xlwings calls them: numbers, text, None and lists of lists.

Also the registration xlwings makes of them on Windows: the real ``xlwings.udfs`` module is
loaded with its COM modules stubbed, so that its decorators and VBA generator run on them.
"""

from __future__ import annotations

import importlib
import io
import sys
import types

import kaohe_udfs as udfs
import pytest

from kaohe.params import load, sheet_rows
from kaohe.rules import jingan
from tests.conftest import grid

AREA_HEADER = jingan.AREA_INPUTS


def area(name, street=90, mutual=85, members=92, eligible=50, actual=41, **more):
    return {"居民区": name, "街道考评": street, "居民区互评": mutual, "党员群众测评": members,
            "应参加人数": eligible, "实际参加人数": actual, **more}


@pytest.fixture
def areas():
    return grid(AREA_HEADER, [area("春晖", 加分=3), area("和平", actual=40), area("长青", street="九十")])


RESULTS = ["总分", "建议等次", "最终等次"]


def test_area_total_from_a_range(areas):
    # jingan 五(一): 0.5×90 + 0.1×85 + 0.4×92 = 45 + 8.5 + 36.8 = 90.3; 四(二) +3 → 93.3
    block = udfs.KAOHE_AREA("jingan", "总分", areas)
    assert len(block) == 3 and all(len(row) == 1 for row in block)  # one row per input row, one column
    assert block[0][0] == pytest.approx(93.3)


def test_the_block_has_one_row_per_input_row_and_one_column_per_result(areas):
    block = udfs.KAOHE_AREA("jingan", RESULTS, areas)
    assert [len(row) for row in block] == [3, 3, 3]
    # three areas, floor(20% × 3) = 0 优秀 and 0 良好 (jingan 六(一)): 春晖 93.3 is 一般
    assert block[0] == [pytest.approx(93.3), "一般", "一般"]


def test_turnout_at_exactly_80_percent_shows_why_and_the_clause(areas):
    # jingan 五(一)3: 40 of 50 is exactly 80%, not "超过" 80%: no score, an error naming cause and clause
    shown = udfs.KAOHE_AREA("jingan", "总分", areas)[1][0]
    assert shown.startswith("#错误") and "80%" in shown and "五(一)3" in shown


def test_text_in_a_number_cell_is_named_not_guessed(areas):
    shown = udfs.KAOHE_AREA("jingan", "总分", areas)[2][0]
    assert "九十" in shown and shown.startswith("#错误")


def test_rows_are_matched_by_position_and_blank_or_keyless_rows_give_blanks(areas):
    # the template's block spans blank rows below the data; a row with data but no 居民区 stays blank
    # (the check names it); 春晖 after them still gets its own 93.3
    rows = [areas[0], areas[2], [None] * len(AREA_HEADER), [None, 80] + [None] * (len(AREA_HEADER) - 2), areas[1]]
    block = udfs.KAOHE_AREA("jingan", ["总分"], rows)
    assert block[2] == [""] and block[1] == [""]
    assert block[3][0] == pytest.approx(93.3)
    assert len(block) == 4


def test_a_key_typed_twice_shows_the_duplicate_on_both_rows(areas):
    twice = areas + [areas[1]]  # 春晖 twice: neither row is computed (which 春晖 would it be?)
    block = udfs.KAOHE_AREA("jingan", "总分", twice)
    assert "第1条、第4条" in block[0][0] and "第1条、第4条" in block[3][0]  # the message names both rows


def test_unknown_result_and_scheme_are_messages(areas):
    block = udfs.KAOHE_AREA("jingan", ["总分", "得分"], areas)
    assert block[0][0] == pytest.approx(93.3) and "结果“得分”" in block[0][1]
    for scheme, words in (("shanghai", "不是已知方案"), (None, "未给方案")):
        block = udfs.KAOHE_AREA(scheme, RESULTS, areas)
        assert len(block) == 3 and all(words in cell for row in block for cell in row)  # every cell says why


def test_a_people_block_without_the_people_range_is_a_message(areas):
    block = udfs.KAOHE_STAFF("jingan", ["得分", "奖金"], None, areas)
    assert block == [["#错误：未给工作人员区域（见工作簿说明）"] * 2]


def test_a_range_missing_a_header_is_a_message(areas):
    cut = [row[:4] for row in areas]
    block = udfs.KAOHE_AREA("jingan", RESULTS, cut)
    assert len(block) == 3 and all("缺少表头" in cell for row in block for cell in row)


@pytest.mark.parametrize("junk", [None, 3.0, "x", [[None]], [[1, 2], [3]], [["居民区"], [True]]])
def test_nothing_raises_out_of_a_udf(junk):
    for call in (lambda: udfs.KAOHE_AREA("jingan", junk, junk, junk, junk),
                 lambda: udfs.KAOHE_STAFF("jingan", junk, junk, junk, junk),
                 lambda: udfs.KAOHE_FORMS("jingan", junk, junk, junk, junk, junk),
                 lambda: udfs.GRADE_QUOTA("jingan", "居民区", junk, junk),
                 lambda: udfs.BONUS("jingan", junk, junk, junk, junk, junk, junk, junk)):
        block = call()
        assert isinstance(block, list) and block and all(isinstance(row, list) for row in block)
        assert len({len(row) for row in block}) == 1  # rectangular, as xlwings requires
        assert all(isinstance(c, (str, float, int)) and "内部错误" not in str(c) for row in block for c in row)


def test_scheme_from_the_parameter_sheet_changes_the_result(areas):
    # A street moves 10 points of weight from 党员群众测评 to 街道考评 on its 参数 sheet:
    # 0.6×90 + 0.1×85 + 0.3×92 = 54 + 8.5 + 27.6 = 90.1; +3 → 93.1
    rows = sheet_rows(load("jingan"))
    for row in rows:
        row[2] = {"area.weights.street": 0.6, "area.weights.members": 0.3}.get(row[0], row[2])
    assert udfs.KAOHE_AREA(rows, "总分", areas)[0][0] == pytest.approx(93.1)


def test_a_parameter_sheet_that_no_longer_adds_up_is_named(areas):
    rows = sheet_rows(load("jingan"))
    for row in rows:
        row[2] = 0.7 if row[0] == "area.weights.street" else row[2]
    shown = udfs.KAOHE_AREA(rows, "总分", areas)[0][0]
    assert shown.startswith("#错误") and "合计为1.2" in shown


def quota(*args):
    return [row[0] for row in udfs.GRADE_QUOTA(*args)]


def test_grade_quota_returns_the_column_and_never_exceeds_the_cap():
    # jingan 六(一): 10 areas, 优秀 and 良好 each at most floor(20% × 10) = 2
    scores = [95, 91, 88, 85, 80, 77, 70, 66, 58, 40]
    assert quota("jingan", "居民区", scores) == ["优秀", "优秀", "良好", "良好", "一般", "一般", "一般", "一般", "较差", "较差"]


def test_grade_quota_leaves_a_tie_across_the_cap_to_people():
    # 10 areas, 2 优秀: 95 first, then 91 and 91 tie for the 2nd place → both 良好 (DOMAIN §6),
    # and 良好 (2 places) is then full with the two tied areas.
    scores = [95, 91, 91, 85, 80, 77, 70, 66, 58, 40]
    assert quota("jingan", "居民区", scores)[:4] == ["优秀", "良好", "良好", "一般"]


def test_grade_quota_ignores_blank_cells_and_counts_uncomputed_ones():
    # 5 areas (one could not be computed, its cell shows a message): floor(20% × 5) = 1 优秀
    shown = quota("jingan", "居民区", [90, "#错误：…", 80, 70, 65, None, None])
    assert shown[0] == "优秀" and shown[2] == "良好" and shown[5:] == ["", ""]
    assert len(shown) == 7


def test_grade_quota_for_other_staff_follows_the_area_grade():
    # jingan 六(二): 7 other staff → floor(15% × 7) = 1; +1 in an 优秀 area; none in a 较差 area
    scores = [92, 90, 85, 80, 78, 75, 72]
    assert quota("jingan", "其他人员", scores, "一般")[:2] == ["优秀", "合格"]
    assert quota("jingan", "其他人员", scores, "优秀")[:3] == ["优秀", "优秀", "合格"]
    assert quota("jingan", "其他人员", scores, "较差")[0] == "合格"
    assert "居民区等次" in quota("jingan", "其他人员", scores, None)[0]


def test_bonus_for_both_schemes():
    # gaojing-2024 五(二)1: 居委主任 in a B档 area 1500 yuan
    assert udfs.BONUS("gaojing-2024", ["居委主任", None], ["B档", None]) == [[1500], [""]]
    # jingan 七: 合格 in a 良好 area: 50000 × 1.1 = 55000; 基本合格: 50000 × 0.5 = 25000 (one 基数 cell for all)
    shown = udfs.BONUS("jingan", ["其他", "其他"], ["合格", "基本合格"], ["良好", "良好"], 50000, "社区工作者")
    assert [row[0] for row in shown] == [pytest.approx(55000), pytest.approx(25000)]
    # jingan 八(五): not assessed, 4 months worked: 48000 × 4 / 12 = 16000
    shown = udfs.BONUS("jingan", "其他", None, None, 48000, "社区工作者", "新进未满半年", 4)
    assert shown[0][0] == pytest.approx(16000)
    assert udfs.BONUS("jingan", "其他", "合格", "良好", 50000, "公务员") == [["纳入公务员/事业编制考核统筹"]]


STAFF_RESULTS = ["居民区得分", "得分"]


def test_staff_results_look_up_their_area(areas):
    staff = grid(jingan.STAFF_INPUTS, [
        {"姓名": "张三", "居民区": "春晖", "岗位": "书记", "人员类别": "社区工作者", "内部互评": 90, "党员群众测评": 80,
         "应参加人数": 30, "实际参加人数": 25, "奖金基数": 60000}])
    # 居民区得分 = 春晖's 总分 93.3; jingan 五(二): 0.5×93.3 + 0.1×90 + 0.4×80 = 46.65 + 9 + 32 = 87.65
    assert udfs.KAOHE_STAFF("jingan", STAFF_RESULTS, staff, areas) == [[pytest.approx(93.3), pytest.approx(87.65)]]


# --- registration, through xlwings' own Windows code ------------------------------------------

VBA_RESERVED = {"name", "date", "type", "error", "property", "string", "object", "end", "next", "step", "to",
                "print", "open", "close", "get", "put", "input", "line", "let", "set", "call", "len", "mid"}


@pytest.fixture
def registered(monkeypatch):
    """kaohe_udfs as xlwings registers it on Windows (COM modules stubbed: only pure Python runs)."""
    stubs = {name: types.ModuleType(name) for name in ("pythoncom", "pywintypes", "win32com", "win32com.client")}
    stubs["pythoncom"].CoInitialize = lambda: None
    stubs["win32com.client"].Dispatch = lambda *a, **k: None
    for name, module in stubs.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    windows_udfs = importlib.import_module("xlwings.udfs")
    import xlwings
    monkeypatch.setattr(xlwings, "func", windows_udfs.xlfunc)
    monkeypatch.setattr(xlwings, "arg", windows_udfs.xlarg)
    monkeypatch.setattr(xlwings, "ret", windows_udfs.xlret)
    module = importlib.reload(udfs)
    yield windows_udfs, module
    monkeypatch.undo()
    importlib.reload(udfs)


def test_registration_metadata(registered):
    _, module = registered
    for name in ("KAOHE_AREA", "KAOHE_STAFF", "GRADE_QUOTA", "BONUS", "KAOHE_FORMS"):
        meta = getattr(module, name).__xlfunc__
        assert meta["volatile"] is False  # recalculated only when an input changes
        assert "考核" in meta["category"]
        assert meta["ret"]["doc"] and all(arg["doc"] for arg in meta["args"])
        assert not {a["name"].lower() for a in meta["args"]} & VBA_RESERVED
        assert "expand" not in meta["ret"]["options"]  # a legacy array formula: Excel sizes the block
    area_args = module.KAOHE_AREA.__xlfunc__["argmap"]
    assert area_args["areas"]["options"] == {"ndim": 2, "err_to_str": True}
    for name in ("KAOHE_AREA", "KAOHE_STAFF", "GRADE_QUOTA", "BONUS", "KAOHE_FORMS"):  # a name, or the 参数 range
        assert getattr(module, name).__xlfunc__["argmap"]["scheme"]["options"] == {"ndim": 2}


def test_generated_vba_wrappers(registered):
    windows_udfs, module = registered
    vba = io.StringIO()
    windows_udfs.generate_vba_wrapper("kaohe_udfs", module, vba, types.SimpleNamespace(Name="kaohe.xlsm"))
    text = vba.getvalue()
    assert "Function KAOHE_AREA(scheme, results, areas, Optional people, Optional forms)" in text
    assert "Function KAOHE_STAFF(scheme, results, people, areas, Optional forms)" in text
    assert "Function GRADE_QUOTA(scheme, pool, scores, Optional area_grade, Optional area_grades)" in text
    assert "Function BONUS(scheme, posts, grades, Optional area_grades, Optional bases" in text
    assert "Function KAOHE_FORMS(scheme, sessions, forms, areas, people, sheet)" in text
    assert "Application.Volatile" not in text


def test_bonus_gaojing_no_tier_is_zero_but_an_error_text_is_not():
    # gaojing-2024 五(二): money for A档 (1–5) and B档 (6–12) only: an area ranked 13th (blank 档次) pays 0
    assert udfs.BONUS("gaojing-2024", ["党组织负责人", "党组织负责人"], [None, ""]) == [[0], [0]]
    # a 档次 cell that shows a message (its area could not be ranked) never becomes a plausible 0
    shown = udfs.BONUS("gaojing-2024", "党组织负责人", "#错误：丰收居民区的「满意率」为1.2，超出范围0–1")[0][0]
    assert shown.startswith("#错误") and "档次" in shown


def test_a_scheme_name_in_a_one_cell_range_is_read_as_the_name(areas):
    # with ndim=2, a cell holding "jingan" arrives as [["jingan"]]
    assert udfs.KAOHE_AREA([["jingan"]], "总分", areas)[0][0] == pytest.approx(93.3)


def test_grade_quota_counts_uncomputed_members_but_not_people_outside_the_quota():
    # jingan 六(二): 7 entries; "#提示…" (not assessed, 八(五)) is no member; "#错误…" is a member without
    # a score. Members: 95, 90, 85, 80, 78, #错误 = 6 → floor(15% × 6) = 0 优秀 in a 一般 area.
    scores = [95, 90, 85, 80, 78, "#错误：…", "#提示：新进未满半年"]
    assert quota("jingan", "其他人员", scores, "一般")[0] == "合格"
    # one more member, 72: 7 members → floor(1.05) = 1 优秀
    assert quota("jingan", "其他人员", scores + [72], "一般")[0] == "优秀"


def test_grade_quota_bars_leaders_of_a_poor_area_as_kaohe_staff_does():
    # jingan 六(二): 10 书记/主任 → floor(20% × 10) = 2 优秀; the best (98) is in a 较差 area: no 优秀,
    # so the places go to 96 and 94.
    scores = [98, 96, 94, 90, 88, 86, 84, 82, 80, 78]
    area_grades = ["较差"] + ["一般"] * 9
    assert quota("jingan", "书记主任", scores, None, area_grades)[:4] == ["合格", "优秀", "优秀", "合格"]


# 党员群众测评 of area A (jingan 五(二)(2)): forms 1 and 3 valid, form 2 void (its tier A disagrees with
# the score 85, DOMAIN 1.4): A (85 + 65)/2 = 75; 甲 (80 + 70)/2 = 75
FORMS = [["测评", "居民区", "表号", "评分人", "对象", "评分"],
         ["党员群众测评", "A", 1.0, None, "A", "B 85"], ["党员群众测评", "A", 1.0, None, "甲", "B 80"],
         ["党员群众测评", "A", 2.0, None, "A", "B 88"], ["党员群众测评", "A", 2.0, None, "甲", "A 85"],
         ["党员群众测评", "A", 3.0, None, "A", "C 65"], ["党员群众测评", "A", 3.0, None, "甲", "B 70"]]


@pytest.fixture
def team():
    areas = grid(AREA_HEADER, [area("A", members=None), area("B", members=60)])
    staff = grid(jingan.STAFF_INPUTS, [
        {"姓名": "甲", "居民区": "A", "岗位": "书记", "人员类别": "社区工作者", "内部互评": 90,
         "应参加人数": 30, "实际参加人数": 25, "奖金基数": 60000}, {}])
    return areas, staff


def test_kaohe_forms_tallies_each_row_as_the_engine_does(team):
    areas, staff = team
    sessions = ["党员群众测评", "内部互评"]
    # rows by position: A 75; B has no forms (its typed 60 is not a tally: blank); 内部互评 has no forms
    assert udfs.KAOHE_FORMS("jingan", sessions, FORMS, areas, staff, "居民区") == [[pytest.approx(75), ""], ["", ""]]
    # the staff block: 甲 75, then the blank row below
    assert udfs.KAOHE_FORMS("jingan", sessions, FORMS, areas, staff, "工作人员") == [[pytest.approx(75), ""], ["", ""]]
    bad = FORMS[:2] + [["党员群众测评", "A", 4.0, None, "A", "九十"]]
    assert "九十" in udfs.KAOHE_FORMS("jingan", sessions, bad, areas, staff, "居民区")[0][0]
    wrong = udfs.KAOHE_FORMS("gaojing-2024", sessions, FORMS, areas, staff, "居民区")  # not gaojing's sheets
    assert len(wrong) == 2 and all(c.startswith("#错误") for row in wrong for c in row)


def test_a_blank_session_cell_is_scored_from_the_forms_a_typed_one_as_typed(team):
    areas, staff = team
    # A: 党员群众测评 blank → the forms' 75: 0.5×90 + 0.1×85 + 0.4×75 = 45 + 8.5 + 30 = 83.5
    # B: typed 60: 0.5×90 + 0.1×85 + 0.4×60 = 45 + 8.5 + 24 = 77.5
    block = udfs.KAOHE_AREA("jingan", "总分", areas, staff, FORMS)
    assert block == [[pytest.approx(83.5)], [pytest.approx(77.5)]]
    # 甲 (书记): 居民区得分 83.5; 0.5×83.5 + 0.1×90 + 0.4×75 = 41.75 + 9 + 30 = 80.75
    staff_block = udfs.KAOHE_STAFF("jingan", STAFF_RESULTS, staff, areas, FORMS)
    assert staff_block == [[pytest.approx(83.5), pytest.approx(80.75)], ["", ""]]


def test_the_result_block_carries_the_tallies_too(team):
    areas, staff = team
    tallies = ["居民区互评（测评表）", "党员群众测评（测评表）"]
    # as in the test above: A 83.5 from the forms' 75; B typed 60 (no forms rate B: its tally is blank)
    block = udfs.KAOHE_AREA("jingan", ["总分", *tallies], areas, staff, FORMS)
    assert block == [[pytest.approx(83.5), "", pytest.approx(75)], [pytest.approx(77.5), "", ""]]
    # without the 测评表 a tally is no known column
    assert "结果“党员群众测评（测评表）”" in udfs.KAOHE_AREA("jingan", tallies, areas)[0][1]
