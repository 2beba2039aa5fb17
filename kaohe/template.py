"""Building the workbook a clerk types into, from a scheme's data (WORKBOOK.md).

An adapter: it lays out the sheets, headers, input cells and result formulas (which call the
UDFs), and decides no rule. An .xlsm starts from the macro-enabled workbook xlwings ships for
new projects (its package parts), with kaohe's own VBA project (kaohe/vba.py) and xlwings.conf.

    kaohe new --scheme jingan -o 静安2025.xlsm
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import xlwings
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from . import engine, printing, validation, vba
from .checking import PRIOR_FILL
from .contract import (
    COUNT,
    GUIDE_SHEET,
    ID_FIELD,
    POINTS,
    RATE,
    REPORT_HEADER,
    REPORT_SHEET,
    SUMMARY_SHEET,
    TEXT,
    UNIT_LABEL,
    YEAR_LABEL,
    YUAN,
)
from .files import write_atomically
from .params import DEFAULT_NOTE, PARAM_SHEET, sheet_rows
from .printing import BORDER, FINDING_FILL, GUIDE_WIDTH, HEADER_FILL, HEADER_FONT, INPUT_FILL, RESULT_FILL
from .rules import entries, sessions
from .rules.grading import OVERRIDE_FIELD, REASON
from .rules.ruleset import Distribution, SheetLayout

QUICKSTART = Path(xlwings.__file__).parent / "quickstart.xlsm"
FIXED_TIME = datetime(2025, 1, 1)
UDF_MODULE = "kaohe_udfs"



@dataclass(frozen=True)
class Layout(SheetLayout):
    """One input sheet as its rules lay it out, with its rows: its headers in order (inputs, results, then
    the session inputs whose 测评表 tally is shown beside the results: jingan) and how each column looks."""

    rows: int = 0
    sessions: tuple[str, ...] = ()

    @property
    def tallies(self) -> tuple[str, ...]:
        return tuple(engine.tally_label(c) for c in self.sessions)

    @property
    def headers(self) -> tuple[str, ...]:
        return self.inputs + self.results + self.tallies

    def letter(self, header: str) -> str:
        return get_column_letter(self.headers.index(header) + 1)

    def input_range(self) -> str:
        """The inputs from the header row down, as the UDFs take them."""
        return f"'{self.sheet}'!$A$1:${self.letter(self.inputs[-1])}${self.rows + 1}"

    def block(self, columns: Sequence[str]) -> str:
        """The cells below the header of adjacent columns: where one array formula returns its block."""
        return f"{self.letter(columns[0])}2:{self.letter(columns[-1])}{self.rows + 1}"


def layouts(s: engine.Scheme, area_rows: int, people_rows: int) -> tuple[Layout, Layout]:
    """The two input sheets of a scheme as its rules lay them out (RuleSet.layouts), with the document's
    vocabularies as dropdowns; the people sheet with the optional 编号, and 调整理由 beside 领导小组调整."""
    rs = engine.ruleset(s)
    area, people = rs.layouts(s)

    def laid(sheet: SheetLayout, inputs: tuple[str, ...], rows: int) -> Layout:
        tallied = _sessions(sheet.inputs) if rs.rated_on_forms else ()
        formats = sheet.formats
        if OVERRIDE_FIELD in inputs:
            inputs, formats = _with_reason(inputs), {**formats, REASON: TEXT}
        return Layout(sheet.sheet, sheet.key, inputs, sheet.results, formats, sheet.choices, sheet.numbers, rows,
                      tallied)

    return laid(area, area.inputs, area_rows), laid(people, _with_id(people.inputs), people_rows)


def _with_reason(inputs: tuple[str, ...]) -> tuple[str, ...]:
    """Inputs with 调整理由 beside 领导小组调整: the leading group's reason, kept as typed for the record."""
    at = inputs.index(OVERRIDE_FIELD) + 1
    return (*inputs[:at], REASON, *inputs[at:])


def _with_id(inputs: tuple[str, ...]) -> tuple[str, ...]:
    """A people sheet's inputs with the optional 编号 after 居民区 (WORKBOOK.md; 姓名 stays column A, the
    column each printed page repeats): where filled, it tells namesakes apart (results.keys_of)."""
    at = inputs.index("居民区") + 1
    return (*inputs[:at], ID_FIELD, *inputs[at:])


