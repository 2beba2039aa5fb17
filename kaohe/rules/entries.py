"""Entry sheets: the details a clerk types row by row, summed into the area sheet's input columns.

- ``街道考评`` (jingan 四(一)1): one row per area, the eight item scores; 合计 feeds 居民区.街道考评.
- ``加减分`` (jingan 四(二)): one row per award or deduction; 分值 (signed) sums into 居民区.加分 / 减分.
- ``满意度问卷`` (gaojing-2024 附件2): one row per questionnaire, ten questions; 合计, and each channel's
  mean feeds 居民区.座谈会得分 / 第三方得分 / 社区通上半年得分 / 社区通下半年得分.

A value typed straight into the area column is kept (a warning where the entries say otherwise), as
for the 测评表 tally. Rows are keyed by their place, "第n条" (results.ROW_KEY).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..contract import ADJUST_SHEET, AREA_KEY, STREET_SHEET, SURVEY_SHEET
from ..findings import Checked, Finding, Upstream, Where, all_values, error, first_error, warning
from ..reading import is_blank, read_choice, read_number
from ..results import ROW_KEY, Table, keys_of
from . import gaojing, jingan

AREA = AREA_KEY
ADJUST_INPUTS = (AREA, "类型", "级别", "事由")
CHANNELS = ("座谈会", "第三方", "社区通上半年", "社区通下半年")  # each feeds 居民区.<channel>得分 (WORKBOOK.md)


@dataclass
class Entries:
    """An entry sheet's results (row by row) and what it adds up to per area input cell."""

    table: Table
    sums: dict[tuple[str, str], float | None] = field(default_factory=dict)  # (area, column) → value
    reasons: dict[tuple[str, str], Finding] = field(default_factory=dict)  # why a sum is missing


@dataclass(frozen=True)
class EntrySheet:
    name: str
    inputs: tuple[str, ...]
    result: str
    compute: Callable[[Any, Sequence[tuple[str, Mapping[str, object]]], set[str], Entries], None]  # (scheme, rows, areas, out)
    feeds: tuple[str, ...]  # the 居民区 input columns it adds up to (a blank cell there takes the sum)


def _at(finding: Finding, where: Where) -> Finding:
    """The finding pointing at this sheet's cell rather than the area sheet's."""
    return replace(finding, where=where)


def _area_of(key: str, sheet: str, row: Mapping[str, object], areas: set[str], table: Table) -> str | None:
    """The row's area, which must be on the area sheet."""
    area = "" if is_blank(row.get(AREA)) else str(row.get(AREA)).strip()
    if area in areas:
        return area
    problem = error("所属居民区", f"{sheet}表填写要求", f"{sheet}{key}：" + (f"居民区“{area}”不在居民区表中" if area
                                                                        else "未填居民区"),
                    Where(sheet, key, AREA), actual=area or "空")
    table.findings.append(problem)
    return None


def _add(out: Entries, area: str, column: str, result: Checked) -> None:
    """Add one row's value into an area's sum; a row that cannot be read leaves the sum unknown, with its reason."""
    cell = (area, column)
    if result.value is None:
        out.sums[cell] = None
        reason = first_error(result.findings)
        if reason is not None:
            out.reasons.setdefault(cell, reason)
    elif cell not in out.sums or out.sums[cell] is not None:
        out.sums[cell] = (out.sums.get(cell) or 0.0) + result.value


def _street(s: jingan.Scheme, rows, areas: set[str], out: Entries) -> None:
    """合计 = the sum of the eight item scores, each within its points (jingan 四(一)1)."""
    seen: dict[str, str] = {}
    for key, row in rows:
        area = _area_of(key, STREET_SHEET, row, areas, out.table)
        reads = [read_number(row.get(label), Where(STREET_SHEET, key, label), lo=0, hi=points, rule="基本分值项",
                             clause=s.cite(f"area.items.{item}")) for item, (label, points) in s.items.items()]
        findings = tuple(f for r in reads for f in r.findings)
        values = all_values(reads)
        total = Checked(None if values is None else sum(values), findings)
        out.table.put(key, "合计", total)
        if area is None:
            continue
        if area in seen:  # one row per area: a second one would be added in silently
            twice = error("街道考评", s.cite("area.items_total"), f"{STREET_SHEET}中居民区“{area}”有{seen[area]}和{key}两行",
                          Where(STREET_SHEET, key, AREA), allowed="每个居民区一行", actual=2)
            out.table.findings.append(twice)
            _add(out, area, "街道考评", Checked(None, (twice,)))
            continue
        seen[area] = key
        _add(out, area, "街道考评", total)


