"""`kaohe check` on a street-sized and a district-sized jingan workbook, against two baselines.

    python benchmarks/bench_check.py [--runs 3] [--sizes street,district]

Both baselines are whole commands measured in the same run as `kaohe check FILE --json` (a new
Python: imports, read, check, print), so that only ratios are compared (absolute times vary ×2 on
a shared machine):

- reading every cell of the file with python-calamine into Python (a new Python, import, read
  every sheet): the floor of any reader of this kind. Goal (issue 14): the check ≤ 1.0× of it.
- LibreOffice 7.4 headless started, loading the same file, recalculating it in full (UNO
  calculateAll(): it does not recalculate an xlsx on load by default) and reading back the three
  sheets kaohe reads (居民区, 工作人员, 测评表) (benchmarks/lo_recalc.py, under Debian's python3-uno),
  with a kept profile (its second and later starts, as an office PC runs it; a first start to make
  the profile is not counted) and with a fresh profile each time. Goals (issues 3, 14): the street
  workbook checked in under 1 s; on the district one, kaohe ≥ 5× faster than LibreOffice.

In the same process the check also runs with numpy's pass over the 测评表 instead of the compiled one
(kaohe/_sheetcells.c), as where kaohe was installed without a C compiler: its time beside the compiled
one's, and whether the findings are the same.

The two sides are compared cell by cell: what LibreOffice reads back against what kaohe reads. The
KAOHE_* result formulas are not LibreOffice functions (#NAME? after recalculating): the row counts
them as cells LibreOffice could not compute, so its time is that of loading and reading, not of
the rules. The files are what a clerk's Excel saves: every 党员群众测评 paper form typed into 测评表
(one row per rating, text as shared strings), results saved.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "udfs")]

from kaohe import engine, sheetxml, template  # noqa: E402
from kaohe.book import sheet_parts  # noqa: E402
from kaohe.checking import findings_of  # noqa: E402
from kaohe.workbook import calculate, open_book, read_inputs, result_cells, save_with_results  # noqa: E402

HERE = Path(__file__).resolve().parent
SHEETS = ("居民区", "工作人员", "测评表")  # what kaohe reads, read back from LibreOffice
SIZES = {"street": (30, 10, 100), "district": (300, 10, 100)}  # areas, staff per area, 党员群众测评 forms per area


SHARED_STRINGS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _with_form_rows(path: Path, rows: list[tuple]) -> None:
    """Write the 测评表 rows straight into the sheet's XML, as Excel saves them (text as shared strings,
    the used range in <dimension>): openpyxl's cell objects are too slow for 330k rows, and it would
    write every text inline, which no file from a clerk's Excel has."""
    strings: dict[str, int] = {}

    def cell(ref: str, value: object) -> str:
        if isinstance(value, (int, float)):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="s"><v>{strings.setdefault(str(value), len(strings))}</v></c>'

    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
        part = sheet_parts(z)["测评表"]
    xml = members[part].decode("utf-8")
    header = xml[xml.index("<sheetData>") + len("<sheetData>"):xml.index("</row>") + len("</row>")]
    body = "".join(f'<row r="{n}">' + "".join(cell(f"{col}{n}", v) for col, v in zip("ABCDEF", row) if v is not None)
                   + "</row>" for n, row in enumerate(rows, start=2))
    start, end = xml.index("<sheetData>"), xml.index("</sheetData>") + len("</sheetData>")
    xml = xml[:start] + "<sheetData>" + header + body + "</sheetData>" + xml[end:]
    members[part] = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:F{len(rows) + 1}"/>', xml).encode("utf-8")
    assert "xl/sharedStrings.xml" not in members  # openpyxl writes text inline: the table is the forms' alone
    members["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>").encode("utf-8")
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rIdKaoheSST" Type="{SHARED_STRINGS}" '
        'Target="sharedStrings.xml"/></Relationships>'.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


