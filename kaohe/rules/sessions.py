"""The rating sessions of the jingan guideline (jingan 五), typed form by form into one 测评表 sheet.

One row per rating: which session (测评), whose session or, in 居民区互评, the rating area (居民区),
the form's number (表号), who rated where known (评分人), whom (对象) and the rating as written
(评分). Rows are grouped into forms and sessions and tallied by ``forms.tally_ballots``; each mean
feeds the input column its session stands for. A value typed straight into that column is kept.

The sheet is taken column by column: each distinct cell is read once and the rows become integer
codes, so that a district's sheet (330,000 ratings) is grouped with numpy rather than row by row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from ..contract import FORM_SHEET
from ..findings import Finding, Upstream, Where, error, info, warning
from ..grid import distinct
from ..params import ParamReader
from ..reading import as_text, is_blank, read_choice
from ..results import keys_of
from .forms import Ballots, FormRules, read_cells, tally_ballots

FORM_INPUTS = ("测评", "居民区", "表号", "评分人", "对象", "评分")
MUTUAL, INTERNAL = "居民区互评", "内部互评"
# The sessions by name (WORKBOOK 测评表.测评); a session's means feed the input column of the same name (on 居民区
# or 工作人员). Each one's clause, and whether its form is unsigned, is its leaf of the scheme (SESSION_LEAVES).
SESSIONS = (MUTUAL, "党员群众测评", INTERNAL, "书记主任考评")
SESSION_LEAVES = {MUTUAL: "sessions.mutual", "党员群众测评": "sessions.members", INTERNAL: "sessions.internal",
                  "书记主任考评": "sessions.leaders"}
AREA_CLASS, LEADER_CLASS, OTHER_CLASS = "居民区", "书记主任", "其他人员"  # classes of the A-quota (DOMAIN 1.4)


@dataclass(frozen=True, slots=True)
class Session:
    """A rating session as the scheme describes it: the clause it follows, and whether its printed form is
    unsigned (无记名: jingan 五(二)(1), 五(三)(2) for 内部互评)."""

    name: str
    clause: str
    anonymous: bool


def read_sessions(r: ParamReader) -> dict[str, Session]:
    """Every session's leaf (SESSION_LEAVES): 1 for an unsigned form, 0 for one that may carry the rater's name."""
    return {name: Session(name, r.ref(path), bool(r.number(path, lo=0, hi=1, integer=True)))
            for name, path in SESSION_LEAVES.items()}


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    area: str
    leader: bool  # 书记, 主任 or 书记兼主任 (jingan 五(二))
    key: str = ""  # the person's key on 工作人员 (results.keys_of); the name where not given


@dataclass
class Tallied:
    """Means by input cell (sheet, key, column), why a mean is missing, and the findings met on the way."""

    means: dict[tuple[str, str, str], float | None] = field(default_factory=dict)
    reasons: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    forms: dict[tuple[str, str], tuple[int, Where]] = field(default_factory=dict)  # (session, area) → forms, 1st row
    clauses: dict[str, str] = field(default_factory=dict)  # session → its clause (the scheme's Session)


def as_columns(rows: Sequence[Mapping[str, object]] | Mapping[str, Sequence[object]],
               headers: Sequence[str] = FORM_INPUTS) -> dict[str, Sequence[object]]:
    """The 测评表 column by column, whether given so or as one record per row."""
    if isinstance(rows, Mapping):
        n = max((len(rows[h]) for h in headers if h in rows), default=0)
        return {h: rows.get(h, [None] * n) for h in headers}
    return {h: [row.get(h) for row in rows] for h in headers}


def classes_of(session: str, area: str, areas: Sequence[str], own: Sequence[Member]) -> dict[str, str]:
    """Who is on a session's form (``own``: the area's staff), and in which class of the A-quota."""
    if session == MUTUAL:
        return {a: AREA_CLASS for a in areas}
    people = {m.name: LEADER_CLASS if m.leader else OTHER_CLASS for m in own}
    if session == "党员群众测评":  # held together for the area and its staff (jingan 五(二)(2))
        return {area: AREA_CLASS, **people}
    if session == "书记主任考评":
        return {name: cls for name, cls in people.items() if cls == OTHER_CLASS}
    return people


def input_cell(session: str, target: str, areas: set[str], people: Mapping[str, str] | None = None
               ) -> tuple[str, str, str]:
    """The input cell a session's mean for a target feeds: (sheet, key, column); ``people``: the form's
    names → their keys on 工作人员 (a 王芳 of this area, DOMAIN §6)."""
    if target in areas and session in (MUTUAL, "党员群众测评"):
        return "居民区", target, session
    return "工作人员", (people or {}).get(target, target), session


def _combined(*codes: np.ndarray) -> np.ndarray:
    """One code per distinct combination of the code columns (codes ≥ -1), equal where they are equal and
    ordered as the columns are; made dense (one sort) only where the next column would overflow."""
    key, span = np.zeros(len(codes[0]), dtype=np.int64), 1
    for c in codes:
        radix = int(c.max(initial=0)) + 2
        if span * radix >= 1 << 62:
            key = np.unique(key, return_inverse=True)[1].reshape(-1)
            span = int(key.max(initial=0)) + 1
        key, span = key * radix + (c + 1), span * radix
    return key


def _row(record: int, column: str) -> Where:
    return Where(FORM_SHEET, f"第{record + 1}条", column)


class _Coded:
    """The sheet as integer codes per row: the session (-1: not one), texts (0: blank), rating cells."""

    def __init__(self, cols: Mapping[str, Sequence[object]], rules: FormRules):
        self.clause = rules.bands.clause  # the forms' own clause (jingan 五: 测评表, tiers and scores)
        self.raw_session = cols["测评"]
        self.n = len(self.raw_session)
        self.texts_index: dict[str, int] = {"": 0}
        self.area, self.number, self.rater, self.target = (self._text(cols[h]) for h in ("居民区", "表号", "评分人", "对象"))
        sessions, session_of = distinct(self.raw_session)
        names = [read_choice(s, Where(), SESSIONS, rule="测评", clause=self.clause).value for s in sessions]
        self.session = np.array([SESSIONS.index(s) if s else -1 for s in names], dtype=np.int64)[session_of]
        blank_session = np.array([is_blank(s) for s in sessions], dtype=bool)[session_of]
        cells, self.cell = distinct(cols["评分"])
        self.readings = read_cells(cells, rules.bands)
        blank_cell = np.array([is_blank(c) for c in cells], dtype=bool)[self.cell]
        self.typed = ~(blank_session & blank_cell & (self.area == 0) & (self.number == 0) & (self.rater == 0)
                       & (self.target == 0))
        self.texts = np.empty(len(self.texts_index), dtype=object)
        self.texts[list(self.texts_index.values())] = list(self.texts_index)

    def _text(self, column: Sequence[object]) -> np.ndarray:
        raws, of = distinct(column)
        ids = np.array([self.texts_index.setdefault(as_text(r), len(self.texts_index)) for r in raws], dtype=np.int64)
        return ids[of] if len(column) else np.zeros(0, dtype=np.int64)

    def code(self, text: str) -> int:
        return self.texts_index.get(text, -1)

    def local(self, targets: Sequence[str]) -> np.ndarray:
        """Text code → index among ``targets`` (-1: not one of them)."""
        out = np.full(len(self.texts), -1, dtype=np.int64)
        for j, t in enumerate(targets):
            if t in self.texts_index:
                out[self.texts_index[t]] = j
        return out


def _rating_cell(rows: np.ndarray, i: int, field: str) -> Where:
    """Where a finding about rating ``i`` of a session (its rows: ``rows``) points."""
    return _row(int(rows[i]), field)


def _form_cell(first_rows: np.ndarray, f: int) -> Where:
    """Where a finding about form ``f`` of a session points: its first row's 表号."""
    return _row(int(first_rows[f]), "表号")


