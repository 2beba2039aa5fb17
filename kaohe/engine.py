"""One door to the rule sets: load a scheme, compute a workbook's tables, grade a pool, pay a person.

Adapters (UDFs, macros, CLI) call these and nothing deeper, so they can only translate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .contract import ADJUST_SHEET, AREA_KEY, FORM_SHEET, STREET_SHEET, SURVEY_SHEET
from .findings import Checked, Finding, Where, error
from .params import Params, SchemeError, builtin_ids, from_sheet_rows, load
from .reading import as_text, is_blank, read_count, read_number
from .results import ROW_KEY, Table, keys_of
from .rules import entries, grading, sessions
from .rules.grading import Ladder, propose
from .rules.registry import RULESETS
from .rules.ruleset import AnyRuleSet
from .rules.ruleset import Scheme as Scheme

# What adapters hand in: each sheet's records by name, row by row (a long sheet, 测评表, may come column
# by column: sessions.as_columns reads either).
Tables = Mapping[str, Any]
KEYS = {AREA_KEY: AREA_KEY}  # the area sheet's key; every people sheet's is 姓名 (WORKBOOK.md)
ENTRY_SHEETS = (STREET_SHEET, ADJUST_SHEET, SURVEY_SHEET)
BUILTIN = frozenset(builtin_ids())


def build(params: Params) -> Scheme:
    ruleset = RULESETS.get(params.kind)
    if ruleset is None:
        raise SchemeError([error("方案参数", "kaohe 方案参数",
                                 f"{params.source}：kind “{params.kind}”不是已知的规则（{'、'.join(RULESETS)}）",
                                 Where("参数", "meta.kind"))])
    return ruleset.from_params(params)


@lru_cache(maxsize=64)
def _scheme_by_name(name: str, modified: float) -> Scheme:
    """Cached per file version: a street that edits its scheme file gets the new values."""
    return build(load(name))


@lru_cache(maxsize=64)
def _scheme_by_sheet(grid: tuple[tuple[object, ...], ...]) -> Scheme:
    return build(from_sheet_rows(grid))


def scheme(spec: str | Path | Iterable[Iterable[object]]) -> Scheme:
    """A scheme by built-in id, by a street's file path, or from the workbook's 参数 sheet (rows of cells)."""
    if isinstance(spec, (str, Path)):
        name = str(spec).strip()
        if name in BUILTIN:  # shipped with kaohe: unchanged while it runs
            return _scheme_by_name(name, 0.0)
        path = Path(name)
        return _scheme_by_name(name, path.stat().st_mtime if path.exists() else 0.0)
    return _scheme_by_sheet(tuple(tuple(row) for row in spec))


def ruleset(s: Scheme) -> AnyRuleSet:
    """The scheme's rules, as every adapter sees them (kaohe.rules.ruleset)."""
    return RULESETS[s.params.kind]


def sheets(s: Scheme) -> tuple[str, str]:
    """The sheets the rules compute, in order: the people sheet may use the area sheet's results."""
    rs = ruleset(s)
    return rs.area_sheet, rs.people_sheet


def inputs(s: Scheme, sheet: str) -> tuple[str, ...]:
    """The input headers a sheet must have (WORKBOOK.md)."""
    return ruleset(s).inputs[sheet]


def results_of(s: Scheme, sheet: str) -> tuple[str, ...]:
    """The result headers of a sheet (WORKBOOK.md); none for a sheet of inputs only (测评表)."""
    entry = next((e for e in entries.entry_sheets(s) if e.name == sheet), None)
    return (entry.result,) if entry else ruleset(s).results.get(sheet, ())


def key_of(sheet: str) -> str:
    """The key column of a sheet: 居民区; 姓名 for people (results.keys_of); the row itself for entry sheets."""
    return KEYS.get(sheet, ROW_KEY if sheet in ENTRY_SHEETS else "姓名")


def optional_sheets(s: Scheme) -> dict[str, tuple[str, ...]]:
    """Sheets a workbook may have, with their input headers: jingan's rating forms (测评表) and the entry
    sheets (街道考评, 加减分; gaojing-2024's 满意度问卷)."""
    forms = {FORM_SHEET: sessions.FORM_INPUTS} if ruleset(s).rated_on_forms else {}
    return {**forms, **{e.name: e.inputs for e in entries.entry_sheets(s)}}


def entry_sheets(s: Scheme) -> dict[str, tuple[str, ...]]:
    """The entry sheets, read row by row: their input headers."""
    return {e.name: e.inputs for e in entries.entry_sheets(s)}


def grade_names(s: Scheme) -> dict[str, tuple[str, ...]]:
    """Each graded sheet's grades, best first (jingan 六; gaojing-2024 五(一)): its 领导小组调整 choices."""
    return ruleset(s).grade_names(s)


