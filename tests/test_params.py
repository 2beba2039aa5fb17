"""Scheme files as cited data: loading, validation findings, and the 参数 sheet round trip.

DOMAIN.md: every number carries its clause; a default ([default]) is a parameter the street may
change; a street's own scheme is a copy of a built-in file with other values, or the workbook's
参数 sheet. Anything that cannot be used is a SchemeError whose findings name the file and the key.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from kaohe import engine, params
from kaohe.params import DEFAULT_NOTE, SCHEME_DIR, Params, SchemeError, from_sheet_rows, sheet_rows, with_overrides

BUILTINS = ("jingan", "gaojing-2024")
CJK = re.compile(r"[\u4e00-\u9fff]")


# --- helpers (also used by test_properties) -------------------------------------------------

def jingan_area(name="春晖", street=80, mutual=70, members=100, eligible=10, actual=9, **more):
    """A 居民区 row of the jingan workbook; 9 of 10 took part (90% > 80%, jingan 五(一)3)."""
    return {"居民区": name, "街道考评": street, "居民区互评": mutual, "党员群众测评": members,
            "应参加人数": eligible, "实际参加人数": actual, **more}


def gaojing_area(name="春晖", **more):
    """A 居民区 row of the gaojing-2024 workbook with every turnout met."""
    row = {"居民区": name, "总户数": 1000, "党员数": 200, "加强党建引领": 12, "服务凝聚群众": 16, "维护社会和谐稳定": 8,
           "座谈会得分": 80, "座谈会户数": 60, "座谈会党员数": 25, "第三方得分": 90, "第三方户数": 60,
           "社区通上半年得分": 70, "社区通上半年户数": 450, "社区通下半年得分": 90, "社区通下半年户数": 420,
           "未真实走访户数": 2, "处置率": 0.9, "解决率": "90%", "满意率": 0.96}
    return {**row, **more}


def area_result(scheme, row, column="总分"):
    sheet = engine.sheets(scheme)[0]
    return engine.calculate(scheme, {sheet: [row]})[sheet].value(row["居民区"], column)


def street_copy(tmp_path: Path, scheme_id: str, *edits: tuple[str, str], name: str = "my-street.toml") -> Path:
    """A street's own scheme: the built-in file copied with some texts changed, each (old, new)."""
    text = (SCHEME_DIR / f"{scheme_id}.toml").read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} should occur exactly once in {scheme_id}.toml"
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def scheme_error(spec) -> SchemeError:
    with pytest.raises(SchemeError) as caught:
        engine.scheme(spec)
    return caught.value


def finding_for(error: SchemeError, key: str):
    found = [f for f in error.findings if f.where.key == key]
    assert found, f"no finding at {key!r}: {[f.message for f in error.findings]}"
    return found[0]


def edited(rows, changes: dict):
    """参数 sheet rows with some 值 cells changed (column 3, as sheet_rows writes them)."""
    out = [list(r) for r in rows]
    for r in out:
        if r[0] in changes:
            r[2] = changes[r[0]]
    assert {r[0] for r in out} >= set(changes), "every changed path is a row of the sheet"
    return out


def values(p: Params) -> dict[str, object]:
    return {path: leaf.value for path, leaf in p.leaves.items()}


# --- built-in schemes ------------------------------------------------------------------------

@pytest.mark.parametrize("scheme_id, kind", [("jingan", "jingan"), ("gaojing-2024", "gaojing")])
def test_builtin_scheme_loads_and_builds(scheme_id, kind):
    p = params.load(scheme_id)
    assert (p.meta["id"], p.kind) == (scheme_id, kind)
    assert engine.scheme(scheme_id).id == scheme_id


def _every_leaf():
    for scheme_id in BUILTINS:
        for path in params.load(scheme_id).leaves:
            yield pytest.param(scheme_id, path, id=f"{scheme_id}:{path}")


@pytest.mark.parametrize("scheme_id, path", list(_every_leaf()))
def test_leaf_cites_a_clause_of_its_own_document_with_unit_and_label(scheme_id, path):
    leaf = params.load(scheme_id).leaves[path]
    assert leaf.reference.startswith(f"{scheme_id} ") and leaf.reference[len(scheme_id) + 1:].strip()
    assert leaf.unit.strip() and leaf.label.strip()


