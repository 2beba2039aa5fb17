"""静安 guideline (``kind = "jingan"``): areas, staff, money — DOMAIN §1–§4.

Every number comes from the scheme data (``kaohe/schemes/jingan.toml`` or a street's copy);
this module holds the rules that combine them, each citing its clause.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, cast

import numpy as np

from ..contract import BARRED_RULE, COUNT, ID_FIELD, POINTS, TEXT, YUAN
from ..findings import Checked, Finding, Where, error, info, warning
from ..params import ParamReader, Params
from ..reading import Band, Bands, as_text, is_blank, read_choice, read_number
from ..results import Table, keys_of, start_table
from .forms import FormRules
from .grading import (
    ROUNDINGS,
    Ladder,
    caps_for,
    check_caps,
    final_grades,
    grade_areas,
    ladder_from,
    propose,
    quota,
    rank_eq,
    tiebreak_values,
)
from .ruleset import Bound, Distribution, Listing, PaperColumn, RuleSet, SheetLayout
from .sessions import Session, read_sessions
from .turnout import strict_turnout

AREA_SHEET, STAFF_SHEET = "居民区", "工作人员"
AREA_INPUTS = ("居民区", "街道考评", "居民区互评", "党员群众测评", "应参加人数", "实际参加人数", "加分", "减分", "领导小组调整")
AREA_RESULTS = ("总分", "排名", "建议等次", "最终等次")
STAFF_INPUTS = ("姓名", "居民区", "岗位", "人员类别", "书记主任考评", "内部互评", "党员群众测评", "应参加人数", "实际参加人数",
                "不参加考核原因", "在岗月数", "奖金基数", "领导小组调整")
STAFF_RESULTS = ("居民区得分", "得分", "建议等次", "最终等次", "奖金")
POSTS = ("书记", "主任", "书记兼主任", "其他")  # WORKBOOK 工作人员.岗位
LEADER_POSTS = ("书记", "主任", "书记兼主任")  # jingan 五(二): one formula, one pool, a person once
TIER_ONLY = ("error",)  # forms.tier_only: a rating with a tier and no score is an error (DOMAIN 1.4 [default])
SYSTEM_CATEGORIES = ("公务员", "事业编制")  # jingan 八(六); every 人员类别 is the scheme's (staff.categories, jingan 三)
CIVIL_SERVANT = "公务员"  # no year-end bonus figure (七(一)1)
REASONS = ("新进未满半年", "病事假超半年", "当年退休书记")  # jingan 八(五)
NOT_ASSESSED = "不参加考核"
SYSTEM_TEXT = "纳入公务员/事业编制考核统筹"
REWARD_RULE = "优秀奖励"


@dataclass(frozen=True, slots=True)
class StaffMoney:
    base_share: float
    with_area_factor: bool
    with_reward: bool


@dataclass(frozen=True, eq=False)  # hashed by identity: schemes are cached
class Scheme:
    params: Params
    items: dict[str, tuple[str, float]]  # id → (label, points)
    area_weights: dict[str, float]  # street, mutual, members
    awards: dict[tuple[str, str], float]
    deductions: dict[tuple[str, str], float]
    apply_to: str
    cap_total: float | None
    area_ladder: Ladder
    area_tiebreak: str | None
    turnout_share: float
    forms: FormRules
    leader_weights: dict[str, float]  # area, internal, members
    other_weights: dict[str, float]  # area, leaders, internal, members
    staff_ladder: Ladder
    leaders_share: float
    others_share: float
    extra_if_area_excellent: int
    area_factor: dict[str, float]
    staff_money: dict[str, StaffMoney]
    excellent_reward: float
    not_assessed_grade: str  # its area factor applies (jingan 八(五): 按照“一般”等次确定)
    items_total: float
    staff_score_cap: float | None
    half_year_months: float
    sessions: dict[str, Session]  # the 测评表's sessions by name: clause, unsigned form (sessions.SESSION_LEAVES)
    categories: tuple[str, ...]  # 人员类别 (jingan 三), the dropdown's words
    publicised: dict[str, frozenset[str]]  # sheet → the proposed grades publicised (jingan 八(三))

    @property
    def id(self) -> str:
        return self.params.meta["id"]

    def cite(self, path: str) -> str:
        return self.params.leaves[path].reference


def _weights(r: ParamReader, prefix: str, names: Sequence[str], what: str) -> dict[str, float]:
    weights = {n: r.weight(f"{prefix}.{n}") for n in names}
    r.sums_to([f"{prefix}.{n}" for n in names], 1, what)
    return weights


def _bands(r: ParamReader, top: float) -> Bands:
    """Tier bands, checked to meet end to end: each min one above the next lower band's max."""
    path = "forms.tiers"
    rows = r.rows(path, {"tier": "text", "min": "num", "max": "num"})
    for n, (upper, lower) in enumerate(pairwise(rows), start=1):
        if lower.get("max", 0) + 1 != upper.get("min", 0):
            gap = "重叠" if lower.get("max", 0) + 1 > upper.get("min", 0) else "有空缺"
            r.problem(f"{path}.{n + 1}.max", f"为{lower.get('max')}，与上一档下限{upper.get('min')}之间{gap}",
                      allowed=upper.get("min", 0) - 1, actual=lower.get("max"))
    if rows and not math.isnan(top) and rows[0].get("max") != top:  # NaN: forms.score_max is itself wrong
        r.problem(f"{path}.1.max", f"最高档上限应为满分{top:g}", allowed=top, actual=rows[0].get("max"))
    if rows and rows[-1].get("min") != 0:
        r.problem(f"{path}.{len(rows)}.min", "最低档下限应为0", allowed=0, actual=rows[-1].get("min"))
    if len({row.get("tier") for row in rows}) != len(rows):
        r.problem(path, "档次名称重复")
    return Bands(tuple(Band(str(row.get("tier", "")).upper(), row.get("min", 0)) for row in rows), top,
                 r.ref(path))


