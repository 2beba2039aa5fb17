"""The printed papers of an assessment, from a workbook: print-ready sheets, and PDFs through LibreOffice.

    kaohe papers FILE -o DIR [--pdf]

- 测评表.xlsx — blank rating forms (jingan 五): for each session and area, its targets with the tiers,
  their bands and the A-quota of each class printed on the form, one A4 page per form;
- 公示名单.xlsx — the publicity list (jingan 八(三)): areas to be 优秀/良好, staff to be 优秀;
- 满意度问卷.xlsx — gaojing-2024's blank questionnaire (附件2), one page per area;
- 反馈.xlsx — one page per area (jingan 八(四); gaojing-2024 五(一) 及时反馈): its scores part by
  part, its rank, its grade, its staff and the findings about it.

An adapter: bands, caps, parts and grades are the engine's; this lays them out on paper.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from . import engine, office, printing
from .book import put
from .contract import QUOTA_RULE, TIE_RULE, UNIT_LABEL, YEAR_LABEL
from .files import write_atomically
from .findings import Finding
from .reading import Bands, as_text
from .results import keys_of
from .rules import entries, sessions
from .rules.forms import FormRules
from .rules.grading import OVERRIDE_FIELD, REASON, rank_eq
from .rules.ruleset import PaperColumn
from .workbook import Inputs, calculate, inputs_from, open_book, workbook_info

THIN = Side(style="thin", color="FF000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="FFD9D9D9")
TICK = "□"
COLUMNS = 8  # every paper is laid out on eight columns, A to H
WIDTHS = (6, 20, 14, 8, 8, 8, 8, 12)


class Paper:
    """One sheet of pages: blocks of rows, a page break after each, A4 portrait fitted to the width."""

    def __init__(self, wb: Workbook, title: str, widths: Sequence[float] = WIDTHS, a: Assessment | None = None):
        self.ws: Worksheet = wb.create_sheet(title)
        self.widths = list(widths)
        for n, width in enumerate(widths, start=1):
            self.ws.column_dimensions[chr(64 + n)].width = width
        printing.page_setup(self.ws, landscape=False, title_rows=None)
        if a is not None:  # the header names the unit and year, the footer the scheme and the page
            printing.set_header(self.ws, str(a.scheme.params.meta["title"]), a.unit or None, a.year or None)
        self.ws.print_options.horizontalCentered = True
        self.row = 0  # the last row written

    def line(self, text: str, *, size: int = 11, bold: bool = False, center: bool = False,
             height: float | None = None) -> None:
        """A line of text across the page (merged A:H), wrapped."""
        self.row = r = self.row + 1
        cell = put(self.ws.cell(r, 1), text)
        cell.font = Font(size=size, bold=bold)
        cell.alignment = Alignment(horizontal="center" if center else "left", vertical="center", wrap_text=True)
        self.ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=COLUMNS)
        if height:
            self.ws.row_dimensions[r].height = height

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]], spans: Sequence[int] | None = None,
              formats: dict[int, str] | None = None, shade: Sequence[bool] = ()) -> None:
        """A boxed table; ``spans``: how many of the eight columns each field takes."""
        spans = spans or [1] * len(header)
        for n, values in enumerate([header, *rows]):
            self.row = r = self.row + 1
            col, lines = 1, 1
            for i, (value, span) in enumerate(zip(values, spans)):
                cell = put(self.ws.cell(r, col), value)
                cell.alignment = Alignment(horizontal="center" if n == 0 or span == 1 else "left", vertical="center",
                                           wrap_text=True)
                cell.number_format = (formats or {}).get(i, "General")
                for c in range(col, col + span):
                    self.ws.cell(r, c).border = BOX
                    if n == 0 or (n - 1 < len(shade) and shade[n - 1]):
                        self.ws.cell(r, c).fill = HEAD
                if n == 0:
                    cell.font = Font(bold=True)
                if span > 1:
                    self.ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + span - 1)
                room = sum(self.widths[col - 1:col - 1 + span]) - 1  # in Latin character widths
                lines = max(lines, -(-_units(value) // max(1, int(room))))
                col += span
            self.ws.row_dimensions[r].height = max(22, 15 * lines + 4)

    def gap(self) -> None:
        self.row += 1
        self.ws.row_dimensions[self.row].height = 8

    def page_break(self) -> None:
        self.ws.row_breaks.append(Break(id=self.row))


def _units(value: object) -> int:
    """How wide a value prints, in Latin character widths: a Chinese character takes two."""
    if not isinstance(value, str):
        return 8  # a number, formatted
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)


@dataclass
class Assessment:
    """A workbook read and recomputed: what every paper needs."""

    inputs: Inputs
    tables: dict
    areas: list[dict]  # the area rows as the rules read them (session columns tallied from the forms)
    people: list[dict]
    findings: list[Finding]
    unit: str
    year: str

    @property
    def scheme(self) -> engine.Scheme:
        return self.inputs.scheme

    @property
    def heading(self) -> str:
        return f"{self.unit}{self.year + '年度' if self.year else ''}"


def assess(path: str | Path) -> Assessment:
    book = open_book(path)
    try:
        info = workbook_info(book)
        inputs = inputs_from(book, Path(path).name)
    finally:
        book.close()
    tables = calculate(inputs)
    findings = [f for t in tables.values() for f in t.findings]
    return Assessment(inputs, tables, [dict(r) for r in tables.area_rows], [dict(r) for r in tables.people_rows], findings,
                      str(info.get(UNIT_LABEL) or ""), str(info.get(YEAR_LABEL) or ""))


def _key(row: dict, field: str) -> str:
    return as_text(row.get(field))


# --- blank rating forms (jingan 五) --------------------------------------------------------------

def band_text(bands: Bands) -> str:
    """"A档90–100分、B档70–89分…" off the scheme's bands (as the document writes whole-number bands)."""
    whole = all(float(b.low).is_integer() for b in bands.bands)
    parts = []
    for n, band in enumerate(bands.bands):
        if n == 0:
            parts.append(f"{band.tier}档{band.low:g}–{bands.top:g}分")
        else:
            above = bands.bands[n - 1].low
            parts.append(f"{band.tier}档{band.low:g}–{above - 1:g}分" if whole
                         else f"{band.tier}档{band.low:g}分至不足{above:g}分")
    return "、".join(parts)


