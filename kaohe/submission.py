"""The copy sent upward (上报副本), and its verification at the district.

    kaohe export FILE -o 上报.xlsx     a macro-free copy: inputs as typed, results as values, 检查结果, 来源
    kaohe verify 上报.xlsx             every result recomputed from the copy's inputs; values and digests compared

District staff often have no Python, and mail gateways strip macro-enabled files: in the copy no cell
holds a formula (a KAOHE_* call would show #NAME? there), so it opens as sent in Excel, WPS and
LibreOffice. Its first sheet, 来源, names the scheme and its version, kaohe's version, the time, and
SHA-256 digests of the inputs and of the results, whole and row by row, so that an edit of any
number after the export is found. A digest finds edits, not a forger who recomputes it with kaohe;
``verify`` therefore also recomputes every result from the copy's own inputs.

An adapter: the findings and results are the engine's; this writes and reads files.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from . import __version__, checking, engine, printing
from .book import Book, MemoryBook, OpenpyxlBook, load_editable, put
from .contract import COVER_SHEET, GUIDE_SHEET, REPORT_SHEET, SOURCE_SHEET, SUMMARY_SHEET, UNIT_LABEL, YEAR_LABEL
from .files import write_atomically
from .findings import Finding, Where, error, warning
from .grid import distinct
from .params import PARAM_SHEET
from .reading import is_blank
from .results import Table, keys_of
from .workbook import (
    NOT_COMPUTED_RULE,
    Inputs,
    WorkbookError,
    block_cells,
    calculate,
    inputs_from,
    open_book,
    result_cells,
    stale_results,
    workbook_info,
)

CONFIG_SHEETS = ("xlwings.conf", "_xlwings.conf")  # the Python link: no use without Python, so not in the copy
ROW_HEADER = ("工作表", "行", "对象", "输入摘要", "结果摘要")
ROW_DIGEST = 16  # hex digits of a row's digest: enough to tell an edited row, short enough to read
VERIFY_CLAUSE = "上报副本 来源"
INPUTS_DIGEST, RESULTS_DIGEST = "输入摘要（SHA-256）", "结果摘要（SHA-256）"
FORCED_LABEL = "强制导出"
SOURCE_FIELDS = (UNIT_LABEL, YEAR_LABEL, "方案", "方案名称", "方案版本", "kaohe 版本", "导出时间", "源文件", "检查",
                 FORCED_LABEL)  # 来源's block, in its order; covered by the inputs digest


class ExportRefused(Exception):
    """The check found errors and the export was not forced: nothing is written."""

    def __init__(self, inputs: Inputs, errors: Sequence[Finding]):
        super().__init__(f"检查发现 {len(errors)} 条错误，未导出上报副本")
        self.inputs, self.errors = inputs, list(errors)


# --- digests ---------------------------------------------------------------------------------------

_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")  # how a file writes a character XML cannot hold


def _number(value: float) -> object:
    """To 16 significant digits, as openpyxl writes a number (13.728399999999999 is saved as 13.7284):
    the value written and the value read back then make the same digest."""
    return float(f"{value:.16g}") if math.isfinite(value) else str(value)


def canonical(value: object) -> object:
    """A cell as the digest sees it, the same whichever reader gave it: 41, 41.0 → 41.0; "" → None;
    a date at midnight is a date; line ends and _xHHHH_ escapes as the file gives them back."""
    kind = type(value)
    if kind is str and isinstance(value, str):
        return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value.replace("\r\n", "\n").replace("\r", "\n")) or None
    if (kind is float or kind is int) and isinstance(value, (int, float)):
        return _number(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, numbers.Real):  # numpy's too: a rank comes as numpy.int64
        return _number(float(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()  # openpyxl gives a datetime where calamine gives a date
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def _line(values: object) -> bytes:
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"


@dataclass
class Digests:
    inputs: str
    results: str
    sheets: dict[str, str]  # each sheet's inputs: 参数, the input sheets, 测评表
    rows: dict[tuple[str, str], tuple[int, str, str]] = field(default_factory=dict)  # (sheet, key) → row, in, out


def _row_key(key: str, seen: dict[str, int]) -> str:
    """A row's name in the digest table: its key (results.keys_of), numbered when it stands on more rows."""
    seen[key] = seen.get(key, 0) + 1
    return key if seen[key] == 1 else f"{key}#{seen[key]}"


