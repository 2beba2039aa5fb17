"""高境镇 2024 scheme (``kind = "gaojing"``): areas, rank tiers, money — DOMAIN §5.

Every number comes from the scheme data (``kaohe/schemes/gaojing-2024.toml`` or a copy);
this module holds the rules that combine them, each citing its clause.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from ..contract import COUNT, ID_FIELD, RATE, TEXT, YUAN
from ..findings import Checked, Finding, Where, all_values, error, warning
from ..params import ParamReader, Params
from ..reading import is_blank, read_choice, read_count, read_number, read_rate
from ..results import Table, start_table
from .grading import (
    ROUNDINGS,
    Ladder,
    RankBand,
    band_of,
    caps_for,
    grade_areas,
    ladder_from,
    rank_bands,
    rank_eq,
    tie_straddles,
    tiebreak_values,
)
from .ruleset import Bound, Distribution, Listing, PaperColumn, RuleSet, SheetLayout
from .turnout import share_met

AREA_SHEET, PEOPLE_SHEET = "居民区", "人员奖励"
AREA_INPUTS = ("居民区", "总户数", "党员数", "加强党建引领", "服务凝聚群众", "维护社会和谐稳定", "座谈会得分", "座谈会户数",
               "座谈会党员数", "第三方得分", "第三方户数", "社区通上半年得分", "社区通上半年户数", "社区通下半年得分",
               "社区通下半年户数", "未真实走访户数", "处置率", "解决率", "满意率", "加分", "减分", "领导小组调整")
OPTIONAL_INPUTS = ("本年热线件数", "上年热线件数", "上年群众满意度")  # 进步指数, DOMAIN 5.9
AREA_RESULTS = ("群众满意度", "走访联系得分", "办实事得分", "热线得分", "总分", "排名", "档次", "建议等次", "最终等次",
                "热线综合", "热线同比下降率", "满意度同比提升率")
PEOPLE_INPUTS = ("姓名", "居民区", "岗位")
PEOPLE_RESULTS = ("档次", "奖励金额")
# WORKBOOK 人员奖励.岗位: the qualified words of 五(二)1 (the dropdown)
POSTS = ("党组织负责人", "党组织副书记（主持工作）", "党组织副书记（不含主持工作）", "居委主任（坐班）", "居委主任（不坐班）",
         "社区工作者（聘用人员）", "社区工作者（其他）", "其他")
# 五(二)1 pays 党组织副书记“（不含主持工作）”: one who presides is paid as the 党组织负责人
PAID_AS = {"党组织副书记（主持工作）": "党组织负责人"}
# A post typed without its qualifier is read as the variant 五(二)1 pays, with a warning asking to state it
UNQUALIFIED = {"党组织副书记": "党组织副书记（不含主持工作）", "居委主任": "居委主任（坐班）",
               "社区工作者": "社区工作者（聘用人员）"}
DAILY_ITEMS = ("party_leadership", "serve_people", "stability")  # 平时成绩, typed by departments
CHANNELS = {"forum": ("座谈会得分",), "third_party": ("第三方得分",), "online": ("社区通上半年得分", "社区通下半年得分")}
RATES = ("处置率", "解决率", "满意率")
TIEBREAK_COLUMNS = ("加强党建引领", "服务凝聚群众", "维护社会和谐稳定", "座谈会得分", "第三方得分", "社区通上半年得分",
                    "社区通下半年得分", *RATES)  # inputs where higher is better
NO_TIER = ""  # ranked below every tier: no 档次
# The methods a scheme may name where the document is silent (DOMAIN [default]s; the first of each is the default)
ROUNDS = ("mean", "later")  # satisfaction.online_rounds: 社区通's two rounds, their mean or the later alone (5.2)
ITEMS_METHODS = ("share",)  # satisfaction.items_method: an 18-point item = its points × S / 满分 (5.2)
TOTAL_ONLINE = ("max", "sum")  # turnout.total_online: 社区通 in the households' total, the larger round or both (5.3)
COMPOSITES = ("mean",)  # hotline.composite: of 处置率, 解决率, 满意率 (5.5)
WORST_GRADE_TIER = ("keep",)  # tier_rules.worst_grade: a 不合格 area inside a tier keeps it, with a warning (5.8)
PROGRESS_USES = ("shown",)  # progress.use: 进步指数 shown beside the score, not added to it (5.9)
BELOW_MINIMUM = ("flag",)  # turnout.below_minimum: a channel below its turnout still counts; the check errs (5.3)


@dataclass(frozen=True, eq=False)  # hashed by identity: schemes are cached
class Scheme:
    params: Params
    items: dict[str, tuple[str, float]]  # id → (label, points)
    channel_weights: dict[str, float]
    full_score: float
    question_max: float
    questions: int
    questionnaire: tuple[tuple[str, str], ...]  # (section, question) as 附件2 words them, for the printed form
    turnout: dict[str, float]
    visits_sample: int
    visit_deduction: float
    rank_points: tuple[RankBand, ...]
    bonus_range: tuple[float, float]
    deduction_range: tuple[float, float]
    ladder: Ladder
    tiebreak: str | None
    rank_tiers: tuple[RankBand, ...]
    money: dict[tuple[str, str], float]  # (post, tier) → yuan
    online_rounds: str  # one of ROUNDS
    items_method: str  # one of ITEMS_METHODS
    total_online: str  # one of TOTAL_ONLINE
    composite: str  # one of COMPOSITES
    worst_grade_tier: str  # one of WORST_GRADE_TIER
    progress_use: str  # one of PROGRESS_USES
    below_minimum: str  # one of BELOW_MINIMUM

    @property
    def id(self) -> str:
        return self.params.meta["id"]

    def cite(self, path: str) -> str:
        return self.params.leaves[path].reference


def from_params(params: Params) -> Scheme:
    r = ParamReader(params)
    item_ids = [p.rsplit(".", 1)[1] for p in params.leaves if p.startswith("items.")]
    items = {i: (params.leaves[f"items.{i}"].label, r.number(f"items.{i}", lo=0)) for i in item_ids}
    r.sums_to([f"items.{i}" for i in item_ids], r.number("scoring.items_total", lo=1), "居民区考核分值")
    for needed in (*DAILY_ITEMS, "visits", "practical", "hotline"):
        if needed not in items:
            r.problem(f"items.{needed}", "缺失")
    weights = {c: r.weight(f"satisfaction.weights.{c}") for c in CHANNELS}
    r.sums_to([f"satisfaction.weights.{c}" for c in CHANNELS], 1, "群众满意度测评权重")
    full = r.number("satisfaction.full_score", lo=1)
    question_max = r.number("satisfaction.question_max", lo=1)
    questions = int(r.number("satisfaction.questions", lo=1, integer=True))
    if not math.isnan(question_max * full) and question_max * questions != full:
        r.problem("satisfaction.questions", f"{questions}题×{question_max:g}分≠满分{full:g}")
    wording = r.rows("satisfaction.questionnaire", {"section": "text", "question": "text"})
    if wording and len(wording) != questions:
        r.problem("satisfaction.questionnaire", f"问卷有{len(wording)}题，应为{questions}题", allowed=questions,
                  actual=len(wording))
    turnout = {k: r.share(f"turnout.{k}") for k in ("forum_households", "forum_members", "third_party_households",
                                                     "online_households", "total_households")}
    turnout["forum_households_usual_max"] = r.number("turnout.forum_households_usual_max", lo=0, integer=True)
    bounds = {k: r.number(f"adjustments.{k}", lo=0) for k in ("bonus_min", "bonus_max", "deduction_min",
                                                              "deduction_max")}
    for kind in ("bonus", "deduction"):
        if bounds[f"{kind}_min"] > bounds[f"{kind}_max"]:
            r.problem(f"adjustments.{kind}_min", "下限大于上限")
    rank_points = rank_bands(r.rows("hotline.rank_points", {"from": "num", "to?": "num", "points": "num"}),
                             "points", r, "hotline.rank_points")
    top = max((cast(float, b.label) for b in rank_points), default=None)  # points, each a number
    if top is not None and "hotline" in items and top != items["hotline"][1]:
        r.problem("hotline.rank_points", f"最高得分应等于12345热线项分值{items['hotline'][1]:g}",
                  allowed=items["hotline"][1], actual=top)
    rank_tiers = rank_bands(r.rows("rank_tiers", {"tier": "text", "from": "num", "to?": "num"}), "tier", r,
                            "rank_tiers")
    money_rows = r.rows("money", {"post": "text", "tier": "text", "amount": "num"})
    for n, row in enumerate(money_rows, start=1):
        if row.get("post") not in POSTS:
            r.problem(f"money.{n}.post", f"“{row.get('post')}”不是岗位之一（{'、'.join(POSTS)}）")
        if row.get("amount", 0) < 0:
            r.problem(f"money.{n}.amount", f"为{row['amount']:g}，不能为负", actual=row["amount"])
        if row.get("tier") not in {b.label for b in rank_tiers}:
            r.problem(f"money.{n}.tier", f"“{row.get('tier')}”不是档次表中的档次")
    scheme = Scheme(
        params=params,
        items=items,
        channel_weights=weights,
        full_score=full,
        question_max=question_max,
        questions=questions,
        questionnaire=tuple((w["section"], w["question"]) for w in wording),
        turnout=turnout,
        visits_sample=int(r.number("visits.sample", lo=0, integer=True)),
        visit_deduction=r.number("visits.deduction_per_household", lo=0),
        rank_points=rank_points,
        bonus_range=(bounds["bonus_min"], bounds["bonus_max"]),
        deduction_range=(bounds["deduction_min"], bounds["deduction_max"]),
        ladder=ladder_from(r, "grades", r.choice("rounding.quota", ROUNDINGS)),
        tiebreak=tiebreak_values(r, "tiebreak.column", TIEBREAK_COLUMNS),
        rank_tiers=rank_tiers,
        money={(m["post"], m["tier"]): m["amount"] for m in money_rows},
        online_rounds=r.choice("satisfaction.online_rounds", ROUNDS),
        items_method=r.choice("satisfaction.items_method", ITEMS_METHODS),
        total_online=r.choice("turnout.total_online", TOTAL_ONLINE),
        composite=r.choice("hotline.composite", COMPOSITES),
        worst_grade_tier=r.choice("tier_rules.worst_grade", WORST_GRADE_TIER),
        progress_use=r.choice("progress.use", PROGRESS_USES),
        below_minimum=r.choice("turnout.below_minimum", BELOW_MINIMUM),
    )
    r.finish()
    return scheme


# --- 群众满意度 (DOMAIN 5.2, 5.3) -------------------------------------------------------------

def questionnaire_score(s: Scheme, where: Where, answers: Sequence[object]) -> Checked[float]:
    """One questionnaire (附件2): 10 questions of at most 10 points, summed to 0–100."""
    clause = s.cite("satisfaction.question_max")
    if len(answers) != s.questions:
        return Checked(None, (error("问卷题数", clause, f"{where.key}：问卷应有{s.questions}题，现有{len(answers)}题",
                                    where, allowed=s.questions, actual=len(answers)),))
    reads = [read_number(a, where.at(f"第{n}题"), lo=0, hi=s.question_max, rule="问卷评分", clause=clause)
             for n, a in enumerate(answers, start=1)]
    findings = tuple(f for r in reads for f in r.findings)
    values = all_values(reads)
    return Checked(None if values is None else sum(values), findings)


def rounds_score(rounds: str, values: Sequence[float]) -> float:
    """A channel's score from its rounds (one; 社区通's 上半年 and 下半年, 四(二)2 三): their mean, or with
    ``later`` the last round's (satisfaction.online_rounds, DOMAIN 5.2 [default] mean)."""
    return values[-1] if rounds == "later" else sum(values) / len(values)


