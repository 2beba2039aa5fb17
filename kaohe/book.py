"""The small workbook-access layer the check runs through: openpyxl here, xlwings inside Excel.

The check (``kaohe.checking``) reads sheets as grids of values and writes the 检查结果 rows and
cell colours through this interface only, so the macro in Excel (``udfs/kaohe_macros.py``, an xlwings
``Book``) and the command line (an :class:`OpenpyxlBook`) run the same code.
"""

from __future__ import annotations

import gc
import math
import queue
import re
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

import numpy as np
from python_calamine import CalamineWorkbook

from . import limits
from .files import WorkbookError, write_atomically
from .grid import column_number
from .package import shared_strings_part, sheet_parts
from .sheetxml import CodedColumn, escape, read_columns, read_columns_streamed, shared_strings, unescape

if TYPE_CHECKING:
    from openpyxl import Workbook


NO_FILL = "无底色"  # a cell without a background colour

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot hold
_LOOKS_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def cell_text(text: str) -> str:
    """Text as a cell stores it, read back the same by Excel and calamine: a character XML cannot hold
    written as Excel writes it (\x0b → _x000B_), and a literal _xHHHH_ kept literal (_x005F_xHHHH_)."""
    return _FORBIDDEN.sub(lambda m: f"_x{ord(m.group()):04X}_", _LOOKS_ESCAPED.sub(r"_x005F_\1", text))


def put(cell, value: object):
    """Write a value into an openpyxl cell (also a write-only one); every writer of kaohe goes through here.

    Text stays text whatever it starts with: openpyxl would make "=HYPERLINK(…)" a live formula and
    "#N/A" an error cell, so the type is set back to a string (formula injection)."""
    if isinstance(value, float) and not math.isfinite(value):
        value = str(value)  # a file cannot hold ±inf or NaN as a number (openpyxl would write an empty cell)
    if isinstance(value, str):
        cell.value = cell_text(value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def cell_xml(ref: str, value: object, number_style: int | None = None) -> str:
    """A cell as put() and openpyxl's write-only mode write it, for rows written straight as XML (the
    roll-up's 40,000 people): text always text (inline), a number as its shortest repr, nothing for
    None. ``number_style``: the style index a float is shown with (its number format)."""
    if value is None:
        return ""
    if value == "":
        return f'<c r="{ref}" t="inlineStr"/>'
    if isinstance(value, float) and not math.isfinite(value):
        value = str(value)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, float) and number_style is not None:
        return f'<c r="{ref}" s="{number_style}" t="n"><v>{value}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}" t="n"><v>{value}</v></c>'
    text = escape(cell_text(cast(str, value)))  # text: the cells the roll-up writes
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


class Book(Protocol):
    def sheet_names(self) -> list[str]: ...

    def grid(self, sheet: str) -> list[list[object]]:
        """The sheet's values as shown (a formula cell: its last computed value), row by row."""

    def columns(self, sheet: str) -> Sequence[Sequence[object]]:
        """The same values column by column (a long sheet such as 测评表, without building its rows)."""

    def replace_rows(self, sheet: str, first_row: int, rows: list[list[object]]) -> None:
        """Clear the sheet from ``first_row`` down and write ``rows`` there."""

    def fill(self, sheet: str, cell: str, rgb: str) -> str | None:
        """Set a cell's background (an ARGB colour, or NO_FILL) and return the one it had, in the same
        terms; ``None`` when the cell's own fill could not be put back exactly (then it is left as is)."""


