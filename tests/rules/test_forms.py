"""Rating forms (测评表): jingan 五 second paragraph, DOMAIN 1.4.

"对被考对象按A、B、C、D四个档次进行评价，并填写相应分值。其中，A档对应分值为90-100分，B档对应分值为
70-89分，C档对应分值为60-69分，D档对应分值为59分以下。同类被考对象中，评价为A档的比例不超过20%。"
Defaults (DOMAIN 1.4): D = 0–59 with decimals; a decimal between two bands belongs to the lower band
(89.5 is B); the A cap is max(1, floor(20% × n)) per class on one form,
n leaving out the rater's own row; a form over the cap or with a tier
that disagrees with its score is void; a tier with no score is an error.
"""

from __future__ import annotations

import dataclasses

import pytest

from kaohe import engine
from kaohe.rules.forms import Form, FormRules, tally

RULES: FormRules = engine.scheme("jingan").forms


# --- builders -----------------------------------------------------------------------------------

def targets(n, cls="居民区", prefix="居"):
    """n targets of one class, named 居1 … 居n."""
    return {f"{prefix}{i}": cls for i in range(1, n + 1)}


def form(number, ratings, rater=""):
    return Form(str(number), ratings, rater)


def run(forms, classes, session="居民区互评"):
    return tally(session, forms, classes, RULES)


def found(result, rule, severity=None):
    return [f for f in result.findings if f.rule == rule and (severity is None or f.severity == severity)]


def one_cell(cell, n=5):
    """A form rating only 居1, among n targets of one class (n = 5: one A allowed)."""
    return run([form(1, {"居1": cell})], targets(n))


# --- the built rules ------------------------------------------------------------------------------

def test_rules_read_off_the_scheme():
    # jingan 五: A 90–100, B 70–89, C 60–69, D 59分以下 (0–59); A ≤ 20% of one class
    assert [(b.tier, b.low) for b in RULES.bands.bands] == [("A", 90), ("B", 70), ("C", 60), ("D", 0)]
    assert RULES.bands.top == 100
    assert RULES.a_share == pytest.approx(0.20)
    assert (RULES.rounding, RULES.over_quota, RULES.mismatch) == ("floor", "void", "void")


# --- tier bands -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "score"), [
    ("A 100", 100),  # A 90–100, top
    ("A 90", 90),  # A, bottom
    ("B 89.5", 89.5),  # between B's 89 and A's 90: the lower band [default]
    ("B 89", 89),  # B 70–89, top
    ("B 70", 70),  # B, bottom
    ("C 69.5", 69.5),  # between C's 69 and B's 70: C
    ("C 69", 69),  # C 60–69, top
    ("C 60", 60),  # C, bottom
    ("D 59.5", 59.5),  # D “59分以下”, decimals allowed [default]
    ("D 59", 59),  # D, top
    ("D 0", 0),  # D, bottom
])
def test_tier_agreeing_with_its_score_is_valid(cell, score):
    result = one_cell(cell)
    assert result.valid_forms == 1 and result.void_forms == 0
    assert result.means["居1"] == pytest.approx(score)
    assert not found(result, "档次分值不符")


@pytest.mark.parametrize("cell", [
    "A 89",  # 89 is B
    "A 89.5",  # 89.5 is B
    "A 85",  # the document's own example of a mismatch (DOMAIN 1.4)
    "B 90",  # 90 is A
    "B 69",  # 69 is C
    "C 70",  # 70 is B
    "C 59",  # 59 is D
    "D 60",  # 60 is C
])
def test_tier_disagreeing_with_its_score_voids_the_form(cell):
    result = one_cell(cell)
    assert result.void_forms == 1 and result.valid_forms == 0
    assert result.means["居1"] is None  # the only form is void: no score
    assert found(result, "档次分值不符")
    assert found(result, "无有效测评", "error")


def test_a_mismatch_voids_the_whole_form_for_every_target():
    forms = [form(1, {"居1": "A 85", "居2": "B 80"}), form(2, {"居2": "B 70"})]
    result = run(forms, targets(5))
    # form 1 is void (A with 85): 居2's mean is form 2 alone = 70
    assert result.means["居2"] == pytest.approx(70)
    assert result.counts["居2"] == 1
    assert (result.valid_forms, result.void_forms) == (1, 1)


