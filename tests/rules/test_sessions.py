"""Rating sessions typed form by form into 测评表, tallied into the input columns (jingan 五, DOMAIN 1.4)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kaohe import engine
from kaohe.params import Params, SchemeError, load, with_overrides


def rating(session, area, number, target, value, rater=None):
    return {"测评": session, "居民区": area, "表号": number, "评分人": rater, "对象": target, "评分": value}


def area(name, mutual=80, members=None):
    return {"居民区": name, "街道考评": 90, "居民区互评": mutual, "党员群众测评": members, "应参加人数": 50,
            "实际参加人数": 45}


def staff(name, area_name, post="其他"):
    return {"姓名": name, "居民区": area_name, "岗位": post, "人员类别": "社区工作者", "书记主任考评": 80, "内部互评": 80,
            "党员群众测评": None, "应参加人数": 20, "实际参加人数": 18, "奖金基数": 10000}


def calc(s, areas, people, forms):
    tables = engine.calculate(s, {"居民区": areas, "工作人员": people, "测评表": forms})
    return tables["居民区"], tables["工作人员"]


@pytest.fixture
def jingan():
    return engine.scheme("jingan")


def test_the_members_session_feeds_the_area_and_its_staff(jingan):
    # 党员群众测评 of area A, held with its staff (jingan 五(二)(2)): 书记 甲 and 主任 丙 (one class of 2), other 乙.
    # DOMAIN 1.4: cap = max(1, floor(20% × 2) = 0) = 1 A per class per form.
    forms = [rating("党员群众测评", "A", 1, "A", "B 85"), rating("党员群众测评", "A", 1, "甲", "B 80"),
             rating("党员群众测评", "A", 1, "丙", "A 90"), rating("党员群众测评", "A", 1, "乙", 75),  # one A: allowed
             rating("党员群众测评", "A", 2, "A", "B 88"), rating("党员群众测评", "A", 2, "甲", "A 95"),
             rating("党员群众测评", "A", 2, "丙", "A 92"),  # two A of the pair: void
             rating("党员群众测评", "A", 3, "A", "C 65"), rating("党员群众测评", "A", 3, "甲", "B 70"),
             rating("党员群众测评", "A", 3, "丙", "B 70"), rating("党员群众测评", "A", 3, "乙", "B 80")]
    areas, people = calc(jingan, [area("A")], [staff("甲", "A", "书记"), staff("丙", "A", "主任"), staff("乙", "A")],
                         forms)
    # valid forms 1 and 3: A (85 + 65)/2 = 75; 甲 (80 + 70)/2 = 75; 丙 (90 + 70)/2 = 80; 乙 (75 + 80)/2 = 77.5
    # 总分 (五(一)) = 0.5×90 + 0.1×80 + 0.4×75 = 45 + 8 + 30 = 83
    assert areas.value("A", "总分") == pytest.approx(83)
    # 甲 (五(二)) = 0.5×83 + 0.1×80 + 0.4×75 = 41.5 + 8 + 30 = 79.5
    assert people.value("甲", "得分") == pytest.approx(79.5)
    # 丙 = 41.5 + 8 + 0.4×80 = 81.5
    assert people.value("丙", "得分") == pytest.approx(81.5)
    # 乙 (五(三)) = 0.3×83 + 0.2×80 + 0.1×80 + 0.4×77.5 = 24.9 + 16 + 8 + 31 = 79.9
    assert people.value("乙", "得分") == pytest.approx(79.9)
    # the over-quota finding names form 2 and points at its first row in 测评表 (the 5th record), 表号 column
    [over] = [f for f in areas.findings if f.rule == "A档比例" and "第2号表" in f.message]
    assert (over.where.table, over.where.key, over.where.field) == ("测评表", "第5条", "表号")


def test_mutual_rating_leaves_out_the_self_rating_and_voids_an_over_quota_form(jingan):
    # 五(一)2: five areas rate each other; each form rates 4 others: max(1, floor(20% × 4)) = 1 A per form
    names = ["A", "B", "C", "D", "E"]
    forms = [rating("居民区互评", "A", 1, t, v) for t, v in zip(names, ["A 99", "B 80", "B 70", "C 60", "B 88"])]
    forms += [rating("居民区互评", "B", 1, t, v) for t, v in zip(names, ["A 91", 85, "A 92", "C 65", 75])]  # 2 A: void
    forms += [rating("居民区互评", "C", 1, t, v) for t, v in zip(names, [86, "A 90", 95, 70, 72])]
    areas, _ = calc(jingan, [area(n, mutual=None, members=80) for n in names], [], forms)
    # valid: A's form (A's self-rating left out) and C's (C's self-rating left out)
    # A: C's 86 → 86; B: A's 80, C's 90 → 85; C: A's 70 → 70; D: (60 + 70)/2 = 65; E: (88 + 72)/2 = 80
    # 总分 = 0.5×90 + 0.1×互评 + 0.4×80 = 77 + 0.1×互评
    for name, mutual in {"A": 86, "B": 85, "C": 70, "D": 65, "E": 80}.items():
        assert areas.value(name, "总分") == pytest.approx(77 + 0.1 * mutual), name
    # every form rated its own area, the void one (B's) too: three self-ratings flagged
    assert sum(1 for f in areas.findings if f.rule == "自评") == 3


def test_a_typed_value_is_kept_and_a_different_tally_is_flagged(jingan):
    # tally (80 + 88)/2 = 84 (both B: a lone area allows no A rating, floor(20% × 1) = 0)
    forms = [rating("党员群众测评", "A", 1, "A", 80), rating("党员群众测评", "A", 2, "A", 88)]
    areas, _ = calc(jingan, [area("A", members=70)], [], forms)
    # 五(一): 0.5×90 + 0.1×80 + 0.4×70 = 45 + 8 + 28 = 81 (the typed 70 counts)
    assert areas.value("A", "总分") == pytest.approx(81)
    [note] = [f for f in areas.findings if f.rule == "测评表" and f.where.field == "党员群众测评"]
    assert note.severity.value == "warning" and note.allowed == 84 and note.actual == 70


@pytest.mark.parametrize("bad, says", [
    (rating("测评X", "A", 1, "A", 80), "测评"),
    (rating("党员群众测评", "Z", 1, "A", 80), "不在居民区表中"),
    (rating("党员群众测评", "A", None, "A", 80), "未填表号"),
])
def test_a_row_that_cannot_be_placed_is_an_error(jingan, bad, says):
    areas, _ = calc(jingan, [area("A", members=80)], [], [bad])
    assert any(f.is_error and says in f.message for f in areas.findings)


def test_the_same_target_twice_on_one_form_is_an_error(jingan):
    forms = [rating("党员群众测评", "A", 1, "A", 80), rating("党员群众测评", "A", 1, "A", 82)]
    areas, _ = calc(jingan, [area("A")], [], forms)
    assert any(f.is_error and "不止一次" in f.message for f in areas.findings)


def test_a_form_numbered_true_is_not_form_1(jingan):
    # Python counts TRUE equal to 1: a 表号 typed TRUE (a stray checkbox cell) is its own form, not form 1
    forms = [rating("党员群众测评", "A", 1, "A", 80), rating("党员群众测评", "A", True, "A", 88)]
    areas, _ = calc(jingan, [area("A")], [], forms)
    assert not any("不止一次" in f.message for f in areas.findings)
    # two forms (both B: a lone area allows no A): (80 + 88) / 2 = 84; 总分 = 0.5×90 + 0.1×80 + 0.4×84 = 86.6
    assert areas.value("A", "总分") == pytest.approx(86.6)


def test_internal_forms_by_the_secretary_or_director_do_not_rate_other_staff(jingan):
    # jingan 五(三)(2): other staff rate each other "(居民区党组织书记、居委会主任除外)" — the 书记/主任's view of
    # them is the 20% 书记主任考评 (五(三)(1)); 五(二)(1): "所有工作人员" still rate the 书记 and the 主任.
    team = [staff("甲", "A", "书记"), staff("丙", "A", "主任"), staff("乙", "A"), staff("丁", "A")]
    forms = [rating("内部互评", "A", 1, "丙", 80, rater="甲"), rating("内部互评", "A", 1, "乙", 90, rater="甲"),
             rating("内部互评", "A", 1, "丁", 60, rater="甲"),
             rating("内部互评", "A", 2, "甲", 70, rater="乙"), rating("内部互评", "A", 2, "丙", 90, rater="乙"),
             rating("内部互评", "A", 2, "丁", 70, rater="乙"),
             rating("内部互评", "A", 3, "甲", 80, rater="丁"), rating("内部互评", "A", 3, "乙", 80, rater="丁")]
    tallied = engine.tally_forms(jingan, forms, [area("A")], team)
    means = {key: mean for (sheet, key, column), mean in tallied.means.items() if column == "内部互评"}
    # 甲 (书记): forms 2, 3 → (70 + 80)/2 = 75; 丙 (主任): forms 1 (by 甲, counted), 2 → (80 + 90)/2 = 85
    # 乙: form 3 only → 80 (甲's 90 not counted; with it, 85); 丁: form 2 only → 70 (甲's 60 not counted)
    assert means == pytest.approx({"甲": 75, "丙": 85, "乙": 80, "丁": 70})
    [note] = [f for f in tallied.findings if f.rule == "内部互评"]
    assert note.severity == "info" and "甲" in note.message
    assert note.where.key == "第2条"  # the first rating not counted: 甲 rating 乙


@pytest.mark.parametrize(("actual", "severity"), [(2, "error"), (3, None), (4, "warning")])
def test_members_forms_against_the_turnout(jingan, actual, severity):
    # DOMAIN 1.4: 3 forms (表号 1–3) typed for A's 党员群众测评. 实际参加人数 2: more papers than people → error;
    # 3: as many as people → nothing; 4: one paper not typed? → warning.
    forms = [rating("党员群众测评", "A", n, "A", "B 80") for n in (1, 2, 3)]
    row = {**area("A", members=None), "应参加人数": 4, "实际参加人数": actual}  # 2/4 = 50% is also a turnout error
    areas, _ = calc(jingan, [row], [], forms)
    counted = [f for f in areas.findings if f.rule == "测评表份数"]
    assert [f.severity for f in counted] == ([severity] if severity else [])
    if counted:
        assert (counted[0].allowed, counted[0].actual) == ((f"≤{actual}" if actual < 3 else actual), 3)
        assert counted[0].where.table == "测评表"


def test_forms_of_two_namesakes_feed_each_their_own_row(jingan):
    # DOMAIN §6: a 王芳 in A and a 王芳 in B; each area's 书记主任考评 form rates its own 王芳
    team = [staff("甲", "A", "书记"), staff("王芳", "A"), staff("乙", "B", "书记"), staff("王芳", "B")]
    for p in team:
        p["书记主任考评"], p["党员群众测评"] = None, 80
    forms = [rating("书记主任考评", "A", 1, "王芳", 80, rater="甲"), rating("书记主任考评", "B", 1, "王芳", 60, rater="乙")]
    _, people = calc(jingan, [area("A", members=80), area("B", members=80)], team, forms)
    tallied = engine.tally_forms(jingan, forms, [area("A"), area("B")], team)
    assert tallied.means[("工作人员", "A·王芳", "书记主任考评")] == 80
    assert tallied.means[("工作人员", "B·王芳", "书记主任考评")] == 60
    assert not [f for f in people.findings if f.rule == "名称重复"]
    # 总分 A = B = 0.5×90 + 0.1×80 + 0.4×80 = 85 (五(一)); 王芳 (五(三)) = 0.3×85 + 0.2×考评 + 0.1×80 + 0.4×80
    assert people.value("A·王芳", "得分") == pytest.approx(25.5 + 16 + 8 + 32)  # 81.5
    assert people.value("B·王芳", "得分") == pytest.approx(25.5 + 12 + 8 + 32)  # 77.5


def test_combined_codes_tell_combinations_apart_even_past_int64():
    """Four columns whose mixed radix overflows 2**62 (4 × 10**7 × 10**7 × 10**7 ≈ 4e21): compressed on the way,
    and rows are equal exactly when every column is (one sort, never a wrapped multiplication)."""
    import numpy as np

    from kaohe.rules.sessions import _combined

    rng = np.random.default_rng(7)
    columns = [rng.integers(-1, 3, 5000), *(rng.integers(0, 10**7, 5000) for _ in range(3))]
    columns = [np.concatenate([c, c[:500]]) for c in columns]  # rows 5000… repeat rows 0…499
    key = _combined(*columns)
    rows = list(zip(*(c.tolist() for c in columns)))
    assert (key[5000:] == key[:500]).all()
    assert len(set(key.tolist())) == len(set(rows))  # as many keys as distinct rows: none merged by overflow
    assert key.min() >= 0


# --- each session's clause and form are leaves of the scheme (sessions.<id>, listed = false) ------------

def with_references(**references):
    """The jingan scheme with some leaves citing another clause, as a street's copy of the file may."""
    base = load("jingan")
    leaves = dict(base.leaves)
    for path, reference in references.items():
        leaves[path] = replace(leaves[path], reference=reference)
    return engine.build(Params(base.meta, leaves, base.source))


