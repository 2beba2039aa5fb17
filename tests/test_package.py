"""kaohe.package: every workbook kaohe writes opens cleanly, checked on the written zips' XML."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from oletools.olevba import VBA_Parser

from kaohe import cli, package

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "jingan-example.xlsm"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    """One file of each kind kaohe writes: new (.xlsm, .xlsx), calc -o, check -o, export, merge, papers."""
    tmp = tmp_path_factory.mktemp("written")
    out = {name: tmp / name for name in ("new.xlsm", "new.xlsx", "calc.xlsm", "check.xlsm", "export.xlsx", "merge.xlsx")}
    assert cli.main(["new", "--scheme", "jingan", "-o", str(out["new.xlsm"]), "--areas", "5", "--people", "20"]) == 0
    assert cli.main(["new", "--scheme", "gaojing-2024", "-o", str(out["new.xlsx"]), "--areas", "5", "--people", "20"]) == 0
    assert cli.main(["calc", str(EXAMPLE), "-o", str(out["calc.xlsm"])]) == 0
    cli.main(["check", str(EXAMPLE), "-o", str(out["check.xlsm"])])  # exit 1: the example's planted errors
    gaojing = ROOT / "examples" / "gaojing-2024-example.xlsm"
    cli.main(["export", str(gaojing), "-o", str(out["export.xlsx"]), "--force"])
    cli.main(["merge", str(gaojing), "-o", str(out["merge.xlsx"])])
    assert cli.main(["papers", str(EXAMPLE), "-o", str(tmp / "papers")]) == 0
    out.update({f"papers/{p.name}": p for p in sorted((tmp / "papers").glob("*.xlsx"))})
    assert len(out) == 9  # 测评表, 公示名单, 反馈
    missing = [name for name, path in out.items() if not path.exists()]
    assert not missing
    return out


def _parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels"))}


def _sheets(parts: dict[str, str]) -> list[str]:
    """The worksheet parts in the workbook's tab order."""
    rels = {}
    for tag in re.findall(r"<Relationship\b[^>]*>", parts["xl/_rels/workbook.xml.rels"]):
        target = re.search(r'Target="/?(?:xl/)?([^"]+)"', tag).group(1)
        rels[re.search(r'Id="([^"]+)"', tag).group(1)] = f"xl/{target}"
    return [rels[rid] for rid in re.findall(r'<sheet\b[^>]*?r:id="([^"]+)"', parts["xl/workbook.xml"])]


def test_no_forced_recalculation_and_the_current_calc_engine(written):
    for name, path in written.items():
        book = _parts(path)["xl/workbook.xml"]
        assert "fullCalcOnLoad" not in book, name
        assert re.search(r'<calcPr\b[^>]*\bcalcId="191029"', book), name  # Excel 2019 / Microsoft 365


def test_exactly_one_tab_selected_and_it_is_the_active_one(written):
    for name, path in written.items():
        parts = _parts(path)
        view = re.search(r"<workbookView\b[^>]*>", parts["xl/workbook.xml"]).group(0)
        found = re.search(r'activeTab="(\d+)"', view)
        active = int(found.group(1)) if found else 0
        selected = [i for i, part in enumerate(_sheets(parts)) if re.search(r'tabSelected="(1|true)"', parts[part])]
        assert selected == [active], name


def test_every_sheet_has_a_code_name(written):
    for name, path in written.items():
        parts = _parts(path)
        for part in _sheets(parts):
            assert re.search(r'<sheetPr\b[^>]*\bcodeName="\w+"', parts[part]), f"{name}: {part}"


def test_conditional_format_fills_carry_bg_color(written):
    styles = _parts(written["new.xlsm"])["xl/styles.xml"]
    dxfs = re.search(r"<dxfs\b.*?</dxfs>", styles, re.S).group(0)
    fills = re.findall(r"<patternFill\b.*?</patternFill>", dxfs, re.S)
    assert fills  # the finding rows' fill (template._input_sheet)
    assert all('<bgColor rgb="FFF8CBAD"' in f for f in fills)


def test_kaohe_is_the_author_and_no_one_s_folder_is_named(written):
    for name, path in written.items():
        parts = _parts(path)
        assert "<dc:creator>kaohe</dc:creator>" in parts["docProps/core.xml"], name
        assert "Felix" not in parts["docProps/core.xml"] + parts["docProps/app.xml"], name
        everything = "".join(parts.values())
        assert "absPath" not in everything and "C:\\Users" not in everything and "xlwings.xlam" not in everything, name


def test_the_vba_project_names_no_add_in_path(written):
    with zipfile.ZipFile(written["new.xlsm"]) as z:
        names = z.namelist()
    assert "xl/vbaProject.bin" in names
    parser = VBA_Parser(str(written["new.xlsm"]))
    try:
        sources = "".join(code for _, _, _, code in parser.extract_macros())
    finally:
        parser.close()
    assert "xlwings.xlam" not in sources and "C:\\Users" not in sources


def test_xlwings_conf_holds_only_the_udf_module(written):
    from openpyxl import load_workbook

    ws = load_workbook(written["new.xlsm"], keep_vba=True)["xlwings.conf"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["UDF Modules", "kaohe_udfs"]]
    assert ws.sheet_state == "hidden"


def test_every_formula_of_calc_output_has_a_cached_value(written):
    """Every formula cell of the computed jingan example, and every cell of each array formula's block
    (written once, at the block's first cell), has a saved value: results, tallies and the 居民区 columns
    that add up the entry sheets."""
    from openpyxl.utils import get_column_letter, range_boundaries

    with zipfile.ZipFile(written["calc.xlsm"]) as z:
        sheets = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    missing, counted = [], 0
    for xml in sheets:
        cells = {m.group(1): m.group(2) or "" for m in re.finditer(r'<c\b[^>]*?\sr="([A-Z]+[0-9]+)"[^>]*?(?:/>|>(.*?)</c>)',
                                                                   xml, re.S)}
        blocks = set()
        for ref in re.findall(r'<f\b[^>]*\bt="array"[^>]*\bref="([A-Z0-9:]+)"', xml):
            c1, r1, c2, r2 = range_boundaries(ref)
            blocks |= {f"{get_column_letter(c)}{r}" for c in range(c1, c2 + 1) for r in range(r1, r2 + 1)}
        for ref, inner in cells.items():
            if "<f" in inner or ref in blocks:
                counted += 1
                if not re.search(r"<v\b[^>]*>[^<]+</v>", inner):
                    missing.append(ref)
    # the two result blocks (居民区, 工作人员: results and tallies over every template row), the entry
    # sheets' 合计/分值 and the 居民区 columns adding them up: over a thousand cells, none without a value
    assert counted > 1000
    assert missing == []


def test_a_tally_cell_keeps_the_tally_as_its_value(written):
    from openpyxl import load_workbook

    ws = load_workbook(written["calc.xlsm"], data_only=True)["居民区"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "和平居民区")
    # the tally of 和平居民区's 党员群众测评 forms, saved in its block cell: a mean of 0–100 ratings
    value = ws.cell(row, headers.index("党员群众测评（测评表）") + 1).value
    assert isinstance(value, float) and 0 < value <= 100


def test_finish_leaves_a_finished_file_unchanged(written, tmp_path):
    copy = tmp_path / "again.xlsm"
    copy.write_bytes(written["new.xlsm"].read_bytes())
    package.finish(copy)
    assert _parts(copy) == _parts(written["new.xlsm"])
