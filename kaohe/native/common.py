"""Building blocks of the native-formula workbook: sheets whose results are built-in formulas.

An adapter: it lays out sheets and writes formula text; the rules it writes come from the scheme
modules' clauses, and every weight, band, quota and amount is a reference to its cell on the
`参数` sheet (never a number in a formula), so a street's edit of 参数 recalculates.

Only functions Excel 2010, WPS and LibreOffice share: IF, AND, OR, NOT, ISNUMBER, ISBLANK, TRIM,
ROUND, INT, MIN, MAX, RANK, COUNTIF(S), SUMIFS, SUMPRODUCT, INDEX, MATCH, IFERROR, SUBSTITUTE.
No dynamic arrays, LET, LAMBDA, XLOOKUP or ``_xlfn.`` names.

A sheet is a list of ``Col``: a typed input (``formula`` None), a result (a header of WORKBOOK.md)
or a helper (hidden, to the right, headed "辅助：…" so no reader mistakes it for a result).
A formula is a function of a ``Row``: ``row["总分"]`` is that row's cell of the column 总分,
``row.sheet.col("总分")`` the whole column, both as absolute references.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .. import engine, printing, validation
from ..checking import PRIOR_FILL
from ..contract import COUNT, GUIDE_SHEET, POINTS, REPORT_HEADER, REPORT_SHEET, TEXT, UNIT_LABEL, YEAR_LABEL
from ..params import PARAM_SHEET
from ..printing import BORDER, INPUT_FILL, RESULT_FILL
from ..reading import READING_CLAUSE
from ..template import (
    REASON,
    WRAPPED,
    _header,
    _param_sheet,
    _print_setup,
    _protect,
    fit_height,
)
from .reading import HELPER  # the label prefix of hidden helper columns

HELPER_FILL = RESULT_FILL
# a conditional format's fill: Excel shows a dxf's solid fill by its bgColor, LibreOffice by either
MARK_FILL = PatternFill(fill_type="solid", fgColor="FFF8CBAD", bgColor="FFF8CBAD")
ERROR_PREFIX = "#错误："  # a result that cannot be computed shows this and the cause (as Finding.short)

Formula = Callable[["Row"], str]


def q(text: str) -> str:
    """A string literal for a formula."""
    return '"' + str(text).replace('"', '""') + '"'


# --- 参数: where each parameter's value lies ---------------------------------------------------

class ParamCells:
    """The 参数 sheet as kaohe.template writes it (params.sheet_rows order); ``p("items.visits")`` is
    the absolute reference of that parameter's 值 cell, which every formula uses instead of a number."""

    def __init__(self, s: engine.Scheme):
        self.cells = validation.param_cells(s.params)
        self.paths = list(self.cells)

    def __call__(self, path: str) -> str:
        return self.cells[path]

    def has(self, path: str) -> bool:
        return path in self.cells

    def table(self, path: str) -> list[dict[str, str]]:
        """A table parameter's rows (``path.N.field``), each field → its cell reference."""
        rows: dict[int, dict[str, str]] = {}
        prefix = path + "."
        for p in self.paths:
            if p.startswith(prefix) and p[len(prefix):].split(".")[0].isdigit():
                n, name = p[len(prefix):].split(".", 1)
                rows.setdefault(int(n), {})[name] = self.cells[p]
        return [rows[n] for n in sorted(rows)]


# --- sheets and rows ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Col:
    header: str
    formula: Formula | None = None  # None: typed by the clerk
    fmt: str = POINTS
    helper: bool = False

    @property
    def label(self) -> str:
        return HELPER + self.header if self.helper else self.header


@dataclass
class Sheet:
    """One sheet: its columns in order (inputs, results, then helpers) and its typed rows 2…rows+1."""

    name: str
    columns: list[Col]
    rows: int
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)  # header → dropdown
    numbers: Mapping[str, validation.Bound] = field(default_factory=dict)  # header → number validation
    defaults: Mapping[str, Formula] = field(default_factory=dict)  # input header → formula where nothing is typed

    def __post_init__(self) -> None:
        self.letters = {c.header: get_column_letter(i) for i, c in enumerate(self.columns, start=1)}

    @property
    def last(self) -> int:
        return self.rows + 1

    def col(self, header: str) -> str:
        """The whole typed column (rows 2…last), qualified by the sheet name: usable from any sheet."""
        letter = self.letters[header]
        return f"'{self.name}'!${letter}$2:${letter}${self.last}"

    def at(self, header: str, row: int, other_sheet: bool = False) -> str:
        ref = f"${self.letters[header]}{row}"
        return f"'{self.name}'!{ref}" if other_sheet else ref