def workbook(folder: Path, areas: int, per_area: int, forms_per_area: int, rng: random.Random) -> Path:
    """A jingan workbook as a street would fill it: areas, staff, and every 党员群众测评 paper form."""
    area_rows, staff_rows, forms = [], [], []
    for a in range(areas):
        name = f"居民区{a:03d}"
        area_rows.append({"居民区": name, "街道考评": round(rng.uniform(70, 98), 1), "居民区互评": round(rng.uniform(75, 95), 1),
                          "应参加人数": forms_per_area + 10, "实际参加人数": forms_per_area})
        people = [f"{name}-{j}" for j in range(per_area)]
        for j, person in enumerate(people):
            post = "书记" if j == 0 else "主任" if j == 1 else "其他"
            staff_rows.append({"姓名": person, "居民区": name, "岗位": post, "人员类别": "社区工作者",
                               "书记主任考评": None if post != "其他" else round(rng.uniform(70, 96), 1),
                               "内部互评": round(rng.uniform(72, 96), 1), "应参加人数": forms_per_area + 10,
                               "实际参加人数": forms_per_area, "在岗月数": 12, "奖金基数": 50000})
        for form in range(1, forms_per_area + 1):  # the area and its staff on one form (jingan 五(二)(2))
            forms += [("党员群众测评", name, form, None, target, f"B {rng.randint(70, 89)}") for target in [name, *people]]
    blank = folder / f"blank-{areas}.xlsm"
    template.build("jingan", area_rows=areas, people_rows=len(staff_rows), form_rows=len(forms),
                   data={"居民区": area_rows, "工作人员": staff_rows}).save(blank)
    _with_form_rows(blank, forms)
    path = folder / f"jingan-{areas}.xlsm"
    inputs = read_inputs(blank)
    save_with_results(blank, path, result_cells(inputs, calculate(inputs)))  # results saved, as Excel would
    return path


READ_ALL = """import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
for name in book.sheet_names:
    book.get_sheet_by_name(name).to_python()
"""


