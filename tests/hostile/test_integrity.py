"""What a copy says of itself is checked against what the district published: never silent, never overclaimed."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from .build import example, run


def _raised_reward(tmp_path):
    """gaojing-2024 with 党组织负责人 A档 5000 → 50000 in its 参数 sheet, typed before the export."""
    path = example(tmp_path, "gaojing-2024")
    wb = load_workbook(path, keep_vba=True)
    row = next(r for r in wb["参数"].iter_rows() if r[0].value == "money.1.amount")
    row[2].value = 50000
    wb.save(path)
    return path


def test_a_parameter_changed_before_the_export_is_listed_by_verify_and_merge(tmp_path, capsys):
    copy = tmp_path / "copy.xlsx"
    assert run(capsys, "export", _raised_reward(tmp_path), "-o", copy, "--force")[0] == 0
    code, out, _ = run(capsys, "verify", copy)
    assert "[参数改动]" in out and "money.1.amount" in out and "为 5000" in out and "为 50000" in out
    assert "gaojing-2024 五(二)1" in out  # the clause
    assert "不说明由谁导出" in out  # a digest proves the copy is as exported, not who exported it
    assert code == 0  # allowed: the copy is what was exported
    code, out, _ = run(capsys, "verify", copy, "--json")
    changed = json.loads(out)["changed_parameters"]
    assert [(c["key"], c["allowed"], c["actual"]) for c in changed] == [("money.1.amount", 5000, 50000)]
    code, out, _ = run(capsys, "merge", copy, "-o", tmp_path / "sum.xlsx", "--json")
    street = json.loads(out)["streets"][0]
    assert "money.1.amount" in street["参数改动"] and "50000" in street["参数改动"]


def test_an_unchanged_scheme_says_none(tmp_path, capsys):
    copy = tmp_path / "copy.xlsx"
    run(capsys, "export", example(tmp_path, "gaojing-2024"), "-o", copy, "--force")
    _code, out, _ = run(capsys, "merge", copy, "-o", tmp_path / "sum.xlsx", "--json")
    assert json.loads(out)["streets"][0]["参数改动"] == "无"


def test_a_forced_export_says_so_in_plain_verify_and_in_the_roll_up(tmp_path, capsys):
    copy = tmp_path / "copy.xlsx"
    run(capsys, "export", example(tmp_path, "gaojing-2024"), "-o", copy, "--force")  # the example has errors
    _, out, _ = run(capsys, "verify", copy)
    assert "强制导出" in out
    _code, out, _ = run(capsys, "merge", copy, "-o", tmp_path / "sum.xlsx", "--json")
    assert json.loads(out)["streets"][0]["核对"] == "一致（强制导出）"


def test_of_two_copies_neither_verifying_merge_says_so_and_fails(tmp_path, capsys):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for copy in (first, second):
        run(capsys, "export", example(tmp_path, "gaojing-2024"), "-o", copy, "--force")
        wb = load_workbook(copy)
        wb["居民区"]["B2"].value = 1  # an input edited after the export
        wb.save(copy)
    code, out, _ = run(capsys, "merge", first, second, "-o", tmp_path / "sum.xlsx", "--json")
    report = json.loads(out)
    assert code == 1 and len(report["streets"]) == 1
    left = next(f for f in report["files"] if f["status"] == "重复")
    assert "两份均未通过核对" in left["reason"]
