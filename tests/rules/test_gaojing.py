"""高境镇 2024 scheme (seeds/001 宝高委〔2024〕104号, DOMAIN §5): areas, ranks, tiers, grades and money.

Every expected number is worked out by hand from the document; the comment beside it shows the
arithmetic and the clause. The row builder ``area`` keeps the arithmetic simple:

* 1000 households and 200 party members, every turnout met (四(二)2): 座谈会 60户 ≥ 5%×1000 = 50 and
  25 党员 ≥ 10%×200 = 20; 第三方 60户 ≥ 50; 社区通 450户 ≥ 40%×1000 = 400 in each round;
  合计 60 + 60 + 450 = 570 ≥ 50%×1000 = 500.
* satisfaction channels 座谈会 90, 第三方 80, 社区通 85 (上半年) and 95 (下半年):
  S = 0.2×90 + 0.4×80 + 0.4×(85+95)/2 = 18 + 32 + 36 = 86 (四(二)2); ``sat=x`` sets all four to x, so S = x.
* 平时成绩 10 + 15 + 8 = 33 (四(二)1, 附件1 第4–6行).
* 走访 = 办实事 = 18×86/100 = 15.48 (四(二)2, 附件1 第1、2行) with no household found unvisited.
* a lone area, or areas whose rates are all equal, share 12345 rank 1 → 24 points (附件1 第3行).

So the default lone area totals 33 + 15.48 + 15.48 + 24 = 87.96.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from kaohe import engine
from kaohe.findings import Where
from kaohe.params import Params, SchemeError, load, sheet_rows, with_overrides
from kaohe.rules import gaojing as rules
from kaohe.rules.grading import caps_for, tiebreak_array

# --- row builders ---------------------------------------------------------------------------------

HOUSEHOLDS, MEMBERS = 1000, 200
POSTS = ("党组织负责人", "党组织副书记（主持工作）", "党组织副书记（不含主持工作）", "居委主任（坐班）", "居委主任（不坐班）",
         "社区工作者（聘用人员）", "社区工作者（其他）", "其他")


def area(name="甲", *, sat=None, daily=(10, 15, 8), rate=0.9, **cells):
    """One 居民区 row (see the module docstring); ``cells`` override any column by its header."""
    forum, third, first, second = (90, 80, 85, 95) if sat is None else (sat,) * 4
    row = {"居民区": name, "总户数": HOUSEHOLDS, "党员数": MEMBERS,
           "加强党建引领": daily[0], "服务凝聚群众": daily[1], "维护社会和谐稳定": daily[2],
           "座谈会得分": forum, "座谈会户数": 60, "座谈会党员数": 25, "第三方得分": third, "第三方户数": 60,
           "社区通上半年得分": first, "社区通上半年户数": 450, "社区通下半年得分": second, "社区通下半年户数": 450,
           "未真实走访户数": None, "处置率": rate, "解决率": rate, "满意率": rate,
           "加分": None, "减分": None, "领导小组调整": None}
    return {**row, **cells}


def scored(name, total, **cells):
    """An area whose 总分 is ``total`` (57–100) among areas with equal rates (all 12345 rank 1 → 24):
    S = 100 gives 走访 18 + 办实事 18, so 总分 = 平时成绩 + 18 + 18 + 24 = 平时成绩 + 60;
    below 60 a 减分 of 3 is added, 总分 = 平时成绩 + 57. 平时成绩 fills 13, then 18, then 9 points."""
    deduction = 3 if total < 60 else None
    daily = total - 60 + (3 if deduction else 0)
    party = min(daily, 13)
    serve = min(daily - party, 18)
    return area(name, sat=100, daily=(party, serve, daily - party - serve), 减分=deduction, **cells)


def street(totals, **cells):
    """Areas 区01, 区02, … with the given totals, in order."""
    return [scored(f"区{i:02d}", t, **cells) for i, t in enumerate(totals, start=1)]


def person(name, area_name, post):
    return {"姓名": name, "居民区": area_name, "岗位": post}


def calc(s, areas, people=()):
    tables = engine.calculate(s, {"居民区": list(areas), "人员奖励": list(people)})
    return tables["居民区"], tables["人员奖励"]


def one(s, column, **cells):
    """One result cell of a lone area 甲 built by ``area(**cells)``."""
    areas, _ = calc(s, [area(**cells)])
    return areas.value("甲", column)


def column(table, name):
    return {row[table.key_field]: row[name] for row in table.records()}


def found(findings, rule, severity=None, field=None):
    return [f for f in findings if f.rule == rule and (severity is None or f.severity == severity)
            and (field is None or f.where.field == field)]


# --- §5.1 items: 四(二), 附件1 ---------------------------------------------------------------------

def test_item_points_are_the_documents(gaojing):
    # 四(二)1(1)–(3): 13, 18, 9; 四(二)2 / 附件1 第1–3行: 18, 18, 24
    assert {label: points for label, points in gaojing.items.values()} == {
        "加强党建引领": 13, "服务凝聚群众": 18, "维护社会和谐稳定": 9,
        "日常走访联系居民群众、重点群体": 18, "为民办实事、解决“急难愁盼”": 18, "12345热线及信访、舆情": 24}


def test_items_add_up_to_40_plus_60(gaojing):
    # 四(二)1 平时成绩 13 + 18 + 9 = 40; 四(二)2 群众评价 18 + 18 + 24 = 60; 40 + 60 = 100
    assert sum(points for _, points in gaojing.items.values()) == 100


def test_daily_item_above_its_points_is_an_error(gaojing):
    # 附件1 第4行: 加强党建引领 is worth 13 points; 14 is over
    areas, _ = calc(gaojing, [area(daily=(14, 15, 8))])
    assert areas.value("甲", "总分") is None
    assert found(areas.findings, "平时成绩", "error", "加强党建引领")


# --- §5.2 satisfaction: 四(二)2, 附件2 --------------------------------------------------------------

def test_satisfaction_weights_three_channels(gaojing):
    # 四(二)2: S = 0.2×90 + 0.4×80 + 0.4×(85+95)/2 = 18 + 32 + 36 = 86
    assert one(gaojing, "群众满意度") == pytest.approx(86)


def test_satisfaction_third_party_weighs_40_percent(gaojing):
    # 四(二)2 二 占40%: S = 0.2×90 + 0.4×100 + 0.4×90 = 18 + 40 + 36 = 94
    assert one(gaojing, "群众满意度", 第三方得分=100) == pytest.approx(94)


def test_satisfaction_forum_weighs_20_percent(gaojing):
    # 四(二)2 一 评议占20%: S = 0.2×40 + 0.4×80 + 0.4×90 = 8 + 32 + 36 = 76
    assert one(gaojing, "群众满意度", 座谈会得分=40) == pytest.approx(76)


def test_satisfaction_averages_the_two_online_rounds(gaojing):
    # 四(二)2 三 上下半年各一次 [default 取平均]: 社区通 = (60+100)/2 = 80;
    # S = 0.2×80 + 0.4×80 + 0.4×80 = 16 + 32 + 32 = 80
    s = one(gaojing, "群众满意度", 座谈会得分=80, 第三方得分=80, 社区通上半年得分=60, 社区通下半年得分=100)
    assert s == pytest.approx(80)


def test_channel_score_above_100_is_an_error(gaojing):
    # 附件2: a questionnaire scores at most 5×20 = 100
    areas, _ = calc(gaojing, [area(第三方得分=101)])
    assert areas.value("甲", "群众满意度") is None
    assert areas.value("甲", "总分") is None
    assert found(areas.findings, "满意度测评", "error", "第三方得分")


def test_missing_online_round_gives_no_satisfaction(gaojing):
    # 四(二)2 三: both rounds are part of the 社区通 score; a blank round is not read as 0
    areas, _ = calc(gaojing, [area(社区通下半年得分=None)])
    assert areas.value("甲", "群众满意度") is None
    assert [f.severity.value for f in found(areas.findings, "满意度测评", field="社区通下半年得分")] == ["error"]


# --- questionnaire: 附件2 -------------------------------------------------------------------------

def questionnaire(s, answers):
    return rules.questionnaire_score(s, Where("问卷", "第1份", ""), answers)


def test_questionnaire_sums_ten_questions(gaojing):
    # 附件2: 10 + 9 + 8 + 10 + 7 + 9 + 10 + 8 + 9 + 10 = 90
    result = questionnaire(gaojing, [10, 9, 8, 10, 7, 9, 10, 8, 9, 10])
    assert result.value == pytest.approx(90)
    assert result.findings == ()


def test_questionnaire_full_marks_is_100(gaojing):
    # 附件2: 五个方面各20分 (两题各10分): 10 × 10 = 100
    assert questionnaire(gaojing, [10] * 10).value == pytest.approx(100)


def test_questionnaire_answer_of_11_is_an_error(gaojing):
    # 附件2: each question is worth 10 points; 11 is over
    result = questionnaire(gaojing, [10, 10, 11, 10, 10, 10, 10, 10, 10, 10])
    assert result.value is None
    [bad] = result.errors
    assert (bad.rule, bad.where.field) == ("问卷评分", "第3题")


def test_questionnaire_needs_ten_answers(gaojing):
    # 附件2: 5 sections × 2 questions = 10; nine answers is not a questionnaire
    result = questionnaire(gaojing, [10] * 9)
    assert result.value is None
    assert [f.rule for f in result.errors] == ["问卷题数"]


# --- §5.3 turnout: 四(二)2 ----------------------------------------------------------------------

def turnout(s, **cells):
    """(rule, severity, field) of every turnout finding of area 甲."""
    return [(f.rule, f.severity.value, f.where.field) for f in rules.turnout_findings(s, "甲", area(**cells))]


def test_default_row_meets_every_turnout(gaojing):
    # 60 ≥ 50, 25 ≥ 20, 60 ≥ 50, 450 ≥ 400 twice, 60 + 60 + 450 = 570 ≥ 500
    assert turnout(gaojing) == []


def test_forum_households_exactly_5_percent_passes(gaojing):
    # 四(二)2 一 "不少于总户数的5%": 5% × 1000 = 50; 50 ≥ 50 (total 50 + 60 + 450 = 560 ≥ 500)
    assert turnout(gaojing, 座谈会户数=50) == []


def test_forum_households_below_5_percent_is_an_error(gaojing):
    # 49 < 50
    assert turnout(gaojing, 座谈会户数=49) == [("参与户数", "error", "座谈会户数")]


def test_forum_party_members_exactly_10_percent_passes(gaojing):
    # 四(二)2 一 "参与评议的党员不少于社区党员的10%": 10% × 200 = 20; 20 ≥ 20
    assert turnout(gaojing, 座谈会党员数=20) == []


def test_forum_party_members_below_10_percent_is_an_error(gaojing):
    # 19 < 20: the households are enough, the party members are not (both are required)
    assert turnout(gaojing, 座谈会党员数=19) == [("参与户数", "error", "座谈会党员数")]


def test_forum_over_100_households_is_only_a_warning(gaojing):
    # 四(二)2 一 "一般不超过100户": 3000 households, 5% × 3000 = 150 ≥ 150 but 150 > 100 → warning;
    # 第三方 150 ≥ 150, 社区通 1200 ≥ 40% × 3000 = 1200, total 150 + 150 + 1200 = 1500 ≥ 1500
    found_ = turnout(gaojing, 总户数=3000, 座谈会户数=150, 第三方户数=150, 社区通上半年户数=1200,
                     社区通下半年户数=1200)
    assert found_ == [("参与户数", "warning", "座谈会户数")]


def test_third_party_exactly_5_percent_passes(gaojing):
    # 四(二)2 二 "不少于居民区总户数为5%": 50 ≥ 50
    assert turnout(gaojing, 第三方户数=50) == []


def test_third_party_below_5_percent_is_an_error(gaojing):
    assert turnout(gaojing, 第三方户数=49) == [("参与户数", "error", "第三方户数")]


def test_online_rounds_exactly_40_percent_pass(gaojing):
    # 四(二)2 三 "不少于居民区总户数40%": 40% × 1000 = 400 in each round
    assert turnout(gaojing, 社区通上半年户数=400, 社区通下半年户数=400) == []


def test_online_second_round_below_40_percent_is_an_error(gaojing):
    # each round on its own: 上半年 450 ≥ 400 does not make up for 下半年 399 < 400
    assert turnout(gaojing, 社区通下半年户数=399) == [("参与户数", "error", "社区通下半年户数")]


def test_online_first_round_below_40_percent_is_an_error(gaojing):
    assert turnout(gaojing, 社区通上半年户数=399) == [("参与户数", "error", "社区通上半年户数")]


def test_total_exactly_50_percent_passes(gaojing):
    # 四(二)2 "不少于该居民区总户数的50%": 50 + 50 + max(400, 400) = 500 ≥ 500
    assert turnout(gaojing, 座谈会户数=50, 第三方户数=50, 社区通上半年户数=400, 社区通下半年户数=400) == []


def test_total_counts_the_larger_online_round_once(gaojing):
    # [default] 座谈会 + 第三方 + max(社区通): 30 + 30 + max(430, 430) = 490 < 500 → error
    # (30 + 30 + 430 + 430 = 920 would wrongly pass); 30 < 50 for 座谈会 and 第三方 too
    findings = rules.turnout_findings(gaojing, "甲", area(座谈会户数=30, 第三方户数=30,
                                                            社区通上半年户数=430, 社区通下半年户数=430))
    assert sorted(f.where.field for f in findings if f.is_error) == ["座谈会户数", "总户数", "第三方户数"]
    [total] = found(findings, "参与户数", "error", "总户数")
    assert total.actual == 490


def test_total_uses_the_larger_round_not_the_first(gaojing):
    # 30 + 30 + max(400, 440) = 500 ≥ 500: no total error (only the two channels below 50)
    findings = rules.turnout_findings(gaojing, "甲", area(座谈会户数=30, 第三方户数=30,
                                                            社区通上半年户数=400, 社区通下半年户数=440))
    assert sorted(f.where.field for f in findings if f.is_error) == ["座谈会户数", "第三方户数"]


def test_channel_below_its_minimum_still_scores(gaojing):
    # DOMAIN 5.3 [default]: the document does not void the channel; S = 86 and 总分 = 87.96 as usual,
    # with an error "参与户数" for 第三方 49 < 50 in the check
    areas, _ = calc(gaojing, [area(第三方户数=49)])
    assert areas.value("甲", "群众满意度") == pytest.approx(86)
    assert areas.value("甲", "总分") == pytest.approx(87.96)
    assert found(areas.findings, "参与户数", "error", "第三方户数")


# --- §5.4 visits: 附件1 第1行 ----------------------------------------------------------------------

def test_visits_item_is_18_times_satisfaction(gaojing):
    # 四(二)2: 18 × 86/100 = 15.48, nobody found unvisited
    assert one(gaojing, "走访联系得分") == pytest.approx(15.48)


def test_each_unvisited_household_costs_one_point(gaojing):
    # 附件1 第1行 "未真实走访1户扣1分": 18 × 86/100 − 2 × 1 = 15.48 − 2 = 13.48
    assert one(gaojing, "走访联系得分", 未真实走访户数=2) == pytest.approx(13.48)


def test_unvisited_households_do_not_touch_the_practical_item(gaojing):
    # 附件1 第2行 办实事 has no visit deduction: 18 × 86/100 = 15.48
    assert one(gaojing, "办实事得分", 未真实走访户数=2) == pytest.approx(15.48)


def test_visits_item_does_not_go_below_zero(gaojing):
    # S = 40: 18 × 40/100 − 10 × 1 = 7.2 − 10 = −2.8 → 0
    assert one(gaojing, "走访联系得分", sat=40, 未真实走访户数=10) == 0


def test_more_unvisited_than_the_sample_is_an_error(gaojing):
    # 附件1 第1行 "随机抽查10户": 11 of 10 sampled cannot be
    areas, _ = calc(gaojing, [area(未真实走访户数=11)])
    assert areas.value("甲", "走访联系得分") is None
    assert areas.value("甲", "总分") is None
    assert found(areas.findings, "走访抽查", "error", "未真实走访户数")


# --- §5.5 12345 hotline: 附件1 第3行 -------------------------------------------------------------

def test_hotline_composite_is_the_mean_of_three_rates(gaojing):
    # [default] mean: (0.90 + 0.90 + 0.96)/3 = 2.76/3 = 0.92; "90%" as text reads 0.90
    assert one(gaojing, "热线综合", 处置率=0.9, 解决率="90%", 满意率=0.96) == pytest.approx(0.92)


def test_rate_above_one_is_an_error(gaojing):
    # WORKBOOK: rates are fractions 0–1; 95 is not read as 95%
    areas, _ = calc(gaojing, [area(处置率=95)])
    assert areas.value("甲", "热线综合") is None
    assert areas.value("甲", "热线得分") is None
    assert found(areas.findings, "比率范围", "error", "处置率")


def test_lone_area_is_hotline_rank_one(gaojing):
    # 附件1 第3行: rank 1 → 24
    assert one(gaojing, "热线得分") == 24


# 附件1 第3行: 前5名 24; 6至10名 22; 11至20 20; 21至25 18; 剩余 16
HOTLINE_POINTS = {**{r: 24 for r in range(1, 6)}, **{r: 22 for r in range(6, 11)},
                  **{r: 20 for r in range(11, 21)}, **{r: 18 for r in range(21, 26)},
                  **{r: 16 for r in range(26, 31)}}


@pytest.fixture(scope="module")
def thirty(gaojing):
    """30 areas, 区01 best: rates (100 − i)/100, all three equal, so area i is rank i."""
    areas, _ = calc(gaojing, [area(f"区{i:02d}", rate=(100 - i) / 100) for i in range(1, 31)])
    return areas


@pytest.mark.parametrize("rank", range(1, 31))
def test_hotline_points_by_rank(thirty, rank):
    assert thirty.value(f"区{rank:02d}", "热线得分") == HOTLINE_POINTS[rank]


def test_hotline_points_table_has_the_documents_rows(thirty):
    # 5 × 24 + 5 × 22 + 10 × 20 + 5 × 18 + 5 × 16 for ranks 1–30
    points = sorted(column(thirty, "热线得分").values(), reverse=True)
    assert points == [24] * 5 + [22] * 5 + [20] * 10 + [18] * 5 + [16] * 5


def test_hotline_totals_differ_only_by_hotline_points(thirty):
    # same other inputs: 总分 = 87.96 − 24 + points; rank 30: 63.96 + 16 = 79.96
    assert thirty.value("区30", "总分") == pytest.approx(79.96)
    assert thirty.value("区06", "总分") == pytest.approx(85.96)  # 63.96 + 22


def hotline_tie(s):
    """Rates 0.99, 0.98, 0.97, 0.96, 0.95, 0.95, 0.90: RANK.EQ 1, 2, 3, 4, 5, 5, 7."""
    rates = [0.99, 0.98, 0.97, 0.96, 0.95, 0.95, 0.90]
    areas, _ = calc(s, [area(f"区{i}", rate=r) for i, r in enumerate(rates, start=1)])
    return areas


def test_hotline_tie_across_5_and_6_gets_the_better_points(gaojing):
    # RANK.EQ: 区5, 区6 both rank 5 → 24 (places 5 and 6 straddle 前5名 | 6至10名); 区7 rank 7 → 22
    points = column(hotline_tie(gaojing), "热线得分")
    assert points == {"区1": 24, "区2": 24, "区3": 24, "区4": 24, "区5": 24, "区6": 24, "区7": 22}


def test_hotline_tie_across_a_band_is_warned(gaojing):
    [straddle] = found(hotline_tie(gaojing).findings, "并列跨档", field="热线得分")
    assert straddle.severity.value == "warning"
    assert "区5" in straddle.message and "区6" in straddle.message


def test_hotline_tie_inside_a_band_is_not_warned(gaojing):
    # 0.99, 0.98, 0.98: ranks 1, 2, 2 — places 2 and 3 both in 前5名
    areas, _ = calc(gaojing, [area("区1", rate=0.99), area("区2", rate=0.98), area("区3", rate=0.98)])
    assert column(areas, "热线得分") == {"区1": 24, "区2": 24, "区3": 24}
    assert not found(areas.findings, "并列跨档")


# --- §5.6 bonus and deduction: 三(四), 附件1 第7、8行 ---------------------------------------------

@pytest.mark.parametrize(("field", "amount", "total"), [
    ("加分", 1, 88.96),  # 87.96 + 1
    ("加分", 3, 90.96),  # 87.96 + 3
    ("减分", 1, 86.96),  # 87.96 − 1
    ("减分", 3, 84.96),  # 87.96 − 3
    ("加分", None, 87.96),  # blank: no bonus
    ("减分", None, 87.96),  # blank: no deduction
])
def test_bonus_and_deduction_of_1_to_3_points(gaojing, field, amount, total):
    assert one(gaojing, "总分", **{field: amount}) == pytest.approx(total)


@pytest.mark.parametrize("field", ["加分", "减分"])
@pytest.mark.parametrize("amount", [0.5, 4])
def test_bonus_or_deduction_outside_1_to_3_is_an_error(gaojing, field, amount):
    # 三(四) "加1-3分" / "扣1-3分": 0.5 and 4 are outside
    areas, _ = calc(gaojing, [area(**{field: amount})])
    assert areas.value("甲", "总分") is None
    assert found(areas.findings, field, "error", field)


# --- total: 四(二) ------------------------------------------------------------------------------

def test_total_adds_every_part(gaojing):
    # 平时 10 + 15 + 8 = 33; 走访 15.48 − 2 = 13.48; 办实事 15.48; 热线 24; +2 −1:
    # 33 + 13.48 + 15.48 + 24 + 2 − 1 = 86.96
    assert one(gaojing, "总分", 未真实走访户数=2, 加分=2, 减分=1) == pytest.approx(86.96)


def test_full_marks_is_100(gaojing):
    # 13 + 18 + 9 + 18 × 100/100 + 18 × 100/100 + 24 = 100
    assert one(gaojing, "总分", sat=100, daily=(13, 18, 9)) == pytest.approx(100)


# --- §5.7 rank tiers: 五(二) --------------------------------------------------------------------

THIRTEEN = [99 - i for i in range(13)]  # 99, 98, …, 87: ranks 1–13


def test_ranks_follow_the_total(gaojing):
    areas, _ = calc(gaojing, street(THIRTEEN))
    assert column(areas, "排名") == {f"区{i:02d}": i for i in range(1, 14)}


def test_rank_tiers_a_for_1_to_5_b_for_6_to_12_none_beyond(gaojing):
    # 五(二) "前5名设为A档，6-12名设为B档"; rank 13 has no tier ("")
    areas, _ = calc(gaojing, street(THIRTEEN))
    expected = {**{f"区{i:02d}": "A档" for i in range(1, 6)}, **{f"区{i:02d}": "B档" for i in range(6, 13)},
                "区13": ""}
    assert column(areas, "档次") == expected


def test_total_tie_across_5_and_6_gets_a_and_a_warning(gaojing):
    # totals 99, 98, 97, 96, 95, 95, 93: RANK.EQ 1, 2, 3, 4, 5, 5, 7 → 区05, 区06 both A档; 区07 B档
    areas, _ = calc(gaojing, street([99, 98, 97, 96, 95, 95, 93]))
    assert column(areas, "排名") == {"区01": 1, "区02": 2, "区03": 3, "区04": 4, "区05": 5, "区06": 5, "区07": 7}
    assert areas.value("区06", "档次") == "A档"
    assert areas.value("区07", "档次") == "B档"
    [straddle] = found(areas.findings, "并列跨档", field="档次")
    assert straddle.severity.value == "warning"


# --- §5.7 grades: 五(一) ------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "cap"), [
    (10, 3),  # floor(30% × 10) = 3 ≤ 9
    (20, 6),  # floor(30% × 20) = 6
    (30, 9),  # floor(30% × 30) = 9
    (31, 9),  # floor(30% × 31) = floor(9.3) = 9
    (40, 9),  # floor(30% × 40) = 12, but 不多于9个 → 9
])
def test_excellent_cap_is_30_percent_and_at_most_9(gaojing, n, cap):
    assert caps_for(gaojing.ladder, n) == {"优秀": cap}


@pytest.mark.parametrize(("n", "cap"), [(20, 6), (31, 9), (40, 9)])
def test_proposed_excellent_count_in_a_town(gaojing, n, cap):
    # n areas, totals 99, 98.5, … (all ≥ 70, distinct): the best `cap` are 优秀 (五(一)), the rest 合格
    areas, _ = calc(gaojing, street([99 - 0.5 * i for i in range(n)]))
    grades = column(areas, "建议等次")
    assert [k for k, g in grades.items() if g == "优秀"] == [f"区{i:02d}" for i in range(1, cap + 1)]
    assert all(g == "合格" for k, g in grades.items() if g != "优秀")


def test_grade_thresholds(gaojing):
    # 5 areas: floor(30% × 5) = 1 优秀 (95); [default] 合格 ≥ 70, 基本合格 60–69.99, 不合格 < 60
    areas, _ = calc(gaojing, street([95, 70, 69.99, 60, 59.99]))
    assert column(areas, "建议等次") == {"区01": "优秀", "区02": "合格", "区03": "基本合格", "区04": "基本合格",
                                       "区05": "不合格"}


def test_street_helper_totals(gaojing):
    # the builder itself: 平时 2.99 + 18 + 18 + 24 − 3 = 59.99; 平时 40 → 100
    areas, _ = calc(gaojing, street([59.99, 100]))
    assert column(areas, "总分") == {"区01": pytest.approx(59.99), "区02": pytest.approx(100)}


def tie_at_the_cap(s, overrides=None):
    """20 areas (cap 6), totals 99, 98.5, …; 区06 and 区07 tied at 99 − 5×0.5 = 96.5 on the cap line."""
    totals = [99 - 0.5 * i for i in range(20)]
    totals[6] = totals[5]
    rows = street(totals)
    for name, grade in (overrides or {}).items():
        rows[int(name[1:]) - 1]["领导小组调整"] = grade
    return calc(s, rows)[0]


def test_tie_across_the_excellent_cap_demotes_both(gaojing):
    # DOMAIN §6: 区06 and 区07 tied for the 6th place of 6 → both 合格 in the proposal, 5 优秀
    areas = tie_at_the_cap(gaojing)
    grades = column(areas, "建议等次")
    assert [k for k, g in grades.items() if g == "优秀"] == ["区01", "区02", "区03", "区04", "区05"]
    assert grades["区06"] == grades["区07"] == "合格"
    [tie] = found(areas.findings, "并列超额")
    assert tie.severity.value == "warning"
    assert "区06" in tie.message and "区07" in tie.message


def test_leading_group_override_decides_the_tie(gaojing):
    # 区06 set to 优秀 by 领导小组: 6 优秀 = the cap, no error
    areas = tie_at_the_cap(gaojing, {"区06": "优秀"})
    assert areas.value("区06", "最终等次") == "优秀"
    assert areas.value("区06", "建议等次") == "合格"
    assert not found(areas.findings, "等次名额")


def test_override_beyond_the_cap_is_an_error(gaojing):
    # both set to 优秀: 5 + 2 = 7 > 6
    areas = tie_at_the_cap(gaojing, {"区06": "优秀", "区07": "优秀"})
    [over] = found(areas.findings, "等次名额", "error")
    assert (over.allowed, over.actual) == (6, 7)


def test_override_must_name_a_grade(gaojing):
    areas, _ = calc(gaojing, [area(领导小组调整="特优")])
    assert areas.value("甲", "最终等次") is None
    assert found(areas.findings, "等次名称", "error")


def test_tiebreak_column_resolves_the_tie(gaojing):
    # DOMAIN §6: a scheme may name a tie-break column; here 座谈会得分. 20 areas, floor(30% × 20) = 6 优秀.
    # 区06 (座谈会 100, 第三方 95) and 区07 (座谈会 90, 第三方 100), 社区通 100: S = 0.2×100 + 0.4×95 + 0.4×100
    # = 20 + 38 + 40 = 98 and S = 0.2×90 + 0.4×100 + 0.4×100 = 18 + 40 + 40 = 98: tied in S and 总分.
    s = engine.build(with_overrides(load("gaojing-2024"), {"tiebreak.column": "座谈会得分"}))
    top = [area(f"区{i:02d}", daily=(13, 18, 9), sat=100) for i in range(1, 6)]  # 40 + 18 + 18 + 24 = 100
    tied = [area("区06", 座谈会得分=100, 第三方得分=95, 社区通上半年得分=100, 社区通下半年得分=100),
            area("区07", 座谈会得分=90, 第三方得分=100, 社区通上半年得分=100, 社区通下半年得分=100)]
    rest = [area(f"区{i:02d}", sat=50) for i in range(8, 21)]  # 33 + 9 + 9 + 24 = 75
    areas, _ = calc(s, top + tied + rest)
    # 区06 and 区07: 33 + 18×98/100 × 2 + 24 = 33 + 35.28 + 24 = 92.28 each
    assert areas.value("区06", "总分") == pytest.approx(92.28)
    assert areas.value("区07", "总分") == pytest.approx(92.28)
    # floor(30% × 20) = 6: 区01–05 and, on 座谈会 100 > 90, 区06
    assert areas.value("区06", "建议等次") == "优秀"
    assert areas.value("区07", "建议等次") == "合格"
    assert not found(areas.findings, "并列超额")


# --- §5.8 money: 五(二)1 ------------------------------------------------------------------------

# 五(二)1: 党组织负责人 A 5000 / B 3000; 党组织副书记（不含主持工作）、居委主任（坐班） A 2000 / B 1500;
# 社区工作者（聘用人员） A 1500 / B 1000. DOMAIN 5.8: a 副书记 who 主持工作 is paid as 党组织负责人; 居委主任（不坐班）,
# 社区工作者（其他） and other posts are not in the table → 0 (五(二)2); ranks beyond 12 have no tier → 0
MONEY = {
    ("党组织负责人", "A档"): 5000, ("党组织负责人", "B档"): 3000, ("党组织负责人", ""): 0,
    ("党组织副书记（主持工作）", "A档"): 5000, ("党组织副书记（主持工作）", "B档"): 3000, ("党组织副书记（主持工作）", ""): 0,
    ("党组织副书记（不含主持工作）", "A档"): 2000, ("党组织副书记（不含主持工作）", "B档"): 1500,
    ("党组织副书记（不含主持工作）", ""): 0,
    ("居委主任（坐班）", "A档"): 2000, ("居委主任（坐班）", "B档"): 1500, ("居委主任（坐班）", ""): 0,
    ("居委主任（不坐班）", "A档"): 0, ("居委主任（不坐班）", "B档"): 0,
    ("社区工作者（聘用人员）", "A档"): 1500, ("社区工作者（聘用人员）", "B档"): 1000, ("社区工作者（聘用人员）", ""): 0,
    ("社区工作者（其他）", "A档"): 0, ("社区工作者（其他）", "B档"): 0,
    ("其他", "A档"): 0, ("其他", "B档"): 0, ("其他", ""): 0,
}
AREA_OF_TIER = {"A档": "区01", "B档": "区06", "": "区13"}  # ranks 1, 6, 13 of THIRTEEN


@pytest.fixture(scope="module")
def paid(gaojing):
    people = [person(f"{post}@{AREA_OF_TIER[tier]}", AREA_OF_TIER[tier], post) for post, tier in MONEY]
    return calc(gaojing, street(THIRTEEN), people)[1]


@pytest.mark.parametrize(("post", "tier"), list(MONEY))
def test_people_sheet_pays_by_post_and_tier(paid, post, tier):
    name = f"{post}@{AREA_OF_TIER[tier]}"
    assert paid.value(name, "档次") == tier
    assert paid.value(name, "奖励金额") == MONEY[(post, tier)]


@pytest.mark.parametrize(("post", "tier"), [k for k in MONEY if k[1]])
def test_bonus_by_post_and_tier(gaojing, post, tier):
    result = engine.bonus(gaojing, post, tier)
    assert result.value == MONEY[(post, tier)]
    assert result.errors == ()


@pytest.mark.parametrize("post", POSTS)
def test_bonus_without_a_tier_is_zero(gaojing, post):
    # 五(二): only 前5名 (A档) and 6-12名 (B档) are paid under 五(二)1; an area without a tier → 0
    result = engine.bonus(gaojing, post, "")
    assert result.value == 0
    assert result.errors == ()


@pytest.mark.parametrize(("post", "meant", "a_tier"), [
    ("党组织副书记", "党组织副书记（不含主持工作）", 2000),  # read as the paid variant: A档 2000
    ("居委主任", "居委主任（坐班）", 2000),
    ("社区工作者", "社区工作者（聘用人员）", 1500),
])
def test_an_unqualified_post_is_paid_as_the_paid_variant_with_a_warning(gaojing, post, meant, a_tier):
    result = engine.bonus(gaojing, post, "A档")
    assert result.value == a_tier
    [asked] = [f for f in result.findings if f.rule == "岗位"]
    assert asked.severity == "warning" and asked.allowed == meant and meant in asked.message


def test_person_in_an_unknown_area_is_an_error(gaojing):
    _, people = calc(gaojing, [area("甲")], [person("张三", "乙", "居委主任（坐班）")])
    assert people.value("张三", "奖励金额") is None
    [unknown] = found(people.findings, "所属居民区", "error")
    assert unknown.where.key == "张三"


def test_unknown_post_is_an_error(gaojing):
    # WORKBOOK 人员奖励.岗位: the qualified posts of 五(二)1, or 其他
    _, people = calc(gaojing, [area("甲")], [person("张三", "甲", "书记")])
    assert people.value("张三", "奖励金额") is None
    assert found(people.findings, "岗位", "error")


def test_person_in_an_area_without_a_total_gets_no_amount(gaojing):
    # 甲's 加分 4 is an error → no 总分, no rank, no tier: the money cannot be known
    _, people = calc(gaojing, [area("甲", 加分=4)], [person("张三", "甲", "党组织负责人")])
    assert people.value("张三", "档次") is None
    assert people.value("张三", "奖励金额") is None
    assert people.reason("张三", "奖励金额") is not None


# --- §5.9 progress index: 四(三) ----------------------------------------------------------------

def test_hotline_year_on_year_decline(gaojing):
    # 四(三) 12345 同比下降率: (100 − 80)/100 = 0.2
    assert one(gaojing, "热线同比下降率", 本年热线件数=80, 上年热线件数=100) == pytest.approx(0.2)


def test_satisfaction_year_on_year_rise(gaojing):
    # 四(三) 群众满意度同比提升率: (86 − 80)/80 = 6/80 = 0.075
    assert one(gaojing, "满意度同比提升率", 上年群众满意度=80) == pytest.approx(0.075)


def test_progress_index_is_not_added_to_the_total(gaojing):
    # DOMAIN 5.9 [default]: shown, not scored: 总分 stays 87.96
    assert one(gaojing, "总分", 本年热线件数=80, 上年热线件数=100, 上年群众满意度=80) == pytest.approx(87.96)


def test_progress_index_blank_without_last_year(gaojing):
    areas, _ = calc(gaojing, [area()])
    assert areas.value("甲", "热线同比下降率") is None
    assert areas.value("甲", "满意度同比提升率") is None


# --- inputs that must never pass silently (DOMAIN §6) ---------------------------------------------

def test_zero_households_is_an_error_not_a_pass(gaojing):
    areas, _ = calc(gaojing, [area(总户数=0)])
    assert any(f.rule == "参与户数" and f.is_error and f.where.field == "总户数" for f in areas.findings)


def test_a_blank_visit_check_counts_as_zero_but_is_flagged(gaojing):
    # 附件1 第1行: 10 households sampled, the count (0–10) typed per area; blank: 0 deducted, with a warning
    areas, _ = calc(gaojing, [area(未真实走访户数=None)])
    assert areas.value("甲", "走访联系得分") == pytest.approx(18 * 86 / 100)  # S = 86, no deduction
    assert any(f.rule == "走访抽查" and f.severity.value == "warning" for f in areas.findings)


def test_an_unreadable_progress_figure_is_an_error_not_a_blank(gaojing):
    areas, _ = calc(gaojing, [area(本年热线件数="十件", 上年热线件数=20)])
    assert areas.value("甲", "热线同比下降率") is None
    assert areas.reason("甲", "热线同比下降率").where.field == "本年热线件数"


def test_progress_figures_when_typed(gaojing):
    # 四(三): 12345 down from 20 to 15 cases = (20 − 15)/20 = 25%; satisfaction 86 against 80 last year = 7.5%
    areas, _ = calc(gaojing, [area(本年热线件数=15, 上年热线件数=20, 上年群众满意度=80)])
    assert areas.value("甲", "热线同比下降率") == pytest.approx(0.25)
    assert areas.value("甲", "满意度同比提升率") == pytest.approx(0.075)


def test_a_tiebreak_typed_as_text_is_read_like_the_score():
    # DOMAIN §6 tie-break column 座谈会得分: "95分" reads as 95, as it does as a score; "高" cannot be read
    s = engine.build(with_overrides(load("gaojing-2024"), {"tiebreak.column": "座谈会得分"}))
    rows = [("甲", area("甲", 座谈会得分="95分")), ("乙", area("乙", 座谈会得分=85)), ("丙", area("丙", 座谈会得分="高"))]
    values, unread = tiebreak_array(s.tiebreak, rows, "居民区", "gaojing-2024 五(一)")
    assert values.tolist()[:2] == [95, 85] and [f.where.key for f in unread] == ["丙"]


def test_negative_money_and_fractional_ranks_are_refused():
    with pytest.raises(SchemeError) as caught:
        engine.build(with_overrides(load("gaojing-2024"), {"money.1.amount": -5000.0, "rank_tiers.1.to": 5.5}))
    keys = {f.where.key for f in caught.value.findings}
    assert {"money.1.amount", "rank_tiers.1.to"} <= keys


def test_three_areas_warn_that_the_excellent_cap_rounds_to_none(gaojing):
    # 五(一) 30% of 3 = 0.9 → floor 0 优秀 (and min with 9 → 0): a warning about the parameter (DOMAIN 1.6, §6)
    areas, _ = calc(gaojing, [area("甲"), area("乙"), area("丙")])
    [said] = found(areas.findings, "名额为0", "warning")
    assert said.actual == 3 and "优秀" in said.message
    # 4 areas: 30% × 4 = 1.2 → 1 place, no warning
    areas, _ = calc(gaojing, [area("甲"), area("乙"), area("丙"), area("丁")])
    assert not found(areas.findings, "名额为0")


# --- DOMAIN [default]s as scheme leaves: each method a choice, cited from its leaf -------------------

def variant(**values):
    """The scheme with some leaves set, as a street's own copy of the file would set them."""
    return engine.build(with_overrides(load("gaojing-2024"), values, "街道方案.toml"))