def _grade_table(r: ParamReader, path: str, fields: dict[str, str], ladder: Ladder, nonnegative: Sequence[str] = (),
                 shares: Sequence[str] = (), flags: Sequence[str] = ()) -> list[dict]:
    """A table with one row per grade of ``ladder``, in its order; amounts ≥ 0, shares in [0, 1], flags 0/1."""
    rows = r.rows(path, {"grade": "text", **fields})
    if rows and ladder.steps and [row.get("grade") for row in rows] != list(ladder.names):
        r.problem(path, f"各行等次应依次为{'、'.join(ladder.names)}", allowed="、".join(ladder.names),
                  actual="、".join(str(row.get("grade")) for row in rows))
    for n, row in enumerate(rows, start=1):
        for name in nonnegative:
            if row[name] < 0:
                r.problem(f"{path}.{n}.{name}", f"为{row[name]:g}，不能为负", actual=row[name])
        for name in shares:
            if not 0 <= row[name] <= 1:
                r.problem(f"{path}.{n}.{name}", f"为{row[name]:g}，应在[0, 1]内", actual=row[name])
        for name in flags:
            if row[name] not in (0, 1):
                r.problem(f"{path}.{n}.{name}", f"为{row[name]:g}，应为0（否）或1（是）", actual=row[name])
    return rows


def _optional_number(r: ParamReader, path: str) -> float | None:
    """A cap that is a number of points, or none."""
    leaf = r.leaf(path)
    if leaf is not None and leaf.value != "none" and not isinstance(leaf.value, (int, float)):
        r.problem(path, "应为 none 或一个分数", actual=leaf.value)
    return leaf.value if leaf is not None and isinstance(leaf.value, (int, float)) else None


def _categories(r: ParamReader) -> tuple[str, ...]:
    """人员类别 (jingan 三), each once, 公务员 and 事业编制 among them (八(六) decides for them)."""
    words = tuple(row["category"] for row in r.rows("staff.categories", {"category": "text"}))
    if len(set(words)) != len(words):
        r.problem("staff.categories", "类别重复")
    if missing := [c for c in SYSTEM_CATEGORIES if words and c not in words]:
        r.problem("staff.categories", f"缺少{'、'.join(missing)}（八(六)）", allowed="、".join(SYSTEM_CATEGORIES))
    return words


def _publicised(r: ParamReader, ladders: Mapping[str, Ladder]) -> dict[str, frozenset[str]]:
    """The proposed grades publicised, by sheet (jingan 八(三)): each a grade of that sheet's ladder."""
    out: dict[str, set[str]] = {sheet: set() for sheet in ladders}
    for n, row in enumerate(r.rows("publicity", {"sheet": "text", "grade": "text"}), start=1):
        ladder = ladders.get(row["sheet"])
        if ladder is None:
            r.problem(f"publicity.{n}.sheet", f"“{row['sheet']}”应为{'或'.join(ladders)}", actual=row["sheet"])
        elif ladder.steps and row["grade"] not in ladder.names:
            r.problem(f"publicity.{n}.grade", f"“{row['grade']}”不是{row['sheet']}的等次（{'、'.join(ladder.names)}）",
                      actual=row["grade"])
        else:
            out[row["sheet"]].add(row["grade"])
    return {sheet: frozenset(grades) for sheet, grades in out.items()}


def from_params(params: Params) -> Scheme:
    r = ParamReader(params)
    item_ids = [p.rsplit(".", 1)[1] for p in params.leaves if p.startswith("area.items.")]
    items = {i: (params.leaves[f"area.items.{i}"].label, r.number(f"area.items.{i}", lo=0)) for i in item_ids}
    items_total = r.number("area.items_total", lo=1)
    r.sums_to([f"area.items.{i}" for i in item_ids], items_total, "居民区基本分值项")
    table_fields = {"type": "text", "level": "text", "points": "num"}
    awards = {(a["type"], a["level"]): a["points"] for a in r.rows("area.awards", table_fields)}
    deductions = {(a["type"], a["level"]): a["points"] for a in r.rows("area.deductions", table_fields)}
    for path, table in (("area.awards", awards), ("area.deductions", deductions)):
        for n, points in enumerate(table.values(), start=1):
            if points < 0:
                r.problem(f"{path}.{n}.points", f"为{points:g}，不能为负（减分表填扣除的分数）", actual=points)
    rounding = r.choice("rounding.quota", ROUNDINGS)
    top = r.number("forms.score_max", lo=1)
    r.choice("forms.tier_only", TIER_ONLY)  # the one way so far: reading.read_rating's error
    area_ladder = ladder_from(r, "area.grades", rounding)
    staff_ladder = ladder_from(r, "staff.grades", rounding)
    scheme = Scheme(
        params=params,
        items=items,
        area_weights=_weights(r, "area.weights", ("street", "mutual", "members"), "居民区综合评分权重"),
        awards=awards,
        deductions=deductions,
        apply_to=r.choice("area.adjustments.apply_to", ("total", "street_score")),
        cap_total=_optional_number(r, "area.adjustments.cap_total"),
        area_ladder=area_ladder,
        area_tiebreak=tiebreak_values(r, "area.tiebreak.column", ("街道考评", "居民区互评", "党员群众测评")),
        turnout_share=r.share("turnout.min_share"),
        forms=FormRules(_bands(r, top), r.share("forms.a_quota_share"),
                        r.choice("forms.form_quota_rounding", ROUNDINGS),
                        r.choice("forms.over_quota", ("void", "keep_and_flag")),
                        r.choice("forms.tier_mismatch", ("void", "keep_and_flag")), r.ref("forms.a_quota_share"),
                        int(r.number("forms.form_quota_min", lo=0, integer=True))),
        leader_weights=_weights(r, "staff.weights.leader", ("area", "internal", "members"), "书记、主任评分权重"),
        other_weights=_weights(r, "staff.weights.other", ("area", "leaders", "internal", "members"),
                               "其他人员评分权重"),
        staff_ladder=staff_ladder,
        leaders_share=r.share("staff.excellent.leaders_share"),
        others_share=r.share("staff.excellent.others_share"),
        extra_if_area_excellent=int(r.number("staff.excellent.extra_if_area_excellent", lo=0, integer=True)),
        area_factor={g["grade"]: g["factor"] for g in _grade_table(r, "money.area_factor", {"factor": "num"},
                                                                   area_ladder, nonnegative=("factor",))},
        staff_money={g["grade"]: StaffMoney(g["base_share"], bool(g["with_area_factor"]), bool(g["with_reward"]))
                     for g in _grade_table(r, "money.staff", {"base_share": "num", "with_area_factor": "num",
                                                              "with_reward": "num"}, staff_ladder,
                                           shares=("base_share",), flags=("with_area_factor", "with_reward"))},
        excellent_reward=r.number("money.excellent_reward", lo=0),
        not_assessed_grade=r.choice("money.not_assessed_grade", area_ladder.names),
        items_total=items_total,
        staff_score_cap=_optional_number(r, "staff.score_cap"),
        half_year_months=r.number("staff.half_year_months", lo=0),
        sessions=read_sessions(r),
        categories=_categories(r),
        publicised=_publicised(r, {AREA_SHEET: area_ladder, STAFF_SHEET: staff_ladder}),
    )
    r.finish()
    return scheme


