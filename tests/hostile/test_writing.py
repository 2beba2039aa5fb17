"""No command writes over its input; outputs appear whole or not at all; a refusal to write says what to do."""

from __future__ import annotations

import errno
import os
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from kaohe import cli, files, workbook
from kaohe.book import put

from .build import ROOT, example, kaohe, run


@pytest.fixture
def xlsx(tmp_path):
    """The jingan example saved as a plain .xlsx (no macros), as a clerk may keep it."""
    wb = load_workbook(example(tmp_path))
    wb.save(tmp_path / "street.xlsx")
    return tmp_path / "street.xlsx"


def _same_by(kind: str, path):
    if kind == "itself":
        return path
    if kind == "another path":
        (path.parent / "sub").mkdir()
        return path.parent / "sub" / ".." / path.name
    other = path.parent / f"{kind}.xlsx"
    (os.symlink if kind == "symlink" else os.link)(path, other)
    return other


@pytest.mark.parametrize("kind", ["itself", "another path", "symlink", "hardlink"])
@pytest.mark.parametrize("command", [("export", "--force"), ("calc",), ("check",)])
def test_an_output_that_is_the_input_is_refused(xlsx, capsys, kind, command):
    before = xlsx.read_bytes()
    code, _, err = run(capsys, command[0], xlsx, "-o", _same_by(kind, xlsx), *command[1:])
    assert code == 2 and "输出文件不能是原文件本身" in err
    assert xlsx.read_bytes() == before


def test_papers_never_write_over_their_input(tmp_path, capsys):
    folder = tmp_path / "papers"
    folder.mkdir()
    source = example(tmp_path, name="papers/反馈.xlsx")  # the clerk's workbook happens to bear a paper's name
    before = source.read_bytes()
    code, _, err = run(capsys, "papers", source, "-o", folder)
    assert code == 2 and "原文件本身" in err and source.read_bytes() == before


@pytest.mark.parametrize("command", ["calc", "check"])
def test_parallel_runs_to_one_output_all_succeed_whole(tmp_path, command):
    source = example(tmp_path)
    target = tmp_path / "out.xlsm"
    with ThreadPoolExecutor(8) as pool:  # eight processes at once, as eight clerks' scripts might
        done = list(pool.map(lambda n: kaohe(command, source, "-o", target), range(8)))
    # calc: 0; check: 1, the example's planted errors — never 2 (an internal error, a lost temporary file)
    assert [d.returncode for d in done] == [0 if command == "calc" else 1] * 8, [d.stderr for d in done]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jingan.xlsm", "out.xlsm"]  # no .partial left
    values = CalamineWorkbook.from_path(str(target)).get_sheet_by_name("居民区").to_python()
    total = values[0].index("总分")
    assert isinstance(values[1][total], float)  # the saved results are there


