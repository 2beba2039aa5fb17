"""Grades under caps, ranks and rank tables (DOMAIN §6, gaojing-2024 五, jingan 六).

Generic: the ladders below are written out by hand from the documents, not read from the schemes.
* GAOJING — gaojing-2024 五(一): 优秀 "不超过30%（不多于9个）"; [default] 合格 ≥ 70, 基本合格 ≥ 60.
* JINGAN — jingan 六(一): 优秀 ≤ 20%, 良好 ≤ 20% (two capped grades one under the other); floors 60.
* HOTLINE, TIERS — gaojing-2024 附件1 第3行 and 五(二).
"""

from __future__ import annotations

import numpy as np
import pytest

from kaohe.rules.grading import (
    Ladder,
    RankBand,
    Step,
    band_of,
    caps_for,
    check_caps,
    final_grades,
    propose,
    quota,
    rank_eq,
    tie_straddles,
    unexplained_overrides,
)

CLAUSE = "测试条款"
NAN = float("nan")


def ladder(*steps, rounding="floor"):
    return Ladder(tuple(steps), rounding, CLAUSE)


GAOJING = ladder(Step("优秀", 70, share=0.30, max_count=9), Step("合格", 70), Step("基本合格", 60),
                 Step("不合格", None))
JINGAN = ladder(Step("优秀", 60, share=0.20), Step("良好", 60, share=0.20), Step("一般", 60), Step("较差", None))
HOTLINE = (RankBand(24, 1, 5), RankBand(22, 6, 10), RankBand(20, 11, 20), RankBand(18, 21, 25),
           RankBand(16, 26, None))
TIERS = (RankBand("A档", 1, 5), RankBand("B档", 6, 12))

# Ten scores, best first; under GAOJING floor(30% × 10) = 3 优秀, under JINGAN floor(20% × 10) = 2 + 2.
TEN = [95, 90, 85, 80, 75, 72, 70, 65, 60, 50]


# --- helpers ----------------------------------------------------------------------------------------

def keys(n):
    return [f"区{i:02d}" for i in range(1, n + 1)]


def grade(lad, scores, caps=None, **more):
    """{key: proposed grade} and the findings; caps from the ladder for a pool of len(scores)."""
    names = keys(len(scores))
    caps = caps_for(lad, len(scores)) if caps is None else caps
    grades, findings = propose(np.array(scores, dtype=float), names, lad, caps, "居民区", **more)
    return dict(zip(names, grades)), findings


def holders(grades, name):
    return [k for k, g in grades.items() if g == name]


def straddles(ranks, bands):
    return tie_straddles(np.array(ranks), keys(len(ranks)), bands, "居民区", "档次", "总分排名", CLAUSE)


# --- quota: rounding -------------------------------------------------------------------------------

@pytest.mark.parametrize(("share", "n", "rounding", "expected"), [
    (0.2, 12, "floor", 2),  # 0.2 × 12 = 2.4 → 2
    (0.2, 12, "round_half_up", 2),  # 2.4 → 2
    (0.2, 12, "ceil", 3),  # 2.4 → 3
    (0.2, 13, "floor", 2),  # 0.2 × 13 = 2.6 → 2
    (0.2, 13, "round_half_up", 3),  # 2.6 → 3
    (0.2, 13, "ceil", 3),  # 2.6 → 3
    (0.15, 10, "floor", 1),  # 0.15 × 10 = 1.5 → 1
    (0.15, 10, "round_half_up", 2),  # 1.5 → 2 (half up)
    (0.15, 10, "ceil", 2),  # 1.5 → 2
    (0.25, 10, "round_half_up", 3),  # 0.25 × 10 = 2.5 → 3 (half up, not to even)
    (0.25, 10, "floor", 2),  # 2.5 → 2
    (0.3, 31, "floor", 9),  # gaojing-2024 五(一): 0.3 × 31 = 9.3 → 9
    (0.2, 10, "floor", 2),  # 0.2 × 10 = 2 exactly
    (0.2, 10, "ceil", 2),  # 2 exactly stays 2
    (0.3, 0, "ceil", 0),  # an empty pool has no places
])
def test_quota_rounding(share, n, rounding, expected):
    assert quota(share, n, rounding) == expected


def test_quota_uses_the_typed_decimal_when_rounding_up():
    # 30% × 10 = 3 exactly (3.0000000000000004 in floats): ceil gives 3, not 4
    assert quota(0.3, 10, "ceil") == 3