# --- 居民区 (DOMAIN §1) ---------------------------------------------------------------------

def street_evaluation(s: Scheme, key: str, item_scores: Mapping[str, object]) -> Checked[float]:
    """街道考评 = the sum of the eight item scores, each within its points (jingan 四(一)1)."""
    findings: list[Finding] = []
    total = 0.0
    for item, (label, points) in s.items.items():
        read = read_number(item_scores.get(item), Where(AREA_SHEET, key, label), lo=0, hi=points,
                           rule="基本分值项", clause=s.cite(f"area.items.{item}"))
        findings += read.findings
        total += read.value or 0.0
    return Checked(None if any(f.is_error for f in findings) else total, tuple(findings))


def _points(table: Mapping[tuple[str, str], float], entries: Sequence[tuple[str, str]], where: Where,
            rule: str, clause: str) -> Checked[float]:
    findings, total = [], 0.0
    for kind, level in entries:
        if (kind, level) not in table:
            known = "、".join(f"{k}{lv}" for k, lv in table)
            findings.append(error(rule, clause, f"{where.key}：“{kind}{level}”不在{rule}表中（{known}）", where,
                                  allowed=known, actual=f"{kind}{level}"))
        else:
            total += table[(kind, level)]
    return Checked(None if findings else total, tuple(findings))


def award_points(s: Scheme, key: str, awards: Sequence[tuple[str, str]]) -> Checked[float]:
    """加分: each award, one per row, by type and level (jingan 四(二)(1)); 区级单项类 has no points."""
    return _points(s.awards, awards, Where(AREA_SHEET, key, "加分"), "加分", s.cite("area.awards"))


def deduction_points(s: Scheme, key: str, events: Sequence[tuple[str, str]]) -> Checked[float]:
    """减分: each occurrence by type and level (jingan 四(二)(2))."""
    return _points(s.deductions, events, Where(AREA_SHEET, key, "减分"), "减分", s.cite("area.deductions"))


def _rating(s: Scheme, row: Mapping[str, object], where: Where, field: str, path: str) -> Checked[float]:
    return read_number(row.get(field), where.at(field), lo=0, hi=s.forms.bands.top, rule="测评得分",
                       clause=s.cite(path))


def _sum_of(total: int, points: list[int]) -> bool:
    """Whether ``total`` is a sum of ``points`` (each used any number of times), in time bounded by the
    points, not the total (1e308 is typed too): with g their gcd, every multiple of g above
    (min/g)·(max/g) is such a sum (Schur's bound on the Frobenius number); below it, counted up."""
    g = math.gcd(*points)
    if total % g:
        return False
    total, points = total // g, [p // g for p in points]
    if total > points[0] * points[-1]:
        return True
    reachable = [True] + [False] * total
    for value in range(1, total + 1):
        reachable[value] = any(value >= p and reachable[value - p] for p in points)
    return reachable[total]


def _composable(key: str, total: float | None, points: Iterable[float], field: str, clause: str) -> tuple[Finding, ...]:
    """A typed 加分/减分 total must be a sum of the table's points per award or occurrence (jingan 四(二))."""
    points = sorted({p for p in points if p > 0})
    if not total or not points or any(p != int(p) for p in points):
        return ()
    if total == int(total) and _sum_of(int(total), [int(p) for p in points]):
        return ()
    shown = "/".join(f"{p:g}" for p in points)
    return (error(field, clause, f"{key}：{field}{total:g}分不能由每项{shown}分相加得到", Where(AREA_SHEET, key, field),
                  allowed=f"{shown}的和", actual=total),)


def _area_parts(s: Scheme, where: Where, row: Mapping[str, object]) -> dict[str, Checked[float]]:
    """The three rated parts of an area's 总分, each read within its bounds (jingan 五(一))."""
    return {
        "street": read_number(row.get("街道考评"), where.at("街道考评"), lo=0, hi=s.items_total, rule="街道考评",
                              clause=s.cite("area.items_total")),
        "mutual": _rating(s, row, where, "居民区互评", "area.weights.mutual"),
        "members": _rating(s, row, where, "党员群众测评", "area.weights.members"),
    }


def _adjustments(s: Scheme, where: Where, row: Mapping[str, object]) -> tuple[Checked[float], Checked[float]]:
    """加分 and 减分 as typed: sums of award and deduction points (jingan 四(二))."""
    bonus = read_number(row.get("加分"), where.at("加分"), lo=0, hi=None, rule="加分", clause=s.cite("area.awards"),
                        required=False)
    minus = read_number(row.get("减分"), where.at("减分"), lo=0, hi=None, rule="减分",
                        clause=s.cite("area.deductions"), required=False)
    return bonus, minus