def _long_digest(digest, columns: Mapping[str, Sequence[object]]) -> None:
    """A long sheet's typed rows, each distinct cell made canonical once (23,000 rows of a street's forms)."""
    tokens = []
    for column in columns.values():
        cells, codes = distinct(column)
        known = [json.dumps(canonical(raw), ensure_ascii=False) for raw in cells]
        tokens.append([known[c] for c in codes.tolist()])
    digest.update(_line(list(columns)))
    blank = json.dumps(None)
    typed = ["\x1f".join(row) for row in zip(*tokens) if row.count(blank) < len(row)]
    if typed:  # one update of all the lines: the same bytes, so the same digest, as one update a line
        digest.update(("\n".join(typed) + "\n").encode("utf-8"))


def digests(inputs: Inputs, params_grid: Sequence[Sequence[object]], source: Mapping[str, object]) -> Digests:
    """SHA-256 of every input (参数, the input sheets, 测评表, and what 来源 says of the copy: unit, year,
    scheme, versions, time, forced or not) and of every result column, whole and by row."""
    result_columns = {sheet: engine.results_of(inputs.scheme, sheet) for sheet in inputs.sheets}
    sheet_digest: dict[str, hashlib._Hash] = {PARAM_SHEET: hashlib.sha256()}
    results = hashlib.sha256()
    for row in params_grid:
        cells = [canonical(c) for c in row]
        while cells and cells[-1] is None:  # a formatted empty cell widens a row for one reader only
            cells.pop()
        if cells:
            sheet_digest[PARAM_SHEET].update(_line(cells))
    rows: dict[tuple[str, str], tuple[int, str, str]] = {}
    for name in sorted(inputs.sheets):
        sheet, digest = inputs.sheets[name], hashlib.sha256()
        sheet_digest[name] = digest
        if isinstance(sheet.records, Mapping):  # a long sheet (测评表): its typed rows
            _long_digest(digest, sheet.records)
            continue
        outputs, seen = result_columns.get(name, ()), dict[str, int]()
        for record, at, key in zip(sheet.rows, sheet.record_rows, keys_of(sheet.rows, engine.key_of(name))):
            typed = {k: canonical(v) for k, v in record.items() if k not in outputs}
            shown = {k: canonical(v) for k, v in record.items() if k in outputs}
            digest.update(_line(typed))
            results.update(_line([name, shown]))
            key = _row_key(key, seen)
            rows[(name, key)] = (at, hashlib.sha256(_line(typed)).hexdigest()[:ROW_DIGEST],
                                 hashlib.sha256(_line(shown)).hexdigest()[:ROW_DIGEST])
    whole = hashlib.sha256(_line({label: canonical(source.get(label)) for label in SOURCE_FIELDS}))
    for name, digest in sheet_digest.items():
        whole.update(_line([name, digest.hexdigest()]))
    return Digests(whole.hexdigest(), results.hexdigest(), {n: d.hexdigest() for n, d in sheet_digest.items()}, rows)


# --- export ----------------------------------------------------------------------------------------

def _values_for_formulas(book: Book, inputs: Inputs, tables: engine.Calculated) -> dict[str, dict[str, object]]:
    """What each formula cell of the copy gets instead: a result, a session input as the rules read it
    (the KAOHE_FORMS tally), or, for any other formula, the value it last showed."""
    shown = result_cells(inputs, tables)
    for name, rows in zip(engine.sheets(inputs.scheme), (tables.area_rows, tables.people_rows)):
        sheet, cells = inputs.sheets[name], shown.setdefault(name, {})
        for record, row in zip(rows, sheet.record_rows):
            for header in engine.inputs(inputs.scheme, name):
                if header in sheet.columns:
                    cells.setdefault(f"{get_column_letter(sheet.columns[header])}{row}", record.get(header))
    return shown