@pytest.mark.parametrize("scheme_id, path", [
    ("jingan", "rounding.quota"),  # DOMAIN 1.4 quota_rounding
    ("jingan", "forms.over_quota"),  # 1.4 over_quota_form = void
    ("jingan", "forms.form_quota_rounding"),  # 1.4 floor, separate from the grade caps'
    ("jingan", "forms.form_quota_min"),  # 1.4 a form may always rate one A
    ("jingan", "forms.tier_mismatch"),
    ("jingan", "area.adjustments.apply_to"),  # 1.2
    ("jingan", "area.adjustments.cap_total"),
    ("jingan", "area.grades"),  # 1.6 较差 < 60
    ("jingan", "staff.grades"),  # 2.3 thresholds
    ("jingan", "money.staff"),  # 3 combination
    ("jingan", "money.excellent_reward"),  # 3 amount not given
    ("gaojing-2024", "satisfaction.online_rounds"),  # 5.2 mean of the two rounds
    ("gaojing-2024", "turnout.total_households"),  # 5.3 sum of channels
    ("gaojing-2024", "hotline.composite"),  # 5.5 mean
    ("gaojing-2024", "grades"),  # 5.7 thresholds
    ("gaojing-2024", "rounding.quota"),
    ("jingan", "forms.tiers"),  # 1.4 D = 0–59
])
def test_default_leaf_is_flagged_and_says_so_on_the_sheet(scheme_id, path):
    p = params.load(scheme_id)
    assert p.leaves[path].default
    notes = [r[5] for r in sheet_rows(p) if r[0] == path or r[0].startswith(path + ".")]
    # a scalar carries the note; a table, on its default cells (which ones: the next test)
    assert notes and any(DEFAULT_NOTE in n for n in notes)


@pytest.mark.parametrize("scheme_id, path", [
    ("jingan", "area.weights.street"),  # 50%: jingan 五(一)1
    ("jingan", "forms.a_quota_share"),  # 20%: jingan 五
    ("jingan", "turnout.min_share"),  # 80%: jingan 五(一)3
    ("jingan", "staff.excellent.others_share"),  # 15%: jingan 六(二)
    ("gaojing-2024", "satisfaction.weights.forum"),  # 20%: 四(二)2
    ("gaojing-2024", "hotline.rank_points"),  # 附件1 第3行
])
def test_numbers_given_by_the_document_are_not_flagged_as_defaults(scheme_id, path):
    p = params.load(scheme_id)
    assert not p.leaves[path].default
    assert all(DEFAULT_NOTE not in r[5] for r in sheet_rows(p) if r[0] == path or r[0].startswith(path + "."))


# --- a street's own file ------------------------------------------------------------------

STREET_W = 'value = 0.50, unit = "比例", reference = "jingan 五(一)1"'
MEMBERS_W = 'value = 0.40, unit = "比例", reference = "jingan 五(一)3"'
WEIGHTS_60_10_30 = ((STREET_W, STREET_W.replace("0.50", "0.60")), (MEMBERS_W, MEMBERS_W.replace("0.40", "0.30")))


def test_a_street_copy_with_other_weights_loads_by_path_and_scores_with_them(tmp_path):
    s = engine.scheme(street_copy(tmp_path, "jingan", *WEIGHTS_60_10_30))
    assert s.area_weights == {"street": 0.6, "mutual": 0.1, "members": 0.3}
    # 0.6×80 + 0.1×70 + 0.3×100 = 48 + 7 + 30 = 85 (the built-in 50/10/40 gives 40 + 7 + 40 = 87)
    assert area_result(s, jingan_area()) == pytest.approx(85)