@dataclass(frozen=True)
class Row:
    sheet: Sheet
    n: int

    def __getitem__(self, header: str) -> str:
        return self.sheet.at(header, self.n)


# --- formula pieces ----------------------------------------------------------------------------

def blank(ref: str) -> str:
    """True where a cell holds nothing a clerk typed (empty or spaces), as reading.is_blank."""
    return f'TRIM({ref}&"")=""'


def active(row: Row, key: str) -> str:
    """The row has a key: results are computed; a row without one shows nothing."""
    return f"NOT({blank(row[key])})"


DUPLICATE = "名称重复"  # helper column: how many rows carry this row's key (1: unique, 0: no key)


def duplicate_count(key: str, *also: str) -> Col:
    """The helper column counting each key's rows (results.start_table: a key on several rows is
    ambiguous); ``also``: headers that are part of the key (people: 居民区 with 姓名, results.keys_of)."""
    def count(r: Row) -> str:  # COUNTIFS, not SUMPRODUCT: a people sheet of 600 rows recalculates in ms
        same = ",".join(f"{r.sheet.col(h)},{criterion(r[h])}" for h in (key, *also))
        return f"IF({blank(r[key])},0,COUNTIFS({same}))"
    return Col(DUPLICATE, count, COUNT, helper=True)


def keyed(r: Row, key: str, value: str) -> str:
    """A result cell: nothing on a row without a key; where the key is on several rows, start_table's
    error (none of those rows is computed); else ``value``. Needs the ``duplicate_count`` column."""
    dup = (f'{q(f"{ERROR_PREFIX}{r.sheet.name}中{key}“")}&TRIM({r[key]}&"")&"”出现"&{r[DUPLICATE]}'
           f'&{q(f"次，无法区分，均未计算（{READING_CLAUSE}）")}')
    return f'IF({blank(r[key])},"",IF({r[DUPLICATE]}>1,{dup},{value}))'


def count_keys(sheet: Sheet) -> str:
    """How many rows of a sheet have a key of their own (the n of a pool's quota; duplicates not counted)."""
    return f"COUNTIF({sheet.col(DUPLICATE)},1)"


def literal_key(ref: str) -> str:
    """A key as a MATCH/COUNTIF criterion that matches itself only: ``* ? ~`` escaped."""
    return f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(TRIM({ref}&""),"~","~~"),"*","~*"),"?","~?")'


def criterion(ref: str) -> str:
    """A key as a COUNTIF(S)/SUMIFS criterion matching itself only: "=" first (so a key that starts with
    "<", ">" or "=" is no comparison) and ``* ? ~`` escaped."""
    return f'"="&{literal_key(ref)}'


def number_problem(ref: str, what: str, lo: str | None, hi: str | None, clause: str, *, required: bool = True,
                   integer: bool = False) -> str:
    """A text formula: "" when the cell is a number within [lo, hi] (blank allowed if not required),
    else the cause, naming the column and clause, ending in "；" so that causes concatenate."""
    end = f"（{clause}）；"
    missing = q(f"{what}未填{end}") if required else '""'
    out_of = []
    if lo is not None:
        out_of.append(f"{ref}<{lo}")
    if hi is not None:
        out_of.append(f"{ref}>{hi}")
    bounds = (f'"–"&{hi}' if hi is not None else '"以上"')
    low = lo if lo is not None else '"…"'
    checks = f'IF(NOT(ISNUMBER({ref})),{q(what + "不是数字" + end)},'
    if out_of:
        checks += f'IF(OR({",".join(out_of)}),{q(what + "超出范围")}&"（应为"&{low}&{bounds}&"）"&{q(end)},'
    if integer:
        checks += f'IF({ref}<>INT({ref}),{q(what + "应为整数" + end)},"")'
    else:
        checks += '""'
    checks += ")" * (1 + bool(out_of))
    return f"IF({blank(ref)},{missing},{checks})"


