"""What kaohe agrees to read and how long a merge may spend on one file: the declared limits, in one place.

A workbook arrives by email from someone else. Before any parser sees it, its package is checked
here: the size of every part as declared *and* as actually inflated (a zip bomb lies in its header),
no DTD in any XML part (entity expansion: billion laughs, XXE), and each sheet's used range — the
cells that hold something, not the ``<dimension>`` the file claims — within the rows, columns and
cells below. The reader (python-calamine) allocates the whole rectangle from A1 to the last used
cell, so one stray value at XFD1048576 would cost hundreds of gigabytes. The biggest sheet (a
district's 测评表, 2 million cells) is inflated and checked for size and DTD like every part, but its
used range is counted by its own reader (kaohe.sheetxml) in the one pass it makes anyway, a few pieces
at a time, before it lays out any column; another reader of it (calamine, openpyxl) gets the scan first.

A street's workbook has tens of areas, hundreds of people and some tens of thousands of 测评表 rows;
a district-sized one (300 areas, every paper form typed) about 330,000 rows of six columns.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .package import shared_strings_part
from .sheetxml import unescape

MAX_ROWS = 500_000  # rows per sheet (a district's 330,000 typed rating forms fit)
MAX_COLUMNS = 1_000  # columns per sheet (the templates use under 40)
MAX_AREA = 10_000_000  # cells of a sheet's used rectangle, A1 to its last used cell (~0.4 GB once read)
MAX_PART_BYTES = 512 * 2**20  # one part of the package, inflated
MAX_PACKAGE_BYTES = 1024 * 2**20  # all parts together, inflated
MERGE_SECONDS = 600  # one file of a merge, wall clock, before its worker is stopped
MERGE_MEMORY = 4 * 2**30  # one merge worker's address space (RLIMIT_AS)

CHUNK = 1 << 20
KEPT_CHUNK = 1 << 22  # the kept sheet's chunks (read while it inflates): fewer, so its thread seldom waits for the GIL


class LimitError(ValueError):
    """A file beyond a declared limit, or of a kind kaohe refuses: one Chinese line (exit 2)."""


@dataclass
class SheetScan:
    """What one sheet's XML holds: its used extent, and the text of each error cell (#N/A…)."""

    rows: int = 0
    columns: int = 0
    cells: int = 0
    errors: dict[tuple[str, int], str] = field(default_factory=dict)
    formulas: dict[tuple[str, int], str] = field(default_factory=dict)  # an error cell's formula, if it has one


_TOKEN = re.compile(rb'<(row|c)\b([^>]*?)(/?)>')
_REF = re.compile(rb'\sr="([A-Z]{1,3})([0-9]{1,9})"')
_R_NUMBER = re.compile(rb'\sr="([0-9]{1,9})"')
_CELL_ROW = re.compile(rb'<c\b[^>]*?\sr="[A-Z]{1,3}([0-9]{1,9})"[^>]*(?<!/)>')  # a cell with content: not <c …/>
_CELL_COLUMN = re.compile(rb'<c\b[^>]*?\sr="([A-Z]{1,3})[0-9]{1,9}"[^>]*(?<!/)>')
_ERROR_CELL = re.compile(rb'<c\b(?=[^>]*\st="e")(?=[^>]*\sr="([A-Z]+)([0-9]+)")[^>]*>(.*?)<v>([^<]*)</v>', re.S)
_DTD = (b"<!DOCTYPE", b"<!ENTITY")


def column_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.encode() if isinstance(letters, str) else letters:
        n = n * 26 + ch - 64
    return n


def within(rows: int, columns: int) -> bool:
    """Whether a used range of so many rows and columns is one kaohe reads."""
    return rows <= MAX_ROWS and columns <= MAX_COLUMNS and rows * columns <= MAX_AREA


def refuse_cells(sheet: str, where: str) -> LimitError:
    """A sheet refused for a cell past the limits; ``where``: that cell (XFD1048576, or 第600,001行)."""
    return LimitError(f"工作表“{sheet}”的 {where} 有内容，超出 kaohe 可读的范围（每表最多 {MAX_ROWS:,} 行、"
                      f"{MAX_COLUMNS:,} 列，从 A1 到最后一个有内容的格合计不超过 {MAX_AREA:,} 格）。"
                      "请在 Excel 中删去多余的行、列或格（选中后“删除”，而非只清除内容）再保存")


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def _too_big(part: str, size: int) -> LimitError:
    return LimitError(f"其中的 {part} 解压后超过 {_mib(size)}（kaohe 的上限为每部分 {_mib(MAX_PART_BYTES)}、"
                      f"全部 {_mib(MAX_PACKAGE_BYTES)}），可能是损坏或恶意构造的文件，未读取")