def _target_cell(session: str, areas: set[str], people: Mapping[str, str], target: str) -> Where:
    return Where(*input_cell(session, target, areas, people))


def _placed(c: _Coded, areas: Sequence[str], findings: list[Finding]) -> np.ndarray:
    """Rows that name a known session, a known area, a form number and a target; the others are errors."""
    known_area = np.isin(c.area, [c.code(a) for a in areas])
    placed = c.typed & (c.session >= 0) & known_area & (c.number > 0) & (c.target > 0)
    for i in np.flatnonzero(c.typed & ~placed).tolist():
        if c.session[i] < 0:
            findings += read_choice(c.raw_session[i], _row(i, "测评"), SESSIONS, rule="测评", clause=c.clause).findings
        problems = [(f"未填{f}", f) for f, code in (("居民区", c.area[i]), ("表号", c.number[i]), ("对象", c.target[i]))
                    if code == 0]
        if c.area[i] and not known_area[i]:
            problems.append((f"居民区“{c.texts[c.area[i]]}”不在居民区表中", "居民区"))
        findings += [error("测评表", c.clause, f"{FORM_SHEET}第{i + 1}条：{p}", _row(i, field)) for p, field in problems]
    return placed


def _first_ratings(c: _Coded, rows: np.ndarray, clauses: Mapping[str, str], findings: list[Finding]) -> np.ndarray:
    """The rows left once a target rated twice on one form keeps only its first rating (the rest: errors)."""
    key = _combined(c.session[rows], c.area[rows], c.number[rows], c.target[rows])
    first = np.unique(key, return_index=True)[1]
    keep = np.zeros(len(rows), dtype=bool)
    keep[first] = True
    for i in rows[~keep]:
        session = SESSIONS[c.session[i]]
        label = f"{c.texts[c.area[i]]}{c.texts[c.number[i]]}" if session == MUTUAL else c.texts[c.number[i]]
        findings.append(error("测评表", clauses[session], f"{session}第{label}号表对“{c.texts[c.target[i]]}”评了不止一次",
                              _row(i, "对象")))
    return rows[keep]


