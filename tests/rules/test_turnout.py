"""Turnout of the 党员群众测评: jingan 五(一)3, 五(二)(2), 五(三)(3), DOMAIN 1.5.

"实际参加测评的人数须超过应参加人数的80%，否则，测评结果无效。" — strictly more than 80%: exactly 80%
is not enough, and an invalid session gives no score (an error naming the cause, never a number).
"""

from __future__ import annotations

import pytest

from kaohe import engine
from kaohe.findings import Where
from kaohe.rules.turnout import read_turnout, share_met, strict_turnout

CLAUSE = "jingan 五(一)3"
WHERE = Where("居民区", "甲", "")


def strict(eligible, actual):
    return strict_turnout(eligible, actual, 0.80, WHERE, CLAUSE)


def rules(findings):
    return [(f.rule, f.severity) for f in findings]


def area(eligible, actual, score=90):
    return {"居民区": "甲", "街道考评": score, "居民区互评": score, "党员群众测评": score,
            "应参加人数": eligible, "实际参加人数": actual}


def member(name, post, eligible, actual, rating=80):
    return {"姓名": name, "居民区": "甲", "岗位": post, "人员类别": "社区工作者",
            "书记主任考评": rating if post == "其他" else None, "内部互评": rating, "党员群众测评": rating,
            "应参加人数": eligible, "实际参加人数": actual, "奖金基数": 10000}


def calc(jingan, area_row, people=()):
    tables = engine.calculate(jingan, {"居民区": [area_row], "工作人员": list(people)})
    return tables["居民区"], tables["工作人员"]


# --- the share, in exact decimals -----------------------------------------------------------------

@pytest.mark.parametrize(("actual", "eligible", "met"), [
    (40, 50, False),  # 40/50 = 80%: not 超过80%
    (41, 50, True),  # 41/50 = 82% > 80%
    (4, 5, False),  # 80% × 5 = 4: 4 is not more than 4
    (5, 5, True),  # 100%
    (8, 10, False),  # 80%
    (9, 10, True),  # 90%
    (0, 10, False),
])
def test_strictly_more_than_80_percent(actual, eligible, met):
    assert share_met(actual, eligible, 0.80, strictly=True) is met


def test_strict_share_uses_the_typed_decimal():
    # 70% × 90 = 63 exactly (62.99999999999999 in floats): 63 is not more than 63 → not met
    assert share_met(63, 90, 0.7, strictly=True) is False


@pytest.mark.parametrize(("count", "base", "share"), [(55, 100, 0.55), (63, 90, 0.7), (40, 100, 0.4)])
def test_at_least_is_met_exactly_at_the_share(count, base, share):
    # "不少于" (≥): 55% × 100 = 55 exactly (55.00000000000001 in floats) → 55 people meet it
    assert share_met(count, base, share, strictly=False) is True


# --- strict_turnout: the jingan rule ---------------------------------------------------------------

def test_exactly_80_percent_is_invalid():
    valid, findings = strict(50, 40)
    # jingan 五(一)3: 40 is not more than 80% × 50 = 40 → 测评结果无效
    assert valid is False
    [bad] = findings
    assert (bad.rule, bad.severity) == ("测评参加率", "error")
    assert "测评结果无效" in bad.message
    assert bad.actual == 40
    assert bad.where.field == "实际参加人数"


def test_41_of_50_is_valid():
    # 41 > 40 (80% × 50)
    assert strict(50, 41) == (True, ())


def test_below_80_percent_is_invalid():
    valid, findings = strict(50, 30)  # 60%
    assert valid is False
    assert rules(findings) == [("测评参加率", "error")]


def test_counts_typed_with_a_unit_are_read():
    # DOMAIN §6 lenient reading: "50人", "41人", full-width "４１"
    assert strict("50人", "41人") == (True, ())
    assert strict("５０", "４１") == (True, ())


# --- bad counts ---------------------------------------------------------------------------------------

def test_actual_above_eligible_is_an_error():
    counts = read_turnout(50, 51, WHERE, CLAUSE)
    # 实际参加人数 51 cannot exceed 应参加人数 50
    assert counts.value is None
    [bad] = counts.findings
    assert (bad.rule, bad.severity, bad.actual) == ("测评人数", "error", 51)
    assert strict(50, 51)[0] is False


@pytest.mark.parametrize(("eligible", "actual", "field"), [
    (None, 41, "应参加人数"),
    (50, None, "实际参加人数"),
    ("", 41, "应参加人数"),
])
def test_missing_count_is_an_error(eligible, actual, field):
    valid, findings = strict(eligible, actual)
    assert valid is False
    [bad] = findings
    assert (bad.rule, bad.severity) == ("测评人数", "error")
    assert bad.where.field == field


@pytest.mark.parametrize(("eligible", "actual"), [(50, 40.5), ("五十", 41), (50, -1)])
def test_count_that_is_not_a_whole_number_is_an_error(eligible, actual):
    valid, findings = strict(eligible, actual)
    assert valid is False
    assert findings and all(f.severity == "error" for f in findings)


def test_no_eligible_raters_is_an_error():
    valid, findings = strict(0, 0)
    assert valid is False
    assert rules(findings) == [("测评人数", "error")]


# --- in the workbook's results ---------------------------------------------------------------------

def test_area_at_exactly_80_percent_has_no_total(jingan):
    areas, _ = calc(jingan, area(50, 40))
    # jingan 五(一)3: invalid session → no 总分, the cell's reason names the cause
    assert areas.value("甲", "总分") is None
    assert areas.reason("甲", "总分").rule == "测评参加率"
    assert areas.value("甲", "建议等次") is None


def test_area_at_41_of_50_has_a_total(jingan):
    areas, _ = calc(jingan, area(50, 41, score=90))
    # 41/50 = 82% > 80%; 0.5×90 + 0.1×90 + 0.4×90 = 45 + 9 + 36 = 90
    assert areas.value("甲", "总分") == pytest.approx(90)
    assert not [f for f in areas.findings if f.rule == "测评参加率"]


@pytest.mark.parametrize(("eligible", "actual"), [(50, 51), (None, 41), (50, None)])
def test_area_with_bad_counts_has_no_total(jingan, eligible, actual):
    areas, _ = calc(jingan, area(eligible, actual))
    assert areas.value("甲", "总分") is None
    reason = areas.reason("甲", "总分")
    assert (reason.rule, reason.severity) == ("测评人数", "error")


def test_area_invalid_turnout_leaves_its_staff_without_score(jingan):
    _, staff = calc(jingan, area(50, 40), [member("张", "书记", 20, 18)])
    # jingan 五(二): the 书记's score takes 50% of the area score, which is invalid
    assert staff.value("张", "居民区得分") is None
    assert staff.value("张", "得分") is None
    assert staff.reason("张", "得分").rule == "测评参加率"


@pytest.mark.parametrize("post", ["书记", "主任", "其他"])
def test_staff_session_at_exactly_80_percent_is_invalid(jingan, post):
    _, staff = calc(jingan, area(50, 45), [member("张", post, 20, 16)])
    # jingan 五(二)(2), 五(三)(3): 16/20 = 80%, not 超过 → no 得分
    assert staff.value("张", "得分") is None
    assert staff.reason("张", "得分").rule == "测评参加率"


def test_staff_session_at_17_of_20_is_valid(jingan):
    _, staff = calc(jingan, area(50, 45, score=90), [member("张", "书记", 20, 17, rating=80)])
    # 17/20 = 85% > 80%; 五(二): 0.5×90 + 0.1×80 + 0.4×80 = 45 + 8 + 32 = 85
    assert staff.value("张", "得分") == pytest.approx(85)