def area_total(s: Scheme, key: str, row: Mapping[str, object]) -> Checked[float]:
    """总分 = 50% 街道考评 + 10% 互评 + 40% 党员群众测评, ± 加减分 (jingan 五(一), 四(二))."""
    where = Where(AREA_SHEET, key, "")
    parts = _area_parts(s, where, row)
    valid, turnout = strict_turnout(row.get("应参加人数"), row.get("实际参加人数"), s.turnout_share, where,
                                    s.cite("turnout.min_share"))
    bonus, minus = _adjustments(s, where, row)
    findings = tuple(f for p in (*parts.values(), bonus, minus) for f in p.findings) + turnout
    findings += _composable(key, bonus.value, s.awards.values(), "加分", s.cite("area.awards"))
    findings += _composable(key, minus.value, s.deductions.values(), "减分", s.cite("area.deductions"))
    if not valid or any(p.value is None for p in parts.values()) or any(f.is_error for f in findings):
        return Checked(None, findings)
    values = {name: p.value for name, p in parts.items() if p.value is not None}
    adjustment = (bonus.value or 0.0) - (minus.value or 0.0)
    if s.apply_to == "street_score":  # [default] is "total": DOMAIN 1.2
        values["street"] += adjustment
    total = sum(s.area_weights[name] * value for name, value in values.items())
    if s.apply_to == "total":
        total += adjustment
    if s.cap_total is not None and total > s.cap_total:
        findings += (info("总分上限", s.cite("area.adjustments.cap_total"),
                          f"{key}：总分{total:.2f}按上限计为{s.cap_total:g}", where.at("总分"),
                          allowed=s.cap_total, actual=total),)
        total = s.cap_total
    return Checked(total, findings)


def score_areas(s: Scheme, rows: Sequence[Mapping[str, object]]) -> Table:
    """Every area's 总分, its 排名 (RANK.EQ, the order of the feedback and the list: WORKBOOK.md), 建议等次
    under the street-wide caps, 最终等次 after overrides (jingan 六(一))."""
    table, keyed = start_table(rows, AREA_SHEET, "居民区", AREA_RESULTS)
    keys = [k for k, _ in keyed]
    totals = np.full(len(keys), np.nan)
    for i, (key, row) in enumerate(keyed):
        result = area_total(s, key, row)
        table.put(key, "总分", result)
        totals[i] = np.nan if result.value is None else result.value
    for key, rank in zip(keys, rank_eq(totals).tolist()):
        table.put(key, "排名", rank or None, table.reason(key, "总分"))
    grade_areas(table, keyed, totals, s.area_ladder, s.area_tiebreak, s.cite("area.tiebreak.column"), "本街道（镇）居民区")
    return table


# --- 工作人员 (DOMAIN §2) -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Person:
    key: str
    area: str
    post: str | None
    category: str | None
    reason: str | None  # why not assessed (jingan 八(五)), None if assessed
    problem: Finding | None = None  # a 岗位/人员类别/原因/居民区 that cannot be read: neither graded nor paid

    @property
    def is_leader(self) -> bool:
        return self.post in LEADER_POSTS

    @property
    def graded_here(self) -> bool:
        """In the street's grades and quotas: assessed, and not under the civil-service system (八(六))."""
        return self.problem is None and self.reason is None and self.category not in SYSTEM_CATEGORIES


RETIRING_SECRETARY = "当年退休书记"  # jingan 八(五) names the 书记 only


def read_status(s: Scheme, key: str, post: object, category: object, reason: object, post_required: bool = True) -> Checked[
        tuple[str | None, str | None, str | None]]:
    """(岗位, 人员类别, 不参加考核原因) as typed: each one of its list (jingan 三, 八(五); WORKBOOK)."""
    where = Where(STAFF_SHEET, key, "")
    reads = (read_choice(post, where.at("岗位"), POSTS, rule="岗位", clause=s.cite("staff.weights.leader.area"),
                         required=post_required),
             read_choice(category, where.at("人员类别"), s.categories, rule="人员类别", clause=s.cite("staff.categories")),
             read_choice(reason, where.at("不参加考核原因"), REASONS, rule="不参加考核",
                         clause=s.cite("money.not_assessed_grade"), required=False))
    findings = tuple(f for r in reads for f in r.findings)
    post_v, category_v, reason_v = (r.value for r in reads)
    if reason_v == RETIRING_SECRETARY and post_v is not None and post_v not in ("书记", "书记兼主任"):
        findings += (error("不参加考核", s.cite("money.not_assessed_grade"),
                           f"{key}：岗位为{post_v}，“{RETIRING_SECRETARY}”只适用于书记", where.at("不参加考核原因"),
                           allowed="书记 / 书记兼主任", actual=post_v),)
        reason_v = None
    return Checked((post_v, category_v, reason_v), findings)


def months_agree(s: Scheme, key: str, reason: str | None, months: object) -> tuple[Finding, ...]:
    """不参加考核原因 against 在岗月数 (0–12; jingan 八(五), DOMAIN 2.4): 新进未满半年 with half a year or more, or
    病事假超半年 with more than half a year worked, is an error; under half a year and assessed, a warning."""
    where, clause, half = Where(STAFF_SHEET, key, "在岗月数"), s.cite("staff.half_year_months"), s.half_year_months
    read = read_number(months, where, lo=0, hi=12, rule="在岗月数", clause=clause, suffixes=("个月", "月"),
                       required=False)
    if read.value is None:
        return () if reason else read.findings  # with a reason the bonus reads (and reports) the months
    worked = read.value
    if (reason == "新进未满半年" and worked >= half) or (reason == "病事假超半年" and worked > half):
        limit = f"<{half:g}" if reason == "新进未满半年" else f"≤{half:g}"
        return (error("不参加考核", clause, f"{key}：不参加考核原因为“{reason}”，但在岗月数为{worked:g}个月（应{limit}）",
                      where, allowed=limit, actual=worked),)
    if reason is None and worked < half:
        return (warning("不参加考核", clause, f"{key}：在岗{worked:g}个月，不足半年，却未填不参加考核原因，是否应不参加考核？",
                        where.at("不参加考核原因"), allowed=f"≥{half:g}或填写原因", actual=worked),)
    return ()


