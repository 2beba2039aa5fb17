"""The workbook's VBA project (xl/vbaProject.bin), written without Excel (MS-OVBA in an MS-CFB file).

The project holds: ThisWorkbook and one document module per sheet (by the sheets' codeNames),
xlwings' own VBA module and its Dictionary class (copied from the pinned xlwings package, so that
RunPython and "Import Functions" need no add-in reference, i.e. no path to anyone's xlwings.xlam),
and the module ``kaohe`` whose macros call the installed Python module ``kaohe_macros``.

Modules are stored as compressed source only, with a version-independent ``_VBA_PROJECT`` stream:
the VBA editor compiles the source when the project is first opened (MS-OVBA 2.3.4.1, 2.3.4.3).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import xlwings

CODEPAGE = "cp1252"  # PROJECTCODEPAGE 1252: module names and sources are ASCII
PYTHON_MODULE = "kaohe_macros"
MACROS = ("kaohe_check", "kaohe_clear", "kaohe_export")

KAOHE_SOURCE = f'''Attribute VB_Name = "kaohe"
' kaohe's macros. Each runs the installed Python module {PYTHON_MODULE} through xlwings' RunPython,
' so the check, the clearing of its marks and the export are the same code as the kaohe command.
Option Explicit

{"".join(f"""Sub {name}()
    RunPython "import {PYTHON_MODULE}; {PYTHON_MODULE}.{name}()"
End Sub

""" for name in MACROS)}' Recalculate every formula now (after opening a file saved elsewhere, or after Import Functions).
Sub kaohe_calculate()
    Application.CalculateFull
End Sub
'''

_DOCUMENT = '''Attribute VB_Name = "{name}"
Attribute VB_Base = "0{{{base}}}"
Attribute VB_GlobalNameSpace = False
Attribute VB_Creatable = False
Attribute VB_PredeclaredId = True
Attribute VB_Exposed = True
Attribute VB_TemplateDerived = False
Attribute VB_Customizable = True
'''
WORKBOOK_BASE, SHEET_BASE = "00020819-0000-0000-C000-000000000046", "00020820-0000-0000-C000-000000000046"

# PROJECT stream (MS-OVBA 2.3.1). CMG/DPB/GC say "not protected, visible"; they are encrypted with a
# key from the project ID (2.4.3), so ID and the three values are kept together, as Excel wrote them
# in xlwings' standalone quickstart workbook.
PROJECT_ID = "{5CF9CDAB-B77B-4FE4-BD7E-D29900070E1B}"
PROTECTION = 'CMG="8D8FA61394EA98EA98EA98EA98"\r\nDPB="8D8FA61394EF95EF95EF"\r\nGC="8D8FA61394EF95EF9510"\r\n'
VBA_PROJECT = bytes.fromhex("cc61ffff000100")  # _VBA_PROJECT, version-independent: no performance cache


@dataclass(frozen=True)
class Module:
    name: str
    kind: str  # "Document", "Module" or "Class" (the PROJECT stream's words)
    source: str

    def stream(self) -> bytes:
        text = self.source.replace("\r\n", "\n").replace("\n", "\r\n")
        return compress(text.encode(CODEPAGE))


def _xlwings_file(*parts: str) -> str:
    return (Path(xlwings.__file__).parent.joinpath(*parts)).read_text(CODEPAGE)


def _class_source(text: str) -> str:
    """A .cls file as a module stream holds it: without the VERSION/BEGIN…END header of the export."""
    lines = text.splitlines()
    return "\r\n".join(lines[next(i for i, line in enumerate(lines) if line.startswith("Attribute ")):]) + "\r\n"


def modules(code_names: Sequence[str]) -> list[Module]:
    """ThisWorkbook, a document module per sheet, xlwings (+ Dictionary) and kaohe."""
    return [Module("ThisWorkbook", "Document", _DOCUMENT.format(name="ThisWorkbook", base=WORKBOOK_BASE)),
            *(Module(n, "Document", _DOCUMENT.format(name=n, base=SHEET_BASE)) for n in code_names),
            Module("xlwings", "Module", _xlwings_file("xlwings.bas")),
            Module("Dictionary", "Class", _class_source(_xlwings_file("addin", "Dictionary.cls"))),
            Module("kaohe", "Module", KAOHE_SOURCE)]


# --- MS-OVBA compression (2.4.1.3): LZ77 copy tokens in chunks of 4096 bytes --------------------

CHUNK = 4096


def _chunk(data: bytes) -> bytes:
    """One chunk's token sequences: literal bytes, or (offset, length) copies of what came before."""
    out, pos, recent = bytearray(), 0, dict[bytes, list[int]]()
    while pos < len(data):
        flags, tokens = 0, bytearray()
        for bit in range(8):
            if pos >= len(data):
                break
            bits = max((pos - 1).bit_length(), 4)  # CopyTokenHelp: the offset field grows with the position
            longest = (0xFFFF >> bits) + 3
            best, at = 0, 0
            for candidate in reversed(recent.get(data[pos:pos + 3], [])[-64:]):
                n = 0
                while n < longest and pos + n < len(data) and data[candidate + n] == data[pos + n]:
                    n += 1
                if n > best:
                    best, at = n, candidate
            step = best if best >= 3 else 1
            if best >= 3:
                flags |= 1 << bit
                tokens += struct.pack("<H", ((pos - at - 1) << (16 - bits)) | (best - 3))
            else:
                tokens.append(data[pos])
            for i in range(pos, pos + step):
                recent.setdefault(data[i:i + 3], []).append(i)
            pos += step
        out.append(flags)
        out += tokens
    return bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer: signature byte 1, then each chunk with its header (size, signature 3, flag)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        body = _chunk(data[start:start + CHUNK])
        if len(body) > CHUNK:  # incompressible: stored raw, a short last chunk padded with NULs (MS-OVBA
            # 2.4.1.3.10; only random data of over 3,640 bytes gets here, never source text)
            body = data[start:start + CHUNK].ljust(CHUNK, b"\0")
            out += struct.pack("<H", (CHUNK + 2 - 3) | 0x3000) + body
        else:
            out += struct.pack("<H", (len(body) + 2 - 3) | 0x3000 | 0x8000) + body
    return bytes(out)


