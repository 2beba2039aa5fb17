"""Lenient reading, strict meaning (DOMAIN §6): cells as clerks type them.

Full-width digits, "90分", "A档", "a 92" are read; anything ambiguous or out of range is an error
finding naming the value and the field, never a guessed number. Blank is None; required blank is "未填".
"""

from __future__ import annotations

import pytest

from kaohe import engine
from kaohe.findings import Severity, Where
from kaohe.reading import READING_CLAUSE, read_choice, read_count, read_number, read_rate, read_rating

SCORE = Where("居民区", "春晖", "街道考评")
HOUSEHOLDS = Where("居民区", "春晖", "座谈会户数")
RATE = Where("居民区", "春晖", "处置率")
POST = Where("工作人员", "张三", "岗位")
CELL = Where("居民区互评", "第3号表", "春晖")  # one rating cell: form 3, target 春晖
POSTS = ("书记", "主任", "书记兼主任", "其他")


@pytest.fixture(scope="module")
def bands():
    return engine.scheme("jingan").forms.bands  # A ≥ 90, B ≥ 70, C ≥ 60, D ≥ 0, top 100 (jingan 五)


def score(raw, **kw):
    return read_number(raw, SCORE, lo=0, hi=100, rule="测评得分", clause="jingan 五(一)1", **kw)


def the_error(checked):
    """The single error finding of a reading that gave no value."""
    assert checked.value is None
    assert len(checked.findings) == 1
    found = checked.findings[0]
    assert found.severity is Severity.ERROR
    return found


# --- read_number ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("９０", 90), ("90分", 90), ("９０分", 90), (" 90 ", 90), ("90 分", 90), ("９０．５", 90.5),
    (90, 90), (90.5, 90.5), (0, 0), (100, 100),
])
def test_number_read_as_typed(raw, expected):
    read = score(raw)
    assert (read.value, read.findings) == (expected, ())


@pytest.mark.parametrize("raw, shown", [
    ("九十", "“九十”"), ("90-95", "“90-95”"), ("A/B 90", "“A/B 90”"), ("90分分", "“90分分”"), ("1e2", "“1e2”"),
    (True, "True"), (float("nan"), "nan"),
    ("8,5", "“8,5”"),  # a decimal comma, or two numbers: not 85
])
def test_number_not_plainly_one_number_is_an_error_naming_the_value(raw, shown):
    found = the_error(score(raw))
    assert (found.rule, found.clause, found.where.field) == ("输入格式", READING_CLAUSE, "街道考评")
    assert shown in found.message and "春晖" in found.message
    assert found.actual is raw


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000"])
def test_blank_required_number_is_a_missing_error(raw):
    found = the_error(score(raw))
    assert (found.rule, found.where.field, found.allowed) == ("测评得分", "街道考评", "必填")
    assert "未填街道考评" in found.message


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_blank_optional_number_is_none_without_finding(raw):
    read = score(raw, required=False)
    assert (read.value, read.findings) == (None, ())


@pytest.mark.parametrize("raw, actual", [(101, 101), (-1, -1), ("100.5分", 100.5), ("１０１", 101)])
def test_number_out_of_range_is_an_error_under_the_callers_rule(raw, actual):
    found = the_error(score(raw))
    assert (found.rule, found.clause, found.where.field) == ("测评得分", "jingan 五(一)1", "街道考评")
    assert (found.actual, found.allowed) == (actual, "0–100")
    assert f"{actual:g}" in found.message and "0–100" in found.message


def test_number_without_upper_bound_accepts_large_and_names_the_lower_bound():
    assert read_number(12345, SCORE, lo=0, hi=None).value == 12345
    assert the_error(read_number(-2, SCORE, lo=0, hi=None)).allowed == "≥0"


def test_out_of_range_message_shows_a_value_outside_the_range():
    found = the_error(score(100.0000001))
    assert "为100，" not in found.message


# --- read_count -------------------------------------------------------------------------------

def households(raw, **kw):
    return read_count(raw, HOUSEHOLDS, rule="参与户数", clause="gaojing-2024 四(二)2", **kw)


@pytest.mark.parametrize("raw", ["120户", "１２０户", "120 户", "120人", 120, 120.0])
def test_count_read_as_a_whole_number(raw):
    read = households(raw)
    assert read.value == 120 and type(read.value) is int and read.findings == ()


def test_count_with_a_thousands_separator():
    assert households("1,200户").value == 1200


@pytest.mark.parametrize("raw", [12.5, "12.5户"])
def test_fractional_count_is_an_error(raw):
    found = the_error(households(raw))
    assert (found.rule, found.where.field, found.allowed, found.actual) == ("输入格式", "座谈会户数", "整数", 12.5)
    assert "12.5" in found.message and "整数" in found.message


@pytest.mark.parametrize("raw, rule", [(-3, "参与户数"), ("户", "输入格式"), ("120户户", "输入格式"), ("一百二十户", "输入格式")])
def test_bad_count_is_an_error(raw, rule):
    assert the_error(households(raw)).rule == rule


def test_blank_count_required_or_not():
    assert "未填座谈会户数" in the_error(households(None)).message
    assert households("", required=False).findings == ()


# --- read_rate --------------------------------------------------------------------------------

def rate(raw):
    return read_rate(raw, RATE, clause="gaojing-2024 附件1 第3行")