def read_person(s: Scheme, key: str, row: Mapping[str, object]) -> Checked[Person]:
    status = read_status(s, key, row.get("岗位"), row.get("人员类别"), row.get("不参加考核原因"))
    assert status.value is not None  # read_status always reads the three, None where not usable
    post, category, reason = status.value
    findings = status.findings
    area = row.get("居民区")
    if is_blank(area):
        findings += (error("所属居民区", "工作人员表填写要求", f"{key}：未填所属居民区", Where(STAFF_SHEET, key, "居民区")),)
    problem = next((f for f in findings if f.is_error), None)
    findings += months_agree(s, key, reason, row.get("在岗月数"))
    return Checked(Person(key, "" if is_blank(area) else str(area).strip(), post, category, reason, problem), findings)


def staff_score(s: Scheme, person: Person, row: Mapping[str, object], area_score: float) -> Checked[float]:
    """得分 by post: 书记/主任 (jingan 五(二)) or other full-time staff (jingan 五(三))."""
    where = Where(STAFF_SHEET, person.key, "")
    prefix = "staff.weights.leader" if person.is_leader else "staff.weights.other"
    weights = s.leader_weights if person.is_leader else s.other_weights
    fields = {"internal": "内部互评", "members": "党员群众测评", "leaders": "书记主任考评"}
    parts = {name: _rating(s, row, where, fields[name], f"{prefix}.{name}") for name in weights if name != "area"}
    findings = tuple(f for p in parts.values() for f in p.findings)
    if person.is_leader and not is_blank(row.get("书记主任考评")):
        findings += (warning("书记主任考评", s.cite("staff.weights.leader.area"),
                             f"{person.key}为{person.post}，其得分不含“书记主任考评”，所填值未计入",
                             where.at("书记主任考评"), actual=row.get("书记主任考评")),)
    valid, turnout = strict_turnout(row.get("应参加人数"), row.get("实际参加人数"), s.turnout_share, where,
                                    s.cite("turnout.min_share"))
    findings += turnout
    if not valid or any(p.value is None for p in parts.values()):
        return Checked(None, findings)
    total = weights["area"] * area_score + sum(weights[n] * p.value for n, p in parts.items() if p.value is not None)
    if s.staff_score_cap is not None and total > s.staff_score_cap:  # "满分为100分" (五(二), 五(三))
        findings += (info("得分上限", s.cite("staff.score_cap"),
                          f"{person.key}：得分{total:.2f}超过满分，按{s.staff_score_cap:g}分计", where.at("得分"),
                          allowed=s.staff_score_cap, actual=round(total, 2)),)
        total = s.staff_score_cap
    return Checked(total, findings)


def staff_bonus(s: Scheme, key: str, *, post: object = None, grade: object, area_grade: object, base: object,
                category: object, reason: object, months: object) -> Checked[float | str]:
    """奖金 (jingan 七, 八(五), 八(六)): base × the area factor and the staff grade's share."""
    status = read_status(s, key, post, category, reason, post_required=False)
    if status.errors:
        return Checked(None, status.findings)
    assert status.value is not None  # read_status always reads the three
    _, category_read, reason_read = status.value
    return _bonus(s, key, grade, area_grade, base, category_read, reason_read, months)


def _bonus(s: Scheme, key: str, grade: object, area_grade: object, base: object, category: str | None,
           reason: str | None, months: object) -> Checked[float | str]:
    """奖金 of a person whose 人员类别 and 不参加考核原因 are read (``staff_bonus``)."""
    where = Where(STAFF_SHEET, key, "奖金")
    if category == CIVIL_SERVANT:  # 七(一)1 excludes only "公务员身份的人员"
        return Checked(SYSTEM_TEXT)
    base_read = read_number(base, where.at("奖金基数"), lo=0, hi=None, rule="奖金基数",
                            clause=s.cite("money.staff"), suffixes=("元",))
    if not is_blank(reason):
        months_read = read_number(months, where.at("在岗月数"), lo=0, hi=12, rule="在岗月数",
                                  clause=s.cite("money.not_assessed_grade"), suffixes=("个月", "月"))
        findings = base_read.findings + months_read.findings
        if base_read.value is None or months_read.value is None:
            return Checked(None, findings)
        amount = base_read.value * months_read.value / 12 * s.area_factor[s.not_assessed_grade]
        return Checked(round(amount, 2), findings)
    if category in SYSTEM_CATEGORIES:  # 事业编制: base × area factor; grade, share and reward left to 统筹 (八(六))
        money, findings = StaffMoney(1.0, True, False), base_read.findings
    else:
        grade_read = read_choice(grade, where.at("最终等次"), s.staff_ladder.names, rule="等次名称",
                                 clause=s.staff_ladder.clause)
        findings = base_read.findings + grade_read.findings
        if grade_read.value is None:
            return Checked(None, findings)
        money = s.staff_money[grade_read.value]
    if base_read.value is None:
        return Checked(None, findings)
    factor = 1.0
    if money.with_area_factor:
        area_read = read_choice(area_grade, where.at("居民区等次"), s.area_ladder.names, rule="等次名称",
                                clause=s.cite("money.area_factor"))
        findings += area_read.findings
        if area_read.value is None:
            return Checked(None, findings)
        factor = s.area_factor[area_read.value]
    amount = base_read.value * money.base_share * factor
    if money.with_reward:
        amount += s.excellent_reward
        if s.excellent_reward == 0:
            findings += (warning(REWARD_RULE, s.cite("money.excellent_reward"),
                                 f"{key}：优秀一次性奖励金额未设置（“参数”表“优秀一次性奖励金额”为0），奖金未含奖励",
                                 where, allowed=">0", actual=0),)
    return Checked(round(amount, 2), findings)