# --- the dir stream (MS-OVBA 2.3.4.2) -----------------------------------------------------------

def _record(rid: int, data: bytes = b"") -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def _text(rid: int, unicode_id: int, text: str) -> bytes:
    return _record(rid, text.encode(CODEPAGE)) + _record(unicode_id, text.encode("utf-16-le"))


def _dir(mods: Sequence[Module]) -> bytes:
    info = (_record(0x01, struct.pack("<I", 3))  # SYSKIND: 64-bit Windows, as Excel 365 writes it
            + _record(0x02, struct.pack("<I", 0x409)) + _record(0x14, struct.pack("<I", 0x409))
            + _record(0x03, struct.pack("<H", 1252))
            + _record(0x04, b"VBAProject")
            + _text(0x05, 0x40, "") + _text(0x06, 0x3D, "")
            + _record(0x07, struct.pack("<I", 0)) + _record(0x08, struct.pack("<I", 0))
            + struct.pack("<HIIH", 0x09, 4, 0, 0)  # PROJECTVERSION: its size field is 4 for 6 bytes
            + _text(0x0C, 0x3C, ""))
    records = [info, _record(0x0F, struct.pack("<H", len(mods))), _record(0x13, struct.pack("<H", 0xFFFF))]
    for m in mods:
        records.append(_record(0x19, m.name.encode(CODEPAGE)) + _record(0x47, m.name.encode("utf-16-le"))
                       + _text(0x1A, 0x32, m.name) + _text(0x1C, 0x48, "")
                       + _record(0x31, struct.pack("<I", 0))  # the source starts the stream: no p-code
                       + _record(0x1E, struct.pack("<I", 0)) + _record(0x2C, struct.pack("<H", 0xFFFF))
                       + _record(0x21 if m.kind == "Module" else 0x22) + _record(0x2B))
    records.append(_record(0x10))
    return compress(b"".join(records))


def _project(mods: Sequence[Module]) -> bytes:
    items = "".join(f"{m.kind}={m.name}/&H00000000\r\n" if m.kind == "Document" else f"{m.kind}={m.name}\r\n"
                    for m in mods)
    workspace = "".join(f"{m.name}=0, 0, 0, 0, C\r\n" for m in mods)
    return (f'ID="{PROJECT_ID}"\r\n{items}Name="VBAProject"\r\nHelpContextID="0"\r\nVersionCompatible32="393222000"\r\n'
            f"{PROTECTION}\r\n[Host Extender Info]\r\n&H00000001={{3832D640-CF90-11CF-8E43-00A0C911005A}};VBE;&H00000000\r\n"
            f"\r\n[Workspace]\r\n{workspace}").encode(CODEPAGE)


def _project_wm(mods: Sequence[Module]) -> bytes:
    return b"".join(m.name.encode(CODEPAGE) + b"\0" + m.name.encode("utf-16-le") + b"\0\0" for m in mods) + b"\0\0"


def project(code_names: Sequence[str]) -> bytes:
    """vbaProject.bin for a workbook whose sheets have these codeNames, in order."""
    mods = modules(code_names)
    vba = {"dir": _dir(mods), "_VBA_PROJECT": VBA_PROJECT, **{m.name: m.stream() for m in mods}}
    return compound({"PROJECT": _project(mods), "PROJECTwm": _project_wm(mods), "VBA": vba})