def satisfaction(s: Scheme, key: str, row: Mapping[str, object]) -> Checked[float]:
    """S = 20% 座谈会 + 40% 第三方 + 40% 社区通 (its two rounds merged as the scheme says) (gaojing-2024 四(二)2)."""
    where = Where(AREA_SHEET, key, "")
    findings: list[Finding] = []
    channel: dict[str, float | None] = {}
    for name, fields in CHANNELS.items():
        reads = [read_number(row.get(f), where.at(f), lo=0, hi=s.full_score, rule="满意度测评",
                             clause=s.cite(f"satisfaction.weights.{name}")) for f in fields]
        findings += [f for r in reads for f in r.findings]
        values = all_values(reads)
        channel[name] = None if values is None else rounds_score(s.online_rounds, values)
    means = {n: v for n, v in channel.items() if v is not None}
    if len(means) < len(channel):
        return Checked(None, tuple(findings))
    return Checked(sum(s.channel_weights[n] * v for n, v in means.items()), tuple(findings))


def turnout_findings(s: Scheme, key: str, row: Mapping[str, object]) -> tuple[Finding, ...]:
    """Each channel's household and party-member minimums, and the 50% total (gaojing-2024 四(二)2).

    A channel below its minimum still counts; the check reports an error (turnout.below_minimum ``flag``,
    DOMAIN 5.3 [default]).
    """
    where = Where(AREA_SHEET, key, "")
    clause = s.cite("turnout.forum_households")
    fields = ("总户数", "党员数", "座谈会户数", "座谈会党员数", "第三方户数", "社区通上半年户数", "社区通下半年户数")
    reads = {f: read_count(row.get(f), where.at(f), rule="参与户数", clause=clause) for f in fields}
    findings = [f for r in reads.values() for f in r.findings]
    n = {f: r.value for f, r in reads.items()}
    households, members = n["总户数"], n["党员数"]
    for field in ("总户数", "党员数"):
        if n[field] == 0:
            findings.append(error("参与户数", clause, f"{key}：{field}为0，无法核对参与比例", where.at(field),
                                  allowed=">0", actual=0))

    def minimum(field: str, base: int | None, path: str, what: str) -> None:
        count = n[field]
        if count is None or base is None:
            return
        share = s.turnout[path]
        if count > base:
            findings.append(error("参与户数", s.cite(f"turnout.{path}"), f"{key}：{field}{count}多于{what}{base}",
                                  where.at(field), allowed=f"≤{base}", actual=count))
        elif not share_met(count, base, share, strictly=False):
            findings.append(error("参与户数", s.cite(f"turnout.{path}"),
                                  f"{key}：{field}{count}，少于{what}{base}的{share:.0%}",
                                  where.at(field), allowed=f"≥{share * base:g}", actual=count))

    minimum("座谈会户数", households, "forum_households", "总户数")
    minimum("座谈会党员数", members, "forum_members", "党员数")
    minimum("第三方户数", households, "third_party_households", "总户数")
    minimum("社区通上半年户数", households, "online_households", "总户数")
    minimum("社区通下半年户数", households, "online_households", "总户数")
    usual = s.turnout["forum_households_usual_max"]
    if n["座谈会户数"] is not None and n["座谈会户数"] > usual:
        findings.append(warning("参与户数", s.cite("turnout.forum_households_usual_max"),
                                f"{key}：座谈会{n['座谈会户数']}户，一般不超过{usual:g}户",
                                where.at("座谈会户数"), allowed=f"≤{usual:g}", actual=n["座谈会户数"]))
    forum, third, first, second = n["座谈会户数"], n["第三方户数"], n["社区通上半年户数"], n["社区通下半年户数"]
    if households and forum is not None and third is not None and first is not None and second is not None:
        total = households_total(s.total_online, forum, third, first, second)
        share = s.turnout["total_households"]
        if not share_met(total, households, share, strictly=False):
            findings.append(error("参与户数", s.cite("turnout.total_households"),
                                  f"{key}：参与评价合计{total}户，少于总户数{households}的{share:.0%}",
                                  where.at("总户数"), allowed=f"≥{share * households:g}", actual=total))
    return tuple(findings)


