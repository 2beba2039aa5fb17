"""One worksheet's XML read straight into columns of codes, without a Python object per cell.

A district's 测评表 holds 330,000 ratings in 2 million cells. python-calamine makes a Python object
of each, then numpy an object array, then the tally codes them again (``grid.distinct``). This
reader finds the cells with numpy over the sheet's raw bytes and gives each column as what the
tally wants anyway: its distinct values and one integer code per row (:class:`CodedColumn`). Text
as Excel saves it is a number already (its index in the shared strings), so a column of text is
coded without reading it; only the distinct cells become Python values, read as calamine reads
them (a number as a float, an error as its text #N/A, "" as None) — save a number shown as a date,
which calamine gives as a date and this reader as the number it is (no 表号 or 评分 is a date).

It reads what Excel, WPS, LibreOffice and openpyxl write: ``<c r="B7" s="1" t="s"><v>3</v></c>``.
Anything else (a namespace prefix, a cell without its reference, a date cell, whitespace between
tags) makes it answer ``None``, and the caller reads the sheet the ordinary way.

The cells of each piece are found by kaohe/_sheetcells.c in one compiled pass where it was built
(setup.py: optional), and by ``_numpy_cells`` otherwise: the same answer (tests/test_sheetxml.py
compares the two on generated XML), the numpy one about twenty passes over the bytes.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import cast

import numpy as np

try:
    from . import _sheetcells  # type: ignore[attr-defined]  # the compiled pass (setup.py); optional
except ImportError:  # installed without a C compiler: numpy finds the same cells
    _sheetcells = None

_LT, _GT, _EQ, _QUOTE, _SLASH = (ord(ch) for ch in '<>="/')
_NUMBER, _BOOL, _ERROR, _TEXT, _LONG, _INLINE = 1, 2, 3, 4, 5, 6  # kinds in a key's top byte (shared strings: 0)
_LOW = (1 << 48) - 1  # a key's value bits
_KIND = {b'n"': _NUMBER, b'b"': _BOOL, b'e"': _ERROR, b'st': _TEXT}
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ESCAPED = re.compile(r"_x([0-9a-fA-F]{4})_")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_RUN_TEXT = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>|<t\s[^>]*/>", re.S)
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_ITEM = re.compile(rb"<si\b[^>]*?(?:/>|>(.*?)</si>)", re.S)


class CodedColumn(Sequence):
    """A column as its distinct values and each row's index among them (``grid.distinct``'s form)."""

    __slots__ = ("codes", "values")

    def __init__(self, values: list[object], codes: np.ndarray):
        self.values, self.codes = values, codes

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return CodedColumn(self.values, self.codes[i])
        return self.values[self.codes[i]]

    def __iter__(self) -> Iterator[object]:
        return map(self.values.__getitem__, self.codes.tolist())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]


def unescape(xml: str) -> str:
    """XML's entities decoded (&amp; &lt; &gt; &quot; &apos; &#…;). Here rather than xml.sax.saxutils,
    which imports urllib and email: a tenth of a second at every start of `kaohe check`."""
    if "&" not in xml:
        return xml
    return _ENTITY.sub(lambda m: _NAMED.get(m.group(1)) or chr(int(m.group(1)[2:], 16) if m.group(1)[1] == "x"
                                                              else int(m.group(1)[1:])), xml)


def escape(text: str) -> str:
    """Text for an XML text node (as xml.sax.saxutils.escape)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(xml: str) -> str:
    """An XML text node's string: entities and Excel's _xHHHH_ escapes decoded."""
    xml = unescape(xml)
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), xml) if "_x" in xml else xml


def rich_text(item: bytes) -> str:
    """The text of a shared string or an inline string: its runs joined, phonetic guides left out."""
    return "".join(_text((m.group(1) or b"").decode("utf-8")) for m in _RUN_TEXT.finditer(_PHONETIC.sub(b"", item)))


def shared_strings(xml: bytes) -> list[bytes]:
    """The shared-string table's items, still as XML (only those a sheet uses are decoded)."""
    return [m.group(1) or b"" for m in _ITEM.finditer(xml)]