def test_each_session_cites_its_clause_from_its_leaf(jingan):
    # jingan 五(一)2 居民区互评; 五(一)3、五(二)(2)、五(三)(3) 党员群众测评; 五(二)(1)、五(三)(2) 内部互评; 五(三)(1) 书记主任考评
    assert {name: session.clause for name, session in jingan.sessions.items()} == {
        "居民区互评": "jingan 五(一)2", "党员群众测评": "jingan 五(一)3、五(二)(2)、五(三)(3)",
        "内部互评": "jingan 五(二)(1)、五(三)(2)", "书记主任考评": "jingan 五(三)(1)"}
    # 内部互评 "以无记名方式" (五(二)(1), 五(三)(2)); 居民区互评 unsigned by default; the other two may be signed
    assert {name for name, session in jingan.sessions.items() if session.anonymous} == {"居民区互评", "内部互评"}


def test_a_finding_about_a_session_quotes_the_leafs_reference():
    s = with_references(**{"sessions.members": "jingan 五(一)3（街道细则）"})
    forms = [rating("党员群众测评", "A", 1, "A", 80), rating("党员群众测评", "A", 1, "A", 82)]
    areas, _ = calc(s, [area("A")], [], forms)
    [twice] = [f for f in areas.findings if "不止一次" in f.message]
    assert twice.clause == "jingan 五(一)3（街道细则）"


def test_a_row_naming_no_session_cites_the_forms_clause():
    # the 测评 column's words and a row that cannot be placed: jingan 五 (the forms' clause, forms.tiers)
    s = with_references(**{"forms.tiers": "jingan 五（街道细则）"})
    areas, _ = calc(s, [area("A", members=80)], [], [rating("测评X", "A", 1, "A", 80)])
    assert [f.clause for f in areas.findings if f.is_error and f.rule == "测评"] == ["jingan 五（街道细则）"]


def test_a_session_leaf_must_be_0_or_1():
    with pytest.raises(SchemeError) as caught:
        engine.build(with_overrides(load("jingan"), {"sessions.internal": 2}, "街道方案.toml"))
    [said] = caught.value.findings
    assert said.where.key == "sessions.internal" and "应在[0, 1]内" in said.message