def households_total(total_online: str, forum: int, third: int, first: int, second: int) -> int:
    """The households of all channels (四(二)2 "参与评价的居民区户总数"): 座谈会 + 第三方 + 社区通, whose two
    rounds count as the larger one (``max``: a household answering both is not counted twice, DOMAIN 5.3
    [default]) or as both (``sum``) (turnout.total_online)."""
    return forum + third + (first + second if total_online == "sum" else max(first, second))


# --- 各项得分 (DOMAIN 5.1, 5.4–5.6) ----------------------------------------------------------

def satisfaction_points(s: Scheme, item: str, sat: float) -> float:
    """An item scored by satisfaction (四(二)2, 附件1 第1、2行): its points × S / 满分 (satisfaction.items_method
    ``share``, DOMAIN 5.2 [default])."""
    return s.items[item][1] * sat / s.full_score


def visits_item(s: Scheme, key: str, sat: float, unvisited: object) -> Checked[float]:
    """走访联系 = 18 × S/100, minus 1 per household found not truly visited, not below 0 (附件1 第1行)."""
    where = Where(AREA_SHEET, key, "未真实走访户数")
    read = read_number(unvisited, where, lo=0, hi=s.visits_sample, rule="走访抽查", clause=s.cite("visits.sample"),
                       required=False, suffixes=("户",))
    if read.value is None and read.findings:
        return Checked(None, read.findings)
    blank = () if read.value is not None else (warning(
        "走访抽查", s.cite("visits.sample"), f"{key}：未填未真实走访户数（抽查{s.visits_sample}户的结果），按0户计",
        where, allowed=f"0–{s.visits_sample}", actual="空"),)
    if read.value is not None and read.value != int(read.value):
        return Checked(None, (error("走访抽查", s.cite("visits.sample"), f"{key}：未真实走访户数应为整数",
                                    Where(AREA_SHEET, key, "未真实走访户数"), actual=read.value),))
    return Checked(max(0.0, satisfaction_points(s, "visits", sat) - (read.value or 0) * s.visit_deduction), blank)