@pytest.mark.parametrize(("cell", "score"), [("92", 92), ("Ａ９２", 92), ("a 92", 92), ("A档92分", 92)])
def test_ratings_read_as_clerks_type_them(cell, score):
    # DOMAIN 1.4: a score alone is allowed; DOMAIN §6: full-width, lower case, "A档…分" are read
    assert one_cell(cell).means["居1"] == pytest.approx(score)


def test_a_score_alone_counts_as_its_tier_for_the_quota():
    # 92 and 95 are A by the bands: 2 A of 5 > floor(20% × 5) = 1 → void
    result = run([form(1, {"居1": "92", "居2": "95"})], targets(5))
    assert result.void_forms == 1
    assert found(result, "A档比例")


# --- A-quota per class on one form -----------------------------------------------------------------

def test_four_targets_still_allow_one_a():
    # DOMAIN 1.4 [default]: cap = max(form_quota_min = 1, floor(20% × 4) = floor(0.8) = 0) = 1
    one_a = form(1, {"居1": "A 95", "居2": "B 80"})
    two_a = form(2, {"居1": "A 91", "居2": "A 93"})  # 2 A > 1: void
    result = run([one_a, two_a], targets(4))
    assert (result.valid_forms, result.void_forms) == (1, 1)
    assert result.means == {"居1": 95, "居2": 80, "居3": None, "居4": None}
    assert not [f for f in found(result, "A档比例") if f.where.key == "居民区"]  # no parameter warning


def test_a_form_quota_minimum_of_0_gives_the_parameter_warning():
    rules = dataclasses.replace(RULES, quota_min=0)
    result = tally("居民区互评", [form(1, {"居1": "A 95", "居2": "B 80"}), form(2, {"居1": "B 85", "居2": "B 75"})],
                   targets(4), rules)
    # max(0, floor(0.8) = 0) = 0: the one A voids form 1; means from form 2 alone
    assert (result.valid_forms, result.void_forms) == (1, 1)
    assert result.means == {"居1": 85, "居2": 75, "居3": None, "居4": None}
    [note] = [f for f in found(result, "A档比例", "warning") if f.where.key == "居民区"]
    assert note.allowed == 0 and note.actual == 4  # the parameter warning (DOMAIN 1.4)