def _as_values(wb, book: Book, shown: Mapping[str, Mapping[str, object]]) -> int:
    """Every formula of the copy replaced by its value (each cell of an array formula's block too);
    returns how many cells."""
    count = 0
    for ws in wb.worksheets:
        cached, filled = None, block_cells(ws.array_formulae.values())
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, float) and not math.isfinite(cell.value):
                    put(cell, cell.value)  # typed ±inf (a crafted file): kept as its text, not an empty cell
                if cell.data_type != "f" and cell.coordinate not in filled:
                    continue
                if cell.coordinate in shown.get(ws.title, {}):
                    value = shown[ws.title][cell.coordinate]
                else:
                    cached = cached if cached is not None else book.grid(ws.title)
                    r, c = cell.row - 1, cell.column - 1
                    value = cached[r][c] if r < len(cached) and c < len(cached[r]) else None
                put(cell, None if value == "" else value)
                count += 1
    return count


@dataclass
class Exported:
    target: Path
    inputs: Inputs
    findings: list[Finding]
    digests: Digests
    info: Mapping[str, object]
    forced: bool
    formulas: int


def export(source: str | Path, target: str | Path, *, force: bool = False, now: datetime | None = None) -> Exported:
    """Write the submission copy, or refuse (``ExportRefused``) while the check finds errors."""
    source, target = Path(source), Path(target)
    if target.suffix.lower() != ".xlsx":
        raise WorkbookError(f"上报副本应为不含宏的 .xlsx 文件：{target.name}")
    book = open_book(source)
    try:
        inputs, tables, findings = checking.findings_of(book, source.name)
        # the copy holds kaohe's own results as values: the source's "not saved" notes do not apply to it
        findings = [f for f in findings if f.rule != NOT_COMPUTED_RULE]
        errors = [f for f in findings if f.is_error]
        if errors and not force:
            raise ExportRefused(inputs, errors)
        info = workbook_info(book)
        book.scan_all()  # openpyxl reads every sheet
        wb = load_editable(source)  # without keep_vba: the copy carries no macros
        formulas = _as_values(wb, book, _values_for_formulas(book, inputs, tables))
    finally:
        book.close()
    for name in CONFIG_SHEETS:
        if name in wb.sheetnames:
            wb.remove(wb[name])
    _copy_guide(wb)
    copy = MemoryBook(wb)
    checking.report(copy, inputs, findings)
    block = _source_block(inputs, source, findings, info, force and bool(errors), now or datetime.now().astimezone())
    sums = _read_back_digests(wb, target.name, block)
    _source_sheet(wb, block, sums, sum(1 for f in findings if f.is_error))
    _cover_sheet(wb, inputs, tables, block)
    write_atomically(wb, target, source)
    return Exported(target, inputs, findings, sums, info, force and bool(errors), formulas)


COPY_GUIDE = (
    ("这是上报副本", True),
    ("本文件由 kaohe 从街道（镇）的工作簿导出：全部输入和结果都是数值，没有公式和宏，任何电脑（Excel、WPS、Mac）"
     "打开即可阅读和打印，无需安装 Python。", False),
    ("首页“封面”列出单位、年度、方案、个数和等次分布，下方留有签字栏；“检查结果”列出导出时的全部问题。", False),
    (f"“{SOURCE_SHEET}”表记下导出时间和防改动摘要：区里用 kaohe verify 核对，副本上的任何修改都会被指出。"
     "需要修改时，请在原工作簿中修改、重新导出。", False),
)


