"""静安 guideline (seeds/000, DOMAIN §1–§4): areas, staff, grades and money.

Every expected number is worked out by hand from the document; the comment beside it shows the
arithmetic and the clause. Row builders keep the arithmetic simple: an area whose three ratings
are all x scores 0.5x + 0.1x + 0.4x = x (五(一)); a 书记/主任 whose two ratings are x scores
0.5·area + 0.1x + 0.4x = 0.5·area + 0.5x (五(二)); another staff member whose three ratings are x
scores 0.3·area + 0.2x + 0.1x + 0.4x = 0.3·area + 0.7x (五(三)).
"""

from __future__ import annotations

import pytest

from kaohe import engine
from kaohe.params import SchemeError, load, with_overrides
from kaohe.rules import jingan as rules

SYSTEM = "纳入公务员/事业编制考核统筹"  # jingan 八(六), DOMAIN 2.4
NOT_ASSESSED = "不参加考核"  # jingan 八(五)


# --- row builders -------------------------------------------------------------------------------

def area(name, score=80, *, street=None, mutual=None, members=None, eligible=50, actual=45,
         plus=None, minus=None, override=None):
    """One 居民区 row; 45 of 50 took part (90% > 80%, valid)."""
    return {"居民区": name, "街道考评": score if street is None else street,
            "居民区互评": score if mutual is None else mutual,
            "党员群众测评": score if members is None else members,
            "应参加人数": eligible, "实际参加人数": actual, "加分": plus, "减分": minus, "领导小组调整": override}


def person(name, area_name, post="其他", rating=80, *, leaders=None, internal=None, members=None,
           category="社区工作者", eligible=20, actual=18, reason=None, months=None, base=10000, override=None):
    """One 工作人员 row; 18 of 20 took part (90% > 80%, valid). Only 其他 gets 书记主任考评."""
    return {"姓名": name, "居民区": area_name, "岗位": post, "人员类别": category,
            "书记主任考评": (rating if leaders is None else leaders) if post == "其他" else None,
            "内部互评": rating if internal is None else internal,
            "党员群众测评": rating if members is None else members,
            "应参加人数": eligible, "实际参加人数": actual, "不参加考核原因": reason, "在岗月数": months,
            "奖金基数": base, "领导小组调整": override}


def others(area_name, ratings, **more):
    """Other full-time staff of one area, named 甲1, 甲2, … in the order of their ratings."""
    return [person(f"{area_name}{i}", area_name, "其他", r, **more) for i, r in enumerate(ratings, start=1)]


def street(scores):
    """Areas named by the given dict {name: score}."""
    return [area(name, score) for name, score in scores.items()]


def calc(scheme, areas, people=()):
    tables = engine.calculate(scheme, {"居民区": areas, "工作人员": list(people)})
    return tables["居民区"], tables["工作人员"]


def column(table, name="最终等次"):
    return {row[table.key_field]: row[name] for row in table.records()}


def found(findings, rule, severity=None):
    return [f for f in findings if f.rule == rule and (severity is None or f.severity == severity)]


def item_scores(scheme, **by_label):
    """Item scores keyed as street_evaluation wants them (ids), given by the document's labels."""
    ids = {label: item for item, (label, _) in scheme.items.items()}
    return {ids[label]: value for label, value in by_label.items()}


def evaluate(s, scores):
    """街道考评 of area 甲 from its item scores (jingan 四(一)1)."""
    return rules.street_evaluation(s, "甲", scores)


FULL_MARKS = {"社区党建工作": 18, "社区自治工作": 18, "社区服务工作": 12, "社区管理工作": 12,
              "社会平安工作": 12, "社区党群工作": 12, "社区发展工作": 12, "其他工作": 4}

# 10 areas: floor(20% × 10) = 2 优秀 and 2 良好 (六(一)); <60 较差 [default].
TEN = {"甲": 95, "乙": 92, "丙": 88, "丁": 85, "戊": 80, "己": 75, "庚": 70, "辛": 65, "壬": 58, "癸": 50}
# 5 areas: floor(20% × 5) = 1 优秀 (甲), 1 良好 (乙), the rest 一般.
FIVE = {"甲": 90, "乙": 85, "丙": 80, "丁": 75, "戊": 70}
# The same street with 戊 below 60: 戊 is 较差.
FIVE_BAD = {**FIVE, "戊": 50}


# --- §1.1 basic items: jingan 四(一)1 -------------------------------------------------------------

def test_item_points_are_the_documents(jingan):
    # jingan 四(一)1(1)–(8): 18, 18, 12, 12, 12, 12, 12, 4
    assert {label: points for label, points in jingan.items.values()} == FULL_MARKS


def test_item_points_add_up_to_100(jingan):
    # jingan 四(一)1 "总分100分": 18 + 18 + 12×5 + 4 = 100
    assert sum(points for _, points in jingan.items.values()) == 100


def test_street_evaluation_is_the_sum_of_item_scores(jingan):
    scores = item_scores(jingan, 社区党建工作=16, 社区自治工作=17, 社区服务工作=10, 社区管理工作=11,
                         社会平安工作=12, 社区党群工作=9, 社区发展工作=10.5, 其他工作=3)
    result = evaluate(jingan, scores)
    # jingan 四(一)1, 五(一)1: 16 + 17 + 10 + 11 + 12 + 9 + 10.5 + 3 = 88.5
    assert result.value == pytest.approx(88.5)
    assert result.findings == ()


def test_street_evaluation_full_marks_is_100(jingan):
    result = evaluate(jingan, item_scores(jingan, **FULL_MARKS))
    assert result.value == pytest.approx(100)  # jingan 四(一)1: 总分100分


def test_item_score_above_its_points_is_an_error(jingan):
    # jingan 四(一)1(8): 其他工作 is worth 4 points; 5 is over
    result = evaluate(jingan, item_scores(jingan, **{**FULL_MARKS, "其他工作": 5}))
    assert result.value is None
    [bad] = found(result.findings, "基本分值项", "error")
    assert bad.where.field == "其他工作"
    assert bad.actual == 5


def test_adjusted_item_points_must_still_add_up_to_100():
    # jingan 四(一) last paragraph: 适当微调; 18+18+12×5+5 = 101 ≠ 100 → the scheme is refused
    with pytest.raises(SchemeError) as refused:
        engine.build(with_overrides(load("jingan"), {"area.items.other": 5}))
    assert any("合计为101" in f.message for f in refused.value.findings)


def test_adjusted_item_points_that_add_up_are_used():
    # 党建 18→20, 其他 4→2: 20 + 18 + 12×5 + 2 = 100, allowed; 党建 20 is now within its points
    s = engine.build(with_overrides(load("jingan"), {"area.items.party_building": 20, "area.items.other": 2}))
    scores = item_scores(s, **{**FULL_MARKS, "社区党建工作": 20, "其他工作": 2})
    assert evaluate(s, scores).value == pytest.approx(100)
    over = evaluate(s, item_scores(s, **{**FULL_MARKS, "社区党建工作": 20, "其他工作": 3}))
    assert over.value is None and found(over.findings, "基本分值项", "error")



# --- §1.2 bonus and deduction: jingan 四(二) ----------------------------------------------------