def practical_item(s: Scheme, sat: float) -> float:
    """办实事 = 18 × S/100 (satisfaction.items_method, DOMAIN 5.2 [default])."""
    return satisfaction_points(s, "practical", sat)


def hotline_composite(s: Scheme, key: str, row: Mapping[str, object]) -> Checked[float]:
    """The 12345 composite: the mean of 处置率, 解决率, 满意率 (附件1 第3行; hotline.composite, [default] mean)."""
    reads = [read_rate(row.get(f), Where(AREA_SHEET, key, f), clause=s.cite("hotline.composite")) for f in RATES]
    findings = tuple(f for r in reads for f in r.findings)
    values = all_values(reads)
    return Checked(None if values is None else sum(values) / len(values), findings)


def adjustment(s: Scheme, key: str, raw: object, field: str) -> Checked[float]:
    """加分 / 减分: blank or 0 for none, else an amount in [1, 3] (gaojing-2024 三(四))."""
    kind = "bonus" if field == "加分" else "deduction"
    low, high = s.bonus_range if kind == "bonus" else s.deduction_range
    clause = s.cite(f"adjustments.{kind}_min")
    read = read_number(raw, Where(AREA_SHEET, key, field), lo=0, hi=high, rule=field, clause=clause, required=False)
    if read.findings:
        return read
    if read.value is not None and 0 < read.value < low:
        return Checked(None, (error(field, clause, f"{key}：{field}{read.value:g}分，应为{low:g}–{high:g}分",
                                    Where(AREA_SHEET, key, field), allowed=f"{low:g}–{high:g}", actual=read.value),))
    return Checked(read.value or 0.0)  # blank: no bonus or deduction