def _copy_guide(wb) -> None:
    """说明 of the copy: its unit, year and scheme as typed, then what the copy is (the source's lines
    on filling in, macros and Python do not apply to a copy of values)."""
    if GUIDE_SHEET not in wb.sheetnames:
        return
    ws = wb[GUIDE_SHEET]
    scheme = next((r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "方案"), None)
    if scheme is None:
        return  # not a 说明 kaohe wrote: left as it is
    ws.delete_rows(scheme + 1, ws.max_row - scheme)
    ws.append([])
    for text, bold in COPY_GUIDE:
        ws.append([text, None] if bold else [None, text])
        ws.cell(ws.max_row, 1).font = Font(bold=bold)
        if not bold:
            ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[ws.max_row].height = 17 * -(-printing.text_width(text) // printing.GUIDE_WIDTH)


def _read_back_digests(wb, name: str, block: Mapping[str, object]) -> Digests:
    """The copy's digests as ``verify`` will compute them: from the copy written and read back by the same
    reader, so that what a file stores (a number key, a date, an escaped _x000B_) is digested as read."""
    with tempfile.TemporaryDirectory(prefix="kaohe-export-") as folder:
        written = Path(folder) / name
        wb.save(written)
        book = open_book(written)
        try:
            return digests(inputs_from(book, name), book.grid(PARAM_SHEET), block)
        finally:
            book.close()


def _counts(findings: Iterable[Finding]) -> str:
    labels = [f.severity.label for f in findings]
    return "，".join(f"{s} {labels.count(s)} 条" for s in ("错误", "警告", "提示"))


def _source_block(inputs: Inputs, source: Path, findings: list[Finding], info: Mapping[str, object], forced: bool,
                  now: datetime) -> dict[str, str | None]:
    meta = inputs.scheme.params.meta
    values = (info.get(UNIT_LABEL), info.get(YEAR_LABEL), inputs.scheme.id, meta.get("title"), meta.get("version"),
              __version__, now.isoformat(timespec="seconds"), source.name, _counts(findings), "是" if forced else "否")
    return {label: None if v is None else str(v) for label, v in zip(SOURCE_FIELDS, values)}


def _source_sheet(wb, block: Mapping[str, str | None], sums: Digests, errors: int) -> None:
    """来源: where the copy comes from and its digests; first, so that a forced export is seen at once."""
    ws = wb.create_sheet(SOURCE_SHEET, 0)
    ws.append(["上报副本（kaohe 导出，不含宏；全部输入和结果均为数值）"])
    ws["A1"].font = Font(bold=True, size=14)
    if block[FORCED_LABEL] == "是":
        ws.append([f"注意：检查发现 {errors} 条错误，本副本按要求强制导出（--force），有关结果可能不完整或有误，"
                   f"详见“{REPORT_SHEET}”表。"])
        ws.cell(ws.max_row, 1).font = Font(bold=True, color="FFC00000")
        ws.cell(ws.max_row, 1).fill = PatternFill("solid", fgColor="FFFFC7CE")
    rows = [*block.items(), (INPUTS_DIGEST, sums.inputs), (RESULTS_DIGEST, sums.results)]
    rows += [(f"{name}输入摘要", digest) for name, digest in sums.sheets.items()]
    for label, value in rows:
        put(ws.cell(ws.max_row + 1, 1), label).font = Font(bold=True)
        put(ws.cell(ws.max_row, 2), value)
    ws.append([])
    ws.append(["逐行摘要：每行输入和结果的 SHA-256 前 16 位，核对时据此指出导出后被改动的行（kaohe verify）"])
    ws.append(list(ROW_HEADER))
    for n in range(1, len(ROW_HEADER) + 1):
        ws.cell(ws.max_row, n).font = Font(bold=True)
    for (sheet, key), (row, typed, shown) in sums.rows.items():
        at = ws.max_row + 1
        for n, cell in enumerate((sheet, row, key, typed, shown), start=1):
            put(ws.cell(at, n), cell)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 22, 70
    for col in "CDE":
        ws.column_dimensions[col].width = 20
    wb.active = 0


# --- the cover (封面) -----------------------------------------------------------------------------------

SIGN_OFF = ("填报人", "审核人", "领导小组意见", "日期")
COVER_CLAUSE = "上报副本 封面"
COVER_WIDTH = 50


def cover_rows(inputs: Inputs, tables: Mapping[str, Table], info: Mapping[str, object]) -> list[tuple[str, object]]:
    """What 封面 says, all derived from the copy: unit, year, scheme, how many areas and people, and the
    distribution of each grade column (汇总's, counted here from the results). verify recomputes it."""
    s = inputs.scheme
    rows: list[tuple[str, object]] = [(UNIT_LABEL, info.get(UNIT_LABEL)), (YEAR_LABEL, info.get(YEAR_LABEL)),
                                      ("方案", f"{s.params.meta['title']}（{s.id}）")]
    for sheet in engine.sheets(s):
        rows.append((f"“{sheet}”行数", len(tables[sheet].rows)))
    for d in engine.ruleset(s).distributions(s):
        values = [cells.get(d.column) for cells in tables[d.sheet].rows.values()]
        rows += [(f"{d.title}：{name}", values.count(name)) for name in d.names]
        rows.append((f"{d.title}：无", sum(1 for v in values if v not in d.names)))  # not computed, or no tier
    return rows


def _cover_sheet(wb, inputs: Inputs, tables: Mapping[str, Table], info: Mapping[str, object]) -> None:
    """封面, first: what the copy holds, and the sign-off lines, blank, to be signed on paper."""
    ws = wb.create_sheet(COVER_SHEET, 0)
    put(ws["A1"], f"{info.get(UNIT_LABEL) or ''}{info.get(YEAR_LABEL) or ''}{'年度' if info.get(YEAR_LABEL) else ''}"
                  "居民区考核结果（上报副本）")  # typed text: never a formula (put)
    ws["A1"].font = Font(bold=True, size=16)
    ws.row_dimensions[1].height = 36
    if info.get(FORCED_LABEL) == "是":  # the first sheet says so at once: 来源's warning, repeated
        warning = wb[SOURCE_SHEET]["A2"]
        put(ws["A2"], warning.value)
        ws["A2"].font, ws["A2"].fill = copy(warning.font), copy(warning.fill)
        ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells("A2:B2")
        ws.row_dimensions[2].height = 48
    line = Side(style="thin", color="FF000000")
    for label, value in cover_rows(inputs, tables, info):
        row = ws.max_row + 1
        put(ws.cell(row, 1), label), put(ws.cell(row, 2), value)
        for cell in ws[ws.max_row]:
            cell.border = Border(left=line, right=line, top=line, bottom=line)
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.cell(ws.max_row, 2).alignment = Alignment(horizontal="left", wrap_text=True)
        ws.row_dimensions[ws.max_row].height = 18 * -(-printing.text_width(str(value)) // COVER_WIDTH)
    ws.append([])
    for label in SIGN_OFF:  # blank, for pen and seal
        ws.append([f"{label}：", None])
        ws.cell(ws.max_row, 2).border = Border(bottom=line)
        ws.row_dimensions[ws.max_row].height = 60 if label == "领导小组意见" else 30
        ws.cell(ws.max_row, 1).alignment = Alignment(vertical="bottom")
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 30, COVER_WIDTH
    if SUMMARY_SHEET in wb.sheetnames:  # its COUNTIFs would lose their values in a copy: 封面 says it
        wb.remove(wb[SUMMARY_SHEET])
    _print_copy(wb, inputs, info)
    wb.active = 0


def _print_copy(wb, inputs: Inputs, info: Mapping[str, object]) -> None:
    """Every sheet of the copy printed with the unit and year in its header, and only its rows with data."""
    title = str(inputs.scheme.params.meta["title"])
    for ws in wb.worksheets:
        if ws.title in (COVER_SHEET, SOURCE_SHEET):
            printing.page_setup(ws, landscape=False, title_rows=None)
        if ws.title in engine.sheets(inputs.scheme) and not ws.col_breaks.brk:  # a workbook from an older kaohe
            _split_wide(ws, engine.results_of(inputs.scheme, ws.title))
        printing.set_header(ws, title, *(None if is_blank(info.get(k)) else str(info[k]) for k in (UNIT_LABEL, YEAR_LABEL)))
        printing.rows_to_print(ws)


def _split_wide(ws, results: Sequence[str]) -> None:
    """An input sheet too wide for one page split across pages, results starting one where they fit."""
    header = [cell.value for cell in ws[1]]
    widths = [ws.column_dimensions[get_column_letter(n)].width or 9.0 for n in range(1, len(header) + 1)]
    first = next((n for n, label in enumerate(header, start=1) if label in results), None)
    printing.split(ws, widths, prefer=(first,) if first else ())


def cover_differences(grid: Sequence[Sequence[object]] | None, inputs: Inputs, tables: Mapping[str, Table],
                      info: Mapping[str, object]) -> list[Finding]:
    """Each line of the copy's 封面 that its own data does not give (a copy without 封面 has nothing to compare)."""
    if grid is None:
        return []
    shown = {str(row[0]).strip(): canonical(row[1] if len(row) > 1 else None)
             for row in grid if row and isinstance(row[0], str)}
    out = []
    for label, value in cover_rows(inputs, tables, info):
        if shown.get(label) != canonical(None if value == "" else value):
            out.append(error("封面不符", COVER_CLAUSE, f"封面“{label}”与副本数据不符：应为{value}，"
                             f"实为{shown.get(label, '（缺）')}", Where(COVER_SHEET, label, ""),
                             allowed=value, actual=shown.get(label)))
    return out


# --- verify ----------------------------------------------------------------------------------------

@dataclass
class Recorded:
    """What a copy's 来源 sheet says."""

    values: dict[str, object]
    rows: dict[tuple[str, str], tuple[str, str]]  # (sheet, key) → (input digest, result digest)


def read_source(grid: Sequence[Sequence[object]]) -> Recorded:
    values: dict[str, object] = {}
    rows: dict[tuple[str, str], tuple[str, str]] = {}
    table = False
    for row in grid:
        cells = [None if is_blank(c) else c for c in row] + [None] * 5
        if [str(c).strip() if c is not None else "" for c in cells[:5]] == list(ROW_HEADER):
            table = True
        elif table and cells[0] is not None:
            rows[(str(cells[0]).strip(), "" if cells[2] is None else str(cells[2]).strip())] = (
                str(cells[3] or ""), str(cells[4] or ""))
        elif not table and isinstance(cells[0], str):
            values.setdefault(cells[0].strip(), cells[1])
    return Recorded(values, rows)


def changed_parameters(scheme: engine.Scheme) -> list[Finding]:
    """Every parameter of a workbook's 参数 that differs from the scheme it names, as published with kaohe:
    allowed (a street may decide its own values), never silent. Empty for a scheme kaohe does not ship."""
    name = scheme.params.meta.get("id", "")
    if name not in engine.BUILTIN:
        return []
    published = {path: (value, leaf)  # the built-in scheme as kaohe caches it: not parsed again for every file
                 for path, value, leaf in engine.scheme(name).params.flat_rows(unlisted=True)}
    theirs = {path: (value, leaf) for path, value, leaf in scheme.params.flat_rows(unlisted=True)}
    out = []
    for path in dict.fromkeys([*published, *theirs]):
        was, now = published.get(path, (None, None)), theirs.get(path, (None, None))
        if was[0] != now[0]:
            leaf = was[1] or now[1]
            assert leaf is not None  # a path is in one of them at least
            out.append(warning("参数与方案不同", leaf.reference,
                               f"“{leaf.label}”（{path}）：方案{name}为 {_shown(was[0])}，本工作簿为 {_shown(now[0])}",
                               Where(PARAM_SHEET, path, "值"), allowed=was[0], actual=now[0]))
    return out


def _shown(value: object) -> str:
    return "（无）" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


@dataclass
class Verification:
    inputs: Inputs
    tables: dict  # every result recomputed from the copy's inputs
    recorded: Recorded
    digests: Digests
    findings: list[Finding]  # the differences: saved results the inputs do not give, digests that do not match
    changed: list[Finding] = field(default_factory=list)  # parameters that differ from the named scheme (allowed)

    @property
    def agrees(self) -> bool:
        return not self.findings

    @property
    def forced(self) -> bool:
        return str(self.recorded.values.get(FORCED_LABEL) or "").strip() == "是"


def verify(path: str | Path, book: OpenpyxlBook | None = None) -> Verification:
    """Recompute every result of a copy from its inputs and compare with its values and its digests.
    ``book``: the copy already open (it is closed here)."""
    path = Path(path)
    book = book or open_book(path)
    try:
        if SOURCE_SHEET not in book.sheet_names():
            raise WorkbookError(f"{path.name} 没有“{SOURCE_SHEET}”表，不是 kaohe 导出的上报副本（请用 kaohe check 检查）")
        recorded = read_source(book.grid(SOURCE_SHEET))
        cover = book.grid(COVER_SHEET) if COVER_SHEET in book.sheet_names() else None
        inputs = inputs_from(book, path.name)
        found = digests(inputs, book.grid(PARAM_SHEET), recorded.values)
    finally:
        book.close()
    tables = calculate(inputs)
    findings = [_as_difference(f) for f in stale_results(inputs, tables)]
    findings += _digest_differences(recorded, found)
    findings += cover_differences(cover, inputs, tables, recorded.values)
    return Verification(inputs, tables, recorded, found, findings, changed_parameters(inputs.scheme))


def _as_difference(f: Finding) -> Finding:
    """A saved result that the copy's inputs do not give; in a copy, a missing result is one too."""
    if f.is_error:
        return f
    return error("结果缺失", VERIFY_CLAUSE, f"{f.message}；上报副本的结果应全部保存为数值", f.where, f.allowed, f.actual)


def _digest_differences(recorded: Recorded, found: Digests) -> list[Finding]:
    out: list[Finding] = []
    for label, now in ((INPUTS_DIGEST, found.inputs), (RESULTS_DIGEST, found.results)):
        then = recorded.values.get(label)
        if then != now:
            what = "输入" if label == INPUTS_DIGEST else "结果"
            out.append(error("摘要不符", VERIFY_CLAUSE,
                             (f"{what}摘要与导出时不同：导出后有{what}被改动" + ("（或来源表的单位、年度、时间等）"
                                                                          if what == "输入" else ""))
                             if then else f"来源表缺少{label}",
                             Where(SOURCE_SHEET, label, ""), allowed=then, actual=now))
    for name, now in found.sheets.items():
        then = recorded.values.get(f"{name}输入摘要")
        if then is not None and then != now and (name not in {s for s, _ in found.rows}):
            out.append(error("摘要不符", VERIFY_CLAUSE, f"“{name}”表的输入在导出后被改动", Where(name, "", ""),
                             allowed=then, actual=now))
    for (sheet, key), (row, typed, shown) in found.rows.items():
        then = recorded.rows.get((sheet, key))
        if then is None:
            out.append(error("摘要不符", VERIFY_CLAUSE, f"{sheet}第{row}行“{key}”是导出后加入的", Where(sheet, key, ""),
                             actual=key))
            continue
        for what, was, now in (("输入", then[0], typed), ("结果", then[1], shown)):
            if was != now:
                out.append(error("摘要不符", VERIFY_CLAUSE, f"{sheet}第{row}行“{key}”的{what}在导出后被改动",
                                 Where(sheet, key, ""), allowed=was, actual=now))
    for sheet, key in recorded.rows.keys() - found.rows.keys():
        out.append(error("摘要不符", VERIFY_CLAUSE, f"{sheet}的“{key}”在导出后被删去", Where(sheet, "", ""), allowed=key))
    return out