@pytest.mark.parametrize(("kind", "level", "points"), [
    ("综合类奖励", "国家级", 6),  # jingan 四(二)(1) table: 综合类奖励 国家级 6
    ("综合类奖励", "市级", 3),  # 综合类奖励 市级 3
    ("综合类奖励", "区级", 1),  # 综合类奖励 区级 1
    ("单项类奖励", "国家级", 3),  # 单项类 国家级 3
    ("单项类奖励", "市级", 1),  # 单项类 市级 1
])
def test_award_points_per_row_of_the_table(jingan, kind, level, points):
    result = rules.award_points(jingan, "甲", [(kind, level)])
    assert result.value == pytest.approx(points)
    assert result.findings == ()


def test_single_item_district_award_is_a_valid_row_worth_0(jingan):
    # jingan 四(二)(1): the 单项类 row has an empty 区级 cell — DOMAIN 1.2: a valid row worth no points
    result = rules.award_points(jingan, "甲", [("单项类奖励", "区级")])
    assert result.value == 0
    assert result.findings == ()


def test_each_award_is_counted(jingan):
    # jingan 四(二)(1), one row per award: 综合类国家级 6 + 单项类市级 1 + 单项类市级 1 = 8
    result = rules.award_points(jingan, "甲", [("综合类奖励", "国家级"), ("单项类奖励", "市级"), ("单项类奖励", "市级")])
    assert result.value == pytest.approx(8)


@pytest.mark.parametrize(("kind", "level", "points"), [
    ("考核排名拖后", "国家级", 4),  # jingan 四(二)(2): 国家级考核评估的每次扣4分
    ("考核排名拖后", "市级", 2),  # 市级考核评估的每次扣2分
    ("媒体曝光", "国家级", 3),  # 国家级媒体曝光的每次扣3分
    ("媒体曝光", "市级", 1),  # 市级媒体曝光的每次扣1分
])
def test_deduction_points_per_occurrence(jingan, kind, level, points):
    result = rules.deduction_points(jingan, "甲", [(kind, level)])
    assert result.value == pytest.approx(points)
    assert result.findings == ()


def test_each_deduction_occurrence_is_counted(jingan):
    # jingan 四(二)(2) "每次": 国家级考核 4 + 市级媒体 1 + 市级媒体 1 = 6
    events = [("考核排名拖后", "国家级"), ("媒体曝光", "市级"), ("媒体曝光", "市级")]
    assert rules.deduction_points(jingan, "甲", events).value == pytest.approx(6)


def test_district_media_exposure_is_not_a_deduction(jingan):
    # jingan 四(二)(2) names only 国家级 and 市级 media: 区级 is not in the table → error
    result = rules.deduction_points(jingan, "甲", [("媒体曝光", "区级")])
    assert result.value is None
    assert found(result.findings, "减分", "error")


# --- §1.3 composite: jingan 五(一) ----------------------------------------------------------------

def test_area_total_weights_street_mutual_members(jingan):
    areas, _ = calc(jingan, [area("甲", street=88, mutual=85, members=92)])
    # jingan 五(一): 0.5×88 + 0.1×85 + 0.4×92 = 44 + 8.5 + 36.8 = 89.3
    assert areas.value("甲", "总分") == pytest.approx(89.3)


def test_bonus_and_deduction_are_added_to_the_total(jingan):
    areas, _ = calc(jingan, [area("甲", street=88, mutual=85, members=92, plus=3, minus=1)])
    # jingan 五(一): 89.3 (as above); 四(二) [default: on the total]: +3 (综合类市级) −1 (市级媒体) = 91.3
    assert areas.value("甲", "总分") == pytest.approx(91.3)


def test_total_is_not_capped_at_100(jingan):
    areas, _ = calc(jingan, [area("甲", 100, plus=6)])
    # jingan 五(一): 0.5×100 + 0.1×100 + 0.4×100 = 100; +6 综合类国家级 (四(二)); [default] no cap = 106
    assert areas.value("甲", "总分") == pytest.approx(106)


def test_area_total_directly(jingan):
    row = area("甲", street=76, mutual=90, members=81.5, minus=4)
    # jingan 五(一): 0.5×76 + 0.1×90 + 0.4×81.5 = 38 + 9 + 32.6 = 79.6; −4 国家级考核 (四(二)(2)) = 75.6
    assert rules.area_total(jingan, "甲", row).value == pytest.approx(75.6)


def test_rating_as_text_leaves_the_total_empty_with_a_reason(jingan):
    areas, _ = calc(jingan, [area("甲", street="九十")])
    assert areas.value("甲", "总分") is None  # DOMAIN §6: bad input never becomes a number
    reason = areas.reason("甲", "总分")
    assert (reason.rule, reason.severity, reason.where.field) == ("输入格式", "error", "街道考评")


# --- §1.5 turnout on the area (details in test_turnout.py) ---------------------------------------

def test_area_turnout_exactly_80_percent_gives_no_total(jingan):
    areas, _ = calc(jingan, [area("甲", 90, eligible=50, actual=40)])
    # jingan 五(一)3: 40/50 = 80%, not 超过80% → 测评结果无效
    assert areas.value("甲", "总分") is None
    assert areas.reason("甲", "总分").rule == "测评参加率"
    assert found(areas.findings, "测评参加率", "error")


def test_area_turnout_41_of_50_is_valid(jingan):
    areas, _ = calc(jingan, [area("甲", 90, eligible=50, actual=41)])
    # jingan 五(一)3: 41/50 = 82% > 80%; total 0.5×90 + 0.1×90 + 0.4×90 = 90
    assert areas.value("甲", "总分") == pytest.approx(90)


# --- §1.6 area grades: jingan 六(一) --------------------------------------------------------------

def test_ten_areas_two_excellent_two_good(jingan):
    areas, _ = calc(jingan, street(TEN))
    # jingan 六(一): 优秀 ≤ 20% × 10 = 2 (甲95, 乙92), 良好 ≤ 2 (丙88, 丁85); [default] <60 较差 (壬58, 癸50)
    assert column(areas, "建议等次") == {
        "甲": "优秀", "乙": "优秀", "丙": "良好", "丁": "良好", "戊": "一般", "己": "一般", "庚": "一般",
        "辛": "一般", "壬": "较差", "癸": "较差"}
    assert column(areas) == column(areas, "建议等次")  # no override: final = proposal
    assert not found(areas.findings, "等次名额")


def test_nine_areas_round_the_cap_down(jingan):
    nine = {k: v for k, v in TEN.items() if k != "癸"}
    areas, _ = calc(jingan, street(nine))
    # jingan 六(一) "不超过20%": 20% × 9 = 1.8 → floor 1 优秀 (甲), 1 良好 (乙); 丙88 and 丁85 一般
    grades = column(areas, "建议等次")
    assert [grades[k] for k in ("甲", "乙", "丙", "丁")] == ["优秀", "良好", "一般", "一般"]