def test_a_failure_while_writing_leaves_nothing(tmp_path, capsys, monkeypatch):
    source = example(tmp_path)

    def interrupted(xml, values):
        raise KeyboardInterrupt  # as a Ctrl-C halfway through the copy

    monkeypatch.setattr(workbook, "_cached", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cli.main(["calc", str(source), "-o", str(tmp_path / "out.xlsm")])
    assert [p.name for p in tmp_path.iterdir()] == ["jingan.xlsm"]


@pytest.mark.parametrize("where, says", [("missing/out.xlsm", "输出文件夹不存在"),
                                         ("jingan.xlsm/out.xlsm", "是一个文件，不是文件夹")])
def test_an_output_folder_that_is_not_there_is_named_before_any_work(tmp_path, capsys, where, says):
    source = example(tmp_path)
    code, out, err = run(capsys, "calc", source, "-o", tmp_path / where)
    assert code == 2 and says in err and "内部错误" not in err and out == ""


@pytest.mark.parametrize("code_, says", [(errno.ENOSPC, "磁盘空间不足"), (errno.EROFS, "只读"), (errno.EACCES, "没有写入权限")])
def test_disk_full_or_read_only_says_what_to_do(tmp_path, capsys, monkeypatch, code_, says):
    source = example(tmp_path)

    def refuse(*args):
        raise OSError(code_, os.strerror(code_))

    monkeypatch.setattr(files.os, "replace", refuse)  # the disk refuses the finished file
    code, _, err = run(capsys, "export", source, "-o", tmp_path / "copy.xlsx", "--force")
    assert code == 2 and says in err and "copy.xlsx" in err and "内部错误" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["jingan.xlsm"]


def test_a_gbk_scheme_file_says_save_as_utf8(tmp_path, capsys):
    scheme = tmp_path / "街道方案.toml"
    scheme.write_bytes((ROOT / "kaohe" / "schemes" / "jingan.toml").read_text("utf-8").encode("gbk", "replace"))
    code, _, err = run(capsys, "scheme", "check", scheme)
    assert code == 2 and "UTF-8" in err and "内部错误" not in err


def test_scheme_check_on_a_workbook_points_to_kaohe_check(tmp_path, capsys):
    code, _, err = run(capsys, "scheme", "check", example(tmp_path))
    assert code == 2 and "kaohe check" in err and "内部错误" not in err


def test_malformed_sheet_xml_is_a_damaged_file_not_an_internal_error(tmp_path, capsys):
    from .build import patch_sheet

    bad = patch_sheet(example(tmp_path), tmp_path / "bad.xlsm", "居民区", lambda x: x.replace("</sheetData>", "<row><c"))
    code, _, err = run(capsys, "check", bad)
    assert code == 2 and "bad.xlsm" in err and "内部错误" not in err


def _with_control_characters(tmp_path):
    """The example with a vertical tab (\\x0b, stored as _x000B_) inside an area's name everywhere."""
    path = example(tmp_path)
    wb = load_workbook(path, keep_vba=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == "春晖居民区":
                    put(cell, "春晖\x0b居民区")
    wb.save(path)
    return path


def test_control_characters_in_names_survive_export_papers_and_merge(tmp_path, capsys):
    source = _with_control_characters(tmp_path)
    assert "春晖\x0b居民区" in CalamineWorkbook.from_path(str(source)).get_sheet_by_name("居民区").to_python()[1]
    for argv in (("export", source, "-o", tmp_path / "copy.xlsx", "--force"), ("papers", source, "-o", tmp_path / "p"),
                 ("merge", tmp_path / "copy.xlsx", "-o", tmp_path / "sum.xlsx", "--workers", "1")):
        code, _, err = run(capsys, *argv)
        assert code in (0, 1) and "内部错误" not in err, (argv, err)
    areas = CalamineWorkbook.from_path(str(tmp_path / "sum.xlsx")).get_sheet_by_name("居民区").to_python()
    assert any("春晖\x0b居民区" in row for row in areas)  # the name as typed, read back
    code, _, _ = run(capsys, "verify", tmp_path / "copy.xlsx")
    assert code in (0, 1)
    with zipfile.ZipFile(tmp_path / "copy.xlsx") as z:
        assert all(b"\x0b" not in z.read(n) for n in z.namelist())  # never raw in the XML


@pytest.mark.parametrize("typed", ["1e309", "-1e309", "NaN"])
def test_json_never_holds_nan_or_infinity(tmp_path, capsys, typed):
    import json
    import re

    from .build import patch_sheet

    bad = patch_sheet(example(tmp_path), tmp_path / "odd.xlsm", "居民区",
                      lambda x: re.sub(r'(<c r="B2"[^>]*>)<v>[^<]*</v>', rf"\1<v>{typed}</v>", x, count=1))
    for command in ("calc", "check"):
        code, out, _ = run(capsys, command, bad, "--json")

        def refuse(constant):
            raise AssertionError(f"{constant} in --json")

        data = json.loads(out, parse_constant=refuse)  # strict JSON: no NaN, Infinity, -Infinity
        assert code in (0, 1) and any(i["cell"] == "居民区!B2" for i in data["issues"])