def shown(problem: str, value: str, none: str = '""') -> str:
    """A result: the error text where ``problem`` (a text formula) is not "", else ``value``."""
    return f'IF({problem}<>"",{q(ERROR_PREFIX)}&{problem},{value})' if problem != '""' else value


def quota(share: str, n: str, rounding: str) -> str:
    """grading.quota as a formula: share × n rounded as the 参数 choice says (9 decimals first, as
    the engine's exact decimal arithmetic: 0.3 × 10 is 3, not 2.9999…)."""
    x = f"ROUND({share}*{n},9)"
    return f'IF({rounding}="ceil",-INT(-{x}),IF({rounding}="round_half_up",INT({x}+0.5),INT({x})))'


def band(rank: str, bands: Sequence[Mapping[str, str]], label: str, none: str) -> str:
    """grading.band_of as a formula: the label of the band whose from…to holds the rank, else ``none``."""
    out = none
    for b in reversed(bands):
        test = f"{rank}>={b['from']}" + (f",{rank}<={b['to']}" if "to" in b else "")
        out = f"IF(AND({test}),{b[label]},{out})"
    return out


@dataclass(frozen=True)
class Step:
    """One grade of a ladder, as 参数 references: name, min_score (None: the bottom), cap (None: uncapped)."""

    name: str
    min_score: str | None
    cap: Formula | None  # the cap of this grade in the row's pool, a formula of the row


def ladder_steps(p: ParamCells, path: str, n: Callable[[Row], str]) -> list[Step]:
    """The grade ladder of 参数 ``path`` (grades.N.name/share/max_count/min_score), with the pool size n."""
    rounding = p("rounding.quota") if p.has("rounding.quota") else q("floor")
    steps = []
    for row in p.table(path):
        cap = None
        if "share" in row or "max_count" in row:
            def cap(r: Row, row=row) -> str:
                limits = ([quota(row["share"], n(r), rounding)] if "share" in row else []) + \
                         ([row["max_count"]] if "max_count" in row else [])
                return limits[0] if len(limits) == 1 else f"MIN({','.join(limits)})"
        steps.append(Step(row["name"], row.get("min_score"), cap))
    return steps


def ladder_columns(tag: str, steps: Sequence[Step], score: str, tie: str, pool: str | None = None,
                   barred: Callable[[Row, Step], str] | None = None,
                   second: str | None = None) -> tuple[list[Col], Formula]:
    """grading.propose as formulas: helper columns for the capped grades, and the proposal's formula.

    ``score`` is the header of the unrounded score (compared with each min_score), ``tie`` of the
    score rounded to 9 decimals, "" where not graded (ties and counts, as TIE_DECIMALS). Going down
    the ladder, a capped grade goes to an eligible row (not yet graded, score ≥ its floor, not barred)
    when the eligible rows scoring at least as much are no more than the cap: rows tied across the
    cap all get a lower grade (DOMAIN §6). ``pool`` is the header whose value splits the rows into
    pools (None: one pool); ``second`` the header of the tie-break key (``tiebreak_key``), compared
    before a tie is left to people. Returns (helper columns, formula of the proposed grade: "" if ungraded).
    """
    uncapped = [s for s in steps if s.cap is None]
    if not uncapped or any(s.cap is not None for s in steps[len(steps) - len(uncapped):]):
        raise ValueError("capped grades must come first and the bottom grade be uncapped")
    cols: list[Col] = []
    before: str | None = None  # header of the grade assigned so far ("" none)
    for k, step in enumerate(steps):
        if step.cap is None:
            continue
        eligible, taken = f"{tag}可选{k + 1}", f"{tag}已定{k + 1}"

        def elig(r: Row, step=step, before=before) -> str:
            tests = [f'{r[tie]}<>""', f"{r[score]}>={step.min_score}" if step.min_score else "TRUE"]
            if before:
                tests.append(f'{r[before]}=""')
            if barred:
                tests.append(f"NOT({barred(r, step)})")
            return f"IF(AND({','.join(tests)}),1,0)"

        def take(r: Row, step=step, before=before, eligible=eligible) -> str:
            s = r.sheet
            within = f',{s.col(pool)},{criterion(r[pool])}' if pool else ""
            # COUNTIFS with the number as text criterion: ">=" & a 9-decimal value is exact
            count = f'COUNTIFS({s.col(eligible)},1,{s.col(tie)},">="&{r[tie]}{within})'
            if second:  # (score, second) compared in turn: higher, or equal and at least as high second
                count = (f'COUNTIFS({s.col(eligible)},1,{s.col(tie)},">"&{r[tie]}{within})'
                         f'+COUNTIFS({s.col(eligible)},1,{s.col(tie)},{r[tie]},{s.col(second)},">="&{r[second]}{within})')
            chosen = f"IF(AND({r[eligible]}=1,{count}<={step.cap(r)}),{step.name},\"\")"
            return f'IF({r[before]}<>"",{r[before]},{chosen})' if before else chosen

        cols += [Col(eligible, elig, COUNT, helper=True), Col(taken, take, TEXT, helper=True)]
        before = taken

    def proposal(r: Row) -> str:
        out = uncapped[-1].name
        for step in reversed(uncapped[:-1]):
            out = f"IF({r[score]}>={step.min_score},{step.name},{out})"
        if before is not None:
            out = f'IF({r[before]}<>"",{r[before]},{out})'
        return f'IF({r[tie]}="","",{out})'

    return cols, proposal