def refused(**values):
    """The findings a scheme with these leaf values is refused with."""
    with pytest.raises(SchemeError) as caught:
        variant(**values)
    return caught.value.findings


def test_online_rounds_later_takes_the_second_round_alone():
    # 四(二)2 三, satisfaction.online_rounds = "later": 社区通 = 下半年 95 (not (85+95)/2 = 90);
    # S = 0.2×90 + 0.4×80 + 0.4×95 = 18 + 32 + 38 = 88; 走访 = 办实事 = 18×88/100 = 15.84
    s = variant(**{"satisfaction.online_rounds": "later"})
    areas, _ = calc(s, [area()])
    assert areas.value("甲", "群众满意度") == pytest.approx(88)
    assert areas.value("甲", "办实事得分") == pytest.approx(15.84)


def test_online_rounds_mean_is_the_default_and_averages():
    # 四(二)2 三 [default] mean: 社区通 = (60+100)/2 = 80; S = 0.2×80 + 0.4×80 + 0.4×80 = 80 (later: 0.2×80 + 0.4×80
    # + 0.4×100 = 88)
    assert load("gaojing-2024").leaves["satisfaction.online_rounds"].value == "mean"
    rounds = {"座谈会得分": 80, "第三方得分": 80, "社区通上半年得分": 60, "社区通下半年得分": 100}
    assert one(variant(**{"satisfaction.online_rounds": "mean"}), "群众满意度", **rounds) == pytest.approx(80)
    assert one(variant(**{"satisfaction.online_rounds": "later"}), "群众满意度", **rounds) == pytest.approx(88)