NUMERALS = "零一二三四五六七八九十"


SESSION_TITLES = {"党员群众测评": "党员群众测评表", "内部互评": "居民区内部互评表", "书记主任考评": "书记、主任考评表",
                  sessions.MUTUAL: "居民区互评表"}
CLASS_NAMES = {sessions.AREA_CLASS: "居民区", sessions.LEADER_CLASS: "书记、主任", sessions.OTHER_CLASS: "其他工作人员"}


def _form(paper: Paper, a: Assessment, session: str, area: str, classes: dict[str, str], posts: dict[str, str],
          own: str | None = None) -> None:
    s: Any = a.scheme  # a scheme rated on forms (RuleSet.rated_on_forms) has their rules
    rules: FormRules = s.forms
    paper.line(f"{a.heading}居民区工作考核评估　{SESSION_TITLES[session]}", size=15, bold=True, center=True, height=30)
    who = f"评分居民区：{own}" if session == sessions.MUTUAL else f"居民区：{area}"
    paper.line(f"{who}　　　表号：________　　　测评日期：______年____月____日", height=22)
    tiers = [b.tier for b in rules.bands.bands]
    count = NUMERALS[len(tiers)] if len(tiers) < len(NUMERALS) else str(len(tiers))
    mismatch = "档次与分值不符的测评表作废" if rules.mismatch == "void" else "档次与分值不符的按分值计，并予提示"
    paper.line(f"请对下列被考对象按{'、'.join(tiers)}{count}个档次进行评价，在所选档次下打“√”，并填写相应分值："
               f"{band_text(rules.bands)}（{rules.bands.clause}）。{mismatch}。", height=48)
    # the rater's own row counts neither in n nor in the A's (DOMAIN 1.4)
    counts = {cls: sum(1 for t, c in classes.items() if c == cls and t != own) for cls in dict.fromkeys(classes.values())}
    caps = "；".join(f"{CLASS_NAMES[cls]}{n}个，{rules.a_tier}档至多{rules.cap(n)}个"
                     for cls, n in counts.items())
    over = "超过的测评表作废" if rules.over_quota == "void" else "超过的将予提示"
    paper.line(f"同类被考对象中，评价为{rules.a_tier}档的比例不超过{rules.a_share:.0%}（{rules.quota_clause}）："
               f"本表{caps}。{over}。", height=48, bold=True)
    rows, shade = [], []
    for n, (target, cls) in enumerate(classes.items(), start=1):
        own_row = target == own  # 居民区互评: an area does not rate itself
        marks = ["—"] * len(tiers) if own_row else [TICK] * len(tiers)
        rows.append([n, target + ("（本居民区，不评）" if own_row else ""), posts.get(target, CLASS_NAMES[cls]), *marks,
                     "—" if own_row else ""])
        shade.append(own_row)
    paper.table(["序号", "被考对象", "岗位/类别", *(f"{t}档" for t in tiers), "分值"], rows, shade=shade)
    paper.gap()
    anonymous = s.sessions[session].anonymous  # the scheme's sessions.<id> leaf: an unsigned (无记名) form
    rater = "评分人：无需署名（无记名测评）" if anonymous else "评分人（可不填）：____________"
    paper.line(rater + ("　　不对本人评分，本人一栏留空" if session == "内部互评" else ""), height=22)
    paper.page_break()


