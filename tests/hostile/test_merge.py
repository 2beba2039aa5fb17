"""merge: each file succeeds or fails alone, in its own process under a time and memory limit."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from kaohe import limits, rollup

from .build import example, run


@pytest.fixture
def folder(tmp_path):
    """Two good streets (the two examples, units filled in), and three files whose reading goes wrong."""
    street = tmp_path / "streets"
    street.mkdir()
    example(street, "jingan", "a-good.xlsm")
    example(street, "gaojing-2024", "b-good.xlsm")
    for name in ("c-dies.xlsm", "d-hangs.xlsm", "e-hogs.xlsm"):
        example(street, "jingan", name)
    return street


def _hostile_reader(monkeypatch):
    """The worker's reader, as the forked worker inherits it: three files kill, hang or flood their worker."""
    real = rollup.read_street

    def read(path):
        name = Path(path).name
        if name == "c-dies.xlsm":
            os.kill(os.getpid(), signal.SIGKILL)  # as the Rust reader aborting (exit 134) would
        if name == "d-hangs.xlsm":
            time.sleep(600)
        if name == "e-hogs.xlsm":
            hog = bytearray(2 * limits.MERGE_MEMORY)
            return hog
        return real(path)

    monkeypatch.setattr(rollup, "read_street", read)
    monkeypatch.setattr(limits, "MERGE_SECONDS", 5)
    monkeypatch.setattr(limits, "MERGE_MEMORY", 1 << 30)


@pytest.mark.parametrize("workers", ["1", "3"])
def test_a_dead_slow_or_greedy_worker_fails_only_its_own_file(folder, tmp_path, capsys, monkeypatch, workers):
    _hostile_reader(monkeypatch)
    code, out, _ = run(capsys, "merge", folder, "-o", tmp_path / "sum.xlsx", "--json", "--workers", workers)
    data = json.loads(out)
    status = {f["file"]: (f["status"], f["reason"]) for f in data["files"]}
    assert code == 1 and len(data["streets"]) == 2  # both good streets are in the roll-up
    assert status["a-good.xlsm"][0] == status["b-good.xlsm"][0] == "已汇总"
    assert status["c-dies.xlsm"][0] == "跳过" and "异常终止" in status["c-dies.xlsm"][1]
    assert status["d-hangs.xlsm"][0] == "跳过" and "超过 5 秒" in status["d-hangs.xlsm"][1]
    assert status["e-hogs.xlsm"][0] == "跳过" and "内存上限（1 GB）" in status["e-hogs.xlsm"][1]


def test_a_symlink_loop_and_half_written_files_are_not_streets(folder, tmp_path, capsys):
    for name in ("c-dies.xlsm", "d-hangs.xlsm", "e-hogs.xlsm"):
        (folder / name).unlink()
    os.symlink(folder, folder / "loop")  # a folder linking to itself
    os.symlink(folder / "x.xlsx", folder / "y.xlsx")
    os.symlink(folder / "y.xlsx", folder / "x.xlsx")  # two files linking to each other
    example(folder, "jingan", ".a-good.xlsm.k3j9.partial")  # another run's temporary file
    example(folder, "jingan", ".hidden.xlsm")
    code, out, _ = run(capsys, "merge", folder, "-o", tmp_path / "sum.xlsx", "--json", "--workers", "1")
    data = json.loads(out)
    names = sorted(f["file"] for f in data["files"])
    assert names == ["a-good.xlsm", "b-good.xlsm", "x.xlsx", "y.xlsx"]
    assert {f["file"]: f["status"] for f in data["files"]}["x.xlsx"] == "跳过" and len(data["streets"]) == 2
    assert code == 1


def test_a_worker_reads_file_after_file_and_one_that_dies_fails_only_the_file_it_was_on(tmp_path, capsys, monkeypatch):
    street = tmp_path / "streets"
    street.mkdir()
    names = ("a-good.xlsm", "b-dies.xlsm", "c-good.xlsm", "d-hogs.xlsm", "e-good.xlsm", "f-good.xlsm")
    for name in names:
        example(street, "jingan", name)
    log = tmp_path / "pids.txt"
    real = rollup.read_street

    def read(path):
        name = Path(path).name
        with log.open("a") as f:
            f.write(f"{name} {os.getpid()}\n")
        if name == "b-dies.xlsm":
            os.kill(os.getpid(), signal.SIGKILL)
        if name == "d-hogs.xlsm":
            return bytearray(2 * limits.MERGE_MEMORY)
        return real(path)

    monkeypatch.setattr(rollup, "read_street", read)
    monkeypatch.setattr(limits, "MERGE_MEMORY", 1 << 30)
    code, out, _ = run(capsys, "merge", street, "-o", tmp_path / "sum.xlsx", "--json", "--workers", "1")
    status = {f["file"]: (f["status"], f["reason"]) for f in json.loads(out)["files"]}
    # the good files are read (copies of one street: one is counted, the others are its duplicates)
    assert code == 1 and [n for n in names if status[n][0] != "跳过"] == ["a-good.xlsm", "c-good.xlsm",
                                                                         "e-good.xlsm", "f-good.xlsm"]
    assert "异常终止" in status["b-dies.xlsm"][1] and "内存上限（1 GB）" in status["d-hogs.xlsm"][1]
    pid = dict(line.split() for line in log.read_text().splitlines())
    assert len(pid) == len(names)  # each file read once
    assert pid["a-good.xlsm"] == pid["b-dies.xlsm"] != pid["c-good.xlsm"] == pid["d-hogs.xlsm"]  # one worker, file after file
    assert pid["d-hogs.xlsm"] != pid["e-good.xlsm"] == pid["f-good.xlsm"]  # after a MemoryError, a fresh worker