def _others_caps(s: Scheme, n: int, area_grade: str) -> dict[str, int]:
    """Others' 优秀 cap in one area: 15% (+1 for an 优秀 area); a 较差 area bars 优秀 (jingan 六(二))."""
    if area_grade == s.area_ladder.worst:
        return {s.staff_ladder.best: 0}
    extra = s.extra_if_area_excellent if area_grade == s.area_ladder.best else 0
    return {s.staff_ladder.best: quota(s.others_share, n, s.staff_ladder.rounding) + extra}


def score_staff(s: Scheme, rows: Sequence[Mapping[str, object]], areas: Table) -> Table:
    """Every staff member's 居民区得分, 得分, grades under their pool's caps, and 奖金."""
    table, keyed = start_table(rows, STAFF_SHEET, "姓名", STAFF_RESULTS)
    people: list[Person] = []
    scores = np.full(len(keyed), np.nan)
    for i, (key, row) in enumerate(keyed):
        read = read_person(s, key, row)
        person = read.value
        assert person is not None  # read_person always gives the person, with its problem if any
        people.append(person)
        table.findings += list(read.findings)
        if person.area and person.area not in areas.rows:
            unknown = error("所属居民区", "工作人员表填写要求", f"{key}：所属居民区“{person.area}”不在居民区表中",
                            Where(STAFF_SHEET, key, "居民区"), actual=person.area)
            table.findings.append(unknown)
            table.put(key, "居民区得分", None, unknown)
        else:
            table.put(key, "居民区得分", areas.value(person.area, "总分"), areas.reason(person.area, "总分"))
        area_score = table.value(key, "居民区得分")
        if person.problem is not None:
            table.put(key, "得分", None, person.problem)
        elif person.reason is not None:
            table.put(key, "得分", None, info("不参加考核", s.cite("money.not_assessed_grade"),
                                              f"{key}：{person.reason}，不参加本年度考核", Where(STAFF_SHEET, key, "得分")))
        elif area_score is None:
            table.put(key, "得分", None, table.reason(key, "居民区得分"))
        else:
            result = staff_score(s, person, row, cast(float, area_score))  # an area's 总分: a number
            table.put(key, "得分", result)
            scores[i] = np.nan if result.value is None else result.value
    _grade_staff(s, table, people, scores, [row for _, row in keyed], areas)
    unrewarded = []
    for person, (key, row) in zip(people, keyed):
        grade = table.value(key, "最终等次")
        if grade is None:  # the grade's own reason says why; no second finding for the money
            table.put(key, "奖金", None, table.reason(key, "最终等次"))
            continue
        bonus = _bonus(s, key, grade, areas.value(person.area, "最终等次"), row.get("奖金基数"), person.category,
                       person.reason, row.get("在岗月数"))  # read_person has read the person's status
        unrewarded += [key for f in bonus.findings if f.rule == REWARD_RULE]
        table.put(key, "奖金", Checked(bonus.value, tuple(f for f in bonus.findings if f.rule != REWARD_RULE)))
    if unrewarded:  # one finding for the parameter, not one per person
        table.findings.append(warning(
            REWARD_RULE, s.cite("money.excellent_reward"),
            f"优秀一次性奖励金额未设置（“参数”表“优秀一次性奖励金额”为0），{len(unrewarded)}人的奖金未含奖励："
            f"{'、'.join(unrewarded)}", Where("参数", "money.excellent_reward", "值"), allowed=">0", actual=0))
    return table


def _grade_staff(s: Scheme, table: Table, people: list[Person], scores: np.ndarray,
                 rows: list[Mapping[str, object]], areas: Table) -> None:
    """Grades per pool: all 书记/主任 of the street; the other staff of each area (jingan 六(二))."""
    keys = [p.key for p in people]
    proposed: list[str | None] = [None] * len(people)
    pools: dict[str, tuple[list[int], dict[str, int]]] = {}
    leaders = [i for i, p in enumerate(people) if p.is_leader and p.graded_here]
    pools["本街道（镇）书记、主任"] = (leaders, {s.staff_ladder.best: quota(s.leaders_share, len(leaders),
                                                                            s.staff_ladder.rounding)})
    by_area: dict[str, list[int]] = {}  # grouped once: 300 areas × 3,000 staff scanned again each would cost 0.2 s
    for i, p in enumerate(people):
        by_area.setdefault(p.area, []).append(i)
    for area, everyone in by_area.items():
        members = [i for i in everyone if people[i].graded_here and not people[i].is_leader]
        area_grade = areas.value(area, "最终等次")
        if members and area_grade is None:
            for i in members:
                table.put(keys[i], "建议等次", None, areas.reason(area, "最终等次") or error(
                    "居民区等次", s.staff_ladder.clause, f"居民区“{area}”的等次未定，无法确定其工作人员优秀名额",
                    Where(STAFF_SHEET, keys[i], "建议等次")))
            continue
        pools[f"{area}其他全日制工作人员"] = (members, _others_caps(s, len(members), str(area_grade)))
    worst_area = np.array([areas.value(p.area, "最终等次") == s.area_ladder.worst for p in people])
    for members, caps in pools.values():
        barred = {s.staff_ladder.best: worst_area[members]}
        grades, ties = propose(scores[members], [keys[i] for i in members], s.staff_ladder, caps, STAFF_SHEET,
                               barred)
        table.findings += ties
        for i, grade in zip(members, grades):
            proposed[i] = grade
    finals, bad = final_grades(proposed, [r.get("领导小组调整") for r in rows], keys, s.staff_ladder, STAFF_SHEET)
    table.add(bad.values())
    for i, person in enumerate(people):
        key = keys[i]
        if person.problem is not None:
            proposed[i] = finals[i] = None
        elif not person.graded_here:
            proposed[i] = finals[i] = NOT_ASSESSED if person.reason is not None else SYSTEM_TEXT
            bad.pop(key, None)
            if not is_blank(rows[i].get("领导小组调整")):  # a typed override is never dropped silently
                table.findings.append(error(
                    "等次名称", s.staff_ladder.clause if person.reason is None else s.cite("money.not_assessed_grade"),
                    f"{key}{'不参加本年度考核' if person.reason else '的等次纳入公务员/事业编制考核统筹'}，"
                    f"“领导小组调整”所填“{rows[i].get('领导小组调整')}”不适用",
                    Where(STAFF_SHEET, key, "领导小组调整"), allowed="空", actual=rows[i].get("领导小组调整")))
        if (key, "建议等次") not in table.reasons:
            table.put(key, "建议等次", proposed[i], person.problem or table.reason(key, "得分"))
        table.put(key, "最终等次", finals[i], bad.get(key) or person.problem or table.reason(key, "建议等次"))
    for name, (members, caps) in pools.items():  # "原则上不超过": a warning naming them, not an error (六(二))
        table.findings += check_caps([finals[i] for i in members], [keys[i] for i in members], caps,
                                     s.staff_ladder, STAFF_SHEET, name, as_a_rule=True)
    for i, person in enumerate(people):
        if worst_area[i] and finals[i] == s.staff_ladder.best:
            table.findings.append(error(
                BARRED_RULE, s.staff_ladder.clause,
                f"{keys[i]}所在居民区“{person.area}”为{s.area_ladder.worst}，其工作人员不设{s.staff_ladder.best}",
                Where(STAFF_SHEET, keys[i], "最终等次"), allowed=0, actual=1))