class _Inflating:
    """The package's kept sheet (a district's 测评表, 60 MB of XML), inflated within the limits on a thread
    of its own into one buffer, filled in place: its cells can be read while the rest of it inflates
    (``stream``), or its whole XML taken at the end (``whole``)."""

    def __init__(self, path: Path, package: limits.Package):
        self._progress: queue.SimpleQueue[tuple[bytearray, int] | None] = queue.SimpleQueue()
        self._stopped = self._ended = False

        def filled(xml: bytearray, filled: int) -> None:
            if self._stopped:
                raise _Stopped
            self._progress.put((xml, filled))

        def inflate() -> bytearray:
            try:
                with zipfile.ZipFile(path) as archive:
                    return limits.inflate(archive, package, filled)
            finally:
                self._progress.put(None)

        pool = ThreadPoolExecutor(max_workers=1)
        try:
            self._future = pool.submit(inflate)
        finally:
            pool.shutdown(wait=False)

    def stream(self) -> Iterator[tuple[bytearray, int]]:
        """The buffer and how far it is filled, each time it has grown (only the latest of what has come),
        to its end; ``whole`` then says whether all of it was within the limits."""
        while not self._ended and (latest := self._progress.get()) is not None:
            while True:
                try:
                    newer = self._progress.get_nowait()
                except queue.Empty:
                    break
                if newer is None:
                    self._ended = True
                    break
                latest = newer
            yield latest
        self._ended = True  # a second reading finds the end at once (it then takes ``whole``)

    def whole(self) -> bytearray:
        """The whole XML, or the reason it is refused (LimitError, a damaged part)."""
        return self._future.result()

    def stop(self) -> None:
        """No more of it: the file was refused for another part (its thread ends at its next chunk)."""
        self._stopped = True


class _Stopped(Exception):
    """The inflation of a kept sheet no one will read, stopped."""


@contextmanager
def _paused_gc() -> Iterator[None]:
    """No garbage collection while a sheet's cells become objects: none of them is garbage yet, and
    the collector would walk them all again and again (15% of a district's check)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_editable(path: Path, keep_vba: bool = False) -> Workbook:
    """The whole workbook for writing a copy (openpyxl), or a clear refusal: openpyxl is stricter than the
    reader (a crafted <v>-inf</v> stops it), and what it cannot load it cannot copy."""
    from openpyxl import load_workbook  # only a book that is written pays for importing openpyxl

    try:
        return load_workbook(path, keep_vba=keep_vba)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a file it cannot load
        cause = exc.__cause__ or exc.__context__ or exc
        raise WorkbookError(f"{path.name} 可以读取，但无法复制（{cause}）：其中有 Excel 不会写出的内容。"
                            "请在 Excel 中打开、另存为新文件后再试") from None


def as_typed(value: object) -> object:
    """A value for a cell of a running Excel (xlwings), which parses what it is given as if typed: text
    gets Excel's leading apostrophe, so that "=HYPERLINK(…)", "+1" or "1/2" stays the text it is."""
    return "'" + value if isinstance(value, str) and value else value


# A kaohe function (udfs/kaohe_udfs.py) whose cached value is an error: a program without the add-in
# (LibreOffice, WPS: #NAME?) saved it. kaohe computes that value itself: not computed here, not typed.
_ARRAY_FORMULA = re.compile(rb'<f\b[^>]*\bt="array"[^>]*>([^<]*)</f>')
_KAOHE_CALL = re.compile(r"(?i)\b(kaohe_\w+|grade_quota|bonus)\s*\(")


