"""The worst hostile files of issue 12: time and peak memory of `kaohe check` on each, against a normal one.

    python benchmarks/bench_hostile.py

Each case is the jingan example with one hostile change (built here, in a temporary folder), checked
by `kaohe check FILE` as a command in a fresh Python; its peak memory is the child's maximum resident
set (os.wait4). Baseline, in the same run: the same command on the unchanged example, a normal
workbook of the same size (the changes add bytes, not rows, except the million-row case, whose
baseline is a normal 100,000-row 测评表 of the same shape). What matters is the ratio: a hostile file
must cost about what a normal one does, and end with exit 2 and one line saying why.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "udfs")]

from kaohe import limits  # noqa: E402 — light: this process stays small (see main)


def measure(path: Path) -> tuple[float, float, int, str]:
    """Seconds, peak MB and exit status of `kaohe check FILE`, and the last line it printed to stderr."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "kaohe.cli", "check", str(path)], stdout=subprocess.DEVNULL,
                                 stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        err.seek(0)
        said = err.read().decode("utf-8", "replace").strip().splitlines()
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), (said[-1] if said else "")


def rows(n: int) -> str:
    return "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>居民区互评</t></is></c><c r="F{r}"><v>80</v></c></row>'
                   for r in range(2554, 2554 + n))


def cases(tmp: Path) -> dict[str, Path]:
    from tests.hostile.build import add_row, example, patch_sheet, rewrite

    source = example(tmp)
    stray = lambda ref: f'<row r="{re.sub("[A-Z]", "", ref)}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'  # noqa: E731
    bonus = lambda x: re.sub(r'(<c r="G2"[^>]*>)<v>[^<]*</v>', r"\1<v>1e308</v>", x, count=1)  # noqa: E731
    laughs = ('<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi")) + "]>")
    bomb = " " * (limits.MAX_PART_BYTES + 2**20)
    return {
        "normal (baseline)": source,
        "value at XFD1048576": patch_sheet(source, tmp / "xfd.xlsm", "居民区", lambda x: add_row(x, stray("XFD1048576"))),
        "stray value on the last row": patch_sheet(source, tmp / "last.xlsm", "工作人员",
                                                   lambda x: add_row(x, stray("A1048576"))),
        "加分 = 1e308": patch_sheet(source, tmp / "bonus.xlsm", "居民区", bonus),
        "billion laughs": rewrite(source, tmp / "laughs.xlsm",
                                  lambda n, d: laughs.encode() + d if n == "xl/workbook.xml" else d),
        f"zip bomb ({len(bomb) / 2**20:.0f} MB of one part)": patch_sheet(
            source, tmp / "bomb.xlsm", "居民区", lambda x: x.replace("</sheetData>", "</sheetData>" + bomb)),
        "normal 100,000 more rating rows (baseline)": patch_sheet(source, tmp / "rows.xlsm", "测评表",
                                                              lambda x: add_row(x, rows(100_000))),
        "a million more rating rows": patch_sheet(source, tmp / "million.xlsm", "测评表",
                                                  lambda x: add_row(x, rows(1_000_000))),
    }


def main() -> None:
    """The files are built by a child process: a command started from this one counts this one's peak
    memory as its own (the kernel's maxrss survives exec), so this one never holds the big files."""
    if sys.argv[1:2] == ["--build"]:
        for name, path in cases(Path(sys.argv[2])).items():
            print(f"{name}\t{path}")
        return
    with tempfile.TemporaryDirectory(prefix="kaohe-bench-hostile-") as folder:
        listed = subprocess.run([sys.executable, __file__, "--build", folder], check=True, capture_output=True,
                                text=True).stdout
        built = dict(line.split("\t") for line in listed.splitlines())
        base = measure(Path(built["normal (baseline)"]))
        print(f"{'case':<44}{'file':>9}{'time':>9}{'×base':>7}{'peak':>10}{'×base':>7}  exit  says")
        for name, where in built.items():
            path = Path(where)
            seconds, peak, code, said = base if name == "normal (baseline)" else measure(path)
            print(f"{name:<44}{path.stat().st_size / 2**20:>7.1f}MB{seconds:>8.2f}s{seconds / base[0]:>7.1f}"
                  f"{peak:>8.0f}MB{peak / base[1]:>7.1f}  {code:>4}  {said[:90]}")


if __name__ == "__main__":
    main()