def test_rounds_score_of_a_single_round_channel_is_that_round():
    # 座谈会 has one round: 90 either way
    assert rules.rounds_score("mean", [90]) == rules.rounds_score("later", [90]) == 90
    assert rules.rounds_score("mean", [85, 95]) == 90 and rules.rounds_score("later", [85, 95]) == 95


@pytest.mark.parametrize("path, options", [
    ("satisfaction.online_rounds", "mean / later"),
    ("satisfaction.items_method", "share"),
    ("turnout.total_online", "max / sum"),
    ("hotline.composite", "mean"),
    ("tier_rules.worst_grade", "keep"),
    ("progress.use", "shown"),
    ("turnout.below_minimum", "flag"),
])
def test_a_method_not_among_its_choices_is_refused_in_chinese(path, options):
    [said] = refused(**{path: "median"})
    assert said.where.key == path and said.allowed == options
    assert said.message == f"街道方案.toml：参数 {path} 为“median”，应为{options}之一"


def test_households_total_counts_the_larger_online_round_by_default():
    # 四(二)2 "参与评价的居民区户总数" [default] max: 60 + 60 + max(200, 250) = 370
    assert rules.households_total("max", 60, 60, 200, 250) == 370
    # sum: 60 + 60 + 200 + 250 = 570
    assert rules.households_total("sum", 60, 60, 200, 250) == 570


