"""The headless workbook reader: a clerk's .xlsx/.xlsm to the engine's records, and back to cells.

It reads values only (openpyxl, read-only), finds each sheet's header row by its labels
(WORKBOOK.md), and remembers where every key and header stood so that a finding's
(sheet, key, field) can be named as sheet!cell. It decides no rule.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import engine, package
from .book import Book, OpenpyxlBook, cell_text
from .contract import GUIDE_SHEET, SOURCE_SHEET, UNIT_LABEL, YEAR_LABEL
from .files import WorkbookError, replace_atomically, same_file
from .findings import Finding, Where, error, info, warning
from .grid import below_header, by_rows, column_letter, column_number, header_in_columns, header_index
from .limits import LimitError
from .package import sheet_parts
from .params import PARAM_SHEET, SchemeError
from .reading import as_text, is_blank
from .results import keys_of
from .rules.sessions import FORM_SHEET, SESSIONS
from .sheetxml import escape


@dataclass
class Sheet:
    name: str
    records: list[dict[str, object]] | dict[str, Sequence[object]]  # one per row, or (a long sheet) column by column
    key_rows: dict[str, int]  # key → 1-based row number
    columns: dict[str, int]  # header → 1-based column number
    header_row: int
    last_row: int = 0  # the last row the sheet has (blank rows included)
    record_rows: list[int] = field(default_factory=list)  # the n-th record's 1-based row ("第n条" in findings)

    @property
    def rows(self) -> list[dict[str, object]]:
        """The records of a sheet read row by row (every sheet but a long one, 测评表)."""
        return self.records if isinstance(self.records, list) else []

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
    forms_reach: int | None = None  # the last 测评表 row the workbook's own result formulas read, where known

    def tables(self) -> dict[str, list[dict[str, object]] | dict[str, Sequence[object]]]:
        """Each sheet's records by name, as the engine takes them (engine.Tables)."""
        return {name: sheet.records for name, sheet in self.sheets.items()}

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
            return f"{sheet.name}!{column_letter(col)}{row}"
        if col:
            return f"{sheet.name}!{column_letter(col)}{sheet.header_row}"
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
        raise AssertionError(name)  # not reached
    header = by_rows(columns, at, at + 1)[0]
    labels = {str(c).strip(): i + 1 for i, c in enumerate(header) if isinstance(c, str) and c.strip()}
    height = max(map(len, columns), default=0)
    return Sheet(name, below_header(columns, at), {}, labels, at + 1, height, list(range(at + 2, height + 1)))


def _sheet(name: str, grid: Sequence[Sequence[object]], required: Sequence[str]) -> Sheet:
    at = _header_row(name, grid, required)
    labels = [str(c).strip() if isinstance(c, str) else "" for c in grid[at]]
    columns = {label: i + 1 for i, label in enumerate(labels) if label}
    records: list[dict[str, object]] = []
    key_rows: dict[str, int] = {}
    record_rows: list[int] = []
    inputs = [i for i, label in enumerate(labels) if label in required]
    for offset, row in enumerate(grid[at + 1:], start=at + 2):
        if all(is_blank(row[i]) for i in inputs if i < len(row)):
            continue  # no input typed: a blank row, whatever its result formulas show
        records.append({label: row[i] for i, label in enumerate(labels) if label and i < len(row)})
        record_rows.append(offset)
    for n, (key, offset) in enumerate(zip(keys_of(records, engine.key_of(name)), record_rows), start=1):
        key_rows.setdefault(key or f"第{n}行", offset)  # people by 编号 or (居民区, 姓名): results.keys_of
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
    except LimitError as exc:
        raise WorkbookError(f"{path.name}：{exc}") from None
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a damaged file
        raise WorkbookError(f"{path.name} 无法作为工作簿打开：{exc}") from None