def daily_score(s: Scheme, key: str, row: Mapping[str, object]) -> Checked[float]:
    """平时成绩: the three department scores, each within its points (附件1 第4–6行)."""
    reads = [read_number(row.get(s.items[i][0]), Where(AREA_SHEET, key, s.items[i][0]), lo=0, hi=s.items[i][1],
                         rule="平时成绩", clause=s.cite(f"items.{i}")) for i in DAILY_ITEMS]
    findings = tuple(f for r in reads for f in r.findings)
    values = all_values(reads)
    return Checked(None if values is None else sum(values), findings)


def progress(s: Scheme, key: str, row: Mapping[str, object], sat: float | None) -> tuple[Checked, Checked]:
    """进步指数 parts (gaojing-2024 四(三), progress.use [default] shown, not scored): 12345 year-on-year decline
    and satisfaction year-on-year rise, where last year's figures are typed in (blank: not shown)."""
    where, clause = Where(AREA_SHEET, key, ""), s.cite("progress.use")
    this, last, last_sat = (read_number(row.get(f), where.at(f), lo=0, hi=None if f != "上年群众满意度" else s.full_score,
                                        rule="进步指数", clause=clause, required=False, suffixes=("件", "分"))
                            for f in OPTIONAL_INPUTS)
    decline = (last.value - this.value) / last.value if this.value is not None and last.value else None
    rise = (sat - last_sat.value) / last_sat.value if sat is not None and last_sat.value else None
    return Checked(decline, this.findings + last.findings), Checked(rise, last_sat.findings)


def feedback_parts(s: Scheme, row: Mapping[str, object], results: Mapping[str, object]) -> list[dict[str, object]]:
    """An area's 总分 item by item (附件1), for its feedback page: each item's points out of its full points."""
    parts = [{"项目": s.items[i][0], "得分": row.get(s.items[i][0]), "满分": s.items[i][1], "依据": s.cite(f"items.{i}")}
             for i in DAILY_ITEMS]
    parts.append({"项目": "群众满意度", "得分": results.get("群众满意度"), "满分": s.full_score,
                  "依据": "、".join(s.cite(f"satisfaction.weights.{c}") for c in CHANNELS)})
    for column, item in (("走访联系得分", "visits"), ("办实事得分", "practical"), ("热线得分", "hotline")):
        parts.append({"项目": s.items[item][0], "得分": results.get(column), "满分": s.items[item][1],
                      "依据": s.cite(f"items.{item}")})
    for field, kind in (("加分", "bonus"), ("减分", "deduction")):
        parts.append({"项目": field, "得分": row.get(field), "满分": None, "依据": s.cite(f"adjustments.{kind}_min")})
    return parts