def test_score_below_60_is_poor_even_with_a_good_place_free(jingan):
    areas, _ = calc(jingan, street({"甲": 95, "乙": 59, "丙": 58, "丁": 57, "戊": 56}))
    # 5 areas: 1 优秀 (甲95); a 良好 place is free but 59 < 60 → 较差 [default DOMAIN 1.6]
    assert column(areas, "建议等次") == {"甲": "优秀", "乙": "较差", "丙": "较差", "丁": "较差", "戊": "较差"}


def test_score_of_exactly_60_is_average(jingan):
    areas, _ = calc(jingan, street({"甲": 60, "乙": 59.9}))
    # 2 areas: floor(20% × 2) = 0 优秀/良好; [default DOMAIN 1.6] 较差 = below 60: 60 一般, 59.9 较差
    assert column(areas, "建议等次") == {"甲": "一般", "乙": "较差"}

def tie_street():
    """TEN with 乙 and 丙 tied on 90 across the 优秀 cap of 2: 丙 reaches 90 by other weights."""
    rows = street({**TEN, "乙": 90, "丙": 90})
    # 丙: 0.5×86 + 0.1×90 + 0.4×95 = 43 + 9 + 38 = 90 = 乙's 0.5×90 + 0.1×90 + 0.4×90
    rows[2] = area("丙", street=86, mutual=90, members=95)
    return rows


def test_tie_across_the_excellent_cap_gives_both_good_and_a_warning(jingan):
    areas, _ = calc(jingan, tie_street())
    # DOMAIN §6 [default]: 甲95 优秀; 乙90 = 丙90 straddle the cap of 2 → both the lower grade 良好;
    # 良好 cap 2 is then filled by 乙, 丙 → 丁85 一般
    grades = column(areas, "建议等次")
    assert [grades[k] for k in ("甲", "乙", "丙", "丁")] == ["优秀", "良好", "良好", "一般"]
    [tie] = found(areas.findings, "并列超额", "warning")
    assert "乙" in tie.message and "丙" in tie.message


def test_override_decides_the_tie(jingan):
    rows = tie_street()
    rows[1]["领导小组调整"] = "优秀"
    areas, _ = calc(jingan, rows)
    # jingan 六(一): the leading group proposes, the party committee decides: 乙 → 优秀 (2 优秀 ≤ cap 2)
    assert areas.value("乙", "建议等次") == "良好"
    assert areas.value("乙", "最终等次") == "优秀"
    assert areas.value("丙", "最终等次") == "良好"
    assert not found(areas.findings, "等次名额")


def test_override_that_breaks_the_cap_is_an_error(jingan):
    rows = street(TEN)
    rows[2]["领导小组调整"] = "优秀"  # 丙: a third 优秀 where 20% × 10 = 2
    areas, _ = calc(jingan, rows)
    assert areas.value("丙", "最终等次") == "优秀"  # the clerk's choice is kept, and flagged
    [over] = found(areas.findings, "等次名额", "error")
    assert over.allowed == 2 and over.actual == 3
    assert all(name in over.message for name in ("甲", "乙", "丙"))


def test_override_that_is_not_a_grade_is_an_error(jingan):
    rows = street(TEN)
    rows[2]["领导小组调整"] = "很好"
    areas, _ = calc(jingan, rows)
    assert areas.value("丙", "最终等次") is None
    [bad] = found(areas.findings, "等次名称", "error")
    assert bad.where.key == "丙"


# --- §2.1 / §2.2 staff scores: jingan 五(二), 五(三) -----------------------------------------------

@pytest.mark.parametrize("post", ["书记", "主任", "书记兼主任"])
def test_leader_score_50_10_40(jingan, post):
    _, staff = calc(jingan, [area("甲", 80)], [person("张", "甲", post, internal=90, members=85)])
    assert staff.value("张", "居民区得分") == pytest.approx(80)
    # jingan 五(二): 0.5×80 + 0.1×90 + 0.4×85 = 40 + 9 + 34 = 83
    assert staff.value("张", "得分") == pytest.approx(83)


def test_other_staff_score_30_20_10_40(jingan):
    _, staff = calc(jingan, [area("甲", 80)], [person("李", "甲", leaders=88, internal=75, members=90)])
    # jingan 五(三): 0.3×80 + 0.2×88 + 0.1×75 + 0.4×90 = 24 + 17.6 + 7.5 + 36 = 85.1
    assert staff.value("李", "得分") == pytest.approx(85.1)


def test_staff_turnout_exactly_80_percent_gives_no_score(jingan):
    _, staff = calc(jingan, [area("甲", 80)], [person("李", "甲", "其他", 90, eligible=20, actual=16)])
    # jingan 五(三)(3): 16/20 = 80%, not 超过 → 测评结果无效
    assert staff.value("李", "得分") is None
    assert staff.reason("李", "得分").rule == "测评参加率"


# --- §2.3 staff grades: jingan 六(二) -------------------------------------------------------------

def test_leaders_pool_is_street_wide(jingan):
    people = [person(f"{a}书记", a, "书记", 90) for a in FIVE]
    _, staff = calc(jingan, street(FIVE), people)
    # jingan 五(二): 0.5×area + 0.5×90 → 甲 90, 乙 87.5, 丙 85, 丁 82.5, 戊 80
    # jingan 六(二): one pool of 5 leaders, 优秀 ≤ floor(20% × 5) = 1 → 甲书记; the rest ≥ 70 合格
    assert staff.value("甲书记", "得分") == pytest.approx(90)
    assert column(staff, "建议等次") == {"甲书记": "优秀", "乙书记": "合格", "丙书记": "合格", "丁书记": "合格",
                                      "戊书记": "合格"}


def test_secretary_and_director_in_one_counted_once(jingan):
    people = [person("甲书记", "甲", "书记", 90), person("甲主任", "甲", "主任", 88),
              person("乙书记", "乙", "书记", 90), person("乙主任", "乙", "主任", 80),
              person("丙书记", "丙", "书记", 80), person("丙主任", "丙", "主任", 80),
              person("丁书记", "丁", "书记", 80), person("丁主任", "丁", "主任", 80),
              person("戊书记兼主任", "戊", "书记兼主任", 80)]
    _, staff = calc(jingan, street(FIVE), people)
    # jingan 五(二): 甲书记 45+45 = 90, 甲主任 45+44 = 89, 戊书记兼主任 35+40 = 75
    # jingan 六(二): 9 persons (书记兼主任 once) → floor(20% × 9) = floor(1.8) = 1 优秀 (甲书记);
    # counted twice (10) would allow 2 and make 甲主任 优秀
    assert staff.value("戊书记兼主任", "得分") == pytest.approx(75)
    grades = column(staff, "建议等次")
    assert grades["甲书记"] == "优秀"
    assert grades["甲主任"] == "合格"
    assert list(grades.values()).count("优秀") == 1


def test_other_staff_quota_15_percent_per_area(jingan):
    people = others("丙", [100, 98, 70, 70, 70, 70, 70]) + others("丁", [90, 70, 70, 70, 70, 70, 70])
    _, staff = calc(jingan, street(FIVE), people)
    # jingan 五(三): 丙 (80): 24 + 0.7x → 94, 92.6, 73…; 丁 (75): 22.5 + 0.7x → 85.5, 71.5…
    # jingan 六(二): per area floor(15% × 7) = floor(1.05) = 1 → 丙1 and 丁1 优秀; 丙2 (92.6) 合格
    # (one street-wide pool of 14 would give floor(2.1) = 2 to 丙1, 丙2)
    assert staff.value("丙2", "得分") == pytest.approx(92.6)
    grades = column(staff, "建议等次")
    assert grades["丙1"] == "优秀" and grades["丁1"] == "优秀"
    assert grades["丙2"] == "合格"
    assert list(grades.values()).count("优秀") == 2