def test_quota_uses_the_typed_decimal_when_rounding_down():
    # 70% × 90 = 63 exactly (62.99999999999999 in floats): floor gives 63, not 62
    assert quota(0.7, 90, "floor") == 63


# --- caps_for: share and absolute maximum together ------------------------------------------------------

@pytest.mark.parametrize(("n", "cap"), [
    (10, 3),  # gaojing-2024 五(一): floor(0.3 × 10) = 3 < 9
    (20, 6),  # floor(6) = 6
    (30, 9),  # floor(9) = 9 = 9
    (31, 9),  # floor(9.3) = 9
    (34, 9),  # floor(10.2) = 10, but 不多于9个 → 9
    (40, 9),  # floor(12) = 12 → 9
])
def test_share_and_absolute_cap_together(n, cap):
    assert caps_for(GAOJING, n) == {"优秀": cap}


def test_every_capped_grade_has_its_cap():
    # jingan 六(一): floor(0.2 × 10) = 2 优秀 and 2 良好; 一般 and 较差 uncapped
    assert caps_for(JINGAN, 10) == {"优秀": 2, "良好": 2}


def test_absolute_cap_alone():
    lad = ladder(Step("优秀", 70, max_count=2), Step("合格", None))
    assert caps_for(lad, 100) == {"优秀": 2}


def test_cap_follows_the_ladders_rounding():
    # 0.3 × 11 = 3.3: floor 3, round_half_up 3, ceil 4; 0.3 × 5 = 1.5: round_half_up 2
    steps = GAOJING.steps
    assert caps_for(ladder(*steps, rounding="ceil"), 11) == {"优秀": 4}
    assert caps_for(ladder(*steps, rounding="round_half_up"), 11) == {"优秀": 3}
    assert caps_for(ladder(*steps, rounding="round_half_up"), 5) == {"优秀": 2}


def test_ladder_without_caps_has_none():
    assert caps_for(ladder(Step("合格", 60), Step("不合格", None)), 10) == {}


# --- propose: top-down under the caps -------------------------------------------------------------------

def test_capped_grade_goes_to_the_best_scores():
    # GAOJING, 10: 3 优秀 = 95, 90, 85; the rest ≥ 70 合格, 65 and 60 基本合格, 50 不合格
    grades, findings = grade(GAOJING, TEN)
    assert list(grades.values()) == ["优秀"] * 3 + ["合格"] * 4 + ["基本合格"] * 2 + ["不合格"]
    assert findings == []


def test_proposal_does_not_depend_on_row_order():
    # the same ten in another order: 优秀 still 95, 90, 85 (区03, 区07, 区10)
    scores = [75, 50, 95, 60, 72, 80, 90, 70, 65, 85]
    grades, _ = grade(GAOJING, scores)
    assert holders(grades, "优秀") == ["区03", "区07", "区10"]


def test_two_capped_grades_cascade():
    # jingan 六(一): 优秀 95, 90; 良好 85, 80; 一般 75…60; 较差 50 (< 60)
    grades, _ = grade(JINGAN, TEN)
    assert list(grades.values()) == ["优秀"] * 2 + ["良好"] * 2 + ["一般"] * 5 + ["较差"]


def test_floor_of_a_capped_grade_is_kept_within_the_cap():
    # cap 3 but only 72 reaches 优秀's 70: 1 优秀; 69 基本合格 (< 70), 59 不合格 (< 60)
    grades, _ = grade(GAOJING, [72, 69, 68, 65, 62, 61, 60, 59, 55, 50])
    assert holders(grades, "优秀") == ["区01"]
    assert grades["区02"] == "基本合格"
    assert grades["区08"] == "不合格"


@pytest.mark.parametrize(("score", "expected"), [
    (70, "合格"),  # ≥ 70
    (69.99, "基本合格"),  # 60–69.99
    (60, "基本合格"),
    (59.99, "不合格"),  # < 60
])
def test_score_floors(score, expected):
    grades, _ = grade(GAOJING, [score], caps={"优秀": 0})
    assert grades["区01"] == expected


def test_unscored_member_gets_no_grade():
    # NaN (a total that could not be computed) takes no place: 90 优秀 (cap 1), 80 合格
    grades, _ = grade(GAOJING, [90, NAN, 80], caps={"优秀": 1})
    assert grades == {"区01": "优秀", "区02": None, "区03": "合格"}


