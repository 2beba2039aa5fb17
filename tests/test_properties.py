"""Properties that hold for every input (hypothesis): caps, monotonicity, reading, grade order.

DOMAIN §6: a cap is never exceeded by the proposed grades (ties across the cap all go down);
bad input never becomes a number silently; and a better score is never a worse grade.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaohe import engine
from kaohe.findings import Severity, Where
from kaohe.reading import is_blank, read_rating
from kaohe.rules.grading import caps_for, propose
from tests.test_params import gaojing_area, jingan_area

# the engine's first calls (scheme build, numpy) are slow: no per-example deadline
patient = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# (scheme, pool, area grade for 其他人员): every grading pool of both schemes
POOLS = [("jingan", "居民区", None), ("jingan", "书记主任", None), ("jingan", "其他人员", "优秀"),
         ("jingan", "其他人员", "一般"), ("gaojing-2024", "居民区", None)]
# Scores with many ties, on and around every floor (60, 70) and tier line (90).
SCORES = st.lists(st.one_of(st.sampled_from([59.99, 60, 65, 69.99, 70, 80, 90, 95, 100]),
                            st.floats(min_value=0, max_value=110, allow_nan=False)), max_size=40)
RATING = st.floats(min_value=0, max_value=100, allow_nan=False)


def proposal(scheme_id, pool, area_grade, scores):
    s = engine.scheme(scheme_id)
    ladder, caps = engine.pool_ladder(s, pool, len(scores), area_grade).value
    grades, _ = propose(np.array(scores, dtype=float), [f"第{i + 1}个" for i in range(len(scores))], ladder, caps,
                        pool)
    return ladder, caps, grades


# --- (1) caps ---------------------------------------------------------------------------------

@patient
@given(pool=st.sampled_from(POOLS), scores=SCORES)
def test_no_capped_grade_is_given_beyond_its_cap(pool, scores):
    _, caps, grades = proposal(*pool, scores)
    assert caps, "every pool has at least one capped grade"
    for name, cap in caps.items():
        assert grades.count(name) <= cap


@patient
@given(pool=st.sampled_from(POOLS), scores=SCORES)
def test_no_one_below_a_grades_floor_gets_it(pool, scores):
    ladder, _, grades = proposal(*pool, scores)
    floors = {step.name: step.min_score for step in ladder.steps}
    assert all(floors[g] is None or x >= floors[g] for x, g in zip(scores, grades))


@patient
@given(scheme_id=st.sampled_from(["jingan", "gaojing-2024"]), n=st.integers(0, 60))
def test_area_caps_are_the_schemes_shares_floored(scheme_id, n):
    s = engine.scheme(scheme_id)
    ladder = s.area_ladder if scheme_id == "jingan" else s.ladder
    # jingan 六(一): 优秀 ≤ 20%, 良好 ≤ 20%; gaojing-2024 五(一): 优秀 ≤ 30% and ≤ 9 (floor, [default])
    expected = ({"优秀": n * 20 // 100, "良好": n * 20 // 100} if scheme_id == "jingan"
                else {"优秀": min(n * 30 // 100, 9)})
    assert caps_for(ladder, n) == expected
    assert engine.pool_ladder(s, "居民区", n).value[1] == expected


# --- (2) monotonicity -------------------------------------------------------------------------

AREA_RATINGS = ("街道考评", "居民区互评", "党员群众测评")
CHANNELS = ("座谈会得分", "第三方得分", "社区通上半年得分", "社区通下半年得分")


def jingan_total(area):
    return engine.calculate(engine.scheme("jingan"), {"居民区": [area]})["居民区"].value(area["居民区"], "总分")


@patient
@given(data=st.data(), base=st.fixed_dictionaries({f: RATING for f in AREA_RATINGS}),
       field=st.sampled_from(AREA_RATINGS), bonus=st.sampled_from([None, 0, 1, 3, 6]))
def test_raising_a_jingan_area_rating_never_lowers_its_total(data, base, field, bonus):
    raised = data.draw(st.floats(min_value=base[field], max_value=100), label="raised")
    before = jingan_total(jingan_area(**base, 加分=bonus))
    after = jingan_total(jingan_area(**{**base, field: raised}, 加分=bonus))
    assert before is not None and after >= before


def staff_row(name, post, leaders=80.0, internal=80.0, members=80.0):
    return {"姓名": name, "居民区": "春晖", "岗位": post, "人员类别": "社区工作者",
            "书记主任考评": leaders if post == "其他" else None, "内部互评": internal, "党员群众测评": members,
            "应参加人数": 10, "实际参加人数": 9, "奖金基数": 10000}


def staff_score(area_street, person):
    tables = {"居民区": [jingan_area(street=area_street)], "工作人员": [person, staff_row("王五", "主任")]}
    return engine.calculate(engine.scheme("jingan"), tables)["工作人员"].value(person["姓名"], "得分")


STAFF_FIELDS = {"书记": ("internal", "members", "area"), "其他": ("leaders", "internal", "members", "area")}


@patient
@given(data=st.data(), post=st.sampled_from(["书记", "其他"]), base=st.fixed_dictionaries(
    {"leaders": RATING, "internal": RATING, "members": RATING, "area": RATING}))
def test_raising_any_input_of_a_jingan_staff_member_never_lowers_the_score(data, post, base):
    field = data.draw(st.sampled_from(STAFF_FIELDS[post]), label="field")
    up = {**base, field: data.draw(st.floats(min_value=base[field], max_value=100), label="raised")}

    def score_of(v):
        return staff_score(v["area"], staff_row("张三", post, v["leaders"], v["internal"], v["members"]))

    before, after = score_of(base), score_of(up)
    assert before is not None and after >= before


def gaojing_results(row):
    table = engine.calculate(engine.scheme("gaojing-2024"), {"居民区": [row, gaojing_area("和平", 处置率=0.5)]})["居民区"]
    return table.value(row["居民区"], "群众满意度"), table.value(row["居民区"], "总分")


@patient
@given(data=st.data(), base=st.fixed_dictionaries({c: RATING for c in CHANNELS}),
       channel=st.sampled_from(CHANNELS), unvisited=st.integers(0, 10))
def test_raising_a_gaojing_channel_never_lowers_satisfaction_or_total(data, base, channel, unvisited):
    raised = data.draw(st.floats(min_value=base[channel], max_value=100), label="raised")
    sat_before, total_before = gaojing_results(gaojing_area(**base, 未真实走访户数=unvisited))
    sat_after, total_after = gaojing_results(gaojing_area(**{**base, channel: raised}, 未真实走访户数=unvisited))
    assert sat_before is not None and total_before is not None
    assert sat_after >= sat_before and total_after >= total_before


# --- (3) every rating cell reads or errs ------------------------------------------------------

ALPHABET = "0123456789０１２３４５６７８９ABCDabcdＡＢａｂ档分 \u3000.,，。、:;/-+%％"
CELLS = st.one_of(
    st.text(alphabet=ALPHABET, max_size=10),
    st.floats(),
    st.integers(-1000, 1000),
    st.builds("{}{}{}{}".format, st.sampled_from(["", "A", "b", "Ｃ", "d", "A档", "c档"]),
              st.sampled_from(["", " ", ",", "，", "/", ":"]),
              st.floats(min_value=-10, max_value=120, allow_nan=False).map(lambda x: f"{x:.2f}".rstrip("0")),
              st.sampled_from(["", "分", " 分", "%"])),
)


def band(score):
    return "A" if score >= 90 else "B" if score >= 70 else "C" if score >= 60 else "D"


@patient
@given(raw=CELLS)
def test_a_rating_cell_reads_to_a_banded_score_or_gives_an_error(raw):
    read = read_rating(raw, Where("居民区互评", "第1号表", "春晖"), engine.scheme("jingan").forms.bands)
    errors = [f for f in read.findings if f.severity is Severity.ERROR]
    if read.value is not None:
        assert errors == []
        assert 0 <= read.value.score <= 100 and math.isfinite(read.value.score)
        assert read.value.tier == band(read.value.score)
    elif is_blank(raw):
        assert read.findings == ()
    else:
        assert errors and all(f.where.field == "春晖" for f in errors)


# --- (4) a better score is never a worse grade -----------------------------------------------

@patient
@given(pool=st.sampled_from(POOLS), scores=SCORES)
def test_a_higher_score_never_gets_a_worse_proposed_grade(pool, scores):
    ladder, _, grades = proposal(*pool, scores)
    rank = {name: i for i, name in enumerate(ladder.names)}  # 0 = best
    for x, gx in zip(scores, grades):
        for y, gy in zip(scores, grades):
            assert not (x > y and rank[gx] > rank[gy]), f"{x} got {gx} but {y} got {gy}"