def command(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(done.stderr.decode("utf-8", "replace"))
    return elapsed


def installed() -> None:
    """kaohe's bytecode compiled, as `pip install` leaves it: the commands measured start as a clerk's do,
    not compiling every module again (this machine sets PYTHONDONTWRITEBYTECODE)."""
    root = HERE.parent
    for folder in (root / "kaohe", root / "udfs"):
        compileall.compile_dir(folder, quiet=1)


def kaohe_command(path: Path) -> float:
    """`kaohe check FILE --json` as a clerk runs it: a new Python, imports, read, check, print."""
    return command([sys.executable, "-m", "kaohe.cli", "check", str(path), "--json"])


def calamine_command(path: Path) -> float:
    """Every cell of every sheet read into Python with python-calamine, in a new Python."""
    return command([sys.executable, "-c", READ_ALL, str(path)])


def kaohe_check(path: Path, compiled: bool = True) -> tuple[float, list]:
    """The check in this process, and its findings; ``compiled=False``: the 测评表 read by numpy's pass
    instead of the compiled one (kaohe/_sheetcells.c), as where kaohe was installed without a compiler."""
    saved = sheetxml._sheetcells
    sheetxml._sheetcells = saved if compiled else None
    start = time.perf_counter()
    book = open_book(path)
    try:
        inputs, _, findings = findings_of(book, path.name)
    finally:
        book.close()
        sheetxml._sheetcells = saved
    return time.perf_counter() - start, [inputs.issue(f) for f in findings]


def libreoffice(path: Path, profile: Path | None = None, dump: Path | None = None) -> dict:
    extra = [*(["--profile", str(profile)] if profile else []), *(["--dump", str(dump)] if dump else [])]
    done = subprocess.run(["timeout", "-k", "10", "600", "/usr/bin/python3", str(HERE / "lo_recalc.py"), str(path),
                           *SHEETS, *extra], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _alike(ours: object, theirs: object) -> bool:
    if isinstance(ours, (int, float)) and isinstance(theirs, (int, float)):
        return abs(ours - theirs) <= 1e-9 * max(1.0, abs(ours))
    return (None if ours == "" else ours) == (None if theirs == "" else theirs)


def compared(path: Path, dump: Path) -> tuple[int, int, int]:
    """Cells LibreOffice and kaohe read alike; cells LibreOffice could not compute (null: an error
    such as #NAME?, where kaohe reads the result saved); and cells that differ otherwise."""
    theirs = json.loads(dump.read_text("utf-8"))
    alike = not_computed = differ = 0
    book = open_book(path)
    try:
        for sheet in SHEETS:
            ours, lo = book.grid(sheet), theirs[sheet]
            for r in range(max(len(ours), len(lo))):
                mine, other = ours[r] if r < len(ours) else [], lo[r] if r < len(lo) else []
                for c in range(max(len(mine), len(other))):
                    a, b = mine[c] if c < len(mine) else None, other[c] if c < len(other) else ""
                    if b is None and a not in (None, ""):
                        not_computed += 1
                    elif _alike(a, b):
                        alike += 1
                    else:
                        differ += 1
    finally:
        book.close()
    return alike, not_computed, differ


def _total(run: dict) -> float:
    return run["start"] + run["load"] + run["calculate"] + run["read"]


def machine() -> str:
    """The run's date and machine, for the README's table: ratios are comparable, absolute times vary ×2."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, load average {load}"


def _goal(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    if not shutil.which("soffice"):
        sys.exit("LibreOffice headless is needed for the baseline (apt-get install libreoffice-calc-nogui python3-uno)")
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default=",".join(SIZES))
    args = parser.parse_args()
    installed()
    print(f"run of {machine()}")
    rng = random.Random(11)
    engine.scheme("jingan")  # loaded once per process, as in any session
    runs = range(args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        for label in args.sizes.split(","):
            areas, per_area, forms = SIZES[label]
            path = workbook(Path(tmp), areas, per_area, forms, rng)
            profile = Path(tmp) / f"lo-profile-{label}"
            libreoffice(path, profile)  # the profile's first start: not counted
            ours, read, inside, by_numpy, kept, fresh = [], [], [], [], [], []
            same_findings = True
            for _ in runs:  # interleaved, so that a busy moment of the machine falls on every side alike
                ours.append(kaohe_command(path))
                read.append(calamine_command(path))
                (seconds, found), (numpy_seconds, numpy_found) = kaohe_check(path), kaohe_check(path, compiled=False)
                inside.append(seconds)
                by_numpy.append(numpy_seconds)
                same_findings &= found == numpy_found
                kept.append(libreoffice(path, profile))
                fresh.append(libreoffice(path))
            dump = Path(tmp) / f"lo-{label}.json"
            last = libreoffice(path, profile, dump)
            alike, not_computed, differ = compared(path, dump)
            check, floor = statistics.median(ours), statistics.median(read)
            lo_kept, lo_fresh = statistics.median(map(_total, kept)), statistics.median(map(_total, fresh))
            print(f"{label}: {areas} areas, {areas * per_area} staff, {areas * forms} forms "
                  f"({areas * forms * (per_area + 1)} ratings), file {path.stat().st_size / 1e6:.1f} MB; median of {args.runs}")
            print(f"  kaohe check {check:.2f} s (in-process {statistics.median(inside):.2f} s)"
                  + (f"; goal < 1 s: {_goal(check < 1)}" if label == "street" else ""))
            if sheetxml._sheetcells is not None:
                print(f"  in-process with numpy's pass instead of the compiled one {statistics.median(by_numpy):.2f} s "
                      f"({statistics.median(by_numpy) / statistics.median(inside):.2f}× the compiled); findings "
                      + ("the same" if same_findings else "DIFFER  <-- NOT the same"))
            else:
                print("  (the compiled pass is not built here: both in-process figures are numpy's)")
            print(f"  calamine read {floor:.2f} s; check ÷ read {check / floor:.2f}"
                  + (f" (goal ≤ 1.0: {_goal(check <= floor)})" if label == "district" else ""))
            print(f"  LibreOffice kept profile {lo_kept:.2f} s = {lo_kept / check:.1f}× kaohe"
                  + (f" (goal ≥ 5×: {_goal(lo_kept >= 5 * check)})" if label == "district" else "")
                  + f"; fresh profile {lo_fresh:.2f} s = {lo_fresh / check:.1f}× kaohe")
            print(f"  LibreOffice (kept): start {last['start']:.2f} load {last['load']:.2f} calculateAll "
                  f"{last['calculate']:.2f} read {last['read']:.2f} ({last['cells']} cells)")
            print(f"  compared cell by cell: {alike} read alike, {not_computed} result cells LibreOffice could not "
                  f"compute (KAOHE_* functions: #NAME?), {differ} differ" + ("" if differ == 0 else "  <-- NOT alike"))
    print(f"end of run: {machine()}")


if __name__ == "__main__":
    main()