def _sessions(inputs: Sequence[str]) -> tuple[str, ...]:
    return tuple(c for c in inputs if c in sessions.SESSIONS)


_width = printing.text_width


# money columns: "72,000.00" needs more than its two-character label's width, else a program shows ###
NUMBER_WIDTHS = {"奖金": 13.0, "奖金基数": 13.0, "奖励金额": 13.0}
REASON_WIDTH = 16.0  # 调整理由: a sentence, wrapped within its cell (WRAPPED) so that it prints whole
WRAPPED = Alignment(wrap_text=True, vertical="top")


def fit_height(ws: Worksheet, row: int, text: object) -> None:
    """A row as high as a 调整理由 written into it at build time needs (Excel fits rows a clerk types into;
    a program opening the file does not re-measure them)."""
    if text:
        lines = -(-_width(str(text)) // REASON_WIDTH)
        if lines > 1:
            ws.row_dimensions[row].height = 15 * lines


def _header(ws: Worksheet, headers: Sequence[str], widths: Mapping[str, float] | None = None) -> None:
    ws.append(list(headers))
    for col, label in enumerate(headers, start=1):
        cell = ws.cell(1, col)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = (widths or {}).get(
            label, REASON_WIDTH if label == REASON else NUMBER_WIDTHS.get(label, _width(label)))
    ws.freeze_panes = "B2"


def _print_setup(ws: Worksheet, landscape: bool = True) -> None:
    """A4, title row repeated, fit to page width: the sheet prints as the paper record (the header naming
    unit and scheme, and the rows to print, are set once every sheet is there: ``_print_book``)."""
    printing.page_setup(ws, landscape=landscape)


VALUE_WIDTHS = {COUNT: 7.0, RATE: 8.0, POINTS: 8.0, YUAN: 11.0, TEXT: 12.0}  # 60,000.00 and 100.0% fit


def _print_columns(ws: Worksheet, layout: Layout) -> None:
    """Columns as narrow as their values, headers wrapped on two lines, and a sheet too wide for one page
    split across pages with the key column on each, results starting a page where they fit on one."""
    widths = []
    for header in layout.headers:
        if header == REASON:
            need = REASON_WIDTH
        elif header == layout.key:
            need = VALUE_WIDTHS[TEXT]
        elif header in layout.choices:
            need = max(_width(option) for option in layout.choices[header])
        elif header in layout.results:
            need = max(9.0, VALUE_WIDTHS.get(layout.formats.get(header, POINTS), 9.0))  # 基本合格, 60,000.00
        else:
            need = VALUE_WIDTHS.get(layout.formats.get(header, POINTS), 9.0)
        widths.append(round(max(need, _width(header) / 2 + 1), 1))
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[1].height = 45  # three lines of header
    printing.split(ws, widths, prefer=(len(layout.inputs) + 1,))


def _print_book(wb: Workbook, s: engine.Scheme, info: Mapping[str, object], layouts_: Sequence[Layout]) -> None:
    """Every sheet's header names the unit (填报单位, where known), the sheet and the scheme; the input
    sheets print their columns legibly; every sheet prints only its rows with data (a blank one page)."""
    by_sheet = {layout.sheet: layout for layout in layouts_}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        printing.set_header(ws, str(s.params.meta["title"]), *(None if info.get(k) in (None, "") else str(info[k])
                                                               for k in (UNIT_LABEL, YEAR_LABEL)))
        if ws.title in by_sheet:
            _print_columns(ws, by_sheet[ws.title])
        if ws.title not in (GUIDE_SHEET, PARAM_SHEET, SUMMARY_SHEET):
            printing.rows_to_print(ws)


def _protect(ws: Worksheet) -> None:
    """Locked cells (results, headers) cannot be typed over; no password, and formatting stays free."""
    ws.protection.sheet = True
    ws.protection.formatCells = ws.protection.formatColumns = ws.protection.formatRows = False
    ws.protection.sort = ws.protection.autoFilter = False
    # rows and columns may be inserted and deleted: readers find headers by label (WORKBOOK.md)
    ws.protection.insertRows = ws.protection.insertColumns = ws.protection.deleteRows = False
    ws.protection.deleteColumns = False


def _names(columns: Sequence[str]) -> str:
    """Column names as an array constant: the order of the block's columns, whatever the headers say."""
    return "{" + ",".join(f'"{c}"' for c in columns) + "}"


def result_formula(s_range: str, layout: Layout, areas: Layout | None, forms: FormsSheet | None,
                   people: Layout | None = None) -> ArrayFormula:
    """The one array formula of a sheet's computed block: the results, then (jingan) each session's
    测评表 tally, a row per input row (WORKBOOK.md). ``areas`` is given for the people sheet,
    ``people`` for the area sheet when the forms need them. The 测评表 is handed over once per sheet.
    """
    columns = layout.results + (layout.tallies if forms is not None else ())
    tail = f",{forms.range}" if forms is not None else ""
    if areas is None:
        others = f",{people.input_range()}" if people is not None and forms is not None else ""
        call = f"KAOHE_AREA({s_range},{_names(columns)},{layout.input_range()}{others}{tail})"
    else:
        call = f"KAOHE_STAFF({s_range},{_names(columns)},{layout.input_range()},{areas.input_range()}{tail})"
    return ArrayFormula(layout.block(columns), f"={call}")


@dataclass(frozen=True)
class FormsSheet:
    """Where the rating forms lie (jingan 五)."""

    range: str


def _forms_sheet(wb: Workbook, s: engine.Scheme, rows: int, data: Sequence[Mapping[str, object]], area: Layout,
                 staff: Layout) -> None:
    """测评表: one row per rating, typed from the paper forms (jingan 五)."""
    ws = wb.create_sheet(sessions.FORM_SHEET)
    _header(ws, sessions.FORM_INPUTS, {"评分": 12, "对象": 16, "评分人": 14})
    for n in range(min(rows, max(len(data) + 20, 3000))):  # the typing area; a huge range stays unstyled
        record = data[n] if n < len(data) else {}
        for col, header in enumerate(sessions.FORM_INPUTS, start=1):
            cell = ws.cell(n + 2, col, record.get(header))
            cell.fill, cell.border, cell.number_format = INPUT_FILL, BORDER, TEXT if header != "表号" else COUNT
    letters = {h: get_column_letter(n) for n, h in enumerate(sessions.FORM_INPUTS, start=1)}
    validation.add(ws, validation.choice_rule("测评", sessions.SESSIONS), letters["测评"], rows + 1)
    areas, people = (f"'{layout.sheet}'!$A$2:$A${layout.rows + 1}" for layout in (area, staff))
    validation.add(ws, validation.names_rule(
        "居民区", areas, f"从下拉列表选择“{area.sheet}”表中的居民区：居民区互评填评分的居民区，其余填测评所在的居民区"),
        letters["居民区"], rows + 1)
    validation.add(ws, validation.names_rule(
        "对象", f'IF(${letters["测评"]}2="{sessions.MUTUAL}",{areas},{people})',
        f"从下拉列表选择被评的居民区（居民区互评）或“{staff.sheet}”表中的人员；党员群众测评评居民区本身时填居民区名称"),
        letters["对象"], rows + 1)
    validation.add(ws, validation.number_rule(s.params, "表号", ("whole", "1", "100000"), lenient=True),
                   letters["表号"], rows + 1)
    _print_setup(ws, landscape=False)


# --- entry sheets: 街道考评, 加减分 (jingan 四), 满意度问卷 (gaojing-2024 附件2) -------------------------

ENTRY_ROWS = {entries.STREET_SHEET: 60, entries.ADJUST_SHEET: 200, entries.SURVEY_SHEET: 3000}


def _entry_result(s: engine.Scheme, entry: entries.EntrySheet, row: int) -> str:
    """An entry row's result: the sum of its item scores or answers; for 加减分, the points of its
    类型 and 级别 looked up in the 参数 sheet's award and deduction tables (signed)."""
    if entry.name != entries.ADJUST_SHEET:
        summed = _summed(s, entry)
        first, last = (get_column_letter(entry.inputs.index(h) + 1) for h in (summed[0], summed[-1]))
        return f'=IF($A{row}="","",SUM({first}{row}:{last}{row}))'
    n = len(sheet_rows(s.params))
    path, value = f"'{PARAM_SHEET}'!$A$2:$A${n}", f"'{PARAM_SHEET}'!$C$2:$C${n}"
    level, points = f"'{PARAM_SHEET}'!$C$3:$C${n + 1}", f"'{PARAM_SHEET}'!$C$4:$C${n + 2}"

    def lookup(prefix: str) -> str:  # LOOKUP(2, 1/(conditions), values): the matching row, without array entry
        return (f'LOOKUP(2,1/((LEFT({path},{len(prefix)})="{prefix}")*(RIGHT({path},5)=".type")*({value}=$B{row})'
                f'*({level}=$C{row})),{points})')
    missing = f"#错误：{entries.ADJUST_SHEET}的类型与级别不在加分、减分表中（{s.cite('area.awards')}）"
    return f'=IF($A{row}="","",IFERROR({lookup("area.awards.")},IFERROR(-{lookup("area.deductions.")},"{missing}")))'


# An entry sheet's builders read the fields of the scheme that has the sheet (entries.entry_sheets):
# jingan's items, awards and deductions, gaojing-2024's questionnaire.
EntryScheme = Any


def _summed(s: EntryScheme, entry: entries.EntrySheet) -> tuple[str, ...]:
    """The columns an entry row's 合计 adds up: the item scores, or the questionnaire's answers."""
    if entry.name == entries.STREET_SHEET:
        return tuple(label for label, _ in s.items.values())
    return entries.survey_questions(s)


def entry_numbers(s: EntryScheme, sheet: str) -> dict[str, validation.Bound]:
    """An entry sheet's number inputs: each item score within its points (jingan 四(一)1), each answer
    within a question's most (gaojing-2024 附件2); 加减分's points come from its tables."""
    if sheet == entries.STREET_SHEET:
        return {label: ("decimal", "0", f"area.items.{item}") for item, (label, _) in s.items.items()}
    if sheet == entries.SURVEY_SHEET:
        return dict.fromkeys(entries.survey_questions(s), ("decimal", "0", "satisfaction.question_max"))
    return {}


def _entry_sheet(wb: Workbook, s: EntryScheme, entry: entries.EntrySheet, rows: int,
                 data: Sequence[Mapping[str, object]]) -> str:
    """One entry sheet: inputs typed row by row, the result a formula; returns the result column's range."""
    ws = wb.create_sheet(entry.name)
    _header(ws, (*entry.inputs, entry.result), {"事由": 40})
    rows = max(rows, len(data) + 20)
    choices: dict[str, tuple[str, ...]] = {"渠道": entries.CHANNELS} if entry.name == entries.SURVEY_SHEET else {}
    if entry.name == entries.ADJUST_SHEET:
        choices = {"类型": tuple(dict.fromkeys(k for k, _ in (*s.awards, *s.deductions))),
                   "级别": tuple(dict.fromkeys(lv for _, lv in (*s.awards, *s.deductions)))}
    for n in range(rows):
        record = data[n] if n < len(data) else {}
        for col, header in enumerate(entry.inputs, start=1):
            cell = ws.cell(n + 2, col, record.get(header))
            cell.fill, cell.border, cell.protection = INPUT_FILL, BORDER, Protection(locked=False)
            cell.number_format = TEXT if header in (entries.AREA, "事由", *choices) else POINTS
        result = ws.cell(n + 2, len(entry.inputs) + 1, _entry_result(s, entry, n + 2))
        result.fill, result.border, result.number_format = RESULT_FILL, BORDER, POINTS
    letters = {h: get_column_letter(n) for n, h in enumerate(entry.inputs, start=1)}
    validation.add_choices(ws, choices, letters, rows + 1)
    validation.add_numbers(ws, s.params, entry_numbers(s, entry.name), letters, rows + 1, lenient=True)
    _print_setup(ws)
    _protect(ws)
    letter = get_column_letter(len(entry.inputs) + 1)
    return f"'{entry.name}'!${letter}$2:${letter}${rows + 1}"


def _entry_defaults(wb: Workbook, area: Layout, entry: entries.EntrySheet, results: str) -> None:
    """The area columns an entry sheet adds up to: a formula in each cell left blank (a clerk may type
    over it), showing nothing while the area has no entry rows."""
    keys = results.replace(f"${get_column_letter(len(entry.inputs) + 1)}$", "$A$")
    ws = wb[area.sheet]
    for row in range(2, area.rows + 2):
        has = f'COUNTIF({keys},$A{row})=0'
        formulas = {}
        if entry.name == entries.STREET_SHEET:
            formulas["街道考评"] = f'=IF(OR($A{row}="",{has}),"",SUMIF({keys},$A{row},{results}))'
        elif entry.name == entries.ADJUST_SHEET:
            formulas["加分"] = f'=IF(OR($A{row}="",{has}),"",SUMIFS({results},{keys},$A{row},{results},">0"))'
            formulas["减分"] = f'=IF(OR($A{row}="",{has}),"",-SUMIFS({results},{keys},$A{row},{results},"<0"))'
        else:
            channels = results.replace(f"${get_column_letter(len(entry.inputs) + 1)}$", "$B$")
            for channel in entries.CHANNELS:
                some = f'COUNTIFS({keys},$A{row},{channels},"{channel}")=0'
                formulas[f"{channel}得分"] = (f'=IF(OR($A{row}="",{some}),"",'
                                              f'AVERAGEIFS({results},{keys},$A{row},{channels},"{channel}"))')
        for column, formula in formulas.items():
            cell = ws[f"{area.letter(column)}{row}"]
            if cell.value is None:
                cell.value = formula


def _input_sheet(wb: Workbook, s: engine.Scheme, layout: Layout, areas: Layout | None,
                 data: Sequence[Mapping[str, object]], forms: FormsSheet | None = None,
                 other: Layout | None = None) -> None:
    """One input sheet: typed cells, then one array formula over the computed block (``other``: the
    other input sheet, which the forms' tally needs)."""
    ws = wb.create_sheet(layout.sheet)
    _header(ws, layout.headers)
    for n in range(layout.rows):
        row = n + 2
        record = data[n] if n < len(data) else {}
        for col, header in enumerate(layout.headers, start=1):
            cell = ws.cell(row, col)
            cell.border = BORDER
            cell.number_format = layout.formats.get(header, POINTS if header not in layout.choices else TEXT)
            if header in layout.inputs:
                cell.value = record.get(header)
                cell.fill, cell.protection = INPUT_FILL, Protection(locked=False)
                if header == REASON:
                    cell.alignment = WRAPPED
                    fit_height(ws, row, cell.value)
            else:
                cell.fill = RESULT_FILL
    if layout.rows:
        formula = result_formula(param_range(s), layout, areas, forms, other if areas is None else None)
        ws[formula.ref.split(":")[0]] = formula
    last = layout.rows + 1
    letters = {h: layout.letter(h) for h in layout.headers}
    validation.add_choices(ws, layout.choices, letters, last)
    validation.add_numbers(ws, s.params, layout.numbers, letters, last, lenient=True)
    first, final = layout.letter(layout.results[0]), layout.letter(layout.results[-1])
    ws.conditional_formatting.add(f"A2:{final}{last}", FormulaRule(
        formula=[f'COUNTIF(${first}2:${final}2,"#*")>0'], fill=FINDING_FILL))
    _print_setup(ws)
    _protect(ws)



def distributions(s: engine.Scheme) -> tuple[Distribution, ...]:
    """What 汇总 and the copy's 封面 count: final grades (jingan 六; gaojing-2024 五(一)) and rank tiers (五(二))."""
    return engine.ruleset(s).distributions(s)


SUMMARY_TOP = 3  # 汇总's first table header row; distribution n fills columns 1 + 4n … 3 + 4n


def summary_values(s: engine.Scheme, values: Mapping[str, Mapping[str, Sequence[object]]],
                   filled: Mapping[str, int]) -> dict[str, object]:
    """What 汇总's formulas show, by A1 reference: ``values[sheet][column]`` are a result column's cells,
    ``filled[sheet]`` the rows with a key (the COUNTIF of "?*")."""
    cells: dict[str, object] = {}
    for n, d in enumerate(distributions(s)):
        count, share = get_column_letter(2 + 4 * n), get_column_letter(3 + 4 * n)
        column = values.get(d.sheet, {}).get(d.column, ())
        counts = [sum(1 for v in column if v == name) for name in d.names]
        total = sum(counts)
        for i, c in enumerate(counts):
            cells[f"{count}{SUMMARY_TOP + 1 + i}"], cells[f"{share}{SUMMARY_TOP + 1 + i}"] = c, c / total if total else ""
        cells[f"{count}{SUMMARY_TOP + 1 + len(counts)}"] = total
        cells[f"{count}{SUMMARY_TOP + 2 + len(counts)}"] = filled.get(d.sheet, 0)
    return cells


def _summary_sheet(wb: Workbook, s: engine.Scheme, area: Layout, people: Layout) -> None:
    """汇总: how many of each grade (COUNTIF over 最终等次, built-in functions only) and a bar chart of them."""
    by_sheet = {area.sheet: area, people.sheet: people}
    ws = wb.create_sheet(SUMMARY_SHEET, wb.sheetnames.index(people.sheet) + 1)
    ws.append(["等次分布（自动统计，无需填写）"])
    ws["A1"].font = Font(bold=True, size=14)
    top = SUMMARY_TOP
    for n, d in enumerate(distributions(s)):
        layout, col, title, names = by_sheet[d.sheet], 1 + 4 * n, d.title, d.names
        column = f"'{layout.sheet}'!${layout.letter(d.column)}$2:${layout.letter(d.column)}${layout.rows + 1}"
        keys = f"'{layout.sheet}'!$A$2:$A${layout.rows + 1}"
        counts = f"{get_column_letter(col + 1)}{top + 1}:{get_column_letter(col + 1)}{top + len(names)}"
        rows: list[list[object]] = [[title, "个数", "占比"]]
        rows += [[name, f'=COUNTIF({column},"{name}")', f"=IF(SUM({counts})=0,\"\",{get_column_letter(col + 1)}"
                  f"{top + 1 + i}/SUM({counts}))"] for i, name in enumerate(names)]
        rows += [["合计", f"=SUM({counts})", None], ["填写行数", f'=COUNTIF({keys},"?*")', None]]
        for i, values in enumerate(rows):
            for j, value in enumerate(values):
                cell = ws.cell(top + i, col + j, value)
                cell.border = BORDER
                cell.number_format = RATE if j == 2 else COUNT if j == 1 else "General"
                if i == 0:
                    cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = 18
        chart = BarChart()
        chart.title, chart.legend, chart.style = title, None, 10
        chart.y_axis.title, chart.y_axis.majorGridlines = "个数", None
        chart.add_data(Reference(ws, min_col=col + 1, min_row=top + 1, max_row=top + len(names)))
        chart.set_categories(Reference(ws, min_col=col, min_row=top + 1, max_row=top + len(names)))
        chart.height, chart.width = 7, 9
        ws.add_chart(chart, f"{get_column_letter(col)}{top + len(rows) + 2}")
    _print_setup(ws, landscape=True)
    ws.print_title_rows = None


def param_range(s: engine.Scheme) -> str:
    """Where the 参数 sheet's table lies: the scheme argument of every formula."""
    return f"'{PARAM_SHEET}'!$A$1:$F${len(sheet_rows(s.params))}"


def _param_sheet(wb: Workbook, s: engine.Scheme) -> None:
    """参数: every parameter with its clause and unit; only the 值 column is for typing."""
    ws = wb.create_sheet(PARAM_SHEET)
    rows = sheet_rows(s.params)
    _header(ws, [str(h) for h in rows[0]], {"参数": 34, "名称": 44, "值": 12, "单位": 8, "依据": 34, "说明": 50})
    for values in rows[1:]:
        ws.append(values)
        row = ws.max_row
        for col in range(1, len(values) + 1):
            ws.cell(row, col).border = BORDER
            ws.cell(row, col).alignment = Alignment(wrap_text=col in (2, 5, 6), vertical="top")
        value = ws.cell(row, 3)
        value.fill, value.protection = INPUT_FILL, Protection(locked=False)
        if DEFAULT_NOTE in str(values[5]):
            ws.cell(row, 6).font = Font(color="FFC00000")
    _print_setup(ws, landscape=False)
    _protect(ws)


def _guide_sheet(ws: Worksheet, s: engine.Scheme, area: Layout, people: Layout, info: Mapping[str, object],
                 forms_last: int | None = None) -> None:
    """说明: who fills it in (填报单位, 考核年度), what the workbook is, how to fill it in, which clauses it follows."""
    ws.title = GUIDE_SHEET
    ws.append(["居民区年度考核工作簿（kaohe）"])
    ws["A1"].font = Font(bold=True, size=14)
    for label in (UNIT_LABEL, YEAR_LABEL):
        ws.append([label, info.get(label)])
        value = ws.cell(ws.max_row, 2)
        value.fill, value.border, value.protection = INPUT_FILL, BORDER, Protection(locked=False)
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    ws.append(["方案", f"{s.params.meta['title']}（{s.id}）"])
    lines = [
        ("", False),
        ("怎样填写", True),
        ("先在上面的黄色格填写填报单位和考核年度：区里汇总各街道（镇）的工作簿时据此区分。", False),
        (f"1. 在“{area.sheet}”表逐行填写黄色的输入列，每个居民区一行；灰色列是计算结果，自动生成，不能手改。", False),
        (f"2. 在“{people.sheet}”表逐行填写人员；“居民区”须与“{area.sheet}”表中的名称一致。", False),
        ("3. 计算结果显示“#错误：……（条款）”时，说明哪一格、哪条规则有问题；改正输入后自动重算。", False),
        (f"4. 领导小组决定调整等次时，在“{OVERRIDE_FIELD}”列填写等次，并在旁边的“{REASON}”列写明依据（会议、日期、理由）；"
         "“最终等次”随之改变，名额上限由检查核对。", False),
        ("   黄色输入格选中时有提示，说明应填什么、范围多大；超出范围时会提醒（可点“是”保留），"
         "下拉列表列出文件规定的选项。", False),
        *([(f"   “{sessions.FORM_SHEET}”每个评分一行；计算公式读到第{forms_last:,}行，行数不够时请在表中间插入行（公式的范围随之"
            f"扩大），不要直接写到第{forms_last:,}行以下（检查会指出这样的行）。", False)] if forms_last else []),
        (f"5. “{PARAM_SHEET}”表列出全部权重、分档、比例和金额及其文件依据；红字“{DEFAULT_NOTE}”的参数可由"
         "街道（镇）按本单位方案修改“值”列，修改后全表随之重算。", False),
        (f"6. “{REPORT_SHEET}”表由检查写入，每条问题一行，有问题的格子标红（错误）或标黄（警告）：按 Alt+F8 运行宏 "
         "kaohe_check（或命令 kaohe check）；宏 kaohe_clear 清除这些标记。", False),
        ("7. 上报区里时用“导出上报副本”（宏 kaohe_export，或命令 kaohe export）：生成不含宏的 .xlsx，"
         "全部输入和结果为数值，附检查结果和防改动摘要；区里无需安装 Python 即可打开。", False),
        (f"8. 打印：各表为 A4，页眉印填报单位、表名和考核年度，页脚印方案和页码；打印区域为已填写的行（空白表为表头和"
         f"{printing.BLANK_ROWS}个空行，可手写）。填写后如打印区域不够，请在“页面布局—打印区域”中调整；导出的上报副本按已填写的"
         "行设好打印区域，首页为带签字栏的封面。", False),
        ("", False),
        ("使用前", True),
        ("本工作簿的计算函数（KAOHE_AREA 等）和宏由 Python 提供：电脑上须安装 kaohe 与 xlwings 加载项，"
         "在 Excel 信任中心勾选“信任对 VBA 工程对象模型的访问”，并在 xlwings 选项卡中点“Import Functions”一次"
         "（见 README）。未安装时打开文件仍显示上次保存的结果，修改后结果列显示 #NAME?。", False),
        ("从邮件或网上收到的文件，Excel 会阻止其中的宏：先右键文件 → 属性 → 勾选“解除锁定”，再打开并点“启用内容”。", False),
        ("没有 Python 的电脑（包括 WPS、Mac）请改用不含宏的原生公式工作簿（见 README）。", False),
    ]
    for text, bold in lines:
        ws.append([text, None] if bold else [None, text])
        ws.cell(ws.max_row, 1).font = Font(bold=bold)
        if not bold and len(text) > GUIDE_WIDTH // 2:  # wrapped, in rows as high as their lines (for print)
            ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[ws.max_row].height = 17 * -(-_width(text) // GUIDE_WIDTH)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = GUIDE_WIDTH
    _print_setup(ws, landscape=False)


def _config_sheet(wb: Workbook) -> None:
    """xlwings.conf: only the UDF module by its installed name, so the functions are found wherever the
    file is; the interpreter and everything else stay each PC's own xlwings settings."""
    if "_xlwings.conf" in wb.sheetnames:  # the xlwings sample's, with its author's settings
        wb.remove(wb["_xlwings.conf"])
    ws = wb.create_sheet("xlwings.conf")
    ws.append(["UDF Modules", UDF_MODULE])
    ws.sheet_state = "hidden"


def _vba(wb: Workbook) -> None:
    """kaohe's own VBA project (kaohe/vba.py), its document modules named by the sheets' codeNames."""
    names = [f"Sheet{n}" for n in range(1, len(wb.worksheets) + 1)]
    for ws, name in zip(wb.worksheets, names):
        ws.sheet_properties.codeName = name
    wb.code_name = "ThisWorkbook"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for item in wb.vba_archive.namelist():  # content types and package relationships of the .xlsm
            if item != "xl/vbaProject.bin":
                z.writestr(item, wb.vba_archive.read(item))
        z.writestr("xl/vbaProject.bin", vba.project(names))
    wb.vba_archive = zipfile.ZipFile(archive)


def build(scheme: str | Path, *, macro: bool = True, area_rows: int = 60, people_rows: int = 600,
          form_rows: int = 3000, data: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
          info: Mapping[str, object] | None = None) -> Workbook:
    """A ready workbook for a scheme; ``data`` fills input rows and ``info`` 说明's 填报单位 and 考核年度
    (the examples use them)."""
    s = engine.scheme(scheme)
    data = data or {}
    area, people = layouts(s, max(area_rows, len(data.get("居民区", ()))),
                           max(people_rows, len(data.get(engine.sheets(s)[1], ()))))
    wb = load_workbook(QUICKSTART, keep_vba=True) if macro else Workbook()
    guide = wb.worksheets[0]
    for ws in wb.worksheets[1:]:
        wb.remove(ws)
    guide.delete_rows(1, guide.max_row)
    forms = None
    if sessions.FORM_SHEET in engine.optional_sheets(s):
        form_rows = max(form_rows, len(data.get(sessions.FORM_SHEET, ())))
        forms = FormsSheet(f"'{sessions.FORM_SHEET}'!$A$1:$F${form_rows + 1}")
    _guide_sheet(guide, s, area, people, info or {}, form_rows + 1 if forms else None)
    wb.properties.created = datetime.now()  # not the xlwings sample's date (write_all fixes it for the templates)
    wb.properties.title = f"居民区年度考核工作簿（{s.id}）"
    _input_sheet(wb, s, area, None, data.get(area.sheet, ()), forms, people)
    _input_sheet(wb, s, people, area, data.get(people.sheet, ()), forms, area)
    if forms is not None:
        _forms_sheet(wb, s, form_rows, data.get(sessions.FORM_SHEET, ()), area, people)
    for entry in entries.entry_sheets(s):
        results = _entry_sheet(wb, s, entry, ENTRY_ROWS[entry.name], data.get(entry.name, ()))
        _entry_defaults(wb, area, entry, results)
    check = wb.create_sheet(REPORT_SHEET)
    _header(check, (*REPORT_HEADER, PRIOR_FILL), {"说明": 60, "位置": 16})
    check.column_dimensions[get_column_letter(len(REPORT_HEADER) + 1)].hidden = True  # for clearing marks only
    _print_setup(check)
    _param_sheet(wb, s)
    _summary_sheet(wb, s, area, people)
    _config_sheet(wb)
    _print_book(wb, s, info or {}, (area, people))
    if macro:
        _vba(wb)
    wb.active = wb.sheetnames.index(area.sheet)
    return wb


# --- the committed templates -------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCHEME = "jingan"  # kaohe.xlsm at the top: the district-wide guideline


def committed(root: Path = ROOT) -> dict[Path, str]:
    """Every template file the repository carries, with the scheme it is built from."""
    files = {root / "templates" / f"{scheme}.xlsm": scheme for scheme in sorted(engine.BUILTIN)}
    files[root / "kaohe.xlsm"] = DEFAULT_SCHEME
    return files


def write_all(root: Path = ROOT) -> list[Path]:
    """Rebuild them all: ``python -m kaohe.template``."""
    written = []
    for path, scheme in committed(root).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        wb = build(scheme)
        wb.properties.created = wb.properties.modified = FIXED_TIME  # the same bytes for the same content
        write_atomically(wb, path)
        written.append(path)
    return written


def content(path: Path) -> list[tuple]:
    """What a template holds, for comparing: sheets, their cells, dropdowns and protection."""
    wb = load_workbook(path, keep_vba=True)
    return [(ws.title, ws.sheet_state, ws.protection.sheet,
             [[(c.value.ref, c.value.text) if isinstance(c.value, ArrayFormula) else c.value for c in row]
              for row in ws.iter_rows()],
             sorted((str(v.sqref), v.formula1) for v in ws.data_validations.dataValidation))
            for ws in wb.worksheets]


if __name__ == "__main__":
    for written in write_all():
        print(f"写入 {written.relative_to(ROOT)}")