class OpenpyxlBook:
    """A workbook file: read from its saved values, written (when asked) with formulas and VBA kept.

    Values are read with python-calamine (Rust; many times faster than openpyxl on big sheets), once
    the package has passed kaohe.limits (raises LimitError). calamine reports an error cell (#N/A…)
    as an empty string, so those cells, found by the same scan of the sheet's XML, are given back
    their error text: an error is never read as a blank. A long sheet read column by column (测评表)
    is read from its XML by kaohe.sheetxml, straight into coded columns, error cells included, and
    the biggest one while it inflates; calamine only where that XML is of another kind. openpyxl edits.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        # the biggest sheet (测评表) inflates on another thread while the other parts are checked and the
        # other sheets read (zlib lets go of the GIL); its cells are counted when it is read
        self._kept: dict[str, _Inflating] = {}

        def inflating(package: limits.Package) -> None:
            assert package.kept is not None
            self._kept[package.kept[0]] = _Inflating(self.path, package)

        try:
            with zipfile.ZipFile(self.path) as archive:
                package = limits.scan_package(archive, sheet_parts, keep_biggest=True, on_kept=inflating)
                self._parts = sheet_parts(archive)
            self._values = CalamineWorkbook.from_path(str(self.path))
        except BaseException:  # refused for another part, or calamine cannot open it: the kept sheet's thread stops
            for kept in self._kept.values():
                kept.stop()
            raise
        self._scans = package.scans
        self._arrays: dict[str, np.ndarray] = {}
        self._coded: dict[str, list[CodedColumn] | None] = {}
        self._strings: list[bytes] | None = None
        self._edit: MemoryBook | None = None
        self._rewritten: set[str] = set()

    def close(self) -> None:
        self._values.close()
        for kept in self._kept.values():  # a kept sheet never read: its thread stops, its XML goes
            kept.stop()
        self._kept.clear()

    def sheet_names(self) -> list[str]:
        return self._edit.sheet_names() if self._edit is not None else list(self._values.sheet_names)

    def grid(self, sheet: str) -> list[list[object]]:
        if self._edit is not None and sheet in self._rewritten:  # what this book wrote, not the old file
            return self._edit.grid(sheet)
        return self._array(sheet).tolist()

    def columns(self, sheet: str) -> Sequence[Sequence[object]]:
        if self._edit is not None and sheet in self._rewritten:
            return self._edit.columns(sheet)
        coded = self._columns_of_xml(sheet)
        if coded is not None:
            return coded
        values = self._array(sheet)
        return [values[:, c].tolist() for c in range(values.shape[1])]

    def _columns_of_xml(self, sheet: str) -> list[CodedColumn] | None:
        """A long sheet (测评表) read from its XML straight into coded columns (kaohe.sheetxml), error
        cells as their text in the same pass; None when its XML is of a kind only calamine reads."""
        if sheet not in self._coded:
            with zipfile.ZipFile(self.path) as archive, _paused_gc():
                if self._strings is None:
                    part = shared_strings_part(archive)
                    self._strings = shared_strings(archive.read(part)) if part in archive.namelist() else []

                def within(rows: int, columns: int) -> None:  # the limits, counted in the reader's own pass
                    if sheet not in self._scans and not limits.within(rows, columns):
                        self._scan(sheet)  # raises, naming the first cell past the limit
                    # the scan places a cell by its r="A1", this reader by its <row r="1">: a file where the two
                    # disagree is refused all the same (columns 0: the last row's number, told first as a hint,
                    # which empty formatted rows below the cells may raise without a cell past the limits)
                    if columns and not limits.within(rows, columns):
                        where = f"第{rows:,}行" if rows > limits.MAX_ROWS else f"第{rows:,}行第{columns:,}列"
                        raise WorkbookError(f"{self.path.name}：{limits.refuse_cells(sheet, where)}")

                coded = None
                if sheet in self._kept:  # read as it inflates; kept only once all of it passed the limits
                    coded = read_columns_streamed(self._kept[sheet].stream(), self._strings, within)
                xml = self._kept_xml(sheet)
                if coded is None:
                    coded = read_columns(xml if xml is not None else archive.read(self._parts[sheet]), self._strings,
                                         within)
                self._coded[sheet] = coded
            if self._coded[sheet] is None:
                self._scan(sheet)  # read by calamine instead: the whole scan first
            else:
                self._kept.pop(sheet, None)
        return self._coded[sheet]

    def _scan(self, sheet: str) -> None:
        """A sheet whose cells were left to its reader, scanned against the limits before another reader
        (calamine, openpyxl) allocates for it."""
        if sheet in self._scans or sheet not in self._parts:
            return
        xml: bytes | bytearray | None = self._kept_xml(sheet)
        self._kept.pop(sheet, None)
        try:
            if xml is None:
                with zipfile.ZipFile(self.path) as archive:
                    if self._parts[sheet] not in archive.namelist():
                        return
                    xml = archive.read(self._parts[sheet])  # inflated within the limits when the book opened
            self._scans[sheet] = limits.scan_sheet(sheet, xml)
        except limits.LimitError as exc:
            raise WorkbookError(f"{self.path.name}：{exc}") from None

    def _kept_xml(self, sheet: str) -> bytearray | None:
        """The kept sheet's XML once inflated, or why the file is refused; None: not the kept sheet."""
        if sheet not in self._kept:
            return None
        try:
            return self._kept[sheet].whole()
        except limits.LimitError as exc:
            raise WorkbookError(f"{self.path.name}：{exc}") from None
        except Exception as exc:  # noqa: BLE001 — a damaged part: zipfile and zlib raise many kinds
            raise WorkbookError(f"{self.path.name} 无法作为工作簿打开：{exc}") from None

    def scan_all(self) -> None:
        """Every sheet checked against the limits: before openpyxl loads the whole workbook."""
        for sheet in self._parts:
            self._scan(sheet)

    def _array(self, sheet: str) -> np.ndarray:
        """The sheet as a 2-D array of cells: None for an empty cell (as openpyxl and xlwings give it)."""
        if sheet not in self._arrays:
            self._scan(sheet)
            try:
                with _paused_gc():
                    rows = self._values.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception as exc:  # noqa: BLE001 — calamine's errors for a damaged sheet have no common type
                raise WorkbookError(f"{self.path.name} 的工作表“{sheet}”无法读取（文件已损坏：{exc}）。"
                                    "请在 Excel 中打开、另存为新文件后再试") from None
            width = max(map(len, rows), default=0)
            if len({len(row) for row in rows}) == 1:  # as calamine gives them: one width
                values = np.array(rows, dtype=object).reshape(len(rows), width)
            else:
                values = np.full((len(rows), width), None, dtype=object)
                for r, row in enumerate(rows):
                    values[r, :len(row)] = row
            values[values == ""] = None
            scan = self._scans.get(sheet, limits.SheetScan())
            for (column, at), text in scan.errors.items():
                r, c = at - 1, column_number(column) - 1
                if r < values.shape[0] and c < values.shape[1]:
                    values[r, c] = None if _KAOHE_CALL.search(scan.formulas.get((column, at), "")) else text
            self._arrays[sheet] = values
        return self._arrays[sheet]


    def array_formulas(self, sheet: str) -> list[str]:
        """The sheet's array formulas as written (kaohe's result blocks: their ranges say how far they read)."""
        with zipfile.ZipFile(self.path) as archive:
            xml = archive.read(self._parts[sheet])
        return [unescape(f.decode("utf-8", "replace")) for f in _ARRAY_FORMULA.findall(xml)]

    def _editable(self) -> MemoryBook:
        if self._edit is None:
            self.scan_all()
            self._edit = MemoryBook(load_editable(self.path, keep_vba=self.path.suffix.lower() == ".xlsm"))
        return self._edit

    def replace_rows(self, sheet: str, first_row: int, rows: list[list[object]]) -> None:
        self._rewritten.add(sheet)
        self._editable().replace_rows(sheet, first_row, rows)

    def fill(self, sheet: str, cell: str, rgb: str | None) -> str | None:
        return self._editable().fill(sheet, cell, rgb)

    def save(self, out: str | Path) -> None:
        from .printing import rows_to_print

        wb = self._editable().wb
        for sheet in self._rewritten:  # 检查结果 grew: its print area follows its rows
            rows_to_print(wb[sheet])
        write_atomically(wb, Path(out), self.path)