@pytest.mark.parametrize(("n", "a_count", "void"), [
    (1, 1, False),  # max(1, floor(0.2)) = 1: the one area of a 党员群众测评 form may be A
    (2, 1, False),  # the 书记/主任 pair: max(1, floor(0.4)) = 1
    (2, 2, True),
    (4, 1, False),  # max(1, floor(0.8)) = 1
    (4, 2, True),
    (5, 1, False),  # floor(20% × 5) = 1
    (5, 2, True),
    (6, 1, False),  # floor(20% × 6) = floor(1.2) = 1
    (6, 2, True),
    (10, 2, False),  # floor(20% × 10) = 2
    (10, 3, True),
    (15, 3, False),  # floor(20% × 15) = 3
    (15, 4, True),
])
def test_a_quota(n, a_count, void):
    ratings = {f"居{i}": ("A 95" if i <= a_count else "B 80") for i in range(1, n + 1)}
    result = run([form(1, ratings)], targets(n))
    assert result.void_forms == int(void)
    assert bool(found(result, "A档比例")) == void
    if void:
        [over] = found(result, "A档比例")
        assert (over.allowed, over.actual) == (max(1, n // 5), a_count)


def test_a_quota_counts_each_class_separately():
    classes = {**targets(5, "居民区", "居"), **targets(5, "书记主任", "人")}
    one_each = form(1, {"居1": "A 95", "人1": "A 95"})
    two_areas = form(2, {"居1": "A 95", "居2": "A 92"})
    result = run([one_each, two_areas], classes)
    # one A per class of 5 is within floor(20% × 5) = 1 each → form 1 valid;
    # two A among the 5 areas is over their cap of 1 (though 2 ≤ floor(20% × 10) = 2 if pooled) → void
    assert (result.valid_forms, result.void_forms) == (1, 1)
    assert result.means["居1"] == pytest.approx(95)
    assert result.means["居2"] is None


# --- self-rating, mean ----------------------------------------------------------------------------

def test_self_rating_is_left_out_and_flagged():
    forms = [form(1, {"居1": "A 95", "居2": "B 80"}, rater="居1"), form(2, {"居1": "B 85"}, rater="居2")]
    result = run(forms, targets(5))
    # DOMAIN 1.4: 居1's own 95 is excluded → mean 85 from 居2's form; form 1 still counts for 居2
    assert result.means["居1"] == pytest.approx(85)
    assert result.counts["居1"] == 1
    assert result.means["居2"] == pytest.approx(80)
    [own] = found(result, "自评", "warning")
    assert own.where.field == "居1"


def test_ten_areas_a_mutual_form_rates_nine_so_one_a():
    # DOMAIN 1.4: 居1 rates the 9 others; floor(20% × 9) = floor(1.8) = 1 A (not floor(20% × 10) = 2)
    result = run([form(1, {"居2": "A 95", "居3": "A 92", "居4": "B 80"}, rater="居1")], targets(10))
    assert result.void_forms == 1
    [over] = found(result, "A档比例")
    assert (over.allowed, over.actual) == (1, 2)


def test_ten_areas_the_self_rating_a_is_not_counted():
    # 居1 rates itself A (left out, flagged) and 居2 A: one A of n = 9 ≤ 1 → valid
    result = run([form(1, {"居1": "A 99", "居2": "A 95"}, rater="居1")], targets(10))
    assert (result.valid_forms, result.void_forms) == (1, 0)
    assert result.means["居2"] == pytest.approx(95)
    assert found(result, "自评") and not found(result, "A档比例")


def test_ten_targets_without_a_known_rater_allow_two():
    # no rater named: n = 10, floor(2.0) = 2
    result = run([form(1, {"居2": "A 95", "居3": "A 92"})], targets(10))
    assert result.void_forms == 0


def test_form_quota_has_its_own_rounding():
    rules = dataclasses.replace(RULES, rounding="round_half_up")
    # n = 9 (rater 居1 left out): round_half_up(1.8) = 2 → two A keep the form
    result = tally("居民区互评", [form(1, {"居2": "A 95", "居3": "A 92"}, rater="居1")], targets(10), rules)
    assert result.void_forms == 0
    assert engine.scheme("jingan").area_ladder.rounding == "floor"  # the grade caps keep theirs


def test_mean_of_the_valid_forms():
    forms = [form(1, {"居1": "A 92"}), form(2, {"居1": "B 81"}), form(3, {"居1": "C 67"}),
             form(4, {"居1": "A 95", "居2": "A 99"})]  # form 4: 2 A of 5 → void
    result = run(forms, targets(5))
    # jingan 五: (92 + 81 + 67) / 3 = 240 / 3 = 80; form 4 excluded
    assert result.means["居1"] == pytest.approx(80)
    assert result.counts["居1"] == 3
    assert (result.valid_forms, result.void_forms) == (3, 1)


# --- unreadable cells ------------------------------------------------------------------------------

def test_text_score_blocks_that_targets_mean():
    forms = [form(1, {"居1": "九十", "居2": "B 80"}), form(2, {"居1": "B 80", "居2": "B 70"})]
    result = run(forms, targets(5))
    # DOMAIN §6: never a guessed number: 居1 has no mean; 居2 is unaffected: (80 + 70) / 2 = 75
    assert result.means["居1"] is None
    assert result.means["居2"] == pytest.approx(75)
    [bad] = found(result, "输入格式", "error")
    assert bad.where.field == "居1"


def test_tier_without_score_is_an_error():
    result = run([form(1, {"居1": "A"}), form(2, {"居1": "B 80"})], targets(5))
    # DOMAIN 1.4 [default]: 只填了档次，未填分值 → error, 居1 has no mean
    assert result.means["居1"] is None
    [bad] = [f for f in result.findings if "只填了档次，未填分值" in f.message]
    assert bad.severity == "error"


@pytest.mark.parametrize("cell", ["E 50", "105", "-1"])
def test_out_of_range_or_unknown_tier_is_an_error(cell):
    result = one_cell(cell)
    assert result.means["居1"] is None
    assert any(f.severity == "error" and f.where.field == "居1" for f in result.findings)


def test_rating_for_someone_not_on_the_list_is_an_error():
    result = run([form(1, {"居9": "B 80", "居1": "B 80"})], targets(5))
    [bad] = found(result, "测评对象", "error")
    assert bad.where.field == "居9"
    assert result.means["居1"] == pytest.approx(80)
