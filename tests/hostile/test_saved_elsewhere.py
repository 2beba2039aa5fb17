"""A workbook saved by LibreOffice (kaohe's functions cached as #NAME?) gets the findings of its original."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest

from kaohe import cli, office

from ..rendering import require_office
from .build import example, patch_sheet

require_office()


def _resaved(source: Path, tmp: Path) -> Path:
    """The file opened and saved again by LibreOffice headless (its own profile: agents run it at once)."""
    out = tmp / "lo"
    profile = f"file:///tmp/kaohe-lo-{uuid.uuid4().hex}"
    subprocess.run([office.soffice(), f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    "xlsm:Calc MS Excel 2007 VBA XML", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=240)
    return out / source.name


def _issues(capsys, path: Path) -> set[tuple[str, str, str]]:
    cli.main(["check", str(path), "--json"])
    return {(i["rule"], i["cell"], i["message"]) for i in json.loads(capsys.readouterr().out)["issues"]}


@pytest.mark.parametrize("calculated", [False, True])
def test_a_libreoffice_save_adds_no_finding(tmp_path, capsys, calculated):
    source = example(tmp_path)
    if calculated:  # the copy with kaohe's results saved into it (calc -o), then saved again elsewhere
        cli.main(["calc", str(source), "-o", str(tmp_path / "calc.xlsm")])
        capsys.readouterr()
        source = tmp_path / "calc.xlsm"
    resaved = _resaved(source, tmp_path)
    with zipfile.ZipFile(resaved) as z:  # LibreOffice recomputes the UDF blocks (array formulas) as #NAME?
        assert any(b"<v>#NAME?</v>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    before, after = _issues(capsys, source), _issues(capsys, resaved)
    # the #NAME? cells are results LibreOffice could not compute, never inputs typed wrong: at most the
    # note that the results saved by calc -o are gone (结果未计算), nothing else
    assert {rule for rule, _, _ in after - before} <= {"结果未计算"}
    assert bool(after - before) is calculated


def test_a_typed_error_value_is_still_read_as_typed(tmp_path, capsys):
    # #NAME? in a cell without a formula: typed (or pasted) by a clerk, so it is still a bad input
    bad = patch_sheet(example(tmp_path), tmp_path / "typed.xlsm", "居民区",
                      lambda x: re.sub(r'<c r="B2"[^>]*?(/>|>.*?</c>)', '<c r="B2" t="e"><v>#NAME?</v></c>', x, count=1))
    found = _issues(capsys, bad)
    assert any(cell == "居民区!B2" and "#NAME?" in message for _, cell, message in found)