# --- 反馈 (jingan 八(四)) ---------------------------------------------------------------------

PART_FIELDS = {"street": "街道考评", "mutual": "居民区互评", "members": "党员群众测评"}


def feedback_parts(s: Scheme, key: str, row: Mapping[str, object], total: float | None) -> list[dict[str, object]]:
    """An area's 总分 part by part, for its feedback page: each part's score, weight and points, read as
    ``area_total`` reads them; a cap on the total (DOMAIN 1.2) shows as a part of its own."""
    where = Where(AREA_SHEET, key, "")
    parts: list[dict[str, Any]] = []
    for name, read in _area_parts(s, where, row).items():
        field = PART_FIELDS[name]
        parts.append({"项目": field, "得分": row.get(field) if read.value is None else read.value,
                      "权重": s.area_weights[name], "折合": None if read.value is None else s.area_weights[name] * read.value,
                      "依据": s.cite(f"area.weights.{name}")})
    weight = s.area_weights["street"] if s.apply_to == "street_score" else None  # DOMAIN 1.2 [default]: total
    for (field, path, sign), read in zip((("加分", "area.awards", 1), ("减分", "area.deductions", -1)),
                                         _adjustments(s, where, row)):
        parts.append({"项目": field, "得分": row.get(field) if read.value is None else read.value, "权重": weight,
                      "折合": None if read.value is None else sign * read.value * (weight or 1), "依据": s.cite(path)})
    added = sum(p["折合"] for p in parts if p["折合"] is not None)
    if total is not None and abs(added - total) > 1e-9:
        parts.append({"项目": "总分上限", "得分": None, "权重": None, "折合": total - added,
                      "依据": s.cite("area.adjustments.cap_total")})
    return parts


# --- 公示 (jingan 八(三)) ---------------------------------------------------------------------

def publicity_list(s: Scheme, areas: Table, staff: Table) -> list[dict[str, Any]]:
    """Who must be publicised before grades are final (publicity, jingan 八(三)): areas to be 优秀/良好, staff
    to be 优秀."""
    rows: list[dict[str, Any]] = [
        {"类别": "居民区", "名称": key, "居民区": key, "拟定等次": cells["最终等次"], "得分": cells["总分"],
         "依据": s.cite("area.grades")}
        for key, cells in areas.rows.items() if cells.get("最终等次") in s.publicised[AREA_SHEET]]
    rows += [{"类别": "工作人员", "名称": key, "居民区": None, "拟定等次": cells["最终等次"], "得分": cells["得分"],
              "依据": s.staff_ladder.clause}
             for key, cells in staff.rows.items() if cells.get("最终等次") in s.publicised[STAFF_SHEET]]
    return rows


# --- the rule set (kaohe.rules.ruleset): what the engine and the adapters call ------------------------

POOLS = ("居民区", "书记主任", "其他人员")  # GRADE_QUOTA's pools (jingan 六(一), 六(二))


def pool_caps(s: Scheme, pool: str, n: int, area_grade: object) -> Checked[tuple[Ladder, dict[str, int]]]:
    """The ladder and caps of a pool of n: 居民区 and 书记主任 street-wide; 其他人员 one area's other
    full-time staff, capped by that area's grade (jingan 六(二))."""
    if pool == "居民区":
        return Checked((s.area_ladder, caps_for(s.area_ladder, n)))
    if pool == "书记主任":
        return Checked((s.staff_ladder, {s.staff_ladder.best: quota(s.leaders_share, n, s.staff_ladder.rounding)}))
    grade = None if is_blank(area_grade) else str(area_grade).strip()
    if grade not in s.area_ladder.names:
        return Checked(None, (error("居民区等次", s.staff_ladder.clause,
                                    f"其他人员的优秀名额取决于居民区等次，“{area_grade}”不是{'、'.join(s.area_ladder.names)}之一",
                                    Where(STAFF_SHEET, "", "居民区等次"), actual=area_grade),))
    return Checked((s.staff_ladder, _others_caps(s, n, grade)))


def barred(s: Scheme, pool: str, area_grade: str | None, member_area_grade: object) -> bool:
    """No 优秀 for the staff of an area graded 较差 (jingan 六(二))."""
    if pool == "其他人员":
        return area_grade == s.area_ladder.worst
    return pool == "书记主任" and not is_blank(member_area_grade) and \
        str(member_area_grade).strip() == s.area_ladder.worst


def grade_names(s: Scheme) -> dict[str, tuple[str, ...]]:
    """Each graded sheet's grades, best first (jingan 六)."""
    return {AREA_SHEET: s.area_ladder.names, STAFF_SHEET: s.staff_ladder.names}


