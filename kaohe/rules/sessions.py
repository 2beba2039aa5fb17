"""The rating sessions of the jingan guideline (jingan 五), typed form by form into one 测评表 sheet.

One row per rating: which session (测评), whose session or, in 居民区互评, the rating area (居民区),
the form's number (表号), who rated where known (评分人), whom (对象) and the rating as written
(评分). Rows are grouped into forms and sessions and tallied by ``forms.tally``; each mean feeds
the input column its session stands for. A value typed straight into that column is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..findings import Finding, Where, error, warning
from ..reading import is_blank, read_choice
from .forms import Form, FormRules, tally

FORM_SHEET = "测评表"
FORM_INPUTS = ("测评", "居民区", "表号", "评分人", "对象", "评分")
MUTUAL = "居民区互评"
# session → (its clause, the input columns its means feed: on 居民区 for areas, on 工作人员 for staff)
SESSIONS = {
    MUTUAL: "jingan 五(一)2",
    "党员群众测评": "jingan 五(一)3、五(二)(2)、五(三)(3)",
    "内部互评": "jingan 五(二)(1)、五(三)(2)",
    "书记主任考评": "jingan 五(三)(1)",
}
AREA_CLASS, LEADER_CLASS, OTHER_CLASS = "居民区", "书记主任", "其他人员"  # classes of the A-quota (DOMAIN 1.4)


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    area: str
    leader: bool  # 书记, 主任 or 书记兼主任 (jingan 五(二))


@dataclass
class Tallied:
    """Means by (sheet, key, column), and the findings met on the way."""

    means: dict[tuple[str, str, str], float | None] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def cell_text(value: object) -> str:
    """A cell as text; a whole number read back as 1.0 is the 1 the clerk typed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if is_blank(value) else str(value).strip()


def _classes(session: str, area: str, areas: Sequence[str], staff: Sequence[Member]) -> dict[str, str]:
    """Who is on a session's form, and in which class of the A-quota."""
    if session == MUTUAL:
        return {a: AREA_CLASS for a in areas}
    own = [m for m in staff if m.area == area]
    people = {m.name: LEADER_CLASS if m.leader else OTHER_CLASS for m in own}
    if session == "党员群众测评":  # held together for the area and its staff (jingan 五(二)(2))
        return {area: AREA_CLASS, **people}
    if session == "书记主任考评":
        return {name: cls for name, cls in people.items() if cls == OTHER_CLASS}
    return people


def _column(session: str, target: str, areas: Sequence[str]) -> tuple[str, str]:
    return ("居民区" if target in areas and session in (MUTUAL, "党员群众测评") else "工作人员"), session


def tally_sheet(rules: FormRules, rows: Sequence[Mapping[str, object]], areas: Sequence[str],
                staff: Sequence[Member]) -> Tallied:
    """Every session's means, from the 测评表 rows as typed."""
    out = Tallied()
    forms: dict[tuple[str, str], dict[str, Form]] = {}
    sessions_read: dict[object, object] = {}  # a session's name, read once however many rows carry it
    for n, row in enumerate(rows, start=1):
        if all(v is None or v == "" for v in row.values()):
            continue
        where = Where(FORM_SHEET, f"第{n}条", "")
        raw = row.get("测评")
        session = sessions_read.get(raw) if isinstance(raw, str) else None
        if session is None:
            session = read_choice(raw, where.at("测评"), tuple(SESSIONS), rule="测评", clause="jingan 五")
            if session.value is not None and isinstance(raw, str):
                sessions_read[raw] = session
        area = "" if is_blank(row.get("居民区")) else str(row.get("居民区")).strip()
        number, target = (cell_text(row.get(f)) for f in ("表号", "对象"))
        out.findings += list(session.findings)
        problems = [f"未填{f}" for f, v in (("居民区", area), ("表号", number), ("对象", target)) if not v]
        if area and area not in areas:
            problems.append(f"居民区“{area}”不在居民区表中")
        if session.value is None or problems:
            out.findings += [error("测评表", "jingan 五", f"{FORM_SHEET}第{n}条：{p}", where) for p in problems]
            continue
        group = forms.setdefault((session.value, "" if session.value == MUTUAL else area), {})
        label = f"{area}{number}" if session.value == MUTUAL else number
        rater = area if session.value == MUTUAL else cell_text(row.get("评分人"))
        form = group.setdefault(label, Form(label, {}, rater))
        if target in form.ratings:
            out.findings.append(error("测评表", SESSIONS[session.value],
                                      f"{session.value}第{label}号表对“{target}”评了不止一次", where.at("对象")))
            continue
        form.ratings[target] = row.get("评分")  # Form is frozen; its dict is filled as the rows come
    small: dict[tuple[str, str], list[str]] = {}  # (session, class) → the areas where no A is possible
    for (session, area), group in forms.items():
        classes = _classes(session, area, areas, staff)
        result = tally(f"{session}·{area or '全街道'}", list(group.values()), classes, rules)
        for f in result.findings:
            if f.rule == "A档比例" and f.where.key in classes.values():  # forms.quota_notes: keyed by class
                small.setdefault((session, f.where.key), []).append(area or "全街道")
            else:
                out.findings.append(f)
        for target, mean in result.means.items():
            sheet, column = _column(session, target, areas)
            out.means[(sheet, target, column)] = mean
    for (session, cls), where in small.items():  # once per session and class, not once per area
        out.findings.append(warning(
            "A档比例", SESSIONS[session],
            f"{session}：{len(where)}个居民区的“{cls}”不足以按{rules.a_share:.0%}取整得到A档名额，"
            f"这些测评表上的{cls}不能评A档（{'、'.join(where)}）；如非本意请调整名额取整参数",
            Where(FORM_SHEET, session, cls), allowed=0, actual=len(where)))
    return out


def shown(tallied: Tallied, sheet: str, key: str, column: str) -> float | str | None:
    """What a session cell shows: the mean, the message saying why there is none, or None (no forms)."""
    if (sheet, key, column) not in tallied.means:
        return None
    mean = tallied.means[(sheet, key, column)]
    if mean is not None:
        return mean
    reason = next((f for f in tallied.findings if f.is_error and key in (f.where.key, f.where.field)), None)
    return reason.short() if reason else f"#错误：{key}在{column}中没有有效的测评表（{SESSIONS[column]}）"


def merge(rows: Sequence[Mapping[str, object]], sheet: str, key_field: str, tallied: Tallied) -> list[dict[str, object]]:
    """The sheet's rows with each blank session column filled from the forms; a typed value is kept,
    with a warning where it differs from the forms' tally."""
    merged = []
    for row in rows:
        row = dict(row)
        key = "" if is_blank(row.get(key_field)) else str(row.get(key_field)).strip()
        for column in SESSIONS:
            if (sheet, key, column) not in tallied.means:
                continue
            mean, typed = tallied.means[(sheet, key, column)], row.get(column)
            if is_blank(typed):  # as the KAOHE_FORMS formula in that cell shows it
                row[column] = shown(tallied, sheet, key, column)
            elif mean is not None and isinstance(typed, (int, float)) and abs(typed - mean) > 1e-6:
                tallied.findings.append(warning(
                    "测评表", SESSIONS[column], f"{key}的「{column}」填的是{typed:g}，测评表统计为{mean:.2f}，按所填值计",
                    Where(sheet, key, column), allowed=round(mean, 2), actual=typed))
        merged.append(row)
    return merged
