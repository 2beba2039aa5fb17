"""The last step of every workbook kaohe writes: the package made to open cleanly in any program.

openpyxl writes a few things that spreadsheet programs take badly, fixed here on the file's XML:
- ``fullCalcOnLoad`` and Excel 2007's ``calcId``: Excel recalculates every formula on open, so a PC
  without the add-in turns saved results into ``#NAME?``; the current engine's id (191029, Excel
  2019 / Microsoft 365) keeps the saved values;
- every sheet's tab selected with the first (sheets open grouped: typing goes into two sheets);
- conditional-format fills with ``fgColor`` only (a dxf's solid fill is its ``bgColor`` in Excel);
- the xlwings sample's author, and its folder on its author's PC (``x15ac:absPath``);
- sheets without a codeName (the VBA project names its document modules by them).
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from xml.etree import ElementTree

from .sheetxml import unescape

CALC_ID = "191029"  # the calculation engine of Excel 2019 and Microsoft 365
AUTHOR = "kaohe"
COMPANY = "kaohe 居民区年度考核"

_SHEET = re.compile(r'<sheet\b[^>]*?\br:id="([^"]+)"[^>]*/>')
_REL = re.compile(r'<Relationship\b[^>]*?/>')


def _attr(tag: str, name: str) -> str | None:
    found = re.search(rf'\s{name}="([^"]*)"', tag)
    return found.group(1) if found else None


def _set_attr(tag: str, name: str, value: str | None) -> str:
    """A start tag with one attribute set (or removed for None)."""
    tag = re.sub(rf'\s{name}="[^"]*"', "", tag)
    if value is None:
        return tag
    end = "/>" if tag.endswith("/>") else ">"
    return f'{tag[:-len(end)].rstrip()} {name}="{value}"{end}'


def _edit_tags(xml: str, element: str, edit: Callable[[str], str]) -> str:
    return re.sub(rf"<{element}\b[^>]*>", lambda m: edit(m.group(0)), xml)


def workbook_xml(xml: str, computed_on_open: bool = False) -> tuple[str, int]:
    """workbook.xml without an author's folder, and without a forced recalculation unless the workbook has
    no results saved (``computed_on_open``: the native workbook, all built-in formulas); also the active
    tab's index."""
    xml = re.sub(r"<mc:AlternateContent\b(?:(?!</mc:AlternateContent>).)*absPath.*?</mc:AlternateContent>", "",
                 xml, flags=re.S)
    if "<calcPr" not in xml:
        xml = xml.replace("</workbook>", "<calcPr/></workbook>")
    full = "1" if computed_on_open else None
    xml = _edit_tags(xml, "calcPr", lambda t: _set_attr(_set_attr(t, "fullCalcOnLoad", full), "calcId", CALC_ID))
    view = re.search(r"<workbookView\b[^>]*>", xml)
    active = int(_attr(view.group(0), "activeTab") or 0) if view else 0
    return xml, active


def _targets(rels: str) -> dict[str, str]:
    """Relationship id → the part it points at (as a path inside the zip)."""
    out = {}
    for tag in _REL.findall(rels):
        target = _attr(tag, "Target") or ""
        out[_attr(tag, "Id") or ""] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


def sheet_xml(xml: str, selected: bool, code_name: str) -> str:
    """One worksheet: its tab selected or not, and a codeName if it had none. Both live before the
    cells (sheetPr, sheetViews), so only that head is edited: a big sheet's cells are not scanned."""
    head, cells, rest = xml.partition("<sheetData")
    head = _edit_tags(head, "sheetView", lambda t: _set_attr(t, "tabSelected", "1" if selected else None))
    if re.search(r"<sheetPr\b[^>]*\bcodeName=", head):
        pass
    elif re.search(r"<sheetPr\b", head):
        head = re.sub(r"<sheetPr\b[^>]*>", lambda m: _set_attr(m.group(0), "codeName", code_name), head, count=1)
    else:
        head = re.sub(r"(<worksheet\b[^>]*>)", rf'\1<sheetPr codeName="{code_name}"/>', head, count=1)
    return head + cells + rest


def styles_xml(xml: str) -> str:
    """Each differential (conditional-format) solid fill with its colour as bgColor too: Excel shows that one."""
    def fill(match: re.Match) -> str:
        inner = match.group(0)
        if "<bgColor" in inner:
            return inner
        fg = re.search(r"<fgColor\b[^>]*?/>", inner)
        return inner if fg is None else inner.replace(fg.group(0), fg.group(0) + fg.group(0).replace("fgColor", "bgColor"))

    return re.sub(r"<dxfs\b.*?</dxfs>", lambda m: re.sub(r"<patternFill\b.*?</patternFill>", fill, m.group(0),
                                                         flags=re.S), xml, flags=re.S)