def distributions(s: Scheme) -> tuple[Distribution, ...]:
    """What 汇总 and the copy's 封面 count: the final grades of areas and staff (jingan 六)."""
    return (Distribution("居民区最终等次", AREA_SHEET, "最终等次", s.area_ladder.names),
            Distribution("工作人员最终等次", STAFF_SHEET, "最终等次", s.staff_ladder.names))


HEADCOUNTS: dict[str, Bound] = {"应参加人数": ("whole", "0", "10000000"), "实际参加人数": ("whole", "0", "10000000")}


def layouts(s: Scheme) -> tuple[SheetLayout, SheetLayout]:
    """居民区 and 工作人员 as the workbook shows them, the document's vocabularies as dropdowns."""
    rated = ("decimal", "0", "forms.score_max")  # a session's mean, typed where no forms are (jingan 五)
    area = SheetLayout(AREA_SHEET, "居民区", AREA_INPUTS, AREA_RESULTS,
                       {"应参加人数": COUNT, "实际参加人数": COUNT, "居民区": TEXT, "总分": POINTS, "排名": COUNT},
                       {"领导小组调整": s.area_ladder.names},
                       {"街道考评": ("decimal", "0", "area.items_total"), "居民区互评": rated, "党员群众测评": rated,
                        **HEADCOUNTS, "加分": ("decimal", "0", "1000"), "减分": ("decimal", "0", "1000")})
    people = SheetLayout(STAFF_SHEET, "姓名", STAFF_INPUTS, STAFF_RESULTS,
                         {"应参加人数": COUNT, "实际参加人数": COUNT, "在岗月数": COUNT, "奖金基数": YUAN, "奖金": YUAN,
                          "姓名": TEXT, "居民区": TEXT, ID_FIELD: TEXT, "居民区得分": POINTS, "得分": POINTS},
                         {"岗位": POSTS, "人员类别": s.categories, "不参加考核原因": REASONS,
                          "领导小组调整": s.staff_ladder.names},
                         {**dict.fromkeys(("书记主任考评", "内部互评", "党员群众测评"), rated), **HEADCOUNTS,
                          "在岗月数": ("decimal", "0", "12"), "奖金基数": ("decimal", "0", "100000000")})
    return area, people


def _feedback(s: Scheme, key: str, row: Mapping[str, object], results: Mapping[str, object]) -> list[dict[str, object]]:
    total = results.get("总分")
    return feedback_parts(s, key, row, total if isinstance(total, (int, float)) else None)


def same_document(*references: str) -> str:
    """Clauses of one document as it writes them, its name once: "jingan 六(一)；八(三)"."""
    name = references[0].split(" ", 1)[0] + " "
    return "；".join(r.removeprefix(name) if n else r for n, r in enumerate(references))


def publicity(s: Scheme, tables: Mapping[str, Table], people_rows: Sequence[Mapping[str, object]]) -> Listing:
    """The list publicised before grades are final (jingan 八(三)): areas to be 优秀/良好, then staff to be
    优秀, each by grade and score."""
    listed = publicity_list(s, tables[AREA_SHEET], tables[STAFF_SHEET])
    area_of = {key: as_text(r.get("居民区")) for key, r in zip(keys_of(people_rows, "姓名"), people_rows)}
    order = {g: n for n, g in enumerate(s.area_ladder.names)}
    listed.sort(key=lambda r: (r["类别"] != "居民区", order.get(r["拟定等次"], 9), -(r["得分"] or 0)))
    title, clauses = s.params.meta["title"], same_document(s.cite("area.grades"), s.cite("publicity"))
    areas_, staff_ = ("".join(f"“{g}”" for g in ladder.names if g in s.publicised[sheet])
                      for sheet, ladder in ((AREA_SHEET, s.area_ladder), (STAFF_SHEET, s.staff_ladder)))
    opening = (f"根据{title}，现将考核评估等次拟确定为{areas_}的居民区和拟确定为{staff_}的居民区工作人员名单"
               f"予以公示（{clauses}）。公示期间，对公示对象有意见的，请向街道（镇）居民区考核"
               "评估领导小组反映；确有问题的，取消其“优秀”“良好”资格。")
    rows = [[n, r["类别"], r["名称"], r["居民区"] or area_of.get(r["名称"], ""), r["拟定等次"], r["得分"]]
            for n, r in enumerate(listed, start=1)]
    columns = (PaperColumn("序号", "序号"), PaperColumn("类别", "类别"), PaperColumn("名称", "名称", 2),
               PaperColumn("所在居民区", "所在居民区"), PaperColumn("拟定等次", "拟定等次"),
               PaperColumn("得分", "得分", 2, "0.00"))
    return Listing(opening, columns, rows)


RULESET: RuleSet[Scheme] = RuleSet(
    kind="jingan", from_params=from_params,
    area_sheet=AREA_SHEET, people_sheet=STAFF_SHEET,
    inputs={AREA_SHEET: AREA_INPUTS, STAFF_SHEET: STAFF_INPUTS},
    results={AREA_SHEET: AREA_RESULTS, STAFF_SHEET: STAFF_RESULTS},
    layouts=layouts, money="奖金",
    score_areas=score_areas, score_people=score_staff,
    pools=POOLS, pool_caps=pool_caps, barred=barred, grade_names=grade_names, distributions=distributions,
    pay=staff_bonus,
    blank_papers=("测评表",), feedback_parts=_feedback,
    feedback_columns=(PaperColumn("项目", "项目"), PaperColumn("得分", "得分", 1, "0.00"),
                      PaperColumn("权重", "权重", 1, "0%"), PaperColumn("折合", "折合分", 2, "0.00"),
                      PaperColumn("依据", "依据", 3)),
    feedback_staff=(PaperColumn("得分", "得分", 1, "0.00"), PaperColumn("最终等次", "最终等次", 2),
                    PaperColumn("奖金", "奖金（元）", 2, "#,##0.00")),
    publicity=publicity,
    rated_on_forms=True, leader_posts=LEADER_POSTS, native="jingan",
)