# --- ties across a cap: DOMAIN §6 ---------------------------------------------------------------------------

def test_tie_across_the_cap_demotes_all_tied():
    # cap 3: 95, 90 and then 88, 88 for the 3rd place → both 88 合格, 2 优秀 only
    grades, findings = grade(GAOJING, [95, 90, 88, 88, 80, 75, 72, 70, 65, 60])
    assert holders(grades, "优秀") == ["区01", "区02"]
    assert grades["区03"] == grades["区04"] == "合格"
    [tie] = findings
    assert (tie.rule, tie.severity.value) == ("并列超额", "warning")
    assert "区03" in tie.message and "区04" in tie.message
    assert (tie.allowed, tie.actual) == (3, 4)  # 3 places; 2 given + 2 tied


def test_tie_inside_the_cap_is_not_a_problem():
    # cap 3: 95, 95, 90 are all within it
    grades, findings = grade(GAOJING, [95, 95, 90, 80, 75, 72, 70, 65, 60, 50])
    assert holders(grades, "优秀") == ["区01", "区02", "区03"]
    assert findings == []


def test_tie_right_after_the_cap_is_not_a_problem():
    # cap 3: 95, 90, 85 then 80, 80: the tie is below the line
    grades, findings = grade(GAOJING, [95, 90, 85, 80, 80, 72, 70, 65, 60, 50])
    assert holders(grades, "优秀") == ["区01", "区02", "区03"]
    assert findings == []


def test_tie_for_the_only_place_leaves_it_empty():
    # 5 areas: floor(0.3 × 5) = 1; 90, 90 tied for it → no 优秀, both 合格
    grades, findings = grade(GAOJING, [90, 90, 80, 75, 70])
    assert holders(grades, "优秀") == []
    assert grades["区01"] == grades["区02"] == "合格"
    assert [f.rule for f in findings] == ["并列超额"]


def test_demoted_tie_competes_for_the_next_capped_grade():
    # jingan caps 2 + 2: 95, 90, 90 → 优秀 95 only (90, 90 straddle); 良好 90, 90 (2 places, no tie over)
    grades, findings = grade(JINGAN, [95, 90, 90, 85, 80, 75, 70, 65, 60, 50])
    assert holders(grades, "优秀") == ["区01"]
    assert holders(grades, "良好") == ["区02", "区03"]
    assert grades["区04"] == "一般"
    assert [f.rule for f in findings] == ["并列超额"]


def test_tie_straddling_two_caps_is_reported_twice():
    # 95, 90, 90, 90: 优秀 95 (90s straddle the 2nd place); 良好 2 places for three 90s → none, all 一般
    grades, findings = grade(JINGAN, [95, 90, 90, 90, 80, 75, 70, 65, 60, 50])
    assert holders(grades, "优秀") == ["区01"]
    assert holders(grades, "良好") == []
    assert grades["区02"] == grades["区03"] == grades["区04"] == "一般"
    assert [f.rule for f in findings] == ["并列超额", "并列超额"]


def test_scores_equal_to_nine_decimals_are_tied():
    # 0.1 + 0.2 and 0.3 differ in the 17th digit only: tied, both demoted (cap 1 of 5)
    grades, findings = grade(ladder(Step("优秀", 0, share=0.2), Step("合格", None)), [0.1 + 0.2, 0.3, 0.1, 0.1, 0.1])
    assert holders(grades, "优秀") == []
    assert [f.rule for f in findings] == ["并列超额"]


# --- tiebreak: DOMAIN §6 "a scheme may name a tie-break column" ------------------------------------------------

TIED = [95, 90, 88, 88, 80, 75, 72, 70, 65, 60]  # cap 3; 区03 and 区04 tied at 88


def test_tiebreak_resolves_a_tie():
    # tie-break 70 vs 75: 区04 takes the 3rd place, no warning
    grades, findings = grade(GAOJING, TIED, tiebreak=np.array([0, 0, 70, 75, 0, 0, 0, 0, 0, 0], dtype=float))
    assert holders(grades, "优秀") == ["区01", "区02", "区04"]
    assert grades["区03"] == "合格"
    assert findings == []