@pytest.mark.parametrize("raw, expected", [
    ("95%", 0.95), ("９５％", 0.95), ("95 %", 0.95), ("100%", 1.0), ("0%", 0.0), (0.95, 0.95), (1, 1.0), (0, 0.0),
    ("0.95", 0.95),
])
def test_rate_read_as_a_fraction(raw, expected):
    read = rate(raw)
    assert read.value == pytest.approx(expected) and read.findings == ()


@pytest.mark.parametrize("raw, actual", [(95, 95), ("95", 95), ("105%", 1.05), ("-5%", -0.05), (1.5, 1.5)])
def test_rate_above_one_or_negative_is_an_error_not_a_percent(raw, actual):
    found = the_error(rate(raw))
    assert (found.rule, found.clause, found.where.field, found.allowed) == ("比率范围", "gaojing-2024 附件1 第3行",
                                                                           "处置率", "0–1")
    assert found.actual == pytest.approx(actual)


@pytest.mark.parametrize("raw", ["%", "95%%", "abc%", "九成五", True])
def test_rate_that_is_not_a_number_is_an_error(raw):
    assert the_error(rate(raw)).rule == "输入格式"


# --- read_choice ------------------------------------------------------------------------------

def post(raw, **kw):
    return read_choice(raw, POST, POSTS, rule="岗位", clause="jingan 五(二)", **kw)


@pytest.mark.parametrize("raw, expected", [("书记", "书记"), (" 书记 ", "书记"), ("书 记", "书记"), ("其\u3000他", "其他"),
                                           ("书记兼主任", "书记兼主任")])
def test_choice_read_give_or_take_spaces_and_width(raw, expected):
    assert post(raw).value == expected and post(raw).findings == ()


@pytest.mark.parametrize("raw", ["副书记", "书记、主任", 1, "Secretary"])
def test_choice_not_in_the_list_is_an_error_listing_the_choices(raw):
    found = the_error(post(raw))
    assert (found.rule, found.clause, found.where.field) == ("岗位", "jingan 五(二)", "岗位")
    assert found.allowed == "书记、主任、书记兼主任、其他" and found.actual == raw
    assert str(raw) in found.message and "书记、主任、书记兼主任、其他" in found.message


def test_blank_choice_required_or_not():
    assert "未填岗位" in the_error(post("  ")).message
    assert post(None, required=False).findings == ()


# --- read_rating ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, score_, tier, typed", [
    ("９０", 90, "A", None),
    ("90分", 90, "A", None),
    (90, 90, "A", None),
    (89.5, 89.5, "B", None),  # a decimal goes by the next band's floor: 89.5 < 90 is B
    ("a 92", 92, "A", "A"),
    ("A档92分", 92, "A", "A"),
    ("Ａ９２", 92, "A", "A"),
    ("Ａ档９２分", 92, "A", "A"),
    (" B 75 ", 75, "B", "B"),
    ("c,65", 65, "C", "C"),
    ("D 0", 0, "D", "D"),
    ("59.5", 59.5, "D", None),
])
def test_rating_read_as_typed(bands, raw, score_, tier, typed):
    read = read_rating(raw, CELL, bands)
    assert read.findings == ()
    assert (read.value.score, read.value.tier, read.value.typed_tier) == (score_, tier, typed)


def test_rating_whose_tier_disagrees_keeps_both_for_the_form_check(bands):
    rating = read_rating("A 85", CELL, bands).value  # the form (not the cell) is void: jingan 五
    assert (rating.score, rating.tier, rating.typed_tier, rating.agrees) == (85, "B", "A", False)


@pytest.mark.parametrize("raw", ["A档", "a", " Ｂ档 "])
def test_rating_with_a_tier_alone_is_an_error(bands, raw):
    found = the_error(read_rating(raw, CELL, bands))
    assert (found.rule, found.clause, found.where.field) == ("测评分值", "jingan 五", "春晖")
    assert "只填了档次，未填分值" in found.message and "第3号表" in found.message


@pytest.mark.parametrize("raw, shown", [("九十", "“九十”"), ("90-95", "“90-95”"), ("A/B 90", "“A/B 90”"),
                                        ("92A", "“92A”"), ("AB 90", "“AB 90”"), (True, "True")])
def test_rating_that_cannot_be_read_is_an_error_naming_the_value(bands, raw, shown):
    found = the_error(read_rating(raw, CELL, bands))
    assert (found.rule, found.where.field, found.actual) == ("输入格式", "春晖", raw)
    assert shown in found.message and "读不出分值" in found.message


def test_rating_with_an_unknown_tier_is_an_error(bands):
    found = the_error(read_rating("E 50", CELL, bands))
    assert (found.rule, found.allowed) == ("测评档次", "A/B/C/D")


@pytest.mark.parametrize("raw", [101, -1, "100.5", "A 120"])
def test_rating_out_of_range_is_an_error(bands, raw):
    found = the_error(read_rating(raw, CELL, bands))
    assert (found.rule, found.allowed) == ("测评分值", "0–100")


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_blank_rating_is_no_rating_without_finding(bands, raw):
    read = read_rating(raw, CELL, bands)
    assert (read.value, read.findings) == (None, ())


def test_rating_with_a_decimal_comma_is_an_error_not_85(bands):
    assert the_error(read_rating("8,5", CELL, bands)).where.field == "春晖"