def test_households_total_method_decides_the_50_percent_check(gaojing):
    # 1000 households, 50% = 500. 座谈会 60, 第三方 60, 社区通 250 and 250 (each below 40%: their own errors).
    # max: 60 + 60 + 250 = 370 < 500 → the total's error; sum: 60 + 60 + 500 = 620 ≥ 500 → none
    row = area(社区通上半年户数=250, 社区通下半年户数=250)
    totals = {}
    for method, s in (("max", gaojing), ("sum", variant(**{"turnout.total_online": "sum"}))):
        areas, _ = calc(s, [row])
        totals[method] = [f for f in found(areas.findings, "参与户数", "error") if "参与评价合计" in f.message]
    assert [f.actual for f in totals["max"]] == [370] and totals["sum"] == []


def test_the_unlisted_leaves_are_in_the_file_not_on_the_sheet():
    p = load("gaojing-2024")
    unlisted = {path for path, leaf in p.leaves.items() if not leaf.listed}
    assert unlisted == {"satisfaction.items_method", "turnout.total_online", "turnout.below_minimum",
                        "tier_rules.worst_grade", "progress.use"}
    on_sheet = {row[0] for row in sheet_rows(p)}
    assert not unlisted & on_sheet and "satisfaction.online_rounds" in on_sheet