def _without_leaders_view_of_others(c: _Coded, mine: np.ndarray, classes: Mapping[str, str], clause: str,
                                    findings: list[Finding]) -> np.ndarray:
    """内部互评 rows left once a form by the 书记 or 主任 no longer rates the other staff: their view of
    them is the 20% 书记主任考评 (jingan 五(三)(2)); it still rates the other 书记/主任 (五(二)(1))."""
    leaders = [c.code(name) for name, cls in classes.items() if cls == LEADER_CLASS]
    others = [c.code(name) for name, cls in classes.items() if cls == OTHER_CLASS]
    dropped = np.isin(c.rater[mine], leaders) & np.isin(c.target[mine], others)
    for i in mine[dropped][np.unique(c.number[mine[dropped]], return_index=True)[1]]:  # once per form
        findings.append(info(
            "内部互评", clause,
            f"内部互评第{c.texts[c.number[i]]}号表的评分人{c.texts[c.rater[i]]}是书记/主任，其对其他工作人员的评分不计入"
            f"内部互评（其意见见书记主任考评），对另一位书记/主任的评分照常计入", _row(i, "评分人")))
    return mine[~dropped]


def tally_sheet(rules: FormRules, rows, areas: Sequence[str], staff: Sequence[Member],
                sessions: Mapping[str, Session]) -> Tallied:
    """Every session's means, from the 测评表 as typed (records, or columns by header); ``sessions``: the
    scheme's (read_sessions), whose clauses the findings cite.

    A finding about a row names it ``第n条`` (the sheet's n-th record), which the workbook reader
    turns into its cell; one about a target with no valid form names the input cell it would fill.
    """
    c, out = _Coded(as_columns(rows), rules), Tallied(clauses={name: sessions[name].clause for name in SESSIONS})
    rows_kept = _first_ratings(c, np.flatnonzero(_placed(c, areas, out.findings)), out.clauses, out.findings)
    staff_of: dict[str, list[Member]] = {}
    for m in staff:
        staff_of.setdefault(m.area, []).append(m)
    area_names, small = set(areas), dict[tuple[str, str], list[str]]()
    mutual = c.session == SESSIONS.index(MUTUAL)
    rater = np.where(mutual, c.area, c.rater)  # a 居民区互评 form is rated by its area…
    whose = np.where(mutual, 0, c.area)  # …and the session is one for the whole street
    group_of = _combined(c.session[rows_kept], whose[rows_kept])
    by_group = np.argsort(group_of, kind="stable")
    starts = np.flatnonzero(np.diff(group_of[by_group], prepend=-1))
    for mine in np.split(rows_kept[by_group], starts[1:]) if len(rows_kept) else ():
        session, area = SESSIONS[c.session[mine[0]]], str(c.texts[whose[mine[0]]])
        classes = classes_of(session, area, areas, staff_of.get(area, ()))
        keys = {m.name: m.key or m.name for m in staff_of.get(area, ())}
        if session == INTERNAL:
            mine = _without_leaders_view_of_others(c, mine, classes, out.clauses[INTERNAL], out.findings)
            if not len(mine):
                continue
        local = c.local(list(classes))
        _, first, form_of = np.unique(_combined(c.area[mine], c.number[mine]), return_index=True, return_inverse=True)
        out.forms[(session, area)] = (len(first), _row(int(mine.min()), "表号"))
        numbers = [f"{c.texts[c.area[i]]}{c.texts[c.number[i]]}" if session == MUTUAL else str(c.texts[c.number[i]])
                   for i in mine[first]]
        ballots = Ballots(numbers=numbers, raters=local[rater[mine[first]]], form=form_of.reshape(-1),
                          target=local[c.target[mine]], names=c.texts[c.target[mine]], cell=c.cell[mine],
                          readings=c.readings,
                          rating_at=partial(_rating_cell, mine), form_at=partial(_form_cell, mine[first]),
                          target_at=partial(_target_cell, session, area_names, keys))
        result = tally_ballots(f"{session}·{area or '全街道'}", classes, ballots, rules)
        for f in result.findings:
            if f.rule == "A档比例" and f.where.key in classes.values():  # forms.quota_notes: keyed by class
                small.setdefault((session, f.where.key), []).append(area or "全街道")
            else:
                out.findings.append(f)
        for t, mean in result.means.items():
            cell = input_cell(session, t, area_names, keys)
            out.means[cell] = mean
            if t in result.reasons:
                out.reasons[cell] = result.reasons[t]
    for (session, cls), where in small.items():  # once per session and class, not once per area
        out.findings.append(warning(
            "A档比例", out.clauses[session],
            f"{session}：{len(where)}个居民区的“{cls}”不足以按{rules.a_share:.0%}取整得到A档名额，"
            f"这些测评表上的{cls}不能评A档（{'、'.join(where)}）；如非本意请调整名额取整参数",
            Where(FORM_SHEET, session, cls), allowed=0, actual=len(where)))
    return out