# (scheme, old text, new text, key named, a word of the message)
INVALID = [
    pytest.param("jingan", '"居民区互评权重",     value = 0.10', '"居民区互评权重",     value = 0.20',
                 "area.weights", "合计为1.1", id="weights-add-to-1.1"),  # 0.5 + 0.2 + 0.4
    pytest.param("gaojing-2024", '"党员群众座谈会评议权重", value = 0.20', '"党员群众座谈会评议权重", value = 0.30',
                 "satisfaction.weights", "合计为1.1", id="channel-weights-add-to-1.1"),  # 0.3 + 0.4 + 0.4
    pytest.param("jingan", '"其他工作",     value = 4,', '"其他工作",     value = 5,',
                 "area.items", "合计为101", id="item-points-add-to-101"),  # 18+18+12×5+5
    pytest.param("gaojing-2024", '"维护社会和谐稳定",             value = 9,', '"维护社会和谐稳定",             value = 10,',
                 "items", "合计为101", id="gaojing-points-add-to-101"),  # 13+18+10+18+18+24
    pytest.param("jingan", '{ tier = "B", min = 70, max = 89 }', '{ tier = "B", min = 70, max = 90 }',
                 "forms.tiers.2.max", "重叠", id="bands-overlap-B-max-90"),
    pytest.param("jingan", '{ tier = "B", min = 70, max = 89 }', '{ tier = "B", min = 70, max = 88 }',
                 "forms.tiers.2.max", "空缺", id="bands-gap-B-max-88"),
    pytest.param("jingan", '"同类被考对象中A档比例上限", value = 0.20', '"同类被考对象中A档比例上限", value = 0',
                 "forms.a_quota_share", "(0, 1]", id="a-quota-0"),
    pytest.param("jingan", '"同类被考对象中A档比例上限", value = 0.20', '"同类被考对象中A档比例上限", value = 1.5',
                 "forms.a_quota_share", "(0, 1]", id="a-quota-1.5"),
    pytest.param("jingan", '{ name = "优秀", share = 0.20', '{ name = "优秀", share = 0',
                 "area.grades.1.share", "(0, 1]", id="grade-share-0"),
    pytest.param("gaojing-2024", '{ name = "优秀", share = 0.30', '{ name = "优秀", share = 1.5',
                 "grades.1.share", "(0, 1]", id="grade-share-1.5"),
    pytest.param("jingan", "min_share = {", "min_shares = {", "turnout.min_shares", "未知", id="unknown-key"),
    pytest.param("jingan", 'min_share = { label = "实际参加人数须超过应参加人数的比例", value = 0.80, unit = "比例", '
                           'reference = "jingan 五(一)3、五(二)(2)、五(三)(3)" }', "",
                 "turnout.min_share", "缺失", id="missing-key"),
    pytest.param("gaojing-2024", "{ from = 6,  to = 10, points = 22 }", "{ from = 7,  to = 10, points = 22 }",
                 "hotline.rank_points.2.from", "应从6接续", id="rank-table-gap-6"),
    pytest.param("jingan", '{ name = "合格", min_score = 70 }', '{ name = "合格", min_score = 75 }',
                 "staff.grades", "从高到低", id="grade-floors-rise-70-75"),
    pytest.param("jingan", '向上）", value = "floor"', '向上）", value = "nearest"', "rounding.quota", "nearest",
                 id="bad-choice"),
    pytest.param("jingan", "[meta]", "[meta", "(文件)", "TOML", id="invalid-toml"),
]


@pytest.mark.parametrize("scheme_id, old, new, key, word", INVALID)
def test_invalid_street_file_is_a_chinese_finding_naming_file_and_key(tmp_path, scheme_id, old, new, key, word):
    error = scheme_error(street_copy(tmp_path, scheme_id, (old, new)))
    found = finding_for(error, key)
    assert found.is_error and found.rule == "方案参数"
    assert found.message.startswith("my-street.toml：")
    assert key in found.message and word in found.message and CJK.search(found.message)
    assert found.message in str(error)


def test_unknown_scheme_name_lists_the_known_ones():
    found = finding_for(scheme_error("jingan-2025"), "(方案)")
    assert "jingan-2025" in found.message and "不是已知方案" in found.message
    assert all(known in found.message for known in BUILTINS)


def test_unknown_key_and_missing_key_of_a_typo_are_both_reported(tmp_path):
    error = scheme_error(street_copy(tmp_path, "jingan", ("min_share = {", "min_shares = {")))
    assert {f.where.key for f in error.findings} == {"turnout.min_shares", "turnout.min_share"}


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    path = street_copy(tmp_path, "jingan", ('向上）", value = "floor"', '向上）", value = "nearest"'),
                       ('{ tier = "B", min = 70, max = 89 }', '{ tier = "B", min = 70, max = 88 }'))
    assert {"rounding.quota", "forms.tiers.2.max"} <= {f.where.key for f in scheme_error(path).findings}


def _missing_leaf_cases():
    for scheme_id in BUILTINS:
        for path in params.load(scheme_id).leaves:
            if path.startswith("area.items."):
                continue  # jingan's item list is the street's to adjust: only its total (100) is checked
            yield pytest.param(scheme_id, path, id=f"{scheme_id}:{path}")


