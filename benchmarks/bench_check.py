"""`kaohe check` on a street-sized and a district-sized jingan workbook, against LibreOffice.

    python benchmarks/bench_check.py

Baseline, in the same run: LibreOffice 7.4 headless loading the same file, recalculating it in full
(UNO calculateAll(): it does not recalculate an xlsx on load by default) and reading every used
cell back (benchmarks/lo_recalc.py, under Debian's python3-uno). LibreOffice cannot compute the
KAOHE_* functions; the baseline is what a spreadsheet program spends just to load, recalculate and
read such a file. Both sides are whole commands, start-up included: `kaohe check FILE --json` in a
fresh Python, and soffice started, loading, recalculating and reading back the three sheets kaohe
reads (居民区, 工作人员, 测评表). kaohe's time inside one process is printed beside it.

The files are what a clerk's Excel saves: every 党员群众测评 paper form typed into 测评表 (one row per
rating, text as shared strings). Goals (issue 3): the street workbook under 1 s; kaohe at least 5×
faster than LibreOffice on the district one.
"""

from __future__ import annotations

import json
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

from kaohe import engine, template  # noqa: E402
from kaohe.book import sheet_parts  # noqa: E402
from kaohe.checking import findings_of  # noqa: E402
from kaohe.workbook import calculate, open_book, read_inputs, result_cells, save_with_results  # noqa: E402

HERE = Path(__file__).resolve().parent
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


def kaohe_command(path: Path) -> float:
    """`kaohe check FILE --json` as a clerk runs it: a new Python, imports, read, check, print."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kaohe.cli", "check", str(path), "--json"], capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(done.stderr.decode("utf-8", "replace"))
    return elapsed


def kaohe_check(path: Path) -> float:
    start = time.perf_counter()
    book = open_book(path)
    try:
        findings_of(book, path.name)
    finally:
        book.close()
    return time.perf_counter() - start


def libreoffice(path: Path) -> dict:
    done = subprocess.run(["timeout", "-k", "10", "600", "/usr/bin/python3", str(HERE / "lo_recalc.py"), str(path),
                           "居民区", "工作人员", "测评表"], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if not shutil.which("soffice"):
        sys.exit("LibreOffice headless is needed for the baseline (apt-get install libreoffice-calc-nogui python3-uno)")
    rng = random.Random(11)
    engine.scheme("jingan")  # loaded once per process, as in any session
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'workbook':44s} {'kaohe check s':>14s} {'in-process s':>13s} {'LibreOffice s':>14s} {'LO ÷ kaohe':>11s}")
        for label, (areas, per_area, forms) in SIZES.items():
            path = workbook(Path(tmp), areas, per_area, forms, rng)
            ours = statistics.median(kaohe_command(path) for _ in range(3))
            inside = statistics.median(kaohe_check(path) for _ in range(3))
            runs = [libreoffice(path) for _ in range(3)]
            theirs = statistics.median(r["start"] + r["load"] + r["calculate"] + r["read"] for r in runs)
            print(f"{label}: {areas} areas, {areas * per_area} staff, {areas * forms} forms".ljust(44)
                  + f" {ours:14.2f} {inside:13.2f} {theirs:14.2f} {theirs / ours:11.1f}")
            r = runs[-1]
            print(f"   {areas * forms * (per_area + 1)} ratings, file {path.stat().st_size / 1e6:.1f} MB; LibreOffice:"
                  f" start {r['start']:.2f} load {r['load']:.2f} calculateAll {r['calculate']:.2f}"
                  f" read {r['read']:.2f} ({r['cells']} cells)")


if __name__ == "__main__":
    main()