def score_areas(s: Scheme, rows: Sequence[Mapping[str, object]]) -> Table:
    """Every area's parts, 总分, 排名, 档次, 建议等次 under the caps and 最终等次 (gaojing-2024 四、五)."""
    table, keyed = start_table(rows, AREA_SHEET, "居民区", AREA_RESULTS)
    keys = [k for k, _ in keyed]
    partial = np.full(len(keys), np.nan)  # everything but the hotline points
    composite = np.full(len(keys), np.nan)
    total_reason: dict[str, Finding | None] = {}  # why 总分 cannot be had, before the hotline points
    for i, (key, row) in enumerate(keyed):
        table.findings += list(turnout_findings(s, key, row))
        sat = satisfaction(s, key, row)
        table.put(key, "群众满意度", sat)
        parts: list[Checked] = [daily_score(s, key, row), adjustment(s, key, row.get("加分"), "加分"),
                                adjustment(s, key, row.get("减分"), "减分")]
        if sat.value is not None:
            visits = visits_item(s, key, sat.value, row.get("未真实走访户数"))
            table.put(key, "走访联系得分", visits)
            table.put(key, "办实事得分", practical_item(s, sat.value))
            parts += [visits, Checked(table.value(key, "办实事得分"))]
        else:
            for column in ("走访联系得分", "办实事得分"):
                table.put(key, column, None, table.reason(key, "群众满意度"))
            parts.append(sat)
        hot = hotline_composite(s, key, row)
        table.put(key, "热线综合", hot)
        composite[i] = np.nan if hot.value is None else hot.value
        for p in parts:
            table.add(p.findings)
        if (values := all_values(parts)) is not None:
            partial[i] = values[0] + values[1] - values[2] + sum(values[3:])
        decline, rise = progress(s, key, row, sat.value)
        table.put(key, "热线同比下降率", decline)
        table.put(key, "满意度同比提升率", rise)
        total_reason[key] = next((f for p in parts for f in p.findings if f.is_error), None)
    hotline_ranks = rank_eq(composite)
    table.findings += tie_straddles(hotline_ranks, keys, s.rank_points, AREA_SHEET, "热线得分", "12345热线综合评分",
                                    s.cite("hotline.rank_points"))
    hotline = np.array([np.nan if r == 0 else band_of(int(r), s.rank_points) for r in hotline_ranks], dtype=float)
    totals = partial + hotline
    for i, key in enumerate(keys):
        table.put(key, "热线得分", None if np.isnan(hotline[i]) else float(hotline[i]), table.reason(key, "热线综合"))
        reason = total_reason.pop(key, None) or table.reason(key, "热线得分")
        table.put(key, "总分", None if np.isnan(totals[i]) else float(totals[i]), reason)
    ranks = rank_eq(totals)
    table.findings += tie_straddles(ranks, keys, s.rank_tiers, AREA_SHEET, "档次", "总分排名", s.cite("rank_tiers"))
    for key, rank in zip(keys, ranks.tolist()):
        table.put(key, "排名", rank or None, table.reason(key, "总分"))
        tier = cast(str | None, band_of(rank, s.rank_tiers))  # a tier's name
        table.put(key, "档次", (tier or NO_TIER) if rank else None, table.reason(key, "总分"))
    finals = grade_areas(table, keyed, totals, s.ladder, s.tiebreak, s.cite("tiebreak.column"), "本镇居民区")
    table.findings += failing_with_tier(s, keys, finals, table)
    return table


def failing_with_tier(s: Scheme, keys: Sequence[str], finals: Sequence[str | None], table: Table) -> list[Finding]:
    """An area graded the worst grade but ranked inside a tier keeps its 档次 and its staff's money: the
    scheme ranks by 总分 (五(二)) and does not say a 不合格 area loses its tier (tier_rules.worst_grade ``keep``,
    DOMAIN 5.8 default), so the check only warns, for the leading group to decide."""
    return [warning("不合格仍列档次", s.cite("tier_rules.worst_grade"),
                    f"{key}最终等次为「{final}」，但总分排名第{table.value(key, '排名')}名，仍列{table.value(key, '档次')}，"
                    "其人员按该档次计发奖励：方案未规定不合格居民区是否取消档次，请领导小组确认",
                    Where(AREA_SHEET, key, "档次"), actual=table.value(key, "档次"))
            for key, final in zip(keys, finals)
            if final == s.ladder.worst and table.value(key, "档次") not in (None, NO_TIER)]