@pytest.mark.parametrize("scheme_id, path", list(_missing_leaf_cases()))
def test_each_missing_leaf_is_a_scheme_error_naming_it(scheme_id, path):
    p = params.load(scheme_id)
    without = Params(p.meta, {k: v for k, v in p.leaves.items() if k != path}, "my-street.toml")
    with pytest.raises(SchemeError) as caught:
        engine.build(without)
    assert path in [f.where.key for f in caught.value.findings]
    assert "nan" not in str(caught.value)


def test_engine_scheme_by_path_follows_edits_to_the_file(tmp_path):
    path = street_copy(tmp_path, "jingan")
    assert engine.scheme(path).area_weights["street"] == 0.5
    street_copy(tmp_path, "jingan", *WEIGHTS_60_10_30)  # the street saves its edited file over the first
    assert engine.scheme(path).area_weights["street"] == 0.6


# --- the 参数 sheet --------------------------------------------------------------------------

@pytest.mark.parametrize("scheme_id", BUILTINS)
def test_sheet_round_trip_gives_back_the_same_values(scheme_id):
    p = params.load(scheme_id)
    back = from_sheet_rows(sheet_rows(p))
    assert back.meta["id"] == scheme_id
    assert values(back) == values(p)


def test_sheet_round_trip_of_a_street_copy_keeps_the_streets_values(tmp_path):
    street = params.load(street_copy(tmp_path, "jingan", *WEIGHTS_60_10_30))
    back = from_sheet_rows(sheet_rows(street))
    assert values(back) == values(street)
    assert (back.leaves["area.weights.street"].value, back.leaves["area.weights.members"].value) == (0.6, 0.3)


@pytest.mark.parametrize("scheme_id", BUILTINS)
def test_sheet_round_trip_keeps_whole_numbers_whole_when_excel_returns_floats(scheme_id):
    p = params.load(scheme_id)
    as_excel = [[float(c) if isinstance(c, int) and not isinstance(c, bool) else c for c in r] for r in sheet_rows(p)]
    back = from_sheet_rows(as_excel)
    assert values(back) == values(p)
    assert type(back.leaves["rounding.quota"].value) is str
    whole = [path for path, v, _ in p.flat_rows() if type(v) is int]
    assert whole and all(type(v) is int for path, v, _ in back.flat_rows() if path in whole)


def test_sheet_has_header_scheme_row_and_one_row_per_scalar_with_clause_and_unit():
    p = params.load("gaojing-2024")
    rows = sheet_rows(p)
    assert rows[0] == ["参数", "名称", "值", "单位", "依据", "说明"]
    assert rows[1][:3] == ["meta.id", "方案", "gaojing-2024"]
    by_path = {r[0]: r for r in rows[2:]}
    # the rank table's first cell: 1–5 → 24 points (附件1 第3行)
    assert by_path["hotline.rank_points.1.points"][2:5] == [24, "分", "gaojing-2024 附件1 第3行"]
    assert len(rows) == 2 + len(p.flat_rows())


def test_sheet_found_below_a_title_row():
    rows = [["静安区居民区考核参数"], []] + sheet_rows(params.load("jingan"))
    assert from_sheet_rows(rows).meta["id"] == "jingan"


def test_changing_weights_on_the_sheet_changes_the_total():
    rows = sheet_rows(params.load("jingan"))
    before = engine.scheme(rows)
    after = engine.scheme(edited(rows, {"area.weights.street": 0.6, "area.weights.members": 0.3}))
    # 0.5×80 + 0.1×70 + 0.4×100 = 40 + 7 + 40 = 87
    assert area_result(before, jingan_area()) == pytest.approx(87)
    # 0.6×80 + 0.1×70 + 0.3×100 = 48 + 7 + 30 = 85
    assert area_result(after, jingan_area()) == pytest.approx(85)


def test_sheet_weights_adding_to_1_1_are_an_error_naming_the_key():
    rows = edited(sheet_rows(params.load("jingan")), {"area.weights.street": 0.6})  # 0.6 + 0.1 + 0.4 = 1.1
    found = finding_for(scheme_error(rows), "area.weights")
    assert found.message.startswith("参数：") and "area.weights" in found.message and "1.1" in found.message


