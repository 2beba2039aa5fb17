"""Entry sheets summed into the area sheet: 街道考评 (jingan 四(一)1), 加减分 (jingan 四(二)), 满意度问卷
(gaojing-2024 附件2). Expected values worked out by hand from the documents."""

from __future__ import annotations

import pytest

from kaohe import engine

LABELS = ("社区党建工作", "社区自治工作", "社区服务工作", "社区管理工作", "社会平安工作", "社区党群工作", "社区发展工作",
          "其他工作")
POINTS = (18, 18, 12, 12, 12, 12, 12, 4)  # jingan 四(一)1(1)–(8)


@pytest.fixture(scope="module")
def jingan():
    return engine.scheme("jingan")


@pytest.fixture(scope="module")
def gaojing():
    return engine.scheme("gaojing-2024")


def area(name, street=None, plus=None, minus=None):
    """A jingan area whose mutual and members ratings are 80, 45 of 50 took part."""
    return {"居民区": name, "街道考评": street, "居民区互评": 80, "党员群众测评": 80, "应参加人数": 50, "实际参加人数": 45,
            "加分": plus, "减分": minus}


def items(name, scores):
    return {"居民区": name, **dict(zip(LABELS, scores))}


def calc(s, tables):
    return engine.calculate(s, tables)


# --- 街道考评 -------------------------------------------------------------------------------------

def test_street_items_sum_into_the_area(jingan):
    scores = (16, 17, 10, 11, 12, 9, 10, 3)  # 16+17+10+11+12+9+10+3 = 88
    out = calc(jingan, {"居民区": [area("甲")], "街道考评": [items("甲", scores)]})
    assert out["街道考评"].value("第1条", "合计") == pytest.approx(88)
    # 五(一): 0.5×88 + 0.1×80 + 0.4×80 = 44 + 8 + 32 = 84
    assert out["居民区"].value("甲", "总分") == pytest.approx(84)


def test_full_marks_are_100(jingan):
    out = calc(jingan, {"居民区": [area("甲")], "街道考评": [items("甲", POINTS)]})
    assert out["街道考评"].value("第1条", "合计") == pytest.approx(100)


def test_an_item_above_its_points_is_an_error(jingan):
    scores = (19, 17, 10, 11, 12, 9, 10, 3)  # 社区党建工作 19 > 18
    out = calc(jingan, {"居民区": [area("甲")], "街道考评": [items("甲", scores)]})
    assert out["街道考评"].value("第1条", "合计") is None
    [over] = [f for f in out["街道考评"].findings if f.is_error]
    assert (over.where.table, over.where.key, over.where.field) == ("街道考评", "第1条", "社区党建工作")
    assert out["居民区"].value("甲", "总分") is None  # the area cannot be scored from a wrong sheet


def test_a_typed_street_score_is_kept_and_a_difference_flagged(jingan):
    out = calc(jingan, {"居民区": [area("甲", street=90), area("乙", street=70)], "街道考评": [items("甲", POINTS)]})
    # 甲 typed 90, its items add up to 100: 90 is kept → 0.5×90 + 8 + 32 = 85; 乙 has no row: its typed 70 stands
    assert out["居民区"].value("甲", "总分") == pytest.approx(85)
    assert out["居民区"].value("乙", "总分") == pytest.approx(75)  # 35 + 8 + 32
    [differs] = [f for f in out["居民区"].findings if f.rule == "街道考评" and f.severity == "warning"]
    assert differs.where.key == "甲" and differs.allowed == 100


def test_an_unknown_area_and_a_second_row_are_errors(jingan):
    out = calc(jingan, {"居民区": [area("甲")], "街道考评": [items("乙", POINTS), items("甲", POINTS), items("甲", POINTS)]})
    findings = out["街道考评"].findings
    assert [f for f in findings if f.rule == "所属居民区" and f.where.key == "第1条"]
    assert [f for f in findings if f.rule == "街道考评" and f.where.key == "第3条"]
    assert out["居民区"].value("甲", "总分") is None


# --- 加减分 ---------------------------------------------------------------------------------------

def entry(name, kind, level, why="事由"):
    return {"居民区": name, "类型": kind, "级别": level, "事由": why}