def test_other_staff_quota_rounds_down_to_none(jingan):
    _, staff = calc(jingan, street(FIVE), others("丁", [100, 90, 80, 80, 80, 80]))
    # jingan 六(二): 丁 is 一般; 15% × 6 = 0.9 → floor 0 优秀; 丁1: 22.5 + 70 = 92.5 → 合格
    assert set(column(staff, "建议等次").values()) == {"合格"}


def test_excellent_area_adds_one_excellent_staff(jingan):
    _, staff = calc(jingan, street(FIVE), others("甲", [100, 95, 80, 80, 80, 80]))
    # 甲 (90) is 优秀 (六(一)); 六(二): floor(15% × 6) = 0, +1 for an 优秀 area = 1
    # 五(三): 甲1 = 0.3×90 + 0.7×100 = 27 + 70 = 97 → 优秀; 甲2 = 27 + 66.5 = 93.5 → 合格
    grades = column(staff, "建议等次")
    assert grades["甲1"] == "优秀"
    assert grades["甲2"] == "合格"
    assert list(grades.values()).count("优秀") == 1


def test_good_area_gets_no_extra_excellent(jingan):
    _, staff = calc(jingan, street(FIVE), others("乙", [100, 95, 80, 80, 80, 80]))
    # 乙 (85) is 良好 (六(一)); 六(二): the +1 is for 优秀 areas only → floor(15% × 6) = 0 优秀
    # 五(三): 乙1 = 0.3×85 + 0.7×100 = 25.5 + 70 = 95.5 → 合格
    assert staff.value("乙1", "得分") == pytest.approx(95.5)
    assert set(column(staff, "建议等次").values()) == {"合格"}

def test_excellent_area_with_seven_staff_allows_two(jingan):
    _, staff = calc(jingan, street(FIVE), others("甲", [100, 95, 90, 80, 80, 80, 80]))
    # jingan 六(二): floor(15% × 7) = 1, +1 (甲 优秀) = 2 → 甲1 (97), 甲2 (93.5) 优秀; 甲3 (27+63 = 90) 合格
    grades = column(staff, "建议等次")
    assert [grades[k] for k in ("甲1", "甲2", "甲3")] == ["优秀", "优秀", "合格"]


def test_poor_area_has_no_excellent_leader(jingan):
    people = [person(f"{a}书记", a, "书记", 40) for a in ("甲", "乙", "丙", "丁")]
    people.append(person("戊书记", "戊", "书记", 100))
    _, staff = calc(jingan, street(FIVE_BAD), people)
    # 戊 (50 < 60) is 较差 (六(一)); 戊书记: 0.5×50 + 0.5×100 = 25 + 50 = 75, the pool's best
    # (甲书记 45 + 20 = 65 …); jingan 六(二): a 较差 area's staff have no 优秀 → 合格
    assert staff.value("戊书记", "得分") == pytest.approx(75)
    assert staff.value("戊书记", "建议等次") == "合格"
    assert "优秀" not in column(staff, "建议等次").values()


def test_poor_area_has_no_excellent_other_staff(jingan):
    _, staff = calc(jingan, street(FIVE_BAD), others("戊", [100, 90, 80, 80, 80, 80, 80]))
    # jingan 五(三): 戊1 = 0.3×50 + 0.7×100 = 15 + 70 = 85; floor(15% × 7) = 1 would allow one, but
    # 六(二): 较差 area → no 优秀
    assert staff.value("戊1", "得分") == pytest.approx(85)
    assert staff.value("戊1", "建议等次") == "合格"


def test_override_to_excellent_in_a_poor_area_is_an_error(jingan):
    rows = others("戊", [100, 90, 80, 80, 80, 80, 80])
    rows[0]["领导小组调整"] = "优秀"
    _, staff = calc(jingan, street(FIVE_BAD), rows)
    # jingan 六(二): 考核评估结果为“较差”的居民区，其工作人员考评不设“优秀”等次
    [bad] = found(staff.findings, "较差居民区不设优秀", "error")
    assert bad.where.key == "戊1"


@pytest.mark.parametrize(("rating", "score", "grade"), [
    (70, 72.5, "合格"),  # 五(二): 0.5×75 + 0.5×70 = 37.5 + 35 = 72.5 ≥ 70 → 合格
    (45, 60, "基本合格"),  # 37.5 + 22.5 = 60 → [default] 60–69.99 基本合格
    (44, 59.5, "不合格"),  # 37.5 + 22 = 59.5 < 60 → 不合格
])
def test_staff_grade_thresholds(jingan, rating, score, grade):
    # one leader in the pool: floor(20% × 1) = 0 优秀, so the thresholds alone decide
    _, staff = calc(jingan, street(FIVE), [person("丁书记", "丁", "书记", rating)])
    assert staff.value("丁书记", "得分") == pytest.approx(score)
    assert staff.value("丁书记", "建议等次") == grade


def test_leaders_tied_across_the_cap_both_pass_with_a_warning(jingan):
    people = [person("甲书记", "甲", "书记", 80), person("乙书记", "乙", "书记", 85)]
    people += [person(f"{a}书记", a, "书记", 70) for a in ("丙", "丁", "戊")]
    _, staff = calc(jingan, street(FIVE), people)
    # 五(二): 甲书记 0.5×90 + 0.5×80 = 45 + 40 = 85 = 乙书记 0.5×85 + 0.5×85 = 42.5 + 42.5
    # 六(二): floor(20% × 5) = 1 优秀; the tie straddles it → both 合格, "并列超额" (DOMAIN §6)
    assert staff.value("甲书记", "得分") == pytest.approx(85)
    assert staff.value("乙书记", "得分") == pytest.approx(85)
    assert staff.value("甲书记", "建议等次") == "合格"
    assert staff.value("乙书记", "建议等次") == "合格"
    [tie] = found(staff.findings, "并列超额", "warning")
    assert "甲书记" in tie.message and "乙书记" in tie.message


def test_excellent_staff_must_reach_70(jingan):
    people = [person(f"{a}书记", a, "书记", 40) for a in FIVE]
    _, staff = calc(jingan, street(FIVE), people)
    # 五(二): 甲书记 0.5×90 + 0.5×40 = 45 + 20 = 65, the pool's best; [default] 优秀 needs ≥ 70
    # (合格线) → 基本合格; nobody 优秀 though floor(20% × 5) = 1 place is free
    assert staff.value("甲书记", "建议等次") == "基本合格"
    assert "优秀" not in column(staff, "建议等次").values()