def against_turnout(tallied: Tallied, session: str, area: str, actual: int | None) -> list[Finding]:
    """A session's forms for an area against its 实际参加人数 (DOMAIN 1.4): more papers than people is an
    error, fewer a warning (not every paper typed)."""
    if (session, area) not in tallied.forms or actual is None:
        return []
    count, where = tallied.forms[(session, area)]
    if count > actual:
        return [error("测评表份数", tallied.clauses[session],
                      f"{area}的{session}录入了{count}张测评表，多于实际参加人数{actual}人", where, allowed=f"≤{actual}",
                      actual=count)]
    if count < actual:
        return [warning("测评表份数", tallied.clauses[session],
                        f"{area}的{session}只录入了{count}张测评表，实际参加人数为{actual}人，是否有测评表未录入？",
                        where, allowed=actual, actual=count)]
    return []


def shown(tallied: Tallied, sheet: str, key: str, column: str) -> float | str | None:
    """What a session cell shows: the mean, the message saying why there is none, or None (no forms)."""
    if (sheet, key, column) not in tallied.means:
        return None
    mean = tallied.means[(sheet, key, column)]
    if mean is not None:
        return mean
    reason = tallied.reasons.get((sheet, key, column))
    return Upstream(reason) if reason else f"#错误：{key}在{column}中没有有效的测评表（{tallied.clauses[column]}）"


def merge(rows: Sequence[Mapping[str, object]], sheet: str, key_field: str, tallied: Tallied) -> list[dict[str, object]]:
    """The sheet's rows with each blank session column filled from the forms; a typed value is kept,
    with a warning where it differs from the forms' tally."""
    merged = []
    for row, key in zip(rows, keys_of(rows, key_field)):
        row = dict(row)
        for column in SESSIONS:
            if (sheet, key, column) not in tallied.means:
                continue
            mean, typed = tallied.means[(sheet, key, column)], row.get(column)
            if is_blank(typed):  # as the KAOHE_FORMS formula in that cell shows it
                row[column] = shown(tallied, sheet, key, column)
            elif mean is not None and isinstance(typed, (int, float)) and abs(typed - mean) > 1e-6:
                tallied.findings.append(warning(
                    "测评表", tallied.clauses[column], f"{key}的「{column}」填的是{typed:g}，测评表统计为{mean:.2f}，按所填值计",
                    Where(sheet, key, column), allowed=round(mean, 2), actual=typed))
        merged.append(row)
    return merged
