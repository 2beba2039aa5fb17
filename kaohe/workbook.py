"""The headless workbook reader: a clerk's .xlsx/.xlsm to the engine's records, and back to cells.

It reads values only (openpyxl, read-only), finds each sheet's header row by its labels
(WORKBOOK.md), and remembers where every key and header stood so that a finding's
(sheet, key, field) can be named as sheet!cell. It decides no rule.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter, range_boundaries

from . import engine
from .book import Book, OpenpyxlBook, sheet_parts
from .findings import Finding, Where, error, info
from .grid import below_header, by_rows, header_in_columns, header_index
from .params import PARAM_SHEET, SchemeError
from .reading import is_blank
from .rules.sessions import SESSIONS


class WorkbookError(Exception):
    """A file that cannot be used at all: one Chinese line saying why (exit status 2)."""


@dataclass
class Sheet:
    name: str
    records: list[dict[str, object]] | dict[str, list[object]]  # one per row, or (a long sheet) column by column
    key_rows: dict[str, int]  # key → 1-based row number
    columns: dict[str, int]  # header → 1-based column number
    header_row: int
    last_row: int = 0  # the last row the sheet has (blank rows included)
    record_rows: list[int] = field(default_factory=list)  # the n-th record's 1-based row ("第n条" in findings)

    def row_of(self, key: str) -> int | None:
        found = _NTH.fullmatch(key)
        if found and 0 < int(found.group(1)) <= len(self.record_rows):
            return self.record_rows[int(found.group(1)) - 1]
        return self.key_rows.get(key)


_NTH = re.compile(r"第(\d+)条")


@dataclass
class Inputs:
    path: Path
    scheme: engine.Scheme
    sheets: dict[str, Sheet] = field(default_factory=dict)

    def issue(self, finding: Finding) -> dict[str, object]:
        """A finding as the `--json` contract gives it (WORKBOOK.md): with its sheet!cell."""
        return {**finding.as_dict(), "cell": self.cell(finding)}

    def cell(self, finding: Finding) -> str:
        """sheet!A1 for a finding, as near as its coordinates allow."""
        sheet = self.sheets.get(finding.where.table)
        if sheet is None:
            return ""
        row = sheet.row_of(finding.where.key)
        col = sheet.columns.get(finding.where.field) or (sheet.columns.get(sheet_key(sheet)) if row else None)
        if row and col:
            return f"{sheet.name}!{get_column_letter(col)}{row}"
        if col:
            return f"{sheet.name}!{get_column_letter(col)}{sheet.header_row}"
        return f"{sheet.name}!A{row}" if row else ""


def sheet_key(sheet: Sheet) -> str:
    return engine.key_of(sheet.name)


def _header_row(name: str, grid: Sequence[Sequence[object]], required: Sequence[str]) -> int:
    at = header_index(grid, required)
    if at is None:
        near = header_index(grid, required[:1])
        labels = {str(c).strip() for c in grid[near] if isinstance(c, str)} if near is not None else set()
        absent = [h for h in required if h not in labels] if near is not None else list(required)
        raise WorkbookError(f"工作表“{name}”缺少表头：{'、'.join(absent)}")
    return at


def _long_sheet(name: str, columns: Sequence[Sequence[object]], required: Sequence[str]) -> Sheet:
    """A sheet of many rows without keys (测评表), read column by column."""
    at = header_in_columns(columns, required)
    if at is None:
        _header_row(name, by_rows(columns, 0, 200), required)  # raises, naming the missing headers
    header = by_rows(columns, at, at + 1)[0]
    labels = {str(c).strip(): i + 1 for i, c in enumerate(header) if isinstance(c, str) and c.strip()}
    height = max(map(len, columns), default=0)
    return Sheet(name, below_header(columns, at), {}, labels, at + 1, height, list(range(at + 2, height + 1)))


def _sheet(name: str, grid: Sequence[Sequence[object]], required: Sequence[str]) -> Sheet:
    at = _header_row(name, grid, required)
    labels = [str(c).strip() if isinstance(c, str) else "" for c in grid[at]]
    columns = {label: i + 1 for i, label in enumerate(labels) if label}
    key_col = columns[required[0]] - 1
    records, key_rows, record_rows = [], {}, []
    inputs = [i for i, label in enumerate(labels) if label in required]
    for offset, row in enumerate(grid[at + 1:], start=at + 2):
        if all(is_blank(row[i]) for i in inputs if i < len(row)):
            continue  # no input typed: a blank row, whatever its result formulas show
        records.append({label: row[i] for i, label in enumerate(labels) if label and i < len(row)})
        record_rows.append(offset)
        key = row[key_col] if key_col < len(row) else None
        if not is_blank(key):
            key_rows.setdefault(str(key).strip(), offset)
        else:
            key_rows[f"第{len(records)}行"] = offset
    return Sheet(name, records, key_rows, columns, at + 1, len(grid), record_rows)


def open_book(path: str | Path) -> OpenpyxlBook:
    """A workbook file to read (and, for ``-o``, to write), or one clear reason it cannot be used."""
    path = Path(path)
    if not path.exists():
        raise WorkbookError(f"找不到文件：{path}")
    if not zipfile.is_zipfile(path):
        raise WorkbookError(f"{path.name} 不是 Excel 工作簿（.xlsx/.xlsm），或已加密")
    try:
        return OpenpyxlBook(path)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a damaged file
        raise WorkbookError(f"{path.name} 无法作为工作簿打开：{exc}") from None


def inputs_from(book: Book, name: str, scheme: str | None = None) -> Inputs:
    """The scheme (the workbook's 参数 sheet, or ``scheme``) and every input sheet it needs."""
    names = book.sheet_names()
    try:
        if scheme:
            chosen = engine.scheme(scheme)
        elif PARAM_SHEET in names:
            chosen = engine.scheme(book.grid(PARAM_SHEET))
        else:
            raise WorkbookError(f"{name} 没有“{PARAM_SHEET}”工作表，请用 --scheme 指定方案")
    except SchemeError as exc:
        raise WorkbookError(f"方案不可用：{exc}") from None
    inputs = Inputs(Path(name), chosen)
    for sheet in engine.sheets(chosen):
        if sheet not in names:
            raise WorkbookError(f"{name} 缺少工作表“{sheet}”")
        inputs.sheets[sheet] = _sheet(sheet, book.grid(sheet), engine.inputs(chosen, sheet))
    for sheet, headers in engine.optional_sheets(chosen).items():  # the rating forms: long, keyless
        if sheet in names:
            inputs.sheets[sheet] = _long_sheet(sheet, book.columns(sheet), headers)
    return inputs


def read_inputs(path: str | Path, scheme: str | None = None) -> Inputs:
    book = open_book(path)
    try:
        return inputs_from(book, Path(path).name, scheme)
    finally:
        book.close()


def calculate(inputs: Inputs):
    return engine.calculate(inputs.scheme, {name: sheet.records for name, sheet in inputs.sheets.items()})


STALE_CLAUSE = "WORKBOOK 结果列"
TOLERANCE = 1e-6  # a saved number within this of the computed one agrees (Excel keeps ~15 digits)


EXCEL_ERRORS = ("#NAME?", "#VALUE!", "#REF!", "#N/A", "#DIV/0!", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")


def _not_computed(saved: object) -> bool:
    """No saved result: never calculated, or shown as Excel's own error (e.g. #NAME? without the add-in)."""
    return saved is None or (isinstance(saved, str) and saved.strip() in EXCEL_ERRORS)


def _agrees(saved: object, computed: object) -> bool:
    if computed is None:  # a result that cannot be computed shows its message, or nothing
        return saved is None or (isinstance(saved, str) and saved.startswith("#"))
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (saved, computed))
    if numbers:  # a rank saved by Excel comes back as 18.0
        return abs(saved - computed) <= TOLERANCE * max(1.0, abs(computed))
    return str(saved).strip() == str(computed).strip() if saved is not None else computed == ""


def stale_results(inputs: Inputs, tables: dict) -> list[Finding]:
    """Saved result cells that differ from what the rules give: hand-edited, or stale (WORKBOOK.md)."""
    findings: list[Finding] = []
    for name, sheet in inputs.sheets.items():
        if name not in tables:
            continue  # an input-only sheet (测评表)
        table = tables[name]
        present = [c for c in table.columns if c in sheet.columns]
        never = 0
        for record in sheet.records:
            key = str(record.get(table.key_field, "")).strip()
            if key not in table.rows:
                continue
            for column in present:
                saved, computed = record.get(column), table.value(key, column)
                if _not_computed(saved) and computed not in (None, ""):
                    never += 1
                elif not _agrees(saved, computed):
                    findings.append(error(
                        "结果与规则不符", STALE_CLAUSE,
                        f"{key}的「{column}」保存的是“{saved}”，按规则应为“{'无法计算' if computed is None else computed}”"
                        "（被手工改动，或未重新计算）", Where(name, key, column), allowed=computed, actual=saved))
        if never:
            findings.append(info("结果未计算", STALE_CLAUSE,
                                 f"{name}有{never}个结果格没有保存的计算结果"
                                 "（文件未经 Excel 计算保存，或显示 #NAME? 等），未能核对",
                                 Where(name, "", ""), actual=never))
    return findings


def write_atomically(wb, path: Path) -> None:
    """Save beside the target, then rename: a failure never leaves half a workbook under the name."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial{path.suffix}")
    try:
        wb.save(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


# --- results saved as the formulas' cached values ----------------------------------------------

_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(r'\sr="([A-Z]+[0-9]+)"')
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


def _xml_text(text: str) -> str:
    """Text for a <v>: escaped, and characters XML forbids written as Excel writes them (_x000B_)."""
    text = text.replace("_x", "_x005F_x")
    return escape(_FORBIDDEN.sub(lambda m: f"_x{ord(m.group()):04X}_", text))
_FORMULA = re.compile(r"<f[^>]*?(?:/>|>.*?</f>)", re.S)
def result_cells(inputs: Inputs, tables: dict) -> dict[str, dict[str, object]]:
    """What each computed cell shows, by sheet and A1 reference: a value, the reason's message, or "".

    The result columns, and (jingan) each session's 测评表 tally beside them (engine.tally_label).
    """
    shown: dict[str, dict[str, object]] = {}
    for name, sheet in ((n, s) for n, s in inputs.sheets.items() if n in tables):
        table, cells = tables[name], shown.setdefault(name, {})
        for column in (c for c in table.columns if c in sheet.columns):
            letter = get_column_letter(sheet.columns[column])
            for row in range(sheet.header_row + 1, sheet.last_row + 1):
                cells[f"{letter}{row}"] = ""
            for key, row in sheet.key_rows.items():
                value = table.value(key, column) if key in table.rows else None
                reason = table.reason(key, column) if key in table.rows else None
                cells[f"{letter}{row}"] = value if value is not None else (reason.short() if reason else "")
    _tally_cells(inputs, shown)
    return shown


def _tally_cells(inputs: Inputs, shown: dict[str, dict[str, object]]) -> None:
    """The tally columns' cells: each row's sessions as the 测评表 gives them ("" where no form rates it)."""
    talled = {n: [c for c in SESSIONS if engine.tally_label(c) in s.columns] for n, s in inputs.sheets.items()}
    if not any(talled.values()):
        return
    rows = dict(zip(engine.sheets(inputs.scheme),
                    engine.form_means(inputs.scheme, {n: s.records for n, s in inputs.sheets.items()})))
    for name, columns in ((n, c) for n, c in talled.items() if c and n in rows):
        sheet, cells = inputs.sheets[name], shown.setdefault(name, {})
        for column in columns:
            letter = get_column_letter(sheet.columns[engine.tally_label(column)])
            for row in range(sheet.header_row + 1, sheet.last_row + 1):
                cells[f"{letter}{row}"] = ""
            for record, row in zip(rows[name], sheet.record_rows):
                cells[f"{letter}{row}"] = "" if record.get(column) is None else record[column]


_ARRAY = re.compile(r'<f\b[^>]*\bt="array"[^>]*\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"|'
                    r'<f\b[^>]*\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"[^>]*\bt="array"')


def block_cells(refs: Iterable[str]) -> set[str]:
    """Every cell the array formulas over ``refs`` (A1:B2) fill: each holds its own saved value."""
    cells = set()
    for ref in refs:
        first_col, first_row, last_col, last_row = range_boundaries(ref)
        cells.update(f"{get_column_letter(c)}{r}" for c in range(first_col, last_col + 1)
                     for r in range(first_row, last_row + 1))
    return cells


def _cached(xml: str, values: dict[str, object]) -> tuple[str, int]:
    """The sheet XML with each formula cell of ``values`` carrying that value as its cached result
    (a cell inside an array formula's block too, though only the block's first cell holds the formula)."""
    count, filled = 0, block_cells(m.group(1) or m.group(2) for m in _ARRAY.finditer(xml))

    def patch(match: re.Match) -> str:
        nonlocal count
        attrs, inner = match.group(1), match.group(2)
        ref = _REF.search(attrs)
        formula = _FORMULA.search(inner) if inner else None
        if ref is None or ref.group(1) not in values or (formula is None and ref.group(1) not in filled):
            return match.group(0)  # not a result formula: a typed cell is never changed
        count += 1
        attrs = re.sub(r'\s+t="[^"]*"', "", attrs)
        value, kept = values[ref.group(1)], formula.group(0) if formula else ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"<c{attrs}>{kept}<v>{float(value)!r}</v></c>"
        return f'<c{attrs} t="str">{kept}<v>{_xml_text(str(value))}</v></c>'

    return _CELL.sub(patch, xml), count


def save_with_results(source: Path, target: Path, shown: dict[str, dict[str, object]]) -> int:
    """Copy the workbook file member by member (VBA and all), giving its result formulas cached values.

    Done on the file's XML because openpyxl writes a formula without its value. Returns how many
    cells got a value. Atomic: written beside the target, then renamed.
    """
    with zipfile.ZipFile(source) as z:
        parts = sheet_parts(z)
        wanted = {parts[name]: cells for name, cells in shown.items() if name in parts}
        partial = target.with_name(f".{target.name}.partial{target.suffix}")
        count = 0
        try:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
                for item in z.infolist():
                    data = z.read(item.filename)
                    if item.filename in wanted:
                        xml, n = _cached(data.decode("utf-8"), wanted[item.filename])
                        ElementTree.fromstring(xml)  # never rename a sheet that would not parse into place
                        data, count = xml.encode("utf-8"), count + n
                    out.writestr(item, data)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return count