def test_staff_override_over_the_leaders_cap_is_a_warning_naming_them(jingan):
    people = [person(f"{a}书记", a, "书记", 90) for a in FIVE]
    people[1]["领导小组调整"] = "优秀"  # 乙书记: a second 优秀 where floor(20% × 5) = 1
    _, staff = calc(jingan, street(FIVE), people)
    assert staff.value("乙书记", "最终等次") == "优秀"
    # 六(二) "原则上不超过": the party committee may decide otherwise → a warning, not an error (DOMAIN 2.3)
    assert not found(staff.findings, "等次名额", "error")
    [over] = found(staff.findings, "等次名额", "warning")
    assert over.allowed == 1 and over.actual == 2
    assert "甲书记" in over.message and "乙书记" in over.message


def test_staff_override_over_the_others_cap_is_a_warning(jingan):
    rows = others("丙", [80] * 7)  # 丙 is 一般 (80): floor(15% × 7) = floor(1.05) = 1 优秀 at most
    rows[0]["领导小组调整"] = rows[1]["领导小组调整"] = "优秀"
    _, staff = calc(jingan, street(FIVE), rows)
    [over] = found(staff.findings, "等次名额", "warning")
    assert (over.allowed, over.actual) == (1, 2)
    assert "丙1" in over.message and "丙2" in over.message


def test_area_override_over_the_area_cap_stays_an_error(jingan):
    areas = street(FIVE)
    areas[1]["领导小组调整"] = "优秀"  # 六(一) "不超过20%": floor(20% × 5) = 1
    area_table, _ = calc(jingan, areas)
    assert found(area_table.findings, "等次名额", "error")


def test_staff_score_above_100_is_capped_and_noted(jingan):
    areas = street(FIVE)
    areas[0]["加分"] = 12  # 甲: 90 + 6 + 6 (two national 综合类 awards) = 102 (not capped: DOMAIN 1.2)
    a, staff = calc(jingan, areas, [person("甲书记", "甲", "书记", 100)])
    assert a.value("甲", "总分") == pytest.approx(102)
    # 五(二) "满分为100分": 0.5×102 + 0.1×100 + 0.4×100 = 51 + 10 + 40 = 101 → 100 [default staff_score_cap]
    assert staff.value("甲书记", "得分") == pytest.approx(100)
    [note] = found(staff.findings, "得分上限", "info")
    assert note.allowed == 100 and note.actual == pytest.approx(101)


def test_staff_score_of_exactly_100_is_not_noted(jingan):
    _, staff = calc(jingan, street({"甲": 100}), [person("甲书记", "甲", "书记", 100)])
    # 0.5×100 + 0.5×100 = 100: at the cap, not above it
    assert staff.value("甲书记", "得分") == pytest.approx(100)
    assert not found(staff.findings, "得分上限")


# --- §2.4 not assessed, 公务员/事业编制: jingan 八(五), 八(六) ---------------------------------------

@pytest.mark.parametrize(("reason", "post", "months", "bonus"), [
    ("新进未满半年", "其他", 4, 4000),  # 八(五): 12000 × 4/12 × 1.0 (“一般”) = 4000
    ("病事假超半年", "其他", 5, 5000),  # 12000 × 5/12 = 5000
    ("当年退休书记", "书记", 6, 6000),  # 12000 × 6/12 = 6000
])
def test_not_assessed_staff(jingan, reason, post, months, bonus):
    row = person("王", "甲", post, 95, reason=reason, months=months, base=12000)
    _, staff = calc(jingan, street(FIVE), [row])
    # 甲 is 优秀 (factor 1.2), but 八(五) pays 按照“一般”等次: factor 1.0
    assert staff.value("王", "得分") is None
    assert staff.value("王", "建议等次") == NOT_ASSESSED
    assert staff.value("王", "最终等次") == NOT_ASSESSED
    assert staff.value("王", "奖金") == pytest.approx(bonus)


def test_not_assessed_bonus_directly(jingan):
    result = rules.staff_bonus(jingan, "王", grade=None, area_grade="优秀", base=9000, category="社区工作者",
                               reason="当年退休书记", months=8)
    # jingan 八(五): 9000 × 8/12 × 1.0 (“一般”) = 6000 (no 优秀 area factor 1.2)
    assert result.value == pytest.approx(6000)


def test_system_staff_get_a_score_but_no_grade_and_their_bonus_by_category(jingan):
    rows = [person("赵", "丁", "其他", 100, category="事业编制"), person("钱", "丁", "其他", 100, category="公务员")]
    _, staff = calc(jingan, street(FIVE), rows)
    # jingan 八(六): they take part: 0.3×75 + 0.7×100 = 22.5 + 70 = 92.5
    assert staff.value("赵", "得分") == pytest.approx(92.5)
    assert staff.value("赵", "建议等次") == SYSTEM
    assert staff.value("赵", "最终等次") == SYSTEM
    # 七(一)1 excludes only 公务员: 事业编制 赵 gets base × 丁's factor (一般, 1.0) = 10000; 公务员 钱 no figure
    assert staff.value("赵", "奖金") == pytest.approx(10000)
    assert staff.value("钱", "奖金") == SYSTEM


def test_system_staff_do_not_count_in_the_others_quota(jingan):
    rows = others("丁", [95, 90, 80, 80, 80, 80]) + [person("赵", "丁", "其他", 100, category="事业编制")]
    _, staff = calc(jingan, street(FIVE), rows)
    # jingan 八(六) [default]: 6 counted → floor(15% × 6) = 0 优秀 (counting 赵: 7 → 1, 丁1 would be 优秀)
    grades = column(staff, "建议等次")
    assert grades["丁1"] == "合格"
    assert "优秀" not in grades.values()


def test_civil_servant_leader_does_not_count_in_the_leaders_quota(jingan):
    people = [person(f"{a}书记", a, "书记", 90) for a in ("甲", "乙", "丙", "丁")]
    people.append(person("甲主任", "甲", "主任", 80, category="公务员"))
    _, staff = calc(jingan, street(FIVE), people)
    # jingan 八(六) [default]: 4 counted → floor(20% × 4) = 0 优秀; 甲书记 (45 + 45 = 90) 合格
    assert staff.value("甲主任", "得分") == pytest.approx(85)  # 0.5×90 + 0.5×80 = 85
    assert staff.value("甲书记", "建议等次") == "合格"
    assert staff.value("甲主任", "奖金") == SYSTEM



@pytest.mark.parametrize("more", [{"reason": "新进未满半年", "months": 4}, {"category": "公务员"}])
def test_override_for_someone_not_graded_here_is_flagged(jingan, more):
    row = person("王", "丙", "其他", 90, override="优秀", **more)
    _, staff = calc(jingan, street(FIVE), [row])
    # jingan 八(五)/八(六): 王 has no grade here, so the typed "优秀" cannot apply; it must be reported
    assert staff.value("王", "最终等次") in (NOT_ASSESSED, SYSTEM)
    assert [f for f in staff.findings if f.where.key == "王" and f.where.field == "领导小组调整"]


def test_retiring_secretary_reason_on_a_non_secretary_is_an_error(jingan):
    row = person("王", "丙", "其他", 90, reason="当年退休书记", months=6)
    _, staff = calc(jingan, street(FIVE), [row])
    # jingan 八(五): 当年度退休的居民区党总支书记 — a 岗位 其他 is not one
    assert [f for f in staff.findings if f.is_error and f.where.key == "王"]