# A town moves one point from the 12345 item to the visits item: the rank table's best points must follow.
HOTLINE_23 = {"hotline.rank_points.1.points": 23.0, "items.hotline": 23.0, "items.visits": 19.0}


def test_a_table_cell_can_be_overridden_by_its_path():
    g = params.load("gaojing-2024")
    changed = with_overrides(g, HOTLINE_23)
    assert changed.leaves["hotline.rank_points"].value[0] == {"from": 1, "to": 5, "points": 23}
    assert g.leaves["hotline.rank_points"].value[0]["points"] == 24  # the built-in is untouched
    s = engine.build(changed)
    # one area ranks 1st → 23 instead of 24 points; visits now 19 points:
    # 平时 12+16+8 = 36; S = 0.2×80 + 0.4×90 + 0.4×(70+90)/2 = 16+36+32 = 84;
    # 走访 19×0.84 − 2×1 = 13.96; 办实事 18×0.84 = 15.12; 36 + 13.96 + 15.12 + 23 = 88.08
    assert area_result(s, gaojing_area(), "热线得分") == 23
    assert area_result(s, gaojing_area()) == pytest.approx(88.08)


def test_a_table_cell_on_the_sheet_reaches_the_scheme():
    rows = edited(sheet_rows(params.load("gaojing-2024")), HOTLINE_23)
    assert engine.scheme(rows).rank_points[0].label == 23


def test_the_rank_tables_best_points_must_equal_the_hotline_item():
    # 附件1 第3行: 前5名得24分 = the item's 24 points; 23 alone leaves the item's maximum unreachable
    rows = edited(sheet_rows(params.load("gaojing-2024")), {"hotline.rank_points.1.points": 23})
    assert "最高得分应等于12345热线项分值24" in finding_for(scheme_error(rows), "hotline.rank_points").message


@pytest.mark.parametrize("path", ["area.weights.extra", "area.awards.7.points", "area.awards.1.bonus", "area.grades"])
def test_an_unknown_path_is_an_error_naming_it(path):
    with pytest.raises(SchemeError) as caught:
        with_overrides(params.load("jingan"), {path: 1})
    found = finding_for(caught.value, path)
    assert path in found.message and "不是该方案的参数" in found.message


def test_an_unknown_path_on_the_sheet_is_an_error():
    rows = sheet_rows(params.load("jingan")) + [["area.weights.extra", "多余", 0.1, "比例", "", ""]]
    assert "不是该方案的参数" in finding_for(scheme_error(rows), "area.weights.extra").message


def test_sheet_without_a_scheme_name_is_an_error():
    rows = edited(sheet_rows(params.load("jingan")), {"meta.id": None})
    assert "未填方案名称" in finding_for(scheme_error(rows), "meta.id").message


@pytest.mark.parametrize("path, value", [
    ("area.weights.street", "abc"),
    ("rounding.quota", None),
    ("area.weights.street", None),
    ("forms.a_quota_share", None),
    ("jingan:forms.tiers.2.max", None),
    ("gaojing-2024:hotline.rank_points.1.points", None),
    ("gaojing-2024:hotline.rank_points.2.from", None),
    ("gaojing-2024:hotline.rank_points.2.from", "六"),
    ("gaojing-2024:grades.1.name", None),
])
def test_a_blank_or_text_value_on_the_sheet_is_an_error_naming_the_key(path, value):
    scheme_id, _, path = path.rpartition(":")
    rows = edited(sheet_rows(params.load(scheme_id or "jingan")), {path: value})
    assert path in finding_for(scheme_error(rows), path).message


def test_only_the_default_cells_of_a_table_carry_the_default_note():
    # 六(一) gives the 20% shares; the 60-point floors are DOMAIN 1.6's default
    notes = {row[0]: row[5] for row in sheet_rows(params.load("jingan"))}
    assert params.DEFAULT_NOTE not in notes["area.grades.1.share"]
    assert params.DEFAULT_NOTE in notes["area.grades.1.min_score"]
    # 五: A/B/C bands are the document's; D = 0–59 is the default
    assert params.DEFAULT_NOTE not in notes["forms.tiers.1.min"] and params.DEFAULT_NOTE in notes["forms.tiers.4.max"]
    # 七(二)1: 基本合格 half the base is the document's; the combination with the area factor is the default
    assert params.DEFAULT_NOTE not in notes["money.staff.3.base_share"]
    assert params.DEFAULT_NOTE in notes["money.staff.3.with_area_factor"]