def _digits(buf: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The unsigned integer written from each ``start``, and where its digits end."""
    value, going, end = np.zeros(len(start), dtype=np.int64), np.ones(len(start), dtype=bool), start.copy()
    for k in range(12):
        digit = buf[start + k] - np.uint8(48)  # wraps below '0': one comparison tells a digit
        going &= digit < 10
        if not going.any():
            break
        value = np.where(going, value * 10 + digit, value)
        end += going
    return value, end


_LAST_ROW = re.compile(rb'<row r="([0-9]{1,9})"')
_CHUNK = 1 << 22  # bytes of sheet XML taken at a time (cut at a row): the positions found stay small


def read_columns(xml: bytes | bytearray, strings: Sequence[bytes], within: Callable[[int, int], None] | None = None
                 ) -> list[CodedColumn] | None:
    """Every column of a sheet, from A to the last with a value, each as long as the sheet's last row
    with a value; ``None`` when the XML is not of the plain kind this reader knows.

    ``within(rows, columns)`` is told the used range found so far after every few pieces, before the
    columns are laid out: it raises to stop a sheet beyond the limits (kaohe.limits)."""
    first, last = xml.find(b"<sheetData>"), xml.find(b"</sheetData>")
    if first < 0 or last < 0:
        return [] if b"<sheetData/>" in xml and b":sheetData" not in xml else None
    lo = first + len(b"<sheetData>")
    at = xml.rfind(b"<row ", lo, last)
    top = _LAST_ROW.match(xml, at) if at >= 0 else None
    if within is not None and top:  # rows stand in order: the last one's number is told first, before any numpy
        within(int(top.group(1)), 0)
    return _read(_cut(xml, lo, last), strings, within)


def read_columns_streamed(progress: Iterable[tuple[bytes | bytearray, int]], strings: Sequence[bytes],
                          within: Callable[[int, int], None] | None = None) -> list[CodedColumn] | None:
    """``read_columns`` of a sheet's XML as it inflates: ``progress`` tells how far its buffer is filled,
    and each stretch of whole rows is read as soon as it is there. ``None`` where the whole XML must
    decide (not plain, no <sheetData> before the end): the caller reads it with ``read_columns``."""
    return _read(_stretches(progress), strings, within)


class _NotStreamable(Exception):
    """The XML did not cut into stretches of whole rows as it came: leave it to ``read_columns``."""


def _stretches(progress: Iterable[tuple[bytes | bytearray, int]]) -> Iterator[Piece]:
    """Stretches of whole rows between <sheetData> and </sheetData>, each cut at the last <row that has
    come; only the bytes new since the last look are searched."""
    lo, looked = -1, 0
    for xml, filled in progress:
        since, looked = max(looked - 16, 0), filled  # a tag may straddle the last look
        if lo < 0:
            at = xml.find(b"<sheetData>", since, filled)
            if at < 0:
                continue
            lo = since = at + len(b"<sheetData>")
        end = xml.find(b"</sheetData>", max(since, lo), filled)
        if end >= 0:
            yield from _cut(xml, lo, end)
            return
        cut = xml.rfind(b"<row", max(since, lo), filled)
        if cut > lo:
            yield from _cut(xml, lo, cut)
            lo = cut
    raise _NotStreamable


def _cut(xml: bytes | bytearray, lo: int, hi: int) -> Iterator[Piece]:
    """xml[lo:hi] (whole rows) in pieces of about _CHUNK bytes, each cut at a <row."""
    while lo < hi:
        at = xml.find(b"<row", lo + _CHUNK, hi)
        yield xml, lo, hi if at < 0 else at
        lo = hi if at < 0 else at


Piece = tuple[bytes | bytearray, int, int]  # a buffer and the stretch of whole rows in it


def _read(pieces: Iterator[Piece], strings: Sequence[bytes], within: Callable[[int, int], None] | None
          ) -> list[CodedColumn] | None:
    """The cells of every piece (a few at a time, on every core: the compiled pass and numpy let go of
    the GIL), then laid out as columns."""
    cells_of = _compiled_cells if _sheetcells is not None else _numpy_cells
    workers, height, width = min(4, os.cpu_count() or 1), 0, 0
    parts: list[Cells] = []

    def read(piece: Piece) -> Cells | None:
        xml, lo, hi = piece
        return cells_of(xml, np.frombuffer(xml, dtype=np.uint8), lo, hi, len(strings))

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            while group := list(pool.map(read, itertools.islice(pieces, 2 * workers))):  # a sheet past the limits stops early
                if any(p is None for p in group):
                    return None
                parts += cast(list[Cells], group)
                height = max(height, *(int(p[0].max(initial=0)) for p in parts[-len(group):]))
                width = max(width, *(int(p[1].max(initial=0)) for p in parts[-len(group):]))
                if within is not None:
                    within(height, width)
    except _NotStreamable:
        return None
    return _laid_out(parts, height, width, strings)


def _laid_out(parts: list[Cells], height: int, width: int, strings: Sequence[bytes]) -> list[CodedColumn]:
    """The pieces' cells as columns of codes, long values numbered once for the whole sheet."""
    if not parts:
        return []
    odd: dict[bytes, int] = {}  # each piece's long values and inline texts, numbered for the whole sheet
    for _, _, keys, raws in parts:
        if raws:
            number = np.array([odd.setdefault(raw, len(odd)) for raw in raws], dtype=np.int64)
            long = (keys >> 56) == _LONG
            keys[long] = (_LONG << 56) | number[keys[long] & _LOW]
    # each piece's cells stand by column: a column is one slice of each piece
    edges = [np.searchsorted(col, np.arange(1, width + 2)) for _, col, _, _ in parts]
    long_values, out = list(odd), []
    for c in range(width):
        rows = np.concatenate([p[0][e[c]:e[c + 1]] for p, e in zip(parts, edges)])
        distinct_keys, of = _distinct(np.concatenate([p[2][e[c]:e[c + 1]] for p, e in zip(parts, edges)]))
        values = [_value(int(key), strings, long_values) for key in distinct_keys.tolist()]
        codes = np.full(height, len(values), dtype=np.int64)
        codes[rows - 1] = of
        out.append(_merged(values + [None], codes))
    return out


def _distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)``, without sorting the shared strings' indexes (a column of
    text as Excel saves it): they span a short range, marked in a table. The other keys (numbers, a
    header openpyxl wrote inline) are sorted; every one of them is above every index."""
    strings = keys <= _LOW
    if strings.all() and len(keys) and int(keys.max()) - int(keys.min()) <= 4 * len(keys) + 4096:
        low = int(keys.min())
        present = np.zeros(int(keys.max()) - low + 1, dtype=bool)
        present[keys - low] = True
        distinct = np.flatnonzero(present)
        index = np.zeros(len(present), dtype=np.int64)
        index[distinct] = np.arange(len(distinct))
        return distinct + low, index[keys - low]
    if strings.all() or not strings.any():
        distinct, of = np.unique(keys, return_inverse=True)
        return distinct, of.reshape(-1)
    below, above = _distinct(keys[strings]), _distinct(keys[~strings])
    of = np.empty(len(keys), dtype=np.int64)
    of[strings], of[~strings] = below[1], above[1] + len(below[0])
    return np.concatenate([below[0], above[0]]), of


Cells = tuple[np.ndarray, np.ndarray, np.ndarray, list[bytes]]  # row, column and key of each cell (by column); the long values


def _compiled_cells(xml: bytes | bytearray, buf: np.ndarray, lo: int, hi: int, strings: int) -> Cells | None:
    """``_numpy_cells`` in one compiled pass, without the GIL (kaohe/_sheetcells.c)."""
    found = _sheetcells.cells(xml, lo, hi, strings)
    if found is None:
        return None
    row, col, keys, odd = found
    return np.frombuffer(row, np.int64), np.frombuffer(col, np.int64), np.frombuffer(keys, np.int64), odd


def _numpy_cells(xml: bytes | bytearray, buf: np.ndarray, lo: int, hi: int, strings: int) -> Cells | None:
    """Row, column and value key of each cell with a value in xml[lo:hi] (whole rows), by column, and the long
    values met; None: not plain XML.

    A key is a shared string's index; or a short value's bytes with its kind (number, TRUE/FALSE,
    error, formula text) packed into one integer; or an index into the long values (their kind and
    bytes: numbers of 7 characters or more, inline text)."""
    odd: dict[bytes, int] = {}
    seg = buf[lo:hi]
    lt, eq = np.flatnonzero(seg == _LT) + lo, np.flatnonzero(seg == _EQ) + lo  # compared, not looked up: SIMD
    after = buf[lt + 1]
    # each kind of tag by its first letter, then only those tags' next letters looked at (fewer gathers)
    c_at = np.flatnonzero(after == ord("c"))
    c_next = buf[lt[c_at] + 2]
    cell_at = c_at[c_next == ord(" ")]
    cells = lt[cell_at]
    if ((c_next != ord(" ")) & (c_next != _SLASH)).any():
        return None  # a cell tag without attributes: no reference to place it by
    lt_end = np.append(lt, hi)
    tag_end = lt_end[cell_at + 1]  # the next tag begins where this one ended
    if not ((buf[cells + 3] == ord("r")) & (buf[cells + 4] == _EQ) & (buf[cells + 5] == _QUOTE)).all() \
            or not (buf[tag_end - 1] == _GT).all():
        return None  # a cell without its reference first, or whitespace between tags
    closed = buf[tag_end - 2] == _SLASH
    # the reference: its column's letters; the row is the number of the <row> it stands in
    letters = np.zeros(len(cells), dtype=np.int64)
    col, going = np.zeros(len(cells), dtype=np.int64), np.ones(len(cells), dtype=bool)
    for k in range(3):
        ch = buf[cells + 6 + k]
        going &= (ch >= 65) & (ch <= 90)
        col = np.where(going, col * 26 + (ch.astype(np.int64) - 64), col)
        letters += going
    digit = buf[cells + 6 + letters]
    r_at = np.flatnonzero(after == ord("r"))
    row_at = r_at[(buf[lt[r_at] + 2] == ord("o")) & (buf[lt[r_at] + 3] == ord("w"))]
    rows = lt[row_at]
    if not ((letters > 0) & (digit >= 48) & (digit <= 57)).all() \
            or not ((buf[rows + 4] == ord(" ")) & (buf[rows + 5] == ord("r")) & (buf[rows + 6] == _EQ)).all():
        return None  # a row without its number (r="…" first): rows would have to be counted
    number, number_end = _digits(buf, rows + 8)
    in_row = np.searchsorted(row_at, cell_at) - 1  # the <row> each cell stands in
    if (in_row < 0).any() or not (buf[number_end] == _QUOTE).all() or (number == 0).any():
        return None  # a cell before any row, or a row not numbered from 1
    row = number[in_row]
    # its type, t="…" inside the tag (none: a number)
    teq = eq[buf[eq - 1] == ord("t")]
    teq = teq[buf[teq - 2] == ord(" ")]
    k = np.minimum(np.searchsorted(teq, cells), len(teq) - 1)
    typed = (teq[k] > cells) & (teq[k] < tag_end) if len(teq) else np.zeros(len(cells), dtype=bool)
    pair = (buf[teq[k] + 2].astype(np.int64) * 256 + buf[teq[k] + 3]) if len(teq) else np.zeros(len(cells), np.int64)
    kind = np.where(typed, 0, _NUMBER)
    for text, code in _KIND.items():
        kind[typed & (pair == text[0] * 256 + text[1])] = code
    shared = typed & (pair == ord("s") * 256 + _QUOTE)
    inline = typed & (pair >> 8 == ord("i"))
    if (typed & ~shared & ~inline & (kind == 0)).any():
        return None  # a date cell (t="d") or a type this reader does not know
    # its value: the <v> right after the tag, or after its formula (<f>…</f>), before the next cell
    v_at_all = np.flatnonzero(after == ord("v"))
    is_v = np.zeros(len(lt) + 1, dtype=bool)
    is_v[v_at_all[buf[lt[v_at_all] + 2] == _GT]] = True
    # a cell's <v> and </c> stand before the next cell, <row> or </row>: the tag that ends a waiting cell
    slash = np.flatnonzero(after == _SLASH)
    row_end_at = slash[(buf[lt[slash] + 2] == ord("r")) & (buf[lt[slash] + 3] == ord("o")) & (buf[lt[slash] + 4] == ord("w"))]
    ends_cell = np.sort(np.concatenate([cell_at, row_at, row_end_at]))
    next_end = np.append(ends_cell, len(lt))[np.searchsorted(ends_cell, cell_at, side="right")]
    v_at = np.where(is_v[cell_at + 1] & ~closed, cell_at + 1, -1)  # a closed cell (<c r="A1"/>) has none
    other = np.flatnonzero(~is_v[cell_at + 1] & ~closed & ~inline)
    if len(other):
        v_all = np.flatnonzero(is_v)
        j = np.minimum(np.searchsorted(v_all, cell_at[other]), max(len(v_all) - 1, 0))
        found_v = v_all[j] if len(v_all) else np.full(len(other), -1)
        v_at[other] = np.where((found_v > cell_at[other]) & (found_v < next_end[other]), found_v, -1)
    has_v = v_at >= 0
    starts, ends = np.where(has_v, lt_end[v_at] + 3, 0), np.where(has_v, lt_end[v_at + 1], 0)
    keys = np.full(len(cells), -1, dtype=np.int64)  # -1: no value
    ok = np.flatnonzero(shared & has_v)
    index, index_end = _digits(buf, starts[ok])
    if ((index_end != ends[ok]) | (index >= strings)).any():
        return None
    keys[ok] = index
    lengths = ends - starts
    short = np.flatnonzero(has_v & ~shared & (lengths <= 6))
    packed, at_short, end_short = np.zeros(len(short), dtype=np.int64), starts[short], ends[short]
    for b in range(int(lengths[short].max(initial=0))):  # a short value (1, 85.5, TRUE's 1) packed into the key
        inside = at_short + b < end_short
        packed = np.where(inside, packed * 256 + buf[np.where(inside, at_short + b, 0)], packed)
    keys[short] = (kind[short] << 56) | (lengths[short] << 48) | packed
    # long values and inline text (<is>…</is>: openpyxl writes every text so) as their bytes, each
    # distinct one numbered once in ``odd``
    long = np.flatnonzero((has_v & ~shared & (lengths > 6)) | (inline & ~closed))
    kind[long[inline[long]]] = _INLINE
    texts = long[inline[long]]  # an inline text: from its tag to its </c>
    if len(texts):  # Excel writes none; openpyxl every text
        closing = slash[(buf[lt[slash] + 2] == ord("c")) & (buf[lt[slash] + 3] == _GT)]
        at_close = np.searchsorted(closing, cell_at[texts])
        if (at_close >= len(closing)).any() or \
                (closing[np.minimum(at_close, len(closing) - 1)] > next_end[texts]).any():
            return None
        starts[texts], ends[texts] = tag_end[texts], lt[closing[at_close]]
    keys[long] = (_LONG << 56) | _numbered(xml, buf, kind[long], starts[long], ends[long], odd)
    found = np.flatnonzero(keys >= 0)
    found = found[np.argsort(col[found], kind="stable")]  # by column, as the compiled pass gives them
    return row[found], col[found], keys[found], list(odd)


def _numbered(xml: bytes | bytearray, buf: np.ndarray, kind: np.ndarray, starts: np.ndarray, ends: np.ndarray,
              odd: dict[bytes, int]) -> np.ndarray:
    """Each value's number in ``odd`` (its kind and bytes → a number), found for the distinct ones only."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64)
    width = int((ends - starts).max())
    at = starts[:, None] + np.arange(min(width, 256))
    block = np.where(at < ends[:, None], buf[np.minimum(at, len(buf) - 1)], 0).astype(np.uint8)
    length = (ends - starts).astype(">u4").view(np.uint8).reshape(-1, 4)  # "ab" and "ab\0" stay two values
    rows = np.concatenate([kind.astype(np.uint8)[:, None], length, block], axis=1)
    _, first, of = np.unique(np.ascontiguousarray(rows).view(f"S{rows.shape[1]}").ravel(),
                             return_index=True, return_inverse=True)
    numbers = np.array([odd.setdefault(bytes([kind[i]]) + xml[starts[i]:ends[i]], len(odd))
                        for i in first.tolist()], dtype=np.int64)[of.reshape(-1)]
    for i in np.flatnonzero(ends - starts > 256).tolist():  # beyond the block's width: one by one
        numbers[i] = odd.setdefault(bytes([kind[i]]) + xml[starts[i]:ends[i]], len(odd))
    return numbers