class MemoryBook:
    """kaohe.book.Book over an openpyxl workbook in memory (formulas read as their text)."""

    def __init__(self, wb: Workbook):
        self.wb = wb

    def sheet_names(self) -> list[str]:
        return list(self.wb.sheetnames)

    def grid(self, sheet: str) -> list[list[object]]:
        return [list(r) for r in self.wb[sheet].iter_rows(values_only=True)]

    def columns(self, sheet: str) -> list[list[object]]:
        return [list(c) for c in zip(*self.wb[sheet].iter_rows(values_only=True))]

    def array_formulas(self, sheet: str) -> list[str]:
        ws = self.wb[sheet]
        return [ws[cell].value.text for cell in ws.array_formulae if hasattr(ws[cell].value, "text")]

    def replace_rows(self, sheet: str, first_row: int, rows: list[list[object]]) -> None:
        ws = self.wb[sheet] if sheet in self.wb.sheetnames else self.wb.create_sheet(sheet)
        if ws.max_row >= first_row:
            ws.delete_rows(first_row, ws.max_row - first_row + 1)
        for offset, values in enumerate(rows):
            for col, value in enumerate(values, start=1):
                put(ws.cell(first_row + offset, col), value)

    def fill(self, sheet: str, cell: str, rgb: str | None) -> str | None:
        from openpyxl.styles import PatternFill

        target = self.wb[sheet][cell]
        fill = target.fill
        if fill is not None and fill.fill_type not in (None, "solid"):
            return None  # a patterned fill: not marked, so that clearing can never lose it
        if fill is not None and fill.fill_type == "solid":
            before = fill.fgColor.rgb if fill.fgColor.type == "rgb" else None
            if before is None:
                return None  # a theme or palette colour: likewise left alone
        else:
            before = NO_FILL
        target.fill = PatternFill("solid", fgColor=rgb) if rgb and rgb != NO_FILL else PatternFill(fill_type=None)
        return before