def entry_fills(s: Scheme) -> tuple[entries.EntrySheet, ...]:
    """The entry sheets with the area columns each adds up to (EntrySheet.feeds)."""
    return entries.entry_sheets(s)


def tally_forms(s: Scheme, form_rows, area_rows, people_rows) -> sessions.Tallied:
    """Every rating session's means from the 测评表 rows, given who the areas and staff are."""
    text = as_text
    names = [text(r.get("居民区")) for r in area_rows if text(r.get("居民区"))]
    staff = [sessions.Member(text(r.get("姓名")), text(r.get("居民区")), text(r.get("岗位")) in ruleset(s).leader_posts, key)
             for r, key in zip(people_rows, keys_of(people_rows, "姓名")) if text(r.get("姓名"))]
    return sessions.tally_sheet(s.forms, form_rows, names, staff, s.sessions)  # type: ignore[attr-defined]  # rated_on_forms


def _with_forms(s: Scheme, area_rows, people_rows, form_rows) -> tuple[list, list, list[Finding]]:
    """The input rows with the session columns a clerk left blank filled from the 测评表 forms."""
    tallied = tally_forms(s, form_rows, area_rows, people_rows)
    area_sheet, people_sheet = sheets(s)
    for row in area_rows:  # the members' session is held by the area (jingan 五(一)3); its turnout is the area's
        area = as_text(row.get("居民区"))
        actual = read_count(row.get("实际参加人数"), Where(area_sheet, area, "实际参加人数"), rule="测评人数",
                            clause=tallied.clauses["党员群众测评"]).value
        tallied.findings += sessions.against_turnout(tallied, "党员群众测评", area, actual)
    area_rows = sessions.merge(area_rows, area_sheet, "居民区", tallied)
    people_rows = sessions.merge(people_rows, people_sheet, "姓名", tallied)
    return area_rows, people_rows, tallied.findings


def entry_tables(s: Scheme, tables: Tables) -> dict[str, entries.Entries]:
    """Each entry sheet present: its row results and what it adds up to per area."""
    area_rows = tables.get(sheets(s)[0], ())
    names = [k for k in keys_of(area_rows, "居民区") if k]
    return {e.name: entries.compute(s, e, tables[e.name], names) for e in entries.entry_sheets(s) if tables.get(e.name)}


def prepare(s: Scheme, tables: Tables,
            entered: Mapping[str, entries.Entries] | None = None
            ) -> tuple[list[Mapping[str, object]], list[Mapping[str, object]], list[Finding]]:
    """The area and people rows as the rules see them: the area columns a clerk left blank filled from
    the entry sheets (街道考评, 加减分, 满意度问卷) and jingan's session columns from the 测评表 forms (in
    the rows' order), and the findings of the tally."""
    area_sheet, people_sheet = sheets(s)
    area_rows, people_rows = list(tables.get(area_sheet, ())), list(tables.get(people_sheet, ()))
    findings: list[Finding] = []
    for table in (entry_tables(s, tables) if entered is None else entered).values():
        area_rows, differ = entries.merge(area_rows, "居民区", table)
        findings += differ
    if ruleset(s).rated_on_forms and tables.get(FORM_SHEET):
        area_rows, people_rows, tallied = _with_forms(s, area_rows, people_rows, tables[FORM_SHEET])
        findings += tallied
    return area_rows, people_rows, findings


class Calculated(dict[str, Table]):
    """Every result table, by sheet; and the area and people rows the rules scored, as ``prepare`` made
    them: an adapter that shows those rows (the copy, the papers) takes them here instead of tallying the
    forms again."""

    def __init__(self, tables: Mapping[str, Table], area_rows: list[Mapping[str, object]],
                 people_rows: list[Mapping[str, object]]):
        super().__init__(tables)
        self.area_rows, self.people_rows = area_rows, people_rows


def calculate(s: Scheme, tables: Tables) -> Calculated:
    """Every result of a workbook: the area sheet, then the people sheet that builds on it, and each
    entry sheet's row results."""
    area_sheet, people_sheet = sheets(s)
    entered = entry_tables(s, tables)
    area_rows, people_rows, form_findings = prepare(s, tables, entered)
    rs = ruleset(s)
    areas = rs.score_areas(s, area_rows)
    areas.findings[:0] = form_findings
    people = rs.score_people(s, people_rows, areas)
    for sheet, table in ((area_sheet, areas), (people_sheet, people)):
        rows = tables.get(sheet, ())
        table.findings += grading.unexplained_overrides(rows, keys_of(rows, key_of(sheet)), sheet)
    return Calculated({area_sheet: areas, people_sheet: people, **{name: e.table for name, e in entered.items()}},
                      area_rows, people_rows)


