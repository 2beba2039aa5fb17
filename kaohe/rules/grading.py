"""Grades under caps, ranks and rank tables (DOMAIN §6, jingan 六, gaojing-2024 五).

A ladder lists the grades best first; capped grades ("不超过20%", "不多于9个") go top-down by
score. Candidates tied on score across a cap all get the lower grade and a "并列超额" finding:
the leading group decides through the override column. Ranks follow Excel's RANK.EQ.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise

import numpy as np

from ..contract import FINAL, OVERRIDE, OVERRIDE_REASON, PROPOSED, QUOTA_RULE, TIE_RULE, TOTAL
from ..findings import Finding, Where, error, info, warning
from ..params import exact
from ..reading import is_blank, read_choice, read_number
from ..results import Table

ROUNDINGS = ("floor", "round_half_up", "ceil")
TIE_DECIMALS = 9  # scores equal to 9 decimals are tied: weighted sums differ in the 15th


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    min_score: float | None  # None: every one left (the bottom grade)
    share: float | None = None
    max_count: int | None = None

    @property
    def capped(self) -> bool:
        return self.share is not None or self.max_count is not None


@dataclass(frozen=True, slots=True)
class Ladder:
    steps: tuple[Step, ...]
    rounding: str
    clause: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps)

    @property
    def best(self) -> str:
        return self.steps[0].name

    @property
    def worst(self) -> str:
        return self.steps[-1].name


def quota(share: float, n: int, rounding: str) -> int:
    """How many of n a share allows, rounded as the scheme says (exact decimal arithmetic)."""
    x = exact(share) * n
    if rounding == "floor":
        return math.floor(x)
    if rounding == "ceil":
        return math.ceil(x)
    return math.floor(x + Fraction(1, 2))


def caps_for(ladder: Ladder, n: int) -> dict[str, int]:
    """The cap of each capped grade in a pool of n: the share and the absolute maximum together."""
    caps = {}
    for step in ladder.steps:
        if step.capped:
            limits = [quota(step.share, n, ladder.rounding)] if step.share is not None else []
            limits += [step.max_count] if step.max_count is not None else []
            caps[step.name] = min(limits)
    return caps


def empty_caps(ladder: Ladder, caps: Mapping[str, int], n: int, table: str, pool: str) -> list[Finding]:
    """A capped grade that rounds to no place at all on a small pool (20% of 4 is 0.8 → 0): a warning
    about the rounding parameter, which a street may change (DOMAIN 1.6)."""
    return [warning("名额为0", ladder.clause,
                    f"{pool}只有{n}个，按比例取整（{ladder.rounding}）后「{name}」名额为0，无人能评{name}；"
                    f"如非本意，请调整参数“名额取整”（rounding.quota）", Where("参数", "rounding.quota", "值"),
                    allowed=0, actual=n)
            for name, cap in caps.items() if cap == 0 and n > 0]


def _tie_keys(scores: np.ndarray, tiebreak: np.ndarray | None) -> list[tuple[float, float]]:
    rounded = tie_rounded(scores)
    second = tie_rounded(tiebreak) if tiebreak is not None else np.zeros_like(scores)
    second = np.where(np.isnan(second), -np.inf, second)
    return list(zip(rounded.tolist(), second.tolist()))


def propose(
    scores: np.ndarray,
    keys: Sequence[str],
    ladder: Ladder,
    caps: Mapping[str, int],
    table: str,
    barred: Mapping[str, np.ndarray] | None = None,
    tiebreak: np.ndarray | None = None,
) -> tuple[list[str | None], list[Finding]]:
    """Proposed grades for one pool; NaN scores get None (not graded).

    ``barred[name]`` marks who may not have that grade (jingan 六(二): no 优秀 in a 较差 area).
    ``tiebreak`` is a scheme's named second key, used before a tie is left to people.
    """
    grades: list[str | None] = [None] * len(keys)
    tie_key = _tie_keys(scores, tiebreak)
    order = sorted((i for i in range(len(keys)) if not math.isnan(scores[i])), key=lambda i: tie_key[i],
                   reverse=True)
    findings: list[Finding] = []
    for step in ladder.steps:
        bar = barred.get(step.name) if barred else None
        eligible = [i for i in order if (step.min_score is None or scores[i] >= step.min_score)
                    and not (bar is not None and bar[i])]
        chosen = eligible
        cap = caps.get(step.name)
        if cap is not None and len(eligible) > cap:
            chosen = eligible[:cap]
            if cap > 0 and tie_key[eligible[cap - 1]] == tie_key[eligible[cap]]:
                boundary = tie_key[eligible[cap]]
                tied = [i for i in eligible if tie_key[i] == boundary]
                chosen = [i for i in chosen if tie_key[i] != boundary]
                names = "、".join(keys[i] for i in tied)
                findings.append(warning(
                    TIE_RULE, ladder.clause,
                    f"「{step.name}」名额{cap}个，{names}并列{scores[tied[0]]:g}分跨越名额线，"
                    f"均暂列下一等次，请领导小组在“领导小组调整”列中决定",
                    Where(table, keys[tied[0]], "建议等次"), allowed=cap, actual=len(chosen) + len(tied)))
        for i in chosen:
            grades[i] = step.name
        taken = set(chosen)
        order = [i for i in order if i not in taken]
    return grades, findings


OVERRIDE_FIELD, REASON = OVERRIDE, OVERRIDE_REASON  # WORKBOOK.md: the override, and the reason typed beside it


def final_grades(
    proposed: Sequence[str | None], overrides: Sequence[object], keys: Sequence[str], ladder: Ladder,
    table: str, override_field: str = OVERRIDE_FIELD,
) -> tuple[list[str | None], dict[str, Finding]]:
    """The override where one is typed (it must name a grade of the ladder), else the proposal.

    Returns the final grades and, by key, the finding for each override that is not a grade name.
    """
    finals: list[str | None] = []
    bad: dict[str, Finding] = {}
    for grade, raw, key in zip(proposed, overrides, keys):
        if is_blank(raw):
            finals.append(grade)
            continue
        read = read_choice(raw, Where(table, key, override_field), ladder.names, rule="等次名称",
                           clause=ladder.clause)
        if read.findings:
            bad[key] = read.findings[0]
        finals.append(read.value)
    return finals, bad


def unexplained_overrides(rows: Sequence[Mapping[str, object]], keys: Sequence[str], table: str) -> list[Finding]:
    """A grade the leading group changed without a reason beside it: the record sent upward says who
    changed a grade but not why (the documents leave the decision to the leading group: jingan 六,
    gaojing-2024 五(一)), so kaohe reminds, it does not refuse."""
    return [info("调整理由", "kaohe 填写规则",
                 f"{key}的“{OVERRIDE_FIELD}”填了“{row.get(OVERRIDE_FIELD)}”，“{REASON}”未填：请写明领导小组的决定"
                 "（会议、日期、理由），公示和上报时备查", Where(table, key, REASON), actual=row.get(OVERRIDE_FIELD))
            for row, key in zip(rows, keys)
            if key and not is_blank(row.get(OVERRIDE_FIELD)) and is_blank(row.get(REASON))]


def check_caps(
    finals: Sequence[str | None], keys: Sequence[str], caps: Mapping[str, int], ladder: Ladder, table: str,
    pool: str,
    as_a_rule: bool = False,
) -> list[Finding]:
    """The final grades (after overrides) of one pool against its caps: an error for "不超过", a warning
    for a cap that holds "原则上" (as a rule: the party committee may decide otherwise)."""
    findings = []
    for name, cap in caps.items():
        holders = [k for k, g in zip(keys, finals) if g == name]
        if len(holders) > cap:
            findings.append((warning if as_a_rule else error)(
                QUOTA_RULE, ladder.clause,
                f"{pool}最终「{name}」{len(holders)}个，超过{'原则上的' if as_a_rule else ''}名额{cap}个："
                f"{'、'.join(holders)}", Where(table, holders[0], "最终等次"), allowed=cap, actual=len(holders)))
    return findings


# --- ranks -------------------------------------------------------------------------------------

def tie_rounded(values: np.ndarray) -> np.ndarray:
    """Scores rounded to TIE_DECIMALS, so that 89.99999999999 and 90 tie (DOMAIN §6); a score too large to
    round (1e308 typed as 加分: ×10⁹ overflows) is already whole and stays as it is."""
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = np.round(values, TIE_DECIMALS)
    return np.where(np.isinf(rounded) & np.isfinite(values), values, rounded)


def rank_eq(values: np.ndarray) -> np.ndarray:
    """Excel's RANK.EQ, higher is better: 1 + how many are strictly greater; 0 where NaN."""
    rounded = tie_rounded(values)
    valid = ~np.isnan(rounded)
    ascending = np.sort(rounded[valid])
    greater = len(ascending) - np.searchsorted(ascending, np.where(valid, rounded, 0), side="right")
    return np.where(valid, greater + 1, 0).astype(int)