class _Sheet:
    """Scans one sheet's XML as it inflates, refusing as soon as a limit is passed."""

    def __init__(self, name: str):
        self.name, self.scan = name, SheetScan()
        self.row = 0  # the current row's number (rows may omit r="")
        self.column = 0  # the last cell's column in the current row

    def _refuse(self, where: str) -> LimitError:
        return refuse_cells(self.name, where)

    def feed(self, data: bytes) -> None:
        """One stretch of whole cells: counted in C (findall, max) unless a cell omits its reference."""
        rows = _CELL_ROW.findall(data)
        if data.count(b"</c>") > len(rows):  # a cell with content but without its reference r=""
            self._walk(data)
        elif rows:
            scan = self.scan
            scan.cells += len(rows)
            highest = max(map(int, rows))
            widest = max(map(column_number, set(_CELL_COLUMN.findall(data))))  # two passes beat one of tuples
            if highest > scan.rows or widest > scan.columns:
                top, width = max(scan.rows, highest), max(scan.columns, widest)
                if not within(top, width):
                    self._walk(data)  # raises, naming the first cell past the limit
                    raise self._refuse(f"第{top}行或第{width}列")
                scan.rows, scan.columns = top, width
            self.row = max(self.row, highest)  # for a later cell without r=""
        if b' t="e"' in data:
            for col, row, inner, text in _ERROR_CELL.findall(data):
                at = (col.decode(), int(row))
                self.scan.errors[at] = unescape(text.decode("utf-8"))
                if b"<f" in inner:
                    self.scan.formulas[at] = unescape(inner.decode("utf-8", "replace"))

    def _walk(self, data: bytes) -> None:
        """Cell by cell, positions counted as Excel does where a row or cell omits r=""."""
        scan = self.scan
        for kind, attrs, closed in _TOKEN.findall(data):
            if kind == b"row":
                found = _R_NUMBER.search(attrs)
                self.row, self.column = (int(found.group(1)) if found else self.row + 1), 0
                continue
            found = _REF.search(attrs)
            row, column = (int(found.group(2)), column_number(found.group(1))) if found else (self.row, self.column + 1)
            self.row, self.column = max(self.row, row), column
            if closed:
                continue  # a formatted empty cell: no content
            scan.cells += 1
            if row > scan.rows or column > scan.columns:
                scan.rows, scan.columns = max(scan.rows, row), max(scan.columns, column)
                if not within(scan.rows, scan.columns):
                    ref = found.group(1).decode() + found.group(2).decode() if found else f"第{row}行第{column}列"
                    raise self._refuse(ref)


@dataclass
class Package:
    """What the limits found in a package: each sheet's scan, and the biggest sheet left for its reader
    (its part not inflated yet: :func:`inflate` does, within what the other parts left of the limits)."""

    scans: dict[str, SheetScan]
    kept: tuple[str, str] | None = None  # (sheet, part): cells counted by its reader


def _refuse_dtd(part: str) -> LimitError:
    return LimitError(f"其中的 {part} 含有 DTD 声明（<!DOCTYPE/<!ENTITY>），"
                      "Excel 不会写出这样的文件，可能是恶意构造的，未读取")


def _feed(sheet: _Sheet, chunks: Iterable[bytes]) -> SheetScan:
    """A sheet's XML, chunk by chunk, fed in stretches of whole cells."""
    rest = b""
    for chunk in chunks:
        data = rest + chunk
        cut = data.rfind(b"<c")  # a cell may be split across chunks: keep its start for the next
        cut = max(cut, data.rfind(b"<row"))
        if cut <= 0:
            cut = len(data) - 16 if len(data) > 16 else 0
        sheet.feed(data[:cut])
        rest = data[cut:]
    sheet.feed(rest)
    return sheet.scan


def scan_sheet(name: str, xml: bytes | bytearray) -> SheetScan:
    """The cells of one sheet's XML (a part already inflated within the limits) against the limits:
    raises LimitError naming the first cell past them."""
    view = memoryview(xml)
    return _feed(_Sheet(name), (bytes(view[at:at + CHUNK]) for at in range(0, len(xml), CHUNK)))