def test_tiebreak_tied_too_is_left_to_people():
    grades, findings = grade(GAOJING, TIED, tiebreak=np.array([0, 0, 75, 75, 0, 0, 0, 0, 0, 0], dtype=float))
    assert holders(grades, "优秀") == ["区01", "区02"]
    assert [f.rule for f in findings] == ["并列超额"]


def test_blank_tiebreak_loses_the_tie():
    # NaN (blank) against 60: 区04 wins
    grades, _ = grade(GAOJING, TIED, tiebreak=np.array([0, 0, NAN, 60, 0, 0, 0, 0, 0, 0]))
    assert holders(grades, "优秀") == ["区01", "区02", "区04"]


def test_tiebreak_never_beats_a_better_score():
    # 90 with tie-break 0 stays ahead of 88 with tie-break 100
    grades, _ = grade(GAOJING, TIED, tiebreak=np.array([0, 0, 100, 100, 0, 0, 0, 0, 0, 0], dtype=float),
                      caps={"优秀": 2})
    assert holders(grades, "优秀") == ["区01", "区02"]


# --- barred: jingan 六(二) (no 优秀 for others in a 较差 area) ----------------------------------------------------

def test_barred_member_skips_that_grade():
    # 区01 (95) may not be 优秀: 优秀 goes to 90, 85 (cap 2); 95 takes the first 良好 place, then 80
    barred = {"优秀": np.array([True] + [False] * 9)}
    grades, _ = grade(JINGAN, TEN, barred=barred)
    assert holders(grades, "优秀") == ["区02", "区03"]
    assert holders(grades, "良好") == ["区01", "区04"]


def test_everyone_barred_leaves_the_grade_empty():
    grades, _ = grade(JINGAN, TEN, barred={"优秀": np.ones(10, dtype=bool)})
    assert holders(grades, "优秀") == []
    assert holders(grades, "良好") == ["区01", "区02"]


# --- final_grades: the leading group's override -----------------------------------------------------------

def test_override_replaces_the_proposal_blank_keeps_it():
    finals, findings = final_grades(["合格", "合格", "优秀"], [None, "优秀", "  "], keys(3), GAOJING, "居民区")
    assert finals == ["合格", "优秀", "优秀"]
    assert findings == {}


def test_override_is_read_leniently():
    # spaces inside are ignored: "优 秀" is 优秀
    finals, findings = final_grades(["合格"], ["优 秀"], keys(1), GAOJING, "居民区")
    assert finals == ["优秀"]
    assert findings == {}


def test_override_outside_the_ladder_is_an_error():
    finals, findings = final_grades(["合格"], ["良好"], keys(1), GAOJING, "居民区")
    assert finals == [None]
    [bad] = findings.values()  # by key: the reason the 最终等次 cell shows
    assert (bad.rule, bad.severity.value, bad.where.field) == ("等次名称", "error", "领导小组调整")


# --- check_caps: the final grades against the caps ------------------------------------------------------------

def test_final_grades_at_the_cap_pass():
    finals = ["优秀", "优秀", "优秀", "合格", None]
    assert check_caps(finals, keys(5), {"优秀": 3}, GAOJING, "居民区", "本镇居民区") == []


def test_final_grades_over_the_cap_are_an_error():
    finals = ["优秀", "合格", "优秀", "优秀", "优秀"]
    [over] = check_caps(finals, keys(5), {"优秀": 3}, GAOJING, "居民区", "本镇居民区")
    assert (over.rule, over.severity.value) == ("等次名额", "error")
    assert (over.allowed, over.actual) == (3, 4)
    assert over.where.key == "区01"
    assert all(k in over.message for k in ("区01", "区03", "区04", "区05"))


def test_each_capped_grade_is_checked():
    finals = ["优秀", "良好", "良好", "良好", "一般"]
    [over] = check_caps(finals, keys(5), {"优秀": 1, "良好": 2}, JINGAN, "居民区", "本街道居民区")
    assert "良好" in over.message and (over.allowed, over.actual) == (2, 3)


# --- rank_eq: Excel's RANK.EQ ------------------------------------------------------------------------------------

def test_rank_eq_higher_is_better():
    assert rank_eq(np.array([70, 90, 80], dtype=float)).tolist() == [3, 1, 2]


def test_rank_eq_ties_share_the_better_rank():
    # 90, 80, 90, 70: the two 90s are 1st; 80 is 3rd (two are greater); 70 4th
    assert rank_eq(np.array([90, 80, 90, 70], dtype=float)).tolist() == [1, 3, 1, 4]


