"""The headless writer: `kaohe calc -o` gives the result formulas their values, changing nothing else."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kaohe import cli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "gaojing-2024-example.xlsm"


@pytest.fixture(scope="module")
def calculated(tmp_path_factory):
    out = tmp_path_factory.mktemp("calc") / "out.xlsm"
    before = hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert cli.main(["calc", str(EXAMPLE), "-o", str(out)]) == 0
    assert hashlib.sha256(EXAMPLE.read_bytes()).hexdigest() == before
    return out


def test_saved_results_are_what_calc_reports(calculated, capsys):
    capsys.readouterr()
    cli.main(["calc", str(EXAMPLE), "--json"])
    expected = {r["居民区"]: r for r in json.loads(capsys.readouterr().out)["sheets"]["居民区"]}
    ws = load_workbook(calculated, data_only=True)["居民区"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[0] is None:
            continue
        saved, want = dict(zip(header, row)), expected[row[0]]
        for column in ("总分", "排名", "档次", "建议等次", "最终等次"):
            if want[column] is None:  # not computable: the cell shows why, as the UDF would
                assert str(saved[column]).startswith("#错误")
            elif want[column] == "":
                assert saved[column] is None  # ranked below both tiers: an empty 档次
            else:
                assert saved[column] == pytest.approx(want[column])


def test_formulas_inputs_and_vba_are_unchanged(calculated):
    original, result = load_workbook(EXAMPLE, keep_vba=True), load_workbook(calculated, keep_vba=True)
    for sheet in original.sheetnames:
        assert [[c.value for c in r] for r in original[sheet].iter_rows()] == \
               [[c.value for c in r] for r in result[sheet].iter_rows()]
    with zipfile.ZipFile(EXAMPLE) as a, zipfile.ZipFile(calculated) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
        assert sorted(a.namelist()) == sorted(b.namelist())


def test_a_calculated_workbook_checks_clean_of_stale_results(calculated, capsys):
    capsys.readouterr()
    cli.main(["check", str(calculated), "--json"])
    rules = {i["rule"] for i in json.loads(capsys.readouterr().out)["issues"]}
    assert "结果未计算" not in rules and "结果与规则不符" not in rules
    assert "并列超额" in rules  # the example's planted findings are still there