# --- §3 money: jingan 七 --------------------------------------------------------------------------

def bonus_of(s, grade, area_grade, base=10000, category="社区工作者"):
    return rules.staff_bonus(s, "王", grade=grade, area_grade=area_grade, base=base, category=category,
                              reason=None, months=None)


@pytest.mark.parametrize(("area_grade", "amount"), [
    ("优秀", 12000),  # jingan 七(一)1: 按基数增发20%: 10000 × 1.2
    ("良好", 11000),  # 增发10%: 10000 × 1.1
    ("一般", 10000),  # 按基数发放: 10000 × 1.0
    ("较差", 9000),  # 扣减10%: 10000 × 0.9
])
def test_area_grade_factor(jingan, area_grade, amount):
    result = bonus_of(jingan, "合格", area_grade)
    assert result.value == pytest.approx(amount)
    assert result.findings == ()


@pytest.mark.parametrize("area_grade", ["优秀", "较差"])
def test_basic_pass_is_half_base_without_area_factor(jingan, area_grade):
    # jingan 七(二)1: 基本合格 → 同岗位基数的一半: 0.5 × 10000 = 5000, [default] no area factor
    assert bonus_of(jingan, "基本合格", area_grade).value == pytest.approx(5000)


def test_fail_gets_no_bonus(jingan):
    # jingan 七(二)1: 不合格 → 不享受年终绩效考核奖
    assert bonus_of(jingan, "不合格", "优秀").value == pytest.approx(0)


def test_excellent_reward_unset_is_zero_with_a_warning(jingan):
    result = bonus_of(jingan, "优秀", "良好")
    # jingan 七(一)1 + 七(二)1: 10000 × 1.1 = 11000, + reward [default 0, unset]
    assert result.value == pytest.approx(11000)
    [unset] = found(result.findings, "优秀奖励", "warning")
    assert unset.actual == 0


def test_excellent_reward_is_added_when_set():
    s = engine.build(with_overrides(load("jingan"), {"money.excellent_reward": 2000}))
    result = bonus_of(s, "优秀", "一般")
    # jingan 七(二)1 一次性奖励: 10000 × 1.0 + 2000 = 12000
    assert result.value == pytest.approx(12000)
    assert not found(result.findings, "优秀奖励")


def test_civil_servant_bonus_is_left_to_their_system(jingan):
    # jingan 七(一)1 (除公务员身份的人员外), 八(六)
    assert bonus_of(jingan, "合格", "优秀", category="公务员").value == SYSTEM


@pytest.mark.parametrize(("grade", "area_grade", "amount"), [
    (SYSTEM, "优秀", 12000),  # 七(一)1 includes 事业编制: 10000 × 1.2; their own grade is 统筹's (八(六))
    (SYSTEM, "较差", 9000),  # 10000 × 0.9
    ("不合格", "良好", 11000),  # a grade typed for them is not theirs to use here: still 10000 × 1.1
])
def test_institution_staff_bonus_is_base_times_area_factor(jingan, grade, area_grade, amount):
    assert bonus_of(jingan, grade, area_grade, category="事业编制").value == pytest.approx(amount)


@pytest.mark.parametrize(("grade", "area_grade", "amount"), [
    ("优秀", "优秀", 12000),  # 10000 × 1.2 + 0 reward
    ("合格", "较差", 9000),  # 10000 × 0.9
    ("基本合格", "良好", 5000),  # 0.5 × 10000
    ("不合格", "一般", 0),
])
def test_engine_bonus(jingan, grade, area_grade, amount):
    result = engine.bonus(jingan, "其他", grade, area_grade, 10000, "社区工作者")
    assert result.value == pytest.approx(amount)


def test_engine_bonus_not_assessed(jingan):
    # jingan 八(五): 6000 × 3/12 = 1500
    result = engine.bonus(jingan, "其他", None, "良好", 6000, "社区工作者", "新进未满半年", 3)
    assert result.value == pytest.approx(1500)



def test_engine_bonus_reads_category_as_typed(jingan):
    # jingan 七(一)1, 八(六): a 公务员 gets no bonus here, however the cell is spaced
    assert engine.bonus(jingan, "其他", "合格", "优秀", 10000, "公务员 ").value == SYSTEM


def test_engine_bonus_unknown_category_is_an_error(jingan):
    result = engine.bonus(jingan, "其他", "合格", "优秀", 10000, "社工")
    assert result.value is None
    assert result.errors


def test_engine_bonus_unknown_not_assessed_reason_is_an_error(jingan):
    result = engine.bonus(jingan, "其他", "合格", "一般", 10000, "社区工作者", "出差", 6)
    assert result.value is None
    assert result.errors

def test_bonus_column_in_the_staff_table(jingan):
    people = [person("甲书记", "甲", "书记", 90), person("乙书记", "乙", "书记", 70),
              person("丙书记", "丙", "书记", 40), person("丁书记", "丁", "书记", 30)]
    _, staff = calc(jingan, street(FIVE), people)
    # 六(二): 4 leaders → floor(20% × 4) = 0 优秀
    # 甲书记 45 + 45 = 90 合格 in 优秀 area: 10000 × 1.2 = 12000 (七(一)1)
    # 乙书记 42.5 + 35 = 77.5 合格 in 良好 area: 10000 × 1.1 = 11000
    # 丙书记 40 + 20 = 60 基本合格: 0.5 × 10000 = 5000
    # 丁书记 37.5 + 15 = 52.5 不合格: 0
    assert column(staff, "建议等次") == {"甲书记": "合格", "乙书记": "合格", "丙书记": "基本合格",
                                      "丁书记": "不合格"}
    assert column(staff, "奖金") == {"甲书记": 12000, "乙书记": 11000, "丙书记": 5000, "丁书记": 0}


def test_excellent_bonus_in_the_staff_table_warns_once_naming_them(jingan):
    people = [person(f"{a}书记", a, "书记", 90) for a in FIVE]
    _, staff = calc(jingan, street(FIVE), people)
    # 甲书记 (90) is the 1 优秀 of 5 in 优秀 area 甲: 10000 × 1.2 + 0 (reward unset) = 12000
    assert staff.value("甲书记", "奖金") == pytest.approx(12000)
    [unset] = found(staff.findings, "优秀奖励", "warning")
    assert "甲书记" in unset.message


# --- §4 publicity and feedback: jingan 八(三), 八(四) ---------------------------------------------

def test_records_give_the_publicity_candidates(jingan):
    areas, staff = calc(jingan, street(FIVE), [person(f"{a}书记", a, "书记", 90) for a in FIVE])
    # jingan 八(三): 拟定为“优秀”“良好”的居民区 and 拟定为“优秀”的工作人员 are publicised
    assert [r["居民区"] for r in areas.records() if r["建议等次"] in ("优秀", "良好")] == ["甲", "乙"]
    assert [r["姓名"] for r in staff.records() if r["建议等次"] == "优秀"] == ["甲书记"]


# --- 公示 (jingan 八(三)) -------------------------------------------------------------------------

