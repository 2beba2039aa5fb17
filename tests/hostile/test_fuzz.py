"""Fuzzed rating cells and names: every export verifies as exported, and no input makes a traceback."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from kaohe import cli
from kaohe.book import put

from ..test_cli import area, jingan_book
from .build import part_of, patch_sheet

awkward_text = st.one_of(
    st.sampled_from([" ", "\t", "  春晖 ", "_x000D_", "a_x000B_b", "_x005F_x0041_", "\r\n", "=1+1", "@A1", "-1", "+1",
                     "#N/A", "1e309", "-inf", "nan", "０８５", "85分", "A", "优秀"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    st.just("甲" * 33000),  # over Excel's 32,767 characters per cell
)
cell_value = st.one_of(
    st.none(), awkward_text, st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True, width=64), st.dates(date(1900, 3, 1), date(2100, 1, 1)),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)),
)
RATED = ("街道考评", "居民区互评", "党员群众测评", "加分", "减分", "应参加人数", "实际参加人数")


def _quiet(*argv) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = cli.main([str(a) for a in argv])
    assert "内部错误" not in err.getvalue(), err.getvalue()
    return code


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(key=st.one_of(awkward_text, st.integers(0, 10**6), st.dates()),
       cells=st.dictionaries(st.sampled_from(RATED), cell_value, max_size=4))
def test_any_typed_cell_exports_and_verifies_as_exported(key, cells):
    folder = Path(tempfile.mkdtemp(prefix="kaohe-fuzz-"))
    try:
        source = jingan_book(folder / "street.xlsx", [area("春晖"), area("和平", street=80)])
        wb = load_workbook(source)
        ws = wb["居民区"]
        header = [c.value for c in ws[2]]
        put(ws.cell(3, 1), key)
        for label, value in cells.items():
            put(ws.cell(4, header.index(label) + 1), value)
        wb.save(source)
        assert _quiet("check", source) in (0, 1, 2)
        code = _quiet("export", source, "-o", folder / "copy.xlsx", "--force")
        assert code in (0, 2)
        if code == 0:
            assert _quiet("verify", folder / "copy.xlsx") == 0  # the fresh copy is as exported
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _crafted(tmp_path, text: str) -> Path:
    """A number no spreadsheet program writes, put in 和平's 加分 (G4) by hand: ±inf cannot be typed in Excel."""
    source = jingan_book(tmp_path / "street.xlsx", [area("春晖"), area("和平", street=80, 加分=1)])
    bad = patch_sheet(source, tmp_path / "inf.xlsx", "居民区",
                      lambda x: re.sub(r'(<c r="G4"[^>]*>)<v>[^<]*</v>', rf"\1<v>{text}</v>", x, count=1))
    with zipfile.ZipFile(bad) as z:
        assert f"<v>{text}</v>" in z.read(part_of(bad, "居民区")).decode()
    return bad


def test_an_overflowing_number_survives_a_forced_export(tmp_path):
    bad = _crafted(tmp_path, "1e309")  # read as inf by both readers
    assert _quiet("export", bad, "-o", tmp_path / "copy.xlsx", "--force") == 0
    assert _quiet("verify", tmp_path / "copy.xlsx") == 0  # kept as the text "inf", not an empty cell


def test_a_number_openpyxl_cannot_load_is_refused_clearly(tmp_path, capsys):
    bad = _crafted(tmp_path, "-inf")
    assert cli.main(["export", str(bad), "-o", str(tmp_path / "copy.xlsx"), "--force"]) == 2
    assert "无法复制" in capsys.readouterr().err