def workbook_info(book: Book) -> dict[str, str | None]:
    """说明's 填报单位 and 考核年度 as typed (a copy's 来源 carries them too)."""
    found: dict[str, str | None] = {}
    for sheet in (SOURCE_SHEET, GUIDE_SHEET):
        if sheet in book.sheet_names():
            for row in book.grid(sheet):
                if len(row) > 1 and isinstance(row[0], str) and row[0].strip() in (UNIT_LABEL, YEAR_LABEL):
                    found.setdefault(row[0].strip(), as_text(row[1]) or None)
    return found


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
    entry = engine.entry_sheets(chosen)
    for sheet, headers in engine.optional_sheets(chosen).items():  # the rating forms: long, keyless
        if sheet in names and sheet in entry:  # 街道考评, 加减分, 满意度问卷: row by row, keyed 第n条
            inputs.sheets[sheet] = _sheet(sheet, book.grid(sheet), headers)
        elif sheet in names:
            inputs.sheets[sheet] = _long_sheet(sheet, book.columns(sheet), headers)
    if FORM_SHEET in inputs.sheets:
        inputs.forms_reach = _forms_reach(book, engine.sheets(chosen))
    return inputs


_FORMS_RANGE = re.compile(rf"'?{FORM_SHEET}'?!\$?A\$?1:\$?[A-Z]+\$?(\d+)")


def _forms_reach(book: Book, sheets: Iterable[str]) -> int | None:
    """How far down the 测评表 the result blocks' formulas (KAOHE_AREA, KAOHE_STAFF) read; None where the
    book cannot tell (Excel through xlwings) or has no such formula (a native workbook, a copy of values)."""
    formulas = getattr(book, "array_formulas", None)
    if formulas is None:
        return None
    return min((int(end) for sheet in sheets for text in formulas(sheet) for end in _FORMS_RANGE.findall(text)),
               default=None)


def forms_beyond_formulas(inputs: Inputs) -> list[Finding]:
    """测评表 rows typed below the range the workbook's formulas read: Excel's results leave them out while
    kaohe counts them, so the two would differ without a word (the template's range ends at row 3,001)."""
    sheet, reach = inputs.sheets.get(FORM_SHEET), inputs.forms_reach
    if sheet is None or reach is None or not isinstance(sheet.records, dict):
        return []
    skip = max(reach - sheet.header_row, 0)  # records 1…skip lie within the range
    typed = sorted({n for column in sheet.records.values() for n, v in enumerate(column[skip:], start=skip + 1)
                    if not is_blank(v)})
    if not typed:
        return []
    first, last = (sheet.header_row + n for n in (typed[0], typed[-1]))
    return [warning(
        "测评表范围", STALE_CLAUSE,
        f"{FORM_SHEET}第{first:,}–{last:,}行（{len(typed)}行）在本工作簿计算公式的范围之外（公式读到第{reach:,}行）："
        f"Excel 中的结果没有计入这些行，kaohe 命令行计入了，两者不同。请在第{reach:,}行之前插入足够的空行，"
        "再把这些行剪切进来（插入行时公式的范围随之扩大）",
        Where(FORM_SHEET, f"第{typed[0]}条", "测评"), allowed=reach, actual=last)]


def read_inputs(path: str | Path, scheme: str | None = None) -> Inputs:
    book = open_book(path)
    try:
        return inputs_from(book, Path(path).name, scheme)
    finally:
        book.close()


def calculate(inputs: Inputs) -> engine.Calculated:
    return engine.calculate(inputs.scheme, inputs.tables())


STALE_CLAUSE = "kaohe 结果列"
NOT_COMPUTED_RULE = "结果未计算"  # result cells without a saved value: a note, not an error
TOLERANCE = 1e-6  # a saved number within this of the computed one agrees (Excel keeps ~15 digits)