def test_rank_eq_nan_is_rank_0_and_not_counted():
    # NaN ranks 0; 90 and 80 are 1st and 2nd among the numbers
    assert rank_eq(np.array([NAN, 90, 80])).tolist() == [0, 1, 2]


def test_rank_eq_all_nan():
    assert rank_eq(np.array([NAN, NAN])).tolist() == [0, 0]


def test_rank_eq_ties_to_nine_decimals():
    # 0.1 + 0.2 = 0.30000000000000004 ties 0.3
    assert rank_eq(np.array([0.1 + 0.2, 0.3, 0.2])).tolist() == [1, 1, 3]


# --- band_of: rank tables ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rank", "points"), [
    (1, 24), (5, 24),  # 附件1 第3行 前5名
    (6, 22), (10, 22),  # 6至10名
    (11, 20), (20, 20),  # 11至20
    (21, 18), (25, 18),  # 21至25
    (26, 16), (100, 16),  # 剩余
])
def test_band_of_hotline_table(rank, points):
    assert band_of(rank, HOTLINE) == points


@pytest.mark.parametrize(("rank", "tier"), [(1, "A档"), (5, "A档"), (6, "B档"), (12, "B档"), (13, None), (0, None)])
def test_band_of_rank_tiers(rank, tier):
    # gaojing-2024 五(二): 前5名 A档, 6-12名 B档; beyond and rank 0 (no score) none
    assert band_of(rank, TIERS) == tier


# --- tie_straddles -------------------------------------------------------------------------------------------------

def test_tie_across_a_band_boundary_is_warned():
    # ranks 1, 2, 3, 4, 5, 5, 7: places 5 and 6 straddle A档 | B档
    [w] = straddles([1, 2, 3, 4, 5, 5, 7], TIERS)
    assert (w.rule, w.severity.value, w.where.field) == ("并列跨档", "warning", "档次")
    assert "区05" in w.message and "区06" in w.message and "第5名" in w.message
    assert w.actual == 2


def test_tie_inside_a_band_is_not_warned():
    assert straddles([1, 2, 2, 4, 5], TIERS) == []


def test_tie_across_the_last_tier_into_none_is_warned():
    # ranks 1–11, then 12, 12: places 12 and 13 straddle B档 | none
    [w] = straddles([*range(1, 12), 12, 12], TIERS)
    assert "区12" in w.message and "区13" in w.message


def test_tie_in_the_open_last_band_is_not_warned():
    # hotline ranks 26, 26: both in 剩余 (26 onwards)
    assert straddles([*range(1, 26), 26, 26], HOTLINE) == []


def test_unranked_are_not_a_tie():
    # rank 0 (NaN) twice is not a tie at rank 0
    assert straddles([0, 0, 1], TIERS) == []


def test_big_tie_reaching_past_a_band_is_warned():
    # 3 tied at rank 4 occupy places 4, 5, 6 → straddle; the next is rank 7
    [w] = straddles([1, 2, 3, 4, 4, 4, 7], TIERS)
    assert w.actual == 3
    assert "第4名" in w.message


def test_a_score_too_large_to_round_ranks_first_without_overflow():
    # 1e308 (a 加分 typed so, jingan 四(二): a sum of 1-point awards) × 10⁹ overflows; RANK.EQ still ranks
    # it first, and 90 and 89.99999999999 still tie (DOMAIN §6): ranks 1, 2, 2, 4
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ranks = rank_eq(np.array([1e308, 90.0, 89.99999999999, 80.0]))
    assert ranks.tolist() == [1, 2, 2, 4]


def test_an_override_without_its_reason_is_a_reminder_not_a_refusal():
    rows = [{"居民区": "甲", "领导小组调整": "优秀"},
            {"居民区": "乙", "领导小组调整": "良好", "调整理由": "党工委2025年12月会议决定"},
            {"居民区": "丙", "调整理由": "无调整时的理由不要求什么"},
            {"居民区": "丁", "领导小组调整": "一般", "调整理由": "  "}]  # spaces only: no reason
    found = unexplained_overrides(rows, ["甲", "乙", "丙", "丁"], "居民区")
    assert [(f.where.key, f.where.field, f.severity.value, f.actual) for f in found] == [
        ("甲", "调整理由", "info", "优秀"), ("丁", "调整理由", "info", "一般")]