def blank_forms(a: Assessment, wb: Workbook) -> int:
    """Every session's blank form: one per area (居民区互评: one per rating area); returns how many."""
    areas = [_key(r, "居民区") for r in a.areas if _key(r, "居民区")]
    leaders = engine.ruleset(a.scheme).leader_posts
    staff = [sessions.Member(_key(r, "姓名"), _key(r, "居民区"), _key(r, "岗位") in leaders)
             for r in a.people if _key(r, "姓名")]
    pages = 0
    for session in ("党员群众测评", "内部互评", "书记主任考评"):
        paper = Paper(wb, SESSION_TITLES[session], a=a)
        for area in areas:
            classes = sessions.classes_of(session, area, areas, [m for m in staff if m.area == area])
            posts = {_key(r, "姓名"): _key(r, "岗位") for r in a.people if _key(r, "居民区") == area}  # a 王芳 of this area
            if classes:
                _form(paper, a, session, area, classes, {**posts, area: "居民区"})
                pages += 1
    paper = Paper(wb, SESSION_TITLES[sessions.MUTUAL], a=a)
    for own in areas:
        _form(paper, a, sessions.MUTUAL, "", sessions.classes_of(sessions.MUTUAL, "", areas, []),
              dict.fromkeys(areas, "居民区"), own=own)
        pages += 1
    return pages


# --- the publicity list (jingan 八(三); gaojing-2024 五(一)、五(二)) ------------------------------------

CAP_RULES = (QUOTA_RULE, TIE_RULE)  # the grades against their caps: over the cap, or tied at it


def cap_notes(a: Assessment) -> list[str]:
    """Where the list holds more of a capped grade than its cap allows, or candidates tied at a cap were
    left to the leading group (DOMAIN §6 caps and ties), in the findings' own words; else one line saying
    the caps hold."""
    overridden = {_key(r, key): _key(r, REASON) for rows, key in ((a.areas, "居民区"), (a.people, "姓名"))
                  for r in rows if _key(r, OVERRIDE_FIELD)}  # key → the 调整理由 typed beside it
    notes = []
    for f in (f for f in a.findings if f.rule in CAP_RULES):
        if f.rule == QUOTA_RULE:
            named = sorted(k for k in f.message.rsplit("：", 1)[-1].split("、") if k in overridden)
            told = [f"{k}（理由：{overridden[k]}）" if overridden[k] else k for k in named]
            why = f"其中{'、'.join(told)}由领导小组调整；" if named else ""
            notes.append(f"注意：{f.message}（{f.clause}）。{why}名单多于名额，公示前请领导小组核定。")
        else:
            notes.append(f"说明：{f.message}（{f.clause}）。")
    return notes or ["拟定等次均未超过文件规定的名额。"]


def _layout(columns: Sequence[PaperColumn], first: int = 0) -> tuple[list[str], list[int], dict[int, str]]:
    """A table's headers, column spans and number formats (by column, counted from ``first``)."""
    formats = {first + n: c.number_format for n, c in enumerate(columns) if c.number_format}
    return [c.header for c in columns], [c.span for c in columns], formats