def test_publicity_list_has_the_areas_to_be_excellent_or_good_and_the_excellent_staff(jingan):
    # 10 areas, each score given to every part: 总分 = the score (0.5 + 0.1 + 0.4 = 1).
    # 六(一): floor(20% × 10) = 2 优秀 (A 95, B 90) and 2 良好 (C 85, D 84); the rest 一般.
    areas = street({"A": 95, "B": 90, "C": 85, "D": 84, "E": 80, "F": 78, "G": 75, "H": 72, "I": 70, "J": 65})
    # Area A (优秀) has 7 other staff: floor(15% × 7) = 1, +1 for an 优秀 area = 2 优秀 (A1 92, A2 88).
    staff = others("A", [92, 88, 85, 80, 78, 76, 74])
    area_table, staff_table = calc(jingan, areas, staff)
    listed = rules.publicity_list(jingan, area_table, staff_table)
    assert [(r["类别"], r["名称"], r["拟定等次"]) for r in listed] == [
        ("居民区", "A", "优秀"), ("居民区", "B", "优秀"), ("居民区", "C", "良好"), ("居民区", "D", "良好"),
        ("工作人员", "A1", "优秀"), ("工作人员", "A2", "优秀")]
    assert listed[0]["依据"] == "jingan 六(一)"


def test_publicity_list_follows_the_leading_groups_override(jingan):
    # E (80, 一般 by score) is raised to 良好 and D (84) lowered to 一般: the list shows the intended grades
    areas = street({"A": 95, "B": 90, "C": 85, "D": 84, "E": 80, "F": 78, "G": 75, "H": 72, "I": 70, "J": 65})
    areas[3]["领导小组调整"], areas[4]["领导小组调整"] = "一般", "良好"
    area_table, staff_table = calc(jingan, areas)
    names = [r["名称"] for r in rules.publicity_list(jingan, area_table, staff_table)]
    assert names == ["A", "B", "C", "E"]


# --- what a clerk types is never silently taken for something else (DOMAIN §6) -------------------

def test_two_people_with_one_name_in_two_areas_both_get_results(jingan):
    # DOMAIN §6: people are keyed by (居民区, 姓名). Two 张伟, in A (90) and in B (80):
    # A·张伟 = 0.3×90 + 0.7×90 = 90; B·张伟 = 0.3×80 + 0.7×70 = 24 + 49 = 73 (五(三))
    areas = street({"A": 90, "B": 80})
    staff = [person("张伟", "A", "其他", 90), person("张伟", "B", "其他", 70), person("李娜", "A", "其他", 80)]
    _, table = calc(jingan, areas, staff)
    assert table.value("A·张伟", "得分") == pytest.approx(90)
    assert table.value("B·张伟", "得分") == pytest.approx(73)
    assert table.value("李娜", "得分") == pytest.approx(0.3 * 90 + 0.7 * 80)  # a unique name is its own key
    assert not found(table.findings, "名称重复")


def test_two_people_with_one_name_in_one_area_are_an_error_naming_both_rows(jingan):
    areas = street({"A": 90})
    staff = [person("张伟", "A", "其他", 90), person("李娜", "A", "其他", 80), person("张伟", "A", "其他", 70)]
    _, table = calc(jingan, areas, staff)
    assert all(table.value("张伟", c) is None for c in rules.STAFF_RESULTS)
    [twice] = found(table.findings, "名称重复", "error")
    assert "第1条" in twice.message and "第3条" in twice.message and "编号" in twice.message
    assert table.reason("张伟", "奖金") is twice
    assert table.value("李娜", "得分") is not None  # the others are computed as usual


def test_an_id_tells_two_namesakes_of_one_area_apart(jingan):
    areas = street({"A": 90})
    staff = [{**person("张伟", "A", "其他", 90), "编号": "A01"}, {**person("张伟", "A", "其他", 70), "编号": "A02"}]
    _, table = calc(jingan, areas, staff)
    # A01 = 0.3×90 + 0.7×90 = 90; A02 = 27 + 49 = 76
    assert table.value("A01", "得分") == pytest.approx(90)
    assert table.value("A02", "得分") == pytest.approx(76)


def test_one_id_on_two_rows_is_an_error(jingan):
    staff = [{**person("张伟", "A", "其他", 90), "编号": "7"}, {**person("李娜", "A", "其他", 70), "编号": 7.0}]
    _, table = calc(jingan, street({"A": 90}), staff)
    [twice] = found(table.findings, "名称重复", "error")
    assert "第1条" in twice.message and "第2条" in twice.message
    assert table.value("7", "得分") is None


def test_an_override_that_is_no_grade_gives_its_reason_in_the_cells(jingan):
    areas = street({"A": 90, "B": 80})
    areas[0]["领导小组调整"] = "优等"
    area_table, _ = calc(jingan, areas, [])
    assert area_table.value("A", "最终等次") is None
    assert area_table.reason("A", "最终等次").rule == "等次名称"
    staff = [person("甲", "A", "其他", 90, override="合 格x")]
    _, staff_table = calc(jingan, street({"A": 90}), staff)
    assert staff_table.reason("甲", "最终等次").where.field == "领导小组调整"
    assert staff_table.reason("甲", "奖金").where.field == "领导小组调整"


def test_a_mistyped_category_is_neither_graded_nor_counted_in_the_pool(jingan):
    # "公务人员" is no category of jingan 三. With it counted, 7 others would give floor(15% × 7) = 1 优秀
    # place; without it, 6 others give floor(0.9) = 0: nobody is 优秀, and the typo is the reason shown.
    staff = others("A", [95, 90, 85, 80, 78, 76]) + [person("乙", "A", "其他", 99, category="公务人员")]
    _, table = calc(jingan, street({"A": 80}), staff)
    assert table.value("乙", "建议等次") is None and table.reason("乙", "建议等次").rule == "人员类别"
    assert table.reason("乙", "奖金").rule == "人员类别"
    assert "优秀" not in column(table, "建议等次").values()
    assert not [f for f in table.findings if "未填人员类别" in f.message]


def test_a_bonus_that_no_awards_add_up_to_is_an_error(jingan):
    # 四(二): points per award are 6/3/1 (综合类) and 3/1 (单项类): 55.5 cannot be a sum of them; 10 = 6+3+1 can
    areas, _ = calc(jingan, [area("A", 80, plus=55.5), area("B", 80, plus=10), area("C", 80, minus=0.3)])
    assert areas.value("A", "总分") is None and areas.reason("A", "总分").rule == "加分"
    assert areas.value("B", "总分") == pytest.approx(90)  # 80 + 10
    assert areas.reason("C", "总分").rule == "减分"


def test_street_evaluation_above_the_items_total_is_an_error(jingan):
    # 四(一)1: the eight items add up to 100, so 街道考评 cannot exceed 100
    areas, _ = calc(jingan, [area("A", 80, street=101)])
    assert areas.reason("A", "总分").where.field == "街道考评"


def test_not_assessed_pay_follows_the_average_grades_factor(jingan):
    # 八(五): 按照“一般”等次确定. A street that sets 一般's factor to 1.05: 12000 × 6/12 × 1.05 = 6300
    s = engine.build(with_overrides(load("jingan"), {"money.area_factor.3.factor": 1.05}))
    paid = rules.staff_bonus(s, "王", grade=None, area_grade=None, base=12000, category="社区工作者",
                             reason="新进未满半年", months=6)
    assert paid.value == pytest.approx(6300)