def test_awards_and_deductions_sum_into_the_area(jingan):
    rows = [entry("甲", "综合类奖励", "市级"), entry("甲", "单项类奖励", "国家级"), entry("甲", "单项类奖励", "区级"),
            entry("甲", "媒体曝光", "市级"), entry("甲", "考核排名拖后", "国家级")]
    out = calc(jingan, {"居民区": [area("甲", street=80)], "加减分": rows})
    # 四(二): 综合类市级 +3, 单项类国家级 +3, 单项类区级 0 (DOMAIN 1.2), 市级媒体曝光 −1, 国家级考核 −4
    values = [out["加减分"].value(f"第{n}条", "分值") for n in range(1, 6)]
    assert values == [3, 3, 0, -1, -4]
    # 加分 6, 减分 5; 总分 = 0.5×80 + 8 + 32 + 6 − 5 = 81
    assert out["居民区"].value("甲", "总分") == pytest.approx(81)


def test_an_unknown_pair_is_an_error_at_its_row(jingan):
    out = calc(jingan, {"居民区": [area("甲", street=80)], "加减分": [entry("甲", "媒体曝光", "区级")]})
    # 四(二)(2) names only 国家级 and 市级 media
    assert out["加减分"].value("第1条", "分值") is None
    [bad] = [f for f in out["加减分"].findings if f.is_error]
    assert (bad.where.table, bad.where.key) == ("加减分", "第1条")
    assert out["居民区"].value("甲", "总分") is None


def test_a_typed_sum_without_rows_still_works(jingan):
    out = calc(jingan, {"居民区": [area("甲", street=80, plus=3)], "加减分": [entry("乙", "综合类奖励", "市级")]})
    # 甲 has no rows: its typed 加分 3 stands → 80 + 3 = 83; 乙 is not on the area sheet → an error
    assert out["居民区"].value("甲", "总分") == pytest.approx(83)
    assert [f for f in out["加减分"].findings if f.rule == "所属居民区"]


# --- 满意度问卷 -------------------------------------------------------------------------------------

def gaojing_area(name="甲", **cells):
    row = {"居民区": name, "总户数": 1000, "党员数": 200, "加强党建引领": 10, "服务凝聚群众": 15, "维护社会和谐稳定": 8,
           "座谈会得分": None, "座谈会户数": 60, "座谈会党员数": 25, "第三方得分": 80, "第三方户数": 60,
           "社区通上半年得分": 85, "社区通上半年户数": 450, "社区通下半年得分": 95, "社区通下半年户数": 450,
           "未真实走访户数": 0, "处置率": 0.9, "解决率": 0.9, "满意率": 0.9}
    return {**row, **cells}


def survey(name, channel, number, answers):
    return {"居民区": name, "渠道": channel, "问卷号": number, **{f"题{n}": a for n, a in enumerate(answers, start=1)}}


def test_questionnaires_give_the_channel_mean(gaojing):
    rows = [survey("甲", "座谈会", 1, [10] * 10), survey("甲", "座谈会", 2, [8] * 5 + [6] * 5)]
    out = calc(gaojing, {"居民区": [gaojing_area()], "满意度问卷": rows})
    # 附件2: 合计 100 and 5×8 + 5×6 = 70; 座谈会 = (100 + 70)/2 = 85
    assert [out["满意度问卷"].value(f"第{n}条", "合计") for n in (1, 2)] == [100, 70]
    # 四(二)2: S = 0.2×85 + 0.4×80 + 0.4×(85 + 95)/2 = 17 + 32 + 36 = 85
    assert out["居民区"].value("甲", "群众满意度") == pytest.approx(85)


def test_a_question_above_10_is_an_error_at_its_cell(gaojing):
    out = calc(gaojing, {"居民区": [gaojing_area()], "满意度问卷": [survey("甲", "座谈会", 1, [10] * 9 + [11])]})
    [bad] = [f for f in out["满意度问卷"].findings if f.is_error]
    assert (bad.where.table, bad.where.key, bad.where.field) == ("满意度问卷", "第1条", "题10")
    assert out["居民区"].value("甲", "群众满意度") is None


def test_an_unknown_channel_is_an_error(gaojing):
    out = calc(gaojing, {"居民区": [gaojing_area(座谈会得分=90)], "满意度问卷": [survey("甲", "电话", 1, [10] * 10)]})
    assert [f for f in out["满意度问卷"].findings if f.is_error and f.where.field == "渠道"]