def core_xml(xml: str) -> str:
    for element in ("dc:creator", "cp:lastModifiedBy"):
        if f"<{element}" in xml:
            xml = re.sub(rf"<{element}\b[^>]*?(?:/>|>.*?</{element}>)", f"<{element}>{AUTHOR}</{element}>", xml, flags=re.S)
        else:
            xml = xml.replace("</cp:coreProperties>", f"<{element}>{AUTHOR}</{element}></cp:coreProperties>")
    return xml


def app_xml(xml: str) -> str:
    xml = re.sub(r"<Company\b[^>]*?(?:/>|>.*?</Company>)", "", xml, flags=re.S)
    return xml.replace("</Properties>", f"<Company>{COMPANY}</Company></Properties>")


def _code_names(parts: list[str], texts: dict[str, str]) -> dict[str, str]:
    """A free codeName (Sheet1, Sheet2, …) for each sheet part that has none (looked for before the cells)."""
    found = {p: re.search(r'<sheetPr\b[^>]*\bcodeName="([^"]*)"', texts[p].partition("<sheetData")[0]) for p in parts}
    taken = {m.group(1) for m in found.values() if m}
    free = (f"Sheet{n}" for n in range(1, 10_000) if f"Sheet{n}" not in taken)
    return {p: next(free) for p in parts if not found[p]}


def finish(path: Path, computed_on_open: bool = False) -> None:
    """Rewrite the package at ``path`` in place (a file not yet renamed into its final place)."""
    path = Path(path)
    with zipfile.ZipFile(path) as z:
        items = [(item, z.read(item.filename)) for item in z.infolist()]
    texts = {item.filename: data.decode("utf-8") for item, data in items if item.filename.endswith((".xml", ".rels"))}
    book, active = workbook_xml(texts["xl/workbook.xml"], computed_on_open)
    targets = _targets(texts.get("xl/_rels/workbook.xml.rels", ""))
    sheets = [targets.get(rid, "") for rid in _SHEET.findall(book)]
    sheets = [p for p in sheets if p in texts]
    names = _code_names(sheets, texts)
    changed = {"xl/workbook.xml": book}
    for n, part in enumerate(sheets):
        changed[part] = sheet_xml(texts[part], n == active, names.get(part, ""))
    for part, edit in (("xl/styles.xml", styles_xml), ("docProps/core.xml", core_xml), ("docProps/app.xml", app_xml)):
        if part in texts:
            changed[part] = edit(texts[part])
    partial = path.with_name(f"{path.name}.package")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
            for item, data in items:
                if item.filename in changed:
                    if item.filename not in sheets:  # (a sheet's edit is confined to its head, above)
                        ElementTree.fromstring(changed[item.filename])  # a part that would not parse is never written
                    data = changed[item.filename].encode("utf-8")
                out.writestr(item, data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)

# --- the package's parts ----------------------------------------------------------------------------

_PART_TAG = {"sheet": re.compile(r"<sheet\s[^>]*>"), "rel": re.compile(r"<Relationship\s[^>]*>")}


def _part_attr(tag: str, name: str) -> str:
    found = re.search(rf'\s{re.escape(name)}="([^"]*)"', tag)
    return found.group(1) if found else ""


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's name → its XML part in the package (xl/worksheets/sheetN.xml)."""
    rels = {_part_attr(t, "Id"): _part_attr(t, "Target")
            for t in _PART_TAG["rel"].findall(archive.read("xl/_rels/workbook.xml.rels").decode("utf-8"))}
    return {unescape(_part_attr(t, "name")): "xl/" + rels[_part_attr(t, "r:id")].lstrip("/").removeprefix("xl/")
            for t in _PART_TAG["sheet"].findall(archive.read("xl/workbook.xml").decode("utf-8"))}


def shared_strings_part(archive: zipfile.ZipFile) -> str | None:
    """The shared-string table's part (xl/sharedStrings.xml), if the workbook has one."""
    rels = _PART_TAG["rel"].findall(archive.read("xl/_rels/workbook.xml.rels").decode("utf-8"))
    target = next((_part_attr(t, "Target") for t in rels if _part_attr(t, "Type").endswith("/sharedStrings")), None)
    return None if target is None else "xl/" + target.lstrip("/").removeprefix("xl/")


def add_rows(path: Path, rows: Mapping[str, str]) -> None:
    """Rows written as XML put at the end of their sheets' data, in the package at ``path`` (not yet in place)."""
    with zipfile.ZipFile(path) as z:
        items = [(item, z.read(item.filename)) for item in z.infolist()]
        wanted = {part: rows[name].encode("utf-8") for name, part in sheet_parts(z).items() if name in rows}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item, data in items:
            if item.filename in wanted:
                at = data.rindex(b"</sheetData>")
                data = data[:at] + wanted[item.filename] + data[at:]
            out.writestr(item, data)