def test_feedback_parts_add_up_to_the_total_even_under_a_cap(jingan):
    # jingan 五(一): 0.5×98 + 0.1×96 + 0.4×97 = 49 + 9.6 + 38.8 = 97.4; + 加分 6 (四(二)(1) 国家级综合类) = 103.4
    row = area("A", street=98, mutual=96, members=97, plus=6)
    parts = {p["项目"]: p["折合"] for p in rules.feedback_parts(jingan, "A", row, 103.4)}
    assert parts == pytest.approx({"街道考评": 49, "居民区互评": 9.6, "党员群众测评": 38.8, "加分": 6, "减分": None})
    capped = engine.build(with_overrides(load("jingan"), {"area.adjustments.cap_total": 100}))
    total = rules.area_total(capped, "A", row).value
    parts = {p["项目"]: p["折合"] for p in rules.feedback_parts(capped, "A", row, total)}
    assert total == 100 and parts["总分上限"] == pytest.approx(100 - 103.4)  # the cap (DOMAIN 1.2) as its own line


# --- §2.4 不参加考核原因 vs 在岗月数: jingan 八(五) ------------------------------------------------------

@pytest.mark.parametrize(("reason", "months", "severity"), [
    ("新进未满半年", 5, None),  # 5 < 6: joined less than half a year ago
    ("新进未满半年", 6, "error"),  # 6 months is half a year: not "未满半年"
    ("病事假超半年", 6, None),  # worked 6 (≤ 6): leave may exceed half a year
    ("病事假超半年", 7, "error"),  # worked 7 > 6: leave cannot have exceeded half a year
    ("当年退休书记", 3, None),  # 八(五): months do not decide a retiring 书记
    (None, 5, "warning"),  # under half a year and assessed: should they be?
    (None, 6, None),
    (None, None, None),  # not typed: nothing to compare
])
def test_not_assessed_reason_against_months(jingan, reason, months, severity):
    post = "书记" if reason == "当年退休书记" else "其他"
    _, staff = calc(jingan, street(FIVE), [person("王", "甲", post, reason=reason, months=months)])
    said = found(staff.findings, "不参加考核")
    said = [f for f in said if f.where.key == "王" and f.severity != "info"]
    assert [f.severity for f in said] == ([severity] if severity else [])


def test_months_outside_0_to_12_is_an_error(jingan):
    _, staff = calc(jingan, street(FIVE), [person("王", "甲", months=13)])
    assert [f for f in staff.findings if f.is_error and f.where.field == "在岗月数"]


def test_four_areas_warn_that_the_caps_round_to_none(jingan):
    # 六(一) 20% of 4 = 0.8 → floor 0 优秀 and 0 良好 [default rounding]: a warning about the parameter (DOMAIN 1.6)
    areas, _ = calc(jingan, street({"甲": 95, "乙": 90, "丙": 85, "丁": 80}))
    said = found(areas.findings, "名额为0", "warning")
    assert {f.message.split("「")[1][:2] for f in said} == {"优秀", "良好"}
    assert all(f.actual == 4 for f in said)
    assert "优秀" not in column(areas).values()


def test_five_areas_have_one_place_and_no_warning(jingan):
    # 20% of 5 = 1
    areas, _ = calc(jingan, street(FIVE))
    assert not found(areas.findings, "名额为0")


# --- 人员类别 and 公示 as scheme leaves (staff.categories, publicity: listed = false) ----------------------

def street_scheme(**leaves):
    """The jingan scheme with some leaves changed, as a street's own copy of the file would have them."""
    return engine.build(with_overrides(load("jingan"), leaves, "街道方案.toml"))


def test_the_categories_are_the_documents_and_cite_jingan_3(jingan):
    # jingan 三: 居民区社区工作者, 居委会全日制成员, 退休返聘的全日制工作人员, 事业编制一般干部 (and 公务员, 八(六))
    assert jingan.categories == ("社区工作者", "居委会全日制成员", "退休返聘", "事业编制", "公务员")
    _, staff = calc(jingan, [area("甲")], [person("张三", "甲", category="志愿者")])
    [bad] = [f for f in staff.findings if f.rule == "人员类别"]
    assert bad.clause == "jingan 三" and bad.where.key == "张三"


def test_categories_without_the_civil_service_are_refused():
    # 八(六) decides for 公务员 and 事业编制: a list without 公务员 cannot be used
    with pytest.raises(SchemeError) as caught:
        street_scheme(**{"staff.categories.5.category": "社工"})
    [said] = caught.value.findings
    assert said.where.key == "staff.categories" and "缺少公务员" in said.message


def test_the_publicity_leaf_decides_which_grades_are_publicised():
    # 10 areas as in the test above: A, B 优秀; C, D 良好. A street publicising only 优秀 areas and no staff
    # (publicity.2.grade = 优秀 repeats row 1; row 3's grade 优秀 → its staff are listed as before)
    areas = street({"A": 95, "B": 90, "C": 85, "D": 84, "E": 80, "F": 78, "G": 75, "H": 72, "I": 70, "J": 65})
    s = street_scheme(**{"publicity.2.grade": "优秀"})
    area_table, staff_table = calc(s, areas)
    assert [r["名称"] for r in rules.publicity_list(s, area_table, staff_table)] == ["A", "B"]
    listing = rules.publicity(s, {"居民区": area_table, "工作人员": staff_table}, [])
    # the opening names the grades publicised and both clauses, the document's name once: 六(一) and 八(三)
    assert "拟确定为“优秀”的居民区和拟确定为“优秀”的居民区工作人员" in listing.opening
    assert "（jingan 六(一)；八(三)）" in listing.opening


def test_the_default_opening_is_the_documents_wording(jingan):
    area_table, staff_table = calc(jingan, street({"A": 95}))
    opening = rules.publicity(jingan, {"居民区": area_table, "工作人员": staff_table}, []).opening
    assert "拟确定为“优秀”“良好”的居民区和拟确定为“优秀”的居民区工作人员名单予以公示（jingan 六(一)；八(三)）" in opening


def test_a_publicised_grade_must_be_one_of_its_sheets():
    with pytest.raises(SchemeError) as caught:
        street_scheme(**{"publicity.3.grade": "良好"})  # 工作人员 have no 良好 (六(二))
    [said] = caught.value.findings
    assert said.where.key == "publicity.3.grade" and "不是工作人员的等次" in said.message


def test_a_tier_without_a_score_is_an_error_the_only_choice_of_its_leaf():
    # DOMAIN 1.4 [default] "只填了档次，未填分值" is an error: forms.tier_only = "error", nothing else accepted
    assert load("jingan").leaves["forms.tier_only"].value == "error"
    with pytest.raises(SchemeError) as caught:
        street_scheme(**{"forms.tier_only": "lowest_score"})
    [said] = caught.value.findings
    assert said.message == "街道方案.toml：参数 forms.tier_only 为“lowest_score”，应为error之一"