# --- a compound file (MS-CFB, version 3) --------------------------------------------------------

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


@dataclass
class _Entry:
    name: str
    data: bytes | None  # None for a storage
    children: list[_Entry]
    start: int = END
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    red: bool = False


def _order(e: _Entry) -> tuple[int, str]:
    return len(e.name), e.name.upper()  # MS-CFB 2.6.4: shorter names first, then by upper case


def _tree(entries: list[_Entry], index: dict[int, int], depth: int = 0, red_at: int | None = None) -> int:
    """Siblings as a balanced binary tree; a red-black tree when the deepest level is coloured red."""
    if not entries:
        return NOSTREAM
    mid = len(entries) // 2
    node = entries[mid]
    node.red = depth == red_at
    node.left = _tree(entries[:mid], index, depth + 1, red_at)
    node.right = _tree(entries[mid + 1:], index, depth + 1, red_at)
    return index[id(node)]


def compound(tree: dict[str, object]) -> bytes:
    """A compound file of streams (bytes) and storages (dicts)."""
    def entry(name: str, value: object) -> _Entry:
        if isinstance(value, dict):
            return _Entry(name, None, [entry(k, v) for k, v in value.items()])
        assert isinstance(value, bytes), name  # a stream: its bytes
        return _Entry(name, value, [])

    root = _Entry("Root Entry", None, [entry(k, v) for k, v in tree.items()])
    flat: list[_Entry] = []

    def walk(e: _Entry) -> None:
        flat.append(e)
        for c in e.children:
            walk(c)
    walk(root)
    index = {id(e): i for i, e in enumerate(flat)}
    for e in flat:
        if e.children:
            kids = sorted(e.children, key=_order)
            depth = max(len(kids).bit_length() - 1, 0)
            perfect = len(kids) == 2 ** (depth + 1) - 1
            e.child = _tree(kids, index, 0, None if perfect else depth)

    sectors: list[bytes] = []  # the file's sectors after the header, in order
    fat: list[int] = []

    def place(data: bytes) -> int:
        n = max(1, -(-len(data) // SECTOR))
        first = len(sectors)
        for i in range(n):
            sectors.append(data[i * SECTOR:(i + 1) * SECTOR].ljust(SECTOR, b"\0"))
            fat.append(first + i + 1 if i < n - 1 else END)
        return first

    mini, minifat = bytearray(), []
    for e in flat:
        if e.data is None or not e.data:
            continue
        if len(e.data) >= CUTOFF:
            e.start = place(e.data)
        else:
            n = -(-len(e.data) // MINI)
            e.start = len(mini) // MINI
            minifat += [e.start + i + 1 if i < n - 1 else END for i in range(n)]
            mini += e.data.ljust(n * MINI, b"\0")
    root.start = place(bytes(mini)) if mini else END
    minifat += [FREE] * (-len(minifat) % (SECTOR // 4))  # the rest of its last sector: free mini sectors
    minifat_start = place(b"".join(struct.pack("<I", x) for x in minifat)) if minifat else END
    minifat_sectors = -(-len(minifat) * 4 // SECTOR)
    directory = b"".join(_dir_entry(e, len(mini) if e is root else len(e.data or b"")) for e in flat)
    directory += _dir_entry(None, 0) * (-len(flat) % 4)
    dir_start = place(directory)
    n_fat = 1
    while (len(sectors) + n_fat) > n_fat * (SECTOR // 4):
        n_fat += 1
    fat_sectors = list(range(len(sectors), len(sectors) + n_fat))
    fat += [FATSECT] * n_fat
    fat += [FREE] * (n_fat * SECTOR // 4 - len(fat))
    table = b"".join(struct.pack("<I", x) for x in fat)
    difat = fat_sectors + [FREE] * (109 - n_fat)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("d0cf11e0a1b11ae1"), b"\0" * 16, 0x3E, 3, 0xFFFE,
                         9, 6, b"\0" * 6, 0, n_fat, dir_start, 0, CUTOFF, minifat_start, minifat_sectors, END, 0)
    header += struct.pack("<109I", *difat)
    return header + b"".join(sectors) + table


def _dir_entry(e: _Entry | None, size: int) -> bytes:
    if e is None:
        return b"\0" * 64 + struct.pack("<HBBIII16sIQQIQ", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0)
    name = e.name.encode("utf-16-le") + b"\0\0"
    kind = 5 if e.name == "Root Entry" else (1 if e.data is None else 2)
    start = e.start if (e.data is not None and size) or kind == 5 else (END if kind == 2 else 0)
    return name.ljust(64, b"\0") + struct.pack("<HBBIII16sIQQIQ", len(name), kind, 0 if e.red else 1, e.left, e.right,
                                               e.child, b"\0" * 16, 0, 0, 0, start, size)