def pool_ladder(s: Scheme, pool: str, n: int, area_grade: object = None) -> Checked[tuple[Ladder, dict[str, int]]]:
    """The ladder and caps of a grading pool of n: 居民区 (street-wide), 书记主任 (street-wide),
    其他人员 (one area's other full-time staff, capped by that area's grade: jingan 六(二))."""
    pools = ruleset(s).pools
    if pool not in pools:
        return Checked(None, (error("等次对象", "GRADE_QUOTA 用法", f"对象“{pool}”应为{'、'.join(pools)}之一",
                                    Where("", pool), allowed="、".join(pools), actual=pool),))
    return ruleset(s).pool_caps(s, pool, n, area_grade)


UNCOMPUTED_MARK = "#错误"  # how a UDF shows a result that could not be computed (findings.Finding.short)


def _member(cell: object) -> float | None:
    """A pool member's score: a number, NaN for a member whose score could not be computed, None for no one.

    Blank cells are no one; so is other text (a person not assessed shows "#提示…", a 公务员's grade
    text…): they are outside the quota (jingan 八(五), 八(六)).
    """
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return float(cell)
    if isinstance(cell, str) and cell.startswith(UNCOMPUTED_MARK):
        return math.nan
    return None


def pool_grades(s: Scheme, pool: str, pool_scores: Sequence[object], area_grade: object = None,
                area_grades: Sequence[object] | None = None) -> Checked[dict[tuple[float, bool], str | None]]:
    """The proposed grade of every member of one pool (DOMAIN §6), by (score, barred): ties share it.

    ``area_grade``: for 其他人员, their area's final grade (the cap). ``area_grades``: for 书记主任,
    each member's area grade, aligned with ``pool_scores``: a member of a 较差 area cannot be 优秀.
    """
    aligned = list(area_grades) if area_grades is not None else [None] * len(pool_scores)
    if len(aligned) != len(pool_scores):
        message = f"居民区等次列有{len(aligned)}格，得分列有{len(pool_scores)}格，应一一对应"
        return Checked(None, (error("等次对象", "GRADE_QUOTA 用法", message, Where("", "本行", "居民区等次"),
                                    allowed=len(pool_scores), actual=len(aligned)),))
    members = [(m, g) for m, g in ((_member(c), g) for c, g in zip(pool_scores, aligned)) if m is not None]
    grade = None if is_blank(area_grade) else str(area_grade).strip()
    setup = pool_ladder(s, pool, len(members), grade)
    if setup.value is None:
        return Checked(None, setup.findings)
    ladder, caps = setup.value
    scores = np.array([m for m, _ in members], dtype=float)
    barred = np.array([ruleset(s).barred(s, pool, grade, g) for _, g in members], dtype=bool)
    grades, ties = propose(scores, [f"第{i + 1}个" for i in range(len(members))], ladder, caps, pool,
                           {ladder.best: barred} if barred.any() else None)
    by_key = {(float(v), bool(b)): g for v, b, g in zip(scores, barred, grades) if not math.isnan(v)}
    return Checked(by_key, tuple(ties))


def grade_of(s: Scheme, pool: str, score: object, grades: Checked[dict[tuple[float, bool], str | None]],
             area_grade: object = None) -> Checked[str]:
    """One score's grade within its pool's grades, like RANK(x, range)."""
    read = read_number(score, Where("", "本行", "得分"), lo=-math.inf, hi=None, rule="得分")
    if read.value is None:
        return Checked(None, read.findings)
    if grades.value is None:
        return Checked(None, grades.findings)
    key = (read.value, ruleset(s).barred(s, pool, None if is_blank(area_grade) else str(area_grade).strip(), area_grade))
    if key not in grades.value:
        return Checked(None, (error("等次对象", "GRADE_QUOTA 用法", f"得分{read.value:g}不在所给的得分列中",
                                    Where("", "本行", "得分"), actual=read.value),))
    return Checked(grades.value[key], grades.findings)


def bonus(s: Scheme, post: object, grade: object, area_grade: object = None, base: object = None,
          category: object = None, reason: object = None, months: object = None, *, key: str = "本行") -> Checked:
    """One person's money: jingan 奖金 (七, 八(五), 八(六)) or gaojing 奖励金额 by post and tier (五(二)1)."""
    return ruleset(s).pay(s, key, post=post, grade=grade, area_grade=area_grade, base=base, category=category,
                          reason=reason, months=months)


def tally_label(column: str) -> str:
    """The header of a session's tally column beside the results (the .xlsm's KAOHE_FORMS block)."""
    return f"{column}（{FORM_SHEET}）"


def form_means(s: Scheme, tables: Tables
               ) -> tuple[list[Mapping[str, object]], list[Mapping[str, object]]]:
    """The area and people rows, in their order, with every session column as the 测评表 forms give it:
    what ``prepare`` puts in a session cell left blank (jingan 五), whatever the clerk typed there."""
    blank = {name: [{**row, **dict.fromkeys(sessions.SESSIONS)} for row in tables.get(name, ())] for name in sheets(s)}
    area_rows, people_rows, _ = prepare(s, {**tables, **blank})
    return area_rows, people_rows