def _inflated(archive: zipfile.ZipFile, info: zipfile.ZipInfo, total: list[int], size_of_chunk: int = CHUNK,
              xml: bool = False) -> Iterator[bytes]:
    """A part's chunks, within the size limits (``total``: the package's bytes so far, added to); an XML
    part's checked for a DTD: by its name, or ``xml`` (a sheet or the shared strings, whatever the name
    the package's relationships give them)."""
    xml = xml or info.filename.lower().endswith((".xml", ".rels", ".vml"))
    size, tail = 0, b""
    with archive.open(info) as stream:
        while chunk := stream.read(size_of_chunk):
            size, total[0] = size + len(chunk), total[0] + len(chunk)
            if size > MAX_PART_BYTES or total[0] > MAX_PACKAGE_BYTES:  # inflated beyond what it declared
                raise _too_big(info.filename, size if size > MAX_PART_BYTES else total[0])
            # "!" first: a one-byte search runs at memchr's speed, a search for each tag at a tenth of it
            if xml and (b"!" in chunk or b"!" in tail) and any(tag in tail + chunk for tag in _DTD):
                raise _refuse_dtd(info.filename)
            tail = (tail + chunk[-16:])[-16:]  # a DTD tag split across chunks
            yield chunk


def inflate(archive: zipfile.ZipFile, package: Package,
            each: Callable[[bytearray, int], None] | None = None) -> bytearray:
    """The kept sheet's XML, inflated within the limits (its size, the package's, no DTD) into one buffer
    set aside before it inflates (``_inflated_at_most``), filled in place: neither joined from its chunks
    nor grown, so it can be read while it fills. ``each(xml, filled)``: told after every chunk how far it is.
    It may inflate while scan_package inflates the others: no part inflates past its declared size, and
    their sum was checked against the package's limit first."""
    assert package.kept is not None
    info = archive.getinfo(package.kept[1])
    xml, filled = bytearray(_inflated_at_most(info)), 0
    with memoryview(xml) as view:
        for chunk in _inflated(archive, info, [0], KEPT_CHUNK, xml=True):
            if filled + len(chunk) > len(xml):  # zipfile stops at the declared size; never trusted blindly
                raise _too_big(info.filename, filled + len(chunk))
            view[filled:filled + len(chunk)] = chunk
            filled += len(chunk)
            if each is not None:
                each(xml, filled)
    return xml if filled == len(xml) else xml[:filled]


def _inflated_at_most(info: zipfile.ZipInfo) -> int:
    """The most a part can inflate to: its declared size, but no more than its compressed bytes allow
    (deflate gives at most 1,032 bytes a byte; stored, one), so that a header declaring 512 MB over a
    few compressed bytes does not have them set aside."""
    if info.compress_type == zipfile.ZIP_DEFLATED:
        return min(info.file_size, 1032 * info.compress_size + 4096)
    if info.compress_type == zipfile.ZIP_STORED:
        return min(info.file_size, info.compress_size)
    return info.file_size


def scan_package(archive: zipfile.ZipFile, sheet_parts: Callable[[zipfile.ZipFile], dict[str, str]],
                 keep_biggest: bool = False, on_kept: Callable[[Package], None] | None = None) -> Package:
    """Check every part of an opened package against the limits; ``sheet_parts``: sheet name → its part.

    Every part is inflated (its size as declared and as inflated, no DTD) and every sheet's cells are
    scanned; but with ``keep_biggest`` the biggest sheet (a district's 测评表: 2 million cells) is left to
    its reader, which inflates it (:func:`inflate`) and counts its cells in its own pass. ``on_kept`` is
    told which sheet that is as soon as the declared sizes are checked, before any part is inflated, so
    that its reader can start inflating it meanwhile.
    Raises LimitError naming the part or cell and the limit."""
    infos = archive.infolist()
    declared = [i for i in infos if i.file_size > MAX_PART_BYTES]
    if declared:
        raise _too_big(declared[0].filename, declared[0].file_size)
    if sum(i.file_size for i in infos) > MAX_PACKAGE_BYTES:
        raise _too_big("全部内容", sum(i.file_size for i in infos))
    sheets = sheet_parts(archive)  # reads two small parts, their declared sizes checked just above
    by_part = {part: name for name, part in sheets.items()}
    xml_parts = {shared_strings_part(archive)}
    sheet_infos = [i for i in infos if i.filename in by_part]
    biggest = max(sheet_infos, key=lambda i: i.file_size).filename if keep_biggest and sheet_infos else None
    found, total = Package({}, (by_part[biggest], biggest) if biggest else None), [0]
    if found.kept and on_kept is not None:
        on_kept(found)
    for info in infos:
        if info.filename == biggest:
            continue
        if info.filename in by_part:
            found.scans[by_part[info.filename]] = _feed(_Sheet(by_part[info.filename]),
                                                        _inflated(archive, info, total, xml=True))
        else:
            for _ in _inflated(archive, info, total, xml=info.filename in xml_parts):
                pass
    return found