@dataclass(frozen=True, slots=True)
class RankBand:
    label: object  # points (12345 table) or a tier name (A档)
    first: int
    last: int | None  # None: every rank after first


def band_of(rank: int, bands: Sequence[RankBand]) -> object | None:
    if rank < 1:
        return None
    return next((b.label for b in bands if rank >= b.first and (b.last is None or rank <= b.last)), None)


def tie_straddles(ranks: np.ndarray, keys: Sequence[str], bands: Sequence[RankBand], table: str,
                  field: str, what: str, clause: str) -> list[Finding]:
    """A tie whose places run across a band boundary (RANK.EQ gives them all the better band)."""
    findings = []
    by_rank: dict[int, list[str]] = {}
    for key, rank in zip(keys, ranks.tolist()):
        by_rank.setdefault(rank, []).append(key)
    for rank, tied in sorted(by_rank.items()):
        if rank and len(tied) > 1 and band_of(rank, bands) != band_of(rank + len(tied) - 1, bands):
            findings.append(warning(
                "并列跨档", clause,
                f"{what}：{'、'.join(tied)}并列第{rank}名，所占名次跨越档次界线，均按第{rank}名计",
                Where(table, tied[0], field), allowed=f"第{rank}名所在档", actual=len(tied)))
    return findings