# --- 人员奖励 (DOMAIN 5.8) ------------------------------------------------------------------

def reward(s: Scheme, key: str, post: object, tier: object) -> Checked[float]:
    """Yuan per person by post and the area's tier (gaojing-2024 五(二)1); other posts and no tier: 0.

    ``tier`` None: the area's tier is not determined (an error upstream); "" : ranked below every tier.
    """
    read = read_post(s, key, post)
    if read.value is None:
        return Checked(None, read.findings)
    tiers = [str(b.label) for b in s.rank_tiers]
    label = "" if is_blank(tier) else str(tier).strip()
    if tier is None or label not in (*tiers, NO_TIER):
        shown = "未定" if tier is None else f"为“{tier}”"
        return Checked(None, (error("档次", s.cite("rank_tiers"), f"{key}：所在居民区档次{shown}，应为{'、'.join(tiers)}或空",
                                    Where(PEOPLE_SHEET, key, "档次"), allowed="、".join(tiers) + "或空", actual=tier),))
    return Checked(float(s.money.get((PAID_AS.get(read.value, read.value), label), 0)), read.findings)


def read_post(s: Scheme, key: str, post: object) -> Checked[str]:
    """岗位 as typed: one of the qualified posts, or an old unqualified word read as its paid variant."""
    where = Where(PEOPLE_SHEET, key, "岗位")
    text = "" if is_blank(post) else str(post).strip()
    if text in UNQUALIFIED:
        meant, variants = UNQUALIFIED[text], "、".join(p for p in POSTS if p.startswith(text))
        return Checked(meant, (warning("岗位", s.cite("money"), f"{key}：岗位“{text}”未注明（五(二)1区分{variants}），"
                                       f"按“{meant}”计发，请在岗位中写明", where, allowed=meant, actual=text),))
    return read_choice(post, where, POSTS, rule="岗位", clause=s.cite("money"))


def score_people(s: Scheme, rows: Sequence[Mapping[str, object]], areas: Table) -> Table:
    table, keyed = start_table(rows, PEOPLE_SHEET, "姓名", PEOPLE_RESULTS)
    for key, row in keyed:
        area = "" if is_blank(row.get("居民区")) else str(row.get("居民区")).strip()
        if area not in areas.rows:
            unknown = error("所属居民区", "人员奖励表填写要求", f"{key}：所属居民区“{area}”不在居民区表中",
                            Where(PEOPLE_SHEET, key, "居民区"), actual=area)
            table.findings.append(unknown)
            table.put(key, "档次", None, unknown)
        else:
            table.put(key, "档次", areas.value(area, "档次"), areas.reason(area, "档次"))
        if table.value(key, "档次") is None:  # the tier's own reason says why; no second finding
            table.put(key, "奖励金额", None, table.reason(key, "档次"))
            continue
        table.put(key, "奖励金额", reward(s, key, row.get("岗位"), table.value(key, "档次")))
    return table


# --- the rule set (kaohe.rules.ruleset): what the engine and the adapters call ------------------------

POOLS = ("居民区",)  # one pool: the areas, street-wide (五(一))
COUNTS = ("总户数", "党员数", "座谈会户数", "座谈会党员数", "第三方户数", "社区通上半年户数", "社区通下半年户数",
          "未真实走访户数", "本年热线件数", "上年热线件数")


def pool_caps(s: Scheme, pool: str, n: int, area_grade: object) -> Checked[tuple[Ladder, dict[str, int]]]:
    """The areas' ladder and its caps for n areas (五(一))."""
    return Checked((s.ladder, caps_for(s.ladder, n)))


def barred(s: Scheme, pool: str, area_grade: str | None, member_area_grade: object) -> bool:
    """No one is barred from a grade: the scheme grades areas only."""
    return False


def grade_names(s: Scheme) -> dict[str, tuple[str, ...]]:
    """The areas' grades, best first (五(一)); people are not graded."""
    return {AREA_SHEET: s.ladder.names}


def distributions(s: Scheme) -> tuple[Distribution, ...]:
    """What 汇总 and the copy's 封面 count: the areas' final grades (五(一)) and rank tiers (五(二))."""
    return (Distribution("居民区最终等次", AREA_SHEET, "最终等次", s.ladder.names),
            Distribution("居民区档次", AREA_SHEET, "档次", tuple(str(b.label) for b in s.rank_tiers)))