def _adjust(s: jingan.Scheme, rows, areas: set[str], out: Entries) -> None:
    """分值 of each award (+) or deduction (−) by 类型 and 级别 (jingan 四(二)); summed into 加分 and 减分."""
    kinds = dict.fromkeys([k for k, _ in s.awards] + [k for k, _ in s.deductions])
    levels = dict.fromkeys([lv for _, lv in s.awards] + [lv for _, lv in s.deductions])
    for key, row in rows:
        area = _area_of(key, ADJUST_SHEET, row, areas, out.table)
        where = Where(ADJUST_SHEET, key, "")
        kind = read_choice(row.get("类型"), where.at("类型"), tuple(kinds), rule="加减分", clause=s.cite("area.awards"))
        level = read_choice(row.get("级别"), where.at("级别"), tuple(levels), rule="加减分", clause=s.cite("area.awards"))
        if kind.value is None or level.value is None:
            out.table.put(key, "分值", Checked(None, kind.findings + level.findings))
            if area is not None:  # which sum it belongs to is unknown: both wait for it
                for column in ("加分", "减分"):
                    _add(out, area, column, Checked(None, kind.findings + level.findings))
            continue
        award = any(k == kind.value for k, _ in s.awards)
        column, read = ("加分", jingan.award_points) if award else ("减分", jingan.deduction_points)
        points = read(s, area or key, [(kind.value, level.value)])
        points = Checked(points.value, tuple(_at(f, where.at("级别")) for f in points.findings))
        out.table.put(key, "分值", Checked(None if points.value is None else points.value * (1 if award else -1),
                                         points.findings))
        if area is not None:
            _add(out, area, column, points)


def _survey(s: gaojing.Scheme, rows, areas: set[str], out: Entries) -> None:
    """合计 of each questionnaire (附件2); each channel's mean feeds the area's channel score (四(二)2)."""
    counts: dict[tuple[str, str], int] = {}
    for key, row in rows:
        area = _area_of(key, SURVEY_SHEET, row, areas, out.table)
        where = Where(SURVEY_SHEET, key, "")
        channel = read_choice(row.get("渠道"), where.at("渠道"), CHANNELS, rule="满意度问卷",
                              clause=s.cite("satisfaction.weights.forum"))
        score = gaojing.questionnaire_score(s, where, [row.get(q) for q in survey_questions(s)])
        score = Checked(score.value, tuple(_at(f, where.at(re.sub(r"第(\d+)题", r"题\1", f.where.field)))
                                           for f in score.findings))
        out.table.put(key, "合计", score)
        if area is None or channel.value is None:
            out.table.add(channel.findings)
            continue
        column = f"{channel.value}得分"
        counts[(area, column)] = counts.get((area, column), 0) + 1
        _add(out, area, column, score)
    for cell, n in counts.items():  # the mean of the channel's questionnaires
        if (summed := out.sums.get(cell)) is not None:
            out.sums[cell] = summed / n


def survey_questions(s: gaojing.Scheme) -> tuple[str, ...]:
    return tuple(f"题{n}" for n in range(1, s.questions + 1))


def entry_sheets(s) -> tuple[EntrySheet, ...]:
    """The scheme's entry sheets with their headers (WORKBOOK.md)."""
    if isinstance(s, jingan.Scheme):
        items = tuple(label for label, _ in s.items.values())
        return (EntrySheet(STREET_SHEET, (AREA, *items), "合计", _street, ("街道考评",)),
                EntrySheet(ADJUST_SHEET, ADJUST_INPUTS, "分值", _adjust, ("加分", "减分")))
    return (EntrySheet(SURVEY_SHEET, (AREA, "渠道", "问卷号", *survey_questions(s)), "合计", _survey,
                       tuple(f"{c}得分" for c in CHANNELS)),)


def compute(s, sheet: EntrySheet, rows: Sequence[Mapping[str, object]], areas: Sequence[str]) -> Entries:
    table = Table(sheet.name, ROW_KEY, (sheet.result,))
    out = Entries(table)
    keyed = [(key, row) for key, row in zip(keys_of(rows, ROW_KEY), rows)
             if any(not is_blank(row.get(h)) for h in sheet.inputs)]
    sheet.compute(s, keyed, set(areas), out)
    return out


def merge(rows: Sequence[Mapping[str, object]], key_field: str, entries: Entries
          ) -> tuple[list[Mapping[str, object]], list[Finding]]:
    """The area rows with each blank column the entries add up to filled in; a typed value is kept, with a
    warning where it differs."""
    merged: list[Mapping[str, object]] = []
    findings: list[Finding] = []
    for row, key in zip(rows, keys_of(rows, key_field)):
        row = dict(row)
        for (area, column), value in entries.sums.items():
            if area != key:
                continue
            typed = row.get(column)
            if is_blank(typed):
                reason = entries.reasons.get((area, column))
                row[column] = value if value is not None else (Upstream(reason) if reason else None)
            elif value is not None and isinstance(typed, (int, float)) and abs(typed - value) > 1e-6:
                findings.append(warning(
                    entries.table.sheet, entries.table.sheet + "表填写要求",
                    f"{key}的「{column}」填的是{typed:g}，{entries.table.sheet}表合计为{value:.2f}，按所填值计",
                    Where("居民区", key, column), allowed=round(value, 2), actual=typed))
        merged.append(row)
    return merged, findings