def _value(key: int, strings: Sequence[bytes], long_values: list) -> object:
    """A cell's value from its key, as calamine gives it (and the error cells' text, which it does not)."""
    kind = key >> 56
    if kind == 0:
        return rich_text(strings[key]) or None
    if kind == _LONG:
        raw = long_values[key & _LOW]
        if raw[0] == _INLINE:  # the cell's content after its tag: <is><t>…</t></is>
            found = re.search(rb"<is>(.*?)</is>", raw, re.S)
            return (rich_text(found.group(1)) or None) if found else None
        kind, text = raw[0], raw[1:].decode("utf-8")
    else:
        length, packed = (key >> 48) & 0xFF, key & _LOW
        text = packed.to_bytes(6, "big")[6 - length:].decode("utf-8") if length else ""
    if kind == _NUMBER:
        try:
            return float(text)
        except ValueError:  # not a number after all (<v></v>, or a writer's slip): kept as the text it is
            return _text(text) or None
    if kind == _BOOL:
        return text.strip() == "1"
    return _text(text) or None  # an error (#N/A) or a formula's text


def _merged(values: list[object], codes: np.ndarray) -> CodedColumn:
    """Equal values under one code (1 and 1.0 written differently; a TRUE kept apart from a 1), in the
    order the column first shows them, as ``grid.distinct`` codes a column: whichever pass found the
    cells, and however it numbered them, the column comes out the same."""
    seen = np.full(len(values), len(codes), dtype=np.int64)
    np.minimum.at(seen, codes, np.arange(len(codes)))  # each code's first row
    first: dict[tuple[type, object], int] = {}
    remap = np.zeros(len(values), dtype=np.int64)
    for old in np.argsort(seen, kind="stable").tolist():
        if seen[old] < len(codes):  # a value no row shows (a cell written twice at one place): left out
            remap[old] = first.setdefault((type(values[old]), values[old]), len(first))
    return CodedColumn([v for _, v in first], remap[codes])