def publicity(a: Assessment, wb: Workbook) -> int:
    listing = engine.ruleset(a.scheme).publicity(a.scheme, a.tables, a.people)
    header, spans, formats = _layout(listing.columns)
    paper = Paper(wb, "公示名单", (6, 12, 22, 20, 12, 12, 10, 20), a=a)
    paper.line(f"{a.heading}居民区考核拟评等次公示名单", size=15, bold=True, center=True, height=30)
    paper.line(listing.opening, height=64)
    paper.table(header, listing.rows, spans=spans, formats=formats)
    paper.gap()
    for note in cap_notes(a):
        paper.line(note, height=15 * -(-_units(note) // 100) + 8, bold=note.startswith("注意"))
    paper.gap()
    paper.line("公示期：______年____月____日至______年____月____日　　　联系人及电话：______________", height=24)
    paper.line(f"居民区考核（评估）领导小组　　　{a.year or '____'}年____月____日", height=24)
    return len(listing.rows)


# --- one feedback page per area (jingan 八(四)) ------------------------------------------------------

def _rank(a: Assessment) -> dict[str, int]:
    table = a.tables[engine.sheets(a.scheme)[0]]
    keys = list(table.rows)
    totals = np.array([v if isinstance(v := table.value(k, "总分"), (int, float)) else np.nan for k in keys], dtype=float)
    return dict(zip(keys, rank_eq(totals).tolist()))


_SEVERITY = re.compile(r"#(错误|警告|提示)：")


def in_words(text: str) -> str:
    """A message as a page says it: a cell's "#错误：" marker (quoted inside a message) left out."""
    return _SEVERITY.sub("", text)


def _part(part: dict, errors: str) -> object:
    """A part's score, or in words why there is none: a text typed where a number belongs is quoted by
    its finding; a blank 加分/减分 is none; else the area's errors (``errors``: their numbers) say why,
    or, with none, the part was not filled in."""
    value = part["得分"]
    if isinstance(value, str):
        return in_words(value)
    if value is None:
        return "无" if part["项目"] in ("加分", "减分") else f"无法计算，见问题{errors}" if errors else "未填写"
    return value


def _shown(table, key: str, column: str, about: list[Finding]) -> object:
    """A result, or where it could not be computed, which problem below says why (or the reason itself)."""
    value = table.value(key, column)
    if value is not None:
        return value
    reason = table.reason(key, column)
    if reason is None:
        return "—"
    number = next((n for n, f in enumerate(about, start=1) if f is reason or f == reason), None)
    why = f"见问题{number}" if number else in_words(reason.message)
    return f"无法计算，{why}" if reason.is_error else why  # not assessed (新进未满半年…): said as it is


def feedback(a: Assessment, wb: Workbook) -> int:
    s = a.scheme
    rs = engine.ruleset(s)
    area_sheet, people_sheet = engine.sheets(s)
    areas, people = a.tables[area_sheet], a.tables[people_sheet]
    ranks = _rank(a)
    scored = sum(1 for v in ranks.values() if v)
    paper = Paper(wb, "反馈", (18, 12, 10, 10, 10, 14, 14, 14), a=a)
    pages = 0
    for row in a.areas:
        key = _key(row, "居民区")
        if key not in areas.rows:
            continue
        results = areas.rows[key]
        paper.line(f"{key}　{a.year + '年度' if a.year else ''}工作考核评估结果反馈", size=15, bold=True, center=True,
                   height=30)
        paper.line(f"{a.unit}　　方案：{s.params.meta['title']}", height=30)
        named = {k: _key(p, "姓名") for k, p in zip(keys_of(a.people, "姓名"), a.people) if _key(p, "居民区") == key}
        mine = list(named)  # people keys (results.keys_of: a namesake is 居民区·姓名), shown by their names
        about = [f for f in a.findings if f.where.key in (key, *mine)]
        errors = "、".join(str(n) for n, f in enumerate(about, start=1) if f.is_error and f.where.key == key)
        columns = rs.feedback_columns
        parts = [[_part(p, errors) if c.field == "得分" else p[c.field] for c in columns]
                 for p in rs.feedback_parts(s, key, row, results)]
        header, spans, formats = _layout(columns)
        paper.table(header, parts, spans=spans, formats=formats)
        place = results.get("排名") or ranks.get(key)  # gaojing-2024's own 排名; jingan: RANK.EQ of 总分
        rank = f"第{place:g}名（共{scored}个）" if place else "—"
        summary = [[_shown(areas, key, c, about) for c in ("总分",)] + [rank] +
                   [_shown(areas, key, c, about) for c in ("建议等次", "最终等次")]]
        paper.gap()
        paper.table(["总分", "排名", "建议等次", "最终等次"], summary, spans=[2, 2, 2, 2], formats={0: "0.00"})
        if rs.feedback_staff and mine:
            paper.gap()
            staff = [[n, named[p], *(_shown(people, p, c.field, about) for c in rs.feedback_staff)]
                     for n, p in enumerate(mine, start=1) if p in people.rows]
            header, spans, formats = _layout(rs.feedback_staff, first=2)
            paper.table(["序号", "姓名", *header], staff, spans=[1, 2, *spans], formats=formats)
        paper.gap()
        if about:
            paper.table(["问题", "级别", "说明", "依据"],
                        [[n, f.severity.label, in_words(f.message), f.clause] for n, f in enumerate(about, start=1)],
                        spans=[1, 1, 4, 2])
        else:
            paper.line("检查未发现问题。")
        paper.gap()
        paper.line("如对结果有异议，请在收到本反馈后向街道（镇）居民区考核评估领导小组反映。", height=22)
        paper.page_break()
        pages += 1
    return pages


# --- all of them --------------------------------------------------------------------------------------

@dataclass
class Printed:
    files: list[Path]
    pdfs: list[Path]
    pages: dict[str, int]


# --- blank questionnaires (gaojing-2024 附件2) ---------------------------------------------------

SECTION_NUMERALS = "一二三四五六七八九十"


def questionnaires(a: Assessment, wb: Workbook) -> int:
    """One blank 附件2 questionnaire per area, its questions and points as the scheme words them."""
    s: Any = a.scheme  # a scheme that prints 满意度问卷 (RuleSet.blank_papers) has its questionnaire
    paper = Paper(wb, "满意度问卷", a=a)
    areas = [_key(r, "居民区") for r in a.areas if _key(r, "居民区")]
    sections = list(dict.fromkeys(section for section, _ in s.questionnaire))
    channels = "　".join(f"□{c}" for c in entries.CHANNELS)
    for area in areas:
        paper.line(f"{a.heading}居民满意度测评调查问卷", size=15, bold=True, center=True, height=30)
        paper.line(f"居民区：{area}　　　问卷号：________　　　渠道：{channels}", height=22)
        paper.line(f"请对每一项按0–{s.question_max:g}分打分（每题满分{s.question_max:g}分，全卷满分{s.full_score:g}分；"
                   f"{s.cite('satisfaction.question_max')}）。", height=22)
        rows: list[list[object]] = []
        shade: list[bool] = []
        for n, section in enumerate(sections):
            asked = [q for sec, q in s.questionnaire if sec == section]
            points = s.question_max * len(asked)
            rows.append(["", f"{SECTION_NUMERALS[n] if n < len(SECTION_NUMERALS) else n + 1}、{section}（{points:g}分）", ""])
            shade.append(True)
            rows += [[i, f"{q}（{s.question_max:g}分）", ""] for i, q in enumerate(asked, start=1)]
            shade += [False] * len(asked)
        paper.table(["序号", "满意度测评内容", "满意度评分"], rows, spans=[1, 5, 2], shade=shade)
        paper.line("合计：________分", height=24)
        paper.page_break()
    return len(areas)


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


PAPERS = ("测评表", "满意度问卷", "公示名单", "反馈")  # the files a run may write: <name>.xlsx (and .pdf)


def write_papers(path: str | Path, outdir: str | Path, pdf: bool = False,
                 progress: Callable[[str], None] = to_stderr) -> Printed:
    """The papers as workbooks in ``outdir``, and with ``pdf`` their PDFs, ``progress`` told of each."""
    a, outdir = assess(path), Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    blanks = {"测评表": blank_forms, "满意度问卷": questionnaires}
    makers = [*((name, blanks[name]) for name in engine.ruleset(a.scheme).blank_papers),
              ("公示名单", publicity), ("反馈", feedback)]
    files, pages = [], {}
    for name, make in makers:
        wb = Workbook()
        wb.remove(wb.active)
        pages[name] = make(a, wb)
        target = outdir / f"{name}.xlsx"
        write_atomically(wb, target, path)
        files.append(target)
    if pdf:
        progress(f"正在用 LibreOffice 生成 PDF（{len(files)} 个文件，通常需要半分钟左右）……")
    return Printed(files, office.to_pdf(files, outdir, progress=progress) if pdf else [], pages)