def layouts(s: Scheme) -> tuple[SheetLayout, SheetLayout]:
    """居民区 and 人员奖励 as the workbook shows them, the posts as a dropdown."""
    rates = (*RATES, "热线综合", "热线同比下降率", "满意度同比提升率")
    scored = ("decimal", "0", "satisfaction.full_score")
    numbers: dict[str, Bound] = {h: scored for hs in CHANNELS.values() for h in hs}
    numbers |= {s.items[i][0]: ("decimal", "0", f"items.{i}") for i in DAILY_ITEMS}
    numbers |= {h: ("percent", "0", "1") for h in RATES}
    numbers |= {h: ("whole", "0", "10000000") for h in COUNTS if h != "未真实走访户数"}
    numbers["上年群众满意度"] = scored
    numbers |= {"未真实走访户数": ("whole", "0", "visits.sample"), "加分": ("decimal", "0", "adjustments.bonus_max"),
                "减分": ("decimal", "0", "adjustments.deduction_max")}
    area = SheetLayout(AREA_SHEET, "居民区", AREA_INPUTS + OPTIONAL_INPUTS, AREA_RESULTS,
                       {**{c: COUNT for c in COUNTS}, **{r: RATE for r in rates}, "居民区": TEXT, "排名": COUNT},
                       {"领导小组调整": s.ladder.names}, numbers)
    people = SheetLayout(PEOPLE_SHEET, "姓名", PEOPLE_INPUTS, PEOPLE_RESULTS,
                         {"奖励金额": YUAN, "姓名": TEXT, "居民区": TEXT, ID_FIELD: TEXT}, {"岗位": POSTS})
    return area, people


def pay(s: Scheme, key: str, *, post: object, grade: object, **_: object) -> Checked[float]:
    """奖励金额 by post and tier (五(二)1); a blank cell: no tier. The other columns are not used."""
    return reward(s, key, post, "" if is_blank(grade) else grade)


def _feedback(s: Scheme, key: str, row: Mapping[str, object], results: Mapping[str, object]) -> list[dict[str, object]]:
    return feedback_parts(s, row, results)


def publicity(s: Scheme, tables: Mapping[str, Table], people_rows: Sequence[Mapping[str, object]]) -> Listing:
    """The results are published with the feedback (五(一)); the list names the areas to be 优秀 and those in
    a rank tier (A档/B档, 五(二)), which decides the staff's rewards, in the order of their 排名."""
    table, best = tables[AREA_SHEET], s.ladder.best
    shown = [(k, c) for k, c in table.rows.items() if c.get("最终等次") == best or c.get("档次")]
    shown.sort(key=lambda kc: kc[1].get("排名") or 1e9)
    opening = (f"根据{s.params.meta['title']}，现将考核结果拟评为“{best}”的居民区（{s.cite('grades')}）和考核名次列入"
               f"{'、'.join(str(b.label) for b in s.rank_tiers)}的居民区（{s.cite('rank_tiers')}）予以公示。"
               "公示期间，对公示对象有意见的，请向镇居民区考核领导小组反映。")
    rows: list[list[object]] = [[n, k, c.get("总分"), c.get("排名"), c.get("档次") or "—", c.get("最终等次")]
            for n, (k, c) in enumerate(shown, start=1)]
    columns = (PaperColumn("序号", "序号"), PaperColumn("居民区", "居民区"), PaperColumn("总分", "总分", 2, "0.00"),
               PaperColumn("排名", "排名"), PaperColumn("档次", "档次"), PaperColumn("拟定等次", "拟定等次", 2))
    return Listing(opening, columns, rows)


RULESET: RuleSet[Scheme] = RuleSet(
    kind="gaojing", from_params=from_params,
    area_sheet=AREA_SHEET, people_sheet=PEOPLE_SHEET,
    inputs={AREA_SHEET: AREA_INPUTS, PEOPLE_SHEET: PEOPLE_INPUTS},
    results={AREA_SHEET: AREA_RESULTS, PEOPLE_SHEET: PEOPLE_RESULTS},
    layouts=layouts, money="奖励金额",
    score_areas=score_areas, score_people=score_people,
    pools=POOLS, pool_caps=pool_caps, barred=barred, grade_names=grade_names, distributions=distributions,
    pay=pay,
    blank_papers=("满意度问卷",), feedback_parts=_feedback,
    feedback_columns=(PaperColumn("项目", "项目", 2), PaperColumn("得分", "得分", 1, "0.00"), PaperColumn("满分", "满分"),
                      PaperColumn("依据", "依据", 4)),
    feedback_staff=(),
    publicity=publicity,
    native="gaojing",
)