def tiebreak_key(param: str, first: str, last: str) -> Formula:
    """grading.tiebreak_array: the value of the input column that 参数 ``param`` names (found by its
    header among columns first…last), 9 decimals; lowest where blank or not a number; 0 for "none"."""
    def key(r: Row) -> str:
        value = f"INDEX(${first}{r.n}:${last}{r.n},MATCH({param},${first}$1:${last}$1,0))"
        return f'IF({param}="none",0,IFERROR(IF(ISNUMBER({value}),ROUND({value},9),-1E+300),-1E+300))'
    return key


def final_grade(r: Row, proposed: str, override: str, names: Sequence[str], clause: str) -> str:
    """grading.final_grades: the override where typed (it must be a grade name), else the proposal."""
    typed = f'SUBSTITUTE(TRIM({r[override]}&"")," ","")'
    known = "OR(" + ",".join(f"{typed}={n}" for n in names) + ")"
    bad = q(f"{ERROR_PREFIX}领导小组调整应为等次名称之一（{clause}）")
    return f"IF({blank(r[override])},{r[proposed]},IF({known},{typed},{bad}))"


# --- writing -----------------------------------------------------------------------------------

def write_sheet(wb: Workbook, s: engine.Scheme, sheet: Sheet, data: Sequence[Mapping[str, object]] = ()) -> Worksheet:
    """The sheet with its header, typed rows (``data`` first), result and helper formulas, dropdowns,
    number validations, protection (results and helpers locked) and helpers hidden and grouped."""
    ws = wb.create_sheet(sheet.name)
    _header(ws, [c.label for c in sheet.columns])
    for n in range(sheet.rows):
        r = Row(sheet, n + 2)
        record = data[n] if n < len(data) else {}
        for i, c in enumerate(sheet.columns, start=1):
            cell = ws.cell(r.n, i)
            cell.border, cell.number_format = BORDER, c.fmt
            if c.formula is None:  # typed, or where nothing is, a default formula a clerk may type over
                cell.value = record.get(c.header)
                if cell.value is None and c.header in sheet.defaults:
                    cell.value = "=" + sheet.defaults[c.header](r)
                cell.fill, cell.protection = INPUT_FILL, Protection(locked=False)
                if c.header == REASON:
                    cell.alignment = WRAPPED
                    fit_height(ws, r.n, cell.value)
            else:
                cell.value = "=" + c.formula(r)
                cell.fill = HELPER_FILL if c.helper else RESULT_FILL
    validation.add_choices(ws, sheet.choices, sheet.letters, sheet.last)
    validation.add_numbers(ws, s.params, sheet.numbers, sheet.letters, sheet.last, lenient=False)
    results = [c for c in sheet.columns if c.formula is not None and not c.helper]
    if results:
        first, final = sheet.letters[results[0].header], sheet.letters[results[-1].header]
        ws.conditional_formatting.add(f"A2:{final}{sheet.last}", FormulaRule(
            formula=[f'COUNTIF(${first}2:${final}2,"#*")>0'], fill=MARK_FILL))
    helpers = [sheet.letters[c.header] for c in sheet.columns if c.helper]
    if helpers:
        ws.column_dimensions.group(helpers[0], helpers[-1], hidden=True, outline_level=1)
    _print_setup(ws)
    _protect(ws)
    return ws


