"""`kaohe merge` of a city's worth of street submissions: time and peak memory, 20 to 200 files.

    python benchmarks/bench_merge.py [--sizes 20,50,100,200]

Each file is a street's submission copy as `kaohe export` writes it: 21 areas, 210 staff and every
党员群众测评 paper form (2,100 forms, 23,100 ratings), so 200 files hold 4,200 areas and 42,000 staff.
(One street is generated and exported, then copied under 200 names: the roll-up does the whole work
for every file, identical or not.) Each size runs `kaohe merge FOLDER -o 汇总.xlsx` as a command;
peak memory is that of the whole process tree (the command and its workers), sampled from /proc.

Baseline, in the same run and like for like: reading every sheet of the same files with
python-calamine, as a command too, with as many worker processes as the merge uses (--workers,
default: the CPU count), peak memory of its process tree sampled the same way: the floor any
roll-up pays to open the files. Goals (issues 4, 14): 200 files in under 60 s and under 2 GB,
growing linearly (seconds per file about the same at every size), merge ÷ read ≤ 1.5.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "udfs")]

from bench_check import _goal, installed, machine, workbook  # noqa: E402

from kaohe import submission  # noqa: E402

AREAS, STAFF_PER_AREA, FORMS_PER_AREA = 21, 10, 100


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (Linux /proc)."""
    children = {pid}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if int(fields.get("PPid", "0").strip()) in children:
            children.add(int(fields["Pid"].strip()))
    total = 0
    for p in children:
        try:
            rss = next(line for line in Path(f"/proc/{p}/status").read_text().splitlines() if line.startswith("VmRSS"))
            total += int(rss.split()[1]) * 1024
        except (OSError, StopIteration):
            continue
    return total


def measured(command: list[str]) -> tuple[float, int]:
    """Wall time and peak tree memory of a command."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = proc.communicate()
    sampler.join()
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(err.decode("utf-8", "replace"))
    return elapsed, peak


READ_ALL = """import sys
from concurrent.futures import ProcessPoolExecutor
from python_calamine import CalamineWorkbook


def read(path):
    book = CalamineWorkbook.from_path(path)
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()
    book.close()


if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=int(sys.argv[1])) as pool:
        list(pool.map(read, sys.argv[2:]))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20,50,100,200")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    sizes, workers = [int(n) for n in args.sizes.split(",")], args.workers
    installed()
    print(f"run of {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        street = workbook(tmp, AREAS, STAFF_PER_AREA, FORMS_PER_AREA, random.Random(7))
        copy = tmp / "street-上报.xlsx"
        submission.export(street, copy, force=True)
        print(f"one street: {AREAS} areas, {AREAS * STAFF_PER_AREA} staff, {AREAS * FORMS_PER_AREA} forms "
              f"({AREAS * FORMS_PER_AREA * (STAFF_PER_AREA + 1)} ratings); copy {copy.stat().st_size / 1e6:.1f} MB")
        reader = tmp / "read_all.py"
        reader.write_text(READ_ALL, encoding="utf-8")
        print(f"{workers} worker processes on each side; goals: 200 files < 60 s and < 2 GB, merge ÷ read ≤ 1.5")
        print(f"{'files':>6s} {'areas':>6s} {'staff':>7s} {'merge s':>8s} {'s/file':>7s} {'peak MB':>8s}"
              f" {'read s':>7s} {'read MB':>8s} {'merge ÷ read':>13s}")
        for n in sizes:
            inbox = tmp / f"inbox-{n}"
            inbox.mkdir()
            for i in range(n):
                shutil.copy(copy, inbox / f"街道{i:03d}-上报.xlsx")
            out = tmp / f"汇总-{n}.xlsx"
            elapsed, peak = measured([sys.executable, "-m", "kaohe.cli", "merge", str(inbox), "-o", str(out),
                                      "--workers", str(workers)])
            baseline, read_peak = measured([sys.executable, str(reader), str(workers),
                                            *map(str, sorted(inbox.iterdir()))])
            ratio = elapsed / baseline
            goals = f"≤ 1.5: {_goal(ratio <= 1.5)}"
            if n >= 200:
                goals += f"; < 60 s: {_goal(elapsed < 60)}; < 2 GB: {_goal(peak < 2e9)}"
            print(f"{n:6d} {n * AREAS:6d} {n * AREAS * STAFF_PER_AREA:7d} {elapsed:8.1f} {elapsed / n:7.3f}"
                  f" {peak / 1e6:8.0f} {baseline:7.1f} {read_peak / 1e6:8.0f} {ratio:13.2f}  ({goals})")
            shutil.rmtree(inbox)
    print(f"end of run: {machine()}")


if __name__ == "__main__":
    main()