def test_a_note_row_on_the_sheet_is_ignored_and_a_duplicated_row_is_an_error():
    rows = sheet_rows(params.load("jingan"))
    noted = rows + [["注：本表由街道填写，改动须经领导小组同意", None, None, None, None, None]]
    assert engine.scheme(noted).area_weights["street"] == 0.5
    doubled = rows + [["area.weights.street", "街道（镇）考评权重", 0.6, "比例", "", ""]]
    assert "出现不止一次" in finding_for(scheme_error(doubled), "area.weights.street").message


# --- leaves kept off the 参数 sheet (listed = false) ---------------------------------------------

TOTAL_ONLINE = ('value = "max", unit = "选项", reference = "gaojing-2024 四(二)2", default = true, listed = false',
                'value = "sum", unit = "选项", reference = "gaojing-2024 四(二)2", default = true, listed = false')


def test_an_unlisted_leaf_is_in_the_scheme_but_not_on_the_sheet():
    p = params.load("gaojing-2024")
    assert not p.leaves["turnout.total_online"].listed and p.leaves["turnout.total_households"].listed
    rows = {r[0] for r in sheet_rows(p)}
    assert "turnout.total_online" not in rows and "turnout.total_households" in rows
    assert "turnout.total_online" in {path for path, _, _ in p.flat_rows(unlisted=True)}
    assert "turnout.total_online" not in {path for path, _, _ in p.flat_rows()}


def test_listed_must_be_true_or_false(tmp_path):
    error = scheme_error(street_copy(tmp_path, "gaojing-2024", (TOTAL_ONLINE[0], TOTAL_ONLINE[0].replace(
        "listed = false", 'listed = "no"'))))
    found = finding_for(error, "turnout.total_online")
    assert found.message == "my-street.toml：参数 turnout.total_online 的 listed 应为 true 或 false，现为“no”"


def test_a_sheet_naming_an_unlisted_leaf_is_refused_not_taken():
    # the workbook's formulas are laid out from the listed rows: a row they never see is refused, in Chinese
    rows = sheet_rows(params.load("gaojing-2024")) + [["turnout.total_online", "社区通计法", "sum", "选项", "", ""]]
    with pytest.raises(SchemeError) as caught:
        from_sheet_rows(rows)
    [said] = caught.value.findings
    assert said.where.key == "turnout.total_online" and said.where.table == "参数"
    assert "不在“参数”表的参数之列" in said.message and "--scheme" in said.message


def test_a_sheet_naming_a_cell_of_an_unlisted_table_is_refused_too():
    # a table leaf made unlisted: its cells (money.1.amount) are no more on the sheet, and refused there
    base = params.load("gaojing-2024")
    leaves = dict(base.leaves)
    leaves["money"] = replace(leaves["money"], listed=False)
    unlisted = Params({**base.meta, "id": "某镇-2024"}, leaves, "某镇.toml")
    assert not any(str(r[0]).startswith("money.") for r in sheet_rows(unlisted))
    assert params._unlisted_leaf(unlisted, "money.1.amount") is leaves["money"]
    assert params._unlisted_leaf(unlisted, "rank_tiers.1.to") is None


def test_a_street_file_changing_an_unlisted_leaf_under_a_builtin_id_builds_no_workbook(tmp_path):
    # meta.id still "gaojing-2024": its workbook would be read back with the built-in "max", so it is refused
    street = params.load(street_copy(tmp_path, "gaojing-2024", TOTAL_ONLINE))
    assert engine.build(street).total_online == "sum"  # the file itself is a valid scheme (kaohe calc --scheme)
    with pytest.raises(SchemeError) as caught:
        sheet_rows(street)
    [said] = caught.value.findings
    assert said.where.key == "turnout.total_online" and (said.allowed, said.actual) == ("max", "sum")
    assert "另起 meta.id" in said.message


def test_a_street_file_of_its_own_id_may_change_an_unlisted_leaf(tmp_path):
    street = params.load(street_copy(tmp_path, "gaojing-2024", TOTAL_ONLINE,
                                     ('id = "gaojing-2024"', 'id = "gaojing-2024-某街道"')))
    rows = sheet_rows(street)
    assert rows[1][2] == "gaojing-2024-某街道" and "turnout.total_online" not in {r[0] for r in rows}