def _print_book(wb: Workbook, s: engine.Scheme, info: Mapping[str, object]) -> None:
    """As the .xlsm prints (template._print_book): the unit and year in every header, only the rows with
    typed data (a blank sheet: its first rows, to write on), a wide sheet split across pages with its key
    column on each; hidden helper columns take no room."""
    unit, year = (None if info.get(k) in (None, "") else str(info[k]) for k in (UNIT_LABEL, YEAR_LABEL))
    for ws in wb.worksheets:
        printing.set_header(ws, str(s.params.meta["title"]), unit, year)
        if ws.title in (GUIDE_SHEET, PARAM_SHEET):
            continue
        printing.rows_to_print(ws)
        hidden = {n for dim in ws.column_dimensions.values() if dim.hidden
                  for n in range(dim.min or 0, (dim.max or dim.min or 0) + 1)}
        widths = [0.0 if n in hidden else (ws.column_dimensions[get_column_letter(n)].width or 9.0)
                  for n in range(1, ws.max_column + 1)]
        printing.split(ws, widths)


def start_book(s: engine.Scheme, guide: Sequence[str], info: Mapping[str, object] | None = None) -> Workbook:
    """A workbook with 说明 (filled by ``guide`` lines) first; the caller adds the input sheets,
    then ``finish_book`` adds 检查结果 and 参数."""
    wb = Workbook()
    ws = wb.active
    ws.title = GUIDE_SHEET
    ws.append(["居民区年度考核工作簿（kaohe，公式版：不需要 Python 和宏）"])
    ws["A1"].font = Font(bold=True, size=14)
    for label in (UNIT_LABEL, YEAR_LABEL):
        ws.append([label, (info or {}).get(label)])
        value = ws.cell(ws.max_row, 2)
        value.fill, value.border, value.protection = INPUT_FILL, BORDER, Protection(locked=False)
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    ws.append(["方案", f"{s.params.meta['title']}（{s.id}）"])
    for line in guide:
        ws.append([None, line])
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 110
    _print_setup(ws, landscape=False)
    return wb


GUIDE = (
    "",
    "怎样填写：黄色格由填报人填写，灰色格是公式计算的结果（受保护，不能手改）；隐藏的“辅助：”列是中间计算，勿删。",
    "本工作簿只用 Excel、WPS 和 LibreOffice 共有的内置函数，不含宏、不需要 Python：改动任何输入或“参数”表的值，结果即时重算。",
    "计算结果显示“#错误：……（条款）”时，说明哪一格、哪条规则有问题；改正输入后自动重算。",
    "输入请直接填数字（如 90，不要写“90分”“９０”）：数据有效性会拦下文字，选中黄色格时有提示说明应填的范围。",
    "“领导小组调整”列填写等次后，“最终等次”随之改变，并请在“调整理由”列写明依据。调整后是否超出名额上限，本工作簿不提示："
    "由装有 kaohe 的电脑（街道、镇或区里）用“kaohe check 文件名”核对，它列出全部问题。",
)


def finish_book(wb: Workbook, s: engine.Scheme, active_sheet: str,
                info: Mapping[str, object] | None = None) -> Workbook:
    check = wb.create_sheet(REPORT_SHEET)
    _header(check, (*REPORT_HEADER, PRIOR_FILL), {"说明": 60, "位置": 16})
    check.column_dimensions[get_column_letter(len(REPORT_HEADER) + 1)].hidden = True
    _print_setup(check)
    _param_sheet(wb, s)
    _print_book(wb, s, info or {})
    wb.active = wb.sheetnames.index(active_sheet)
    for ws in wb.worksheets:  # exactly one selected tab
        ws.sheet_view.tabSelected = ws.title == active_sheet
    wb.calculation.fullCalcOnLoad = True  # no cached values yet: every program computes on open
    return wb