EXCEL_ERRORS = ("#NAME?", "#VALUE!", "#REF!", "#N/A", "#DIV/0!", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")


def _not_computed(saved: object) -> bool:
    """No saved result: never calculated, or shown as Excel's own error (e.g. #NAME? without the add-in)."""
    return saved is None or (isinstance(saved, str) and saved.strip() in EXCEL_ERRORS)


def _agrees(saved: object, computed: object) -> bool:
    if isinstance(saved, str) and not saved.strip():
        saved = None  # an empty result, saved as one space (see _cached)
    if computed is None:  # a result that cannot be computed shows its message, or nothing
        return saved is None or (isinstance(saved, str) and saved.startswith("#"))
    if isinstance(saved, (int, float)) and isinstance(computed, (int, float)) and \
            not isinstance(saved, bool) and not isinstance(computed, bool):  # a rank saved by Excel comes back as 18.0
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
        for record, key in zip(sheet.rows, keys_of(sheet.rows, table.key_field)):
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
            findings.append(info(NOT_COMPUTED_RULE, STALE_CLAUSE,
                                 f"{name}有{never}个结果格没有保存的计算结果"
                                 "（文件未经 Excel 计算保存，或显示 #NAME? 等），未能核对",
                                 Where(name, "", ""), actual=never))
    return findings


# --- results saved as the formulas' cached values ----------------------------------------------

_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(r'\sr="([A-Z]+[0-9]+)"')


def _xml_text(text: str) -> str:
    """Text for a <v>: as a cell stores it (book.cell_text), escaped for XML."""
    return escape(cell_text(text))


_FORMULA = re.compile(r"<f[^>]*?(?:/>|>.*?</f>)", re.S)
def _column_cells(sheet: Sheet, column: str, value_of) -> dict[str, object]:
    """One column's cells from below the header to the sheet's end: "" where no key, else value_of(key)."""
    letter = column_letter(sheet.columns[column])
    cells: dict[str, object] = {f"{letter}{row}": "" for row in range(sheet.header_row + 1, sheet.last_row + 1)}
    for key, row in sheet.key_rows.items():
        cells[f"{letter}{row}"] = value_of(key)
    return cells


def result_cells(inputs: Inputs, tables: dict) -> dict[str, dict[str, object]]:
    """What each computed cell shows, by sheet and A1 reference: a value, the reason's message, or "".

    The result columns, and (jingan) each session's 测评表 tally beside them (engine.tally_label).
    """
    shown: dict[str, dict[str, object]] = {}
    for name, sheet in ((n, s) for n, s in inputs.sheets.items() if n in tables):
        table, cells = tables[name], shown.setdefault(name, {})

        def value_of(key: str, column: str, table=table) -> object:
            if key not in table.rows:
                return ""
            value, reason = table.value(key, column), table.reason(key, column)
            return value if value is not None else (reason.short() if reason else "")

        for column in (c for c in table.columns if c in sheet.columns):
            cells.update(_column_cells(sheet, column, lambda key, column=column: value_of(key, column)))
    _tally_cells(inputs, shown)
    return shown


def formula_cells(inputs: Inputs, tables: dict) -> dict[str, dict[str, object]]:
    """What every formula kaohe writes shows: the results and tallies (result_cells), and the area columns
    whose default formula adds up an entry sheet (街道考评, 加分, 减分, …得分; a typed value replaces the
    formula, and is never changed)."""
    shown = result_cells(inputs, tables)
    area_sheet = engine.sheets(inputs.scheme)[0]
    sheet = inputs.sheets.get(area_sheet)
    if sheet is None:
        return shown
    entered = engine.entry_tables(inputs.scheme, inputs.tables())
    for entry in engine.entry_fills(inputs.scheme):
        found = entered.get(entry.name)

        def value_of(key: str, column: str, found=found) -> object:
            if found is None or (key, column) not in found.sums:
                return ""
            value, reason = found.sums[(key, column)], found.reasons.get((key, column))
            return value if value is not None else (reason.short() if reason else "")

        for column in (c for c in entry.feeds if c in sheet.columns):
            shown.setdefault(area_sheet, {}).update(
                _column_cells(sheet, column, lambda key, column=column: value_of(key, column)))
    from .template import SUMMARY_SHEET, summary_values  # only a command that writes pays for importing it

    columns = {name: {c: [tables[name].value(k, c) for k in inputs.sheets[name].key_rows] for c in tables[name].columns}
               for name in tables if name in inputs.sheets}
    shown[SUMMARY_SHEET] = summary_values(inputs.scheme, columns,
                                          {name: len(inputs.sheets[name].key_rows) for name in columns})
    return shown


def _tally_cells(inputs: Inputs, shown: dict[str, dict[str, object]]) -> None:
    """The tally columns' cells: each row's sessions as the 测评表 gives them ("" where no form rates it)."""
    talled = {n: [c for c in SESSIONS if engine.tally_label(c) in s.columns] for n, s in inputs.sheets.items()}
    if not any(talled.values()):
        return
    rows = dict(zip(engine.sheets(inputs.scheme),
                    engine.form_means(inputs.scheme, inputs.tables())))
    for name, columns in ((n, c) for n, c in talled.items() if c and n in rows):
        sheet, cells = inputs.sheets[name], shown.setdefault(name, {})
        for column in columns:
            letter = column_letter(sheet.columns[engine.tally_label(column)])
            for row in range(sheet.header_row + 1, sheet.last_row + 1):
                cells[f"{letter}{row}"] = ""
            for record, row in zip(rows[name], sheet.record_rows):
                cells[f"{letter}{row}"] = "" if record.get(column) is None else record[column]


_ARRAY = re.compile(r'<f\b[^>]*\bt="array"[^>]*\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"|'
                    r'<f\b[^>]*\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"[^>]*\bt="array"')


def _cell_at(ref: str) -> tuple[int, int]:
    """(column, row) numbers of an A1 reference."""
    letters = ref.rstrip("0123456789")
    return column_number(letters), int(ref[len(letters):])


def block_cells(refs: Iterable[str]) -> set[str]:
    """Every cell the array formulas over ``refs`` (A1:B2) fill: each holds its own saved value."""
    cells: set[str] = set()
    for ref in refs:
        first, _, last = ref.partition(":")
        (first_col, first_row), (last_col, last_row) = (_cell_at(r) for r in (first, last or first))
        cells.update(f"{column_letter(c)}{r}" for c in range(first_col, last_col + 1)
                     for r in range(first_row, last_row + 1))
    return cells


def _cached(xml: str, values: dict[str, object]) -> tuple[str, int]:
    """The sheet XML with each formula cell of ``values`` carrying that value as its cached result
    (a cell inside an array formula's block too, though only the block's first cell holds the formula)."""
    count, filled = 0, block_cells(m.group(1) or m.group(2) for m in _ARRAY.finditer(xml))
    # below the last row a reader sees (blank rows: no key), a column's formulas show ""
    columns = {ref.rstrip("0123456789") for ref in values}

    def patch(match: re.Match) -> str:
        nonlocal count
        attrs, inner = match.group(1), match.group(2)
        ref = _REF.search(attrs)
        formula = _FORMULA.search(inner) if inner else None
        if ref is None or (formula is None and ref.group(1) not in filled) or (
                ref.group(1) not in values and ref.group(1).rstrip("0123456789") not in columns):
            return match.group(0)  # not a result formula: a typed cell is never changed
        count += 1
        attrs = re.sub(r'\s+t="[^"]*"', "", attrs)
        value, kept = values.get(ref.group(1), ""), formula.group(0) if formula else ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"<c{attrs}>{kept}<v>{float(value)!r}</v></c>"
        if value == "":  # LibreOffice takes an empty cached string for no value and recomputes (#NAME?)
            return f'<c{attrs} t="str">{kept}<v xml:space="preserve"> </v></c>'
        return f'<c{attrs} t="str">{kept}<v>{_xml_text(str(value))}</v></c>'

    return _CELL.sub(patch, xml), count


def save_with_results(source: Path, target: Path, shown: dict[str, dict[str, object]]) -> int:
    """Copy the workbook file member by member (VBA and all), giving its result formulas cached values.

    Done on the file's XML because openpyxl writes a formula without its value. Returns how many
    cells got a value. Atomic: written beside the target, then renamed.
    """
    from defusedxml import ElementTree  # only a command that writes pays for importing it

    count = 0

    def write(partial: Path) -> None:
        nonlocal count
        with zipfile.ZipFile(source) as z, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
            parts = sheet_parts(z)
            wanted = {parts[name]: cells for name, cells in shown.items() if name in parts}
            for item in z.infolist():
                data = z.read(item.filename)
                if item.filename in wanted:
                    xml, n = _cached(data.decode("utf-8"), wanted[item.filename])
                    ElementTree.fromstring(xml)  # never rename a sheet that would not parse into place
                    data, count = xml.encode("utf-8"), count + n
                out.writestr(item, data)
        package.finish(partial)

    replace_atomically(target, write, *([] if same_file(source, target) else [source]))
    return count