def test_progress_and_failing_tier_cite_their_leaves():
    # the clause a finding names is the leaf's reference: a street's copy citing its own clause is quoted
    base = load("gaojing-2024")
    assert base.leaves["progress.use"].reference == "gaojing-2024 四(三)"
    assert base.leaves["tier_rules.worst_grade"].reference == "gaojing-2024 五(二)"
    leaves = dict(base.leaves)
    for path in ("progress.use", "tier_rules.worst_grade"):
        leaves[path] = replace(leaves[path], reference=f"{leaves[path].reference}（街道细则）")
    s = engine.build(Params(base.meta, leaves, base.source))
    # 四(三): a count below 0 is out of range; 五(二): a lone area of 总分 0 + 18 + 18 + 24 − 3 = 57 (``scored``)
    # ranks 1st → A档 but is graded 不合格 (< 60): it keeps the tier, with the warning
    areas, _ = calc(s, [scored("甲", 57, 本年热线件数=-5, 上年热线件数=20)])
    assert areas.reason("甲", "热线同比下降率").clause == "gaojing-2024 四(三)（街道细则）"
    [kept] = found(areas.findings, "不合格仍列档次", "warning")
    assert kept.clause == "gaojing-2024 五(二)（街道细则）" and areas.value("甲", "档次") == "A档"