def rank_bands(rows: Sequence[Mapping], label_field: str, reader, path: str) -> tuple[RankBand, ...]:
    """Rank bands from a scheme table, checked to run from 1 without gap or overlap."""
    for n, row in enumerate(rows, start=1):
        for name in ("from", "to"):
            if name in row and (row[name] != int(row[name]) or row[name] < 1):
                reader.problem(f"{path}.{n}.{name}", f"为{row[name]:g}，名次应为正整数", actual=row[name])
    bands = tuple(RankBand(r.get(label_field), int(r.get("from", 0)),
                           int(r["to"]) if "to" in r else None) for r in rows)
    expected = 1
    for n, band in enumerate(bands, start=1):
        if band.first != expected:
            reader.problem(f"{path}.{n}.from", f"为{band.first}，名次应从{expected}接续（不能有空缺或重叠）",
                           allowed=expected, actual=band.first)
        if band.last is None:
            if n != len(bands):
                reader.problem(f"{path}.{n}.to", "只有最后一行可以不设上限")
            break
        if band.last < band.first:
            reader.problem(f"{path}.{n}.to", f"为{band.last}，小于起始名次{band.first}")
        expected = band.last + 1
    return bands


def ladder_from(reader, path: str, rounding: str, capped_fields: bool = True) -> Ladder:
    """A grade ladder from a scheme table: names unique, floors not rising, the last open."""
    rows = reader.rows(path, {"name": "text", "share?": "num", "max_count?": "num", "min_score?": "num"})
    steps = tuple(Step(str(r.get("name", "")), r.get("min_score"), r.get("share"), r.get("max_count"))
                  for r in rows)
    names = [s.name for s in steps]
    if len(set(names)) != len(names):
        reader.problem(path, "等次名称重复")
    for n, step in enumerate(steps, start=1):
        if step.share is not None and not 0 < step.share <= 1:
            reader.problem(f"{path}.{n}.share", f"为{step.share:g}，应在(0, 1]内", actual=step.share)
        if step.max_count is not None and (step.max_count < 0 or step.max_count != int(step.max_count)):
            reader.problem(f"{path}.{n}.max_count", "应为不小于0的整数", actual=step.max_count)
        last = n == len(steps)
        if (step.min_score is None) != last:
            reader.problem(f"{path}.{n}.min_score", "最后一个等次不设最低分，其他等次都要设" if not last
                           else "最后一个等次不应设最低分")
    floors = [s.min_score for s in steps if s.min_score is not None]
    if any(a < b for a, b in pairwise(floors)):
        reader.problem(path, "各等次最低分应从高到低（不递增）", actual=floors)
    return Ladder(steps, rounding, reader.ref(path))




def tiebreak_values(reader, path: str, columns: Sequence[str]) -> str | None:
    """The scheme's tie-break column (DOMAIN §6), one of the sheet's input columns, or None."""
    return None if (name := reader.choice(path, ("none", *columns))) == "none" else name


def tiebreak_array(column: str | None, rows: Sequence[tuple[str, Mapping[str, object]]], table: str,
                   clause: str) -> tuple[np.ndarray | None, list[Finding]]:
    """That column's numbers, read as clerks type them; a blank or unreadable cell loses the tie-break."""
    if column is None:
        return None, []
    reads = [read_number(row.get(column), Where(table, key, column), lo=-math.inf, hi=None, rule="并列比较",
                         clause=clause, required=False) for key, row in rows]
    findings = [warning(f.rule, clause, f"{f.message}，名额线上并列时按最低计", f.where, f.allowed, f.actual)
                for r in reads for f in r.findings]
    return np.array([np.nan if r.value is None else r.value for r in reads]), findings


def grade_areas(table: Table, keyed: Sequence[tuple[str, Mapping[str, object]]], totals: np.ndarray, ladder: Ladder,
                tiebreak: str | None, tiebreak_clause: str, pool: str) -> list[str | None]:
    """建议等次 under the street-wide caps and 最终等次 after the leading group's overrides, into the area
    table (DOMAIN §6): the tail every scheme's area sheet shares. ``pool`` names the areas in findings.
    Returns the final grades, in the rows' order."""
    keys = [k for k, _ in keyed]
    caps = caps_for(ladder, len(keys))
    table.findings += empty_caps(ladder, caps, len(keys), table.sheet, pool)
    second, unread = tiebreak_array(tiebreak, keyed, table.sheet, tiebreak_clause)
    proposed, ties = propose(totals, keys, ladder, caps, table.sheet, tiebreak=second)
    table.findings += unread
    finals, bad = final_grades(proposed, [row.get(OVERRIDE) for _, row in keyed], keys, ladder, table.sheet)
    table.findings += ties
    table.add(bad.values())
    for key, grade, final in zip(keys, proposed, finals):
        table.put(key, PROPOSED, grade, table.reason(key, TOTAL))
        table.put(key, FINAL, final, bad.get(key) or table.reason(key, TOTAL))
    table.findings += check_caps(finals, keys, caps, ladder, table.sheet, pool)
    return finals
