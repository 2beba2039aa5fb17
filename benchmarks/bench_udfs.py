"""A full recalculation of a jingan workbook through the UDFs: per-cell (before) against block (now).

    python benchmarks/bench_udfs.py [--sample N]

A street (30 areas, 300 staff) and a district-sized workbook (300 areas, 3,000 staff), each with a
测评表 of about 3,000 rating rows an area-tenth (the template's 3,000-row table: 9 党员群众测评
forms of 11 ratings an area) and with 3,000 (street) / 30,000 (district) paper forms of 11 ratings
(33,000 / 330,000 rows, as benchmarks/bench_check.py counts forms). For each, both call patterns,
measured in the same run on the same inputs:
- per-cell: the UDF module of commit OLD (read with `git show`, run unchanged): one call per result
  cell (3 per area, 5 per person) and one KAOHE_FORMS call per session cell (2 per area, 3 per
  person), each handed the whole tables again (xlwings builds fresh lists for every call: the
  arguments are cycled through copies, never the same object twice in a row). Python time: each
  UDF's first (computing) call plus its median warm call times the number of cells, from a sample;
- block: one call per sheet (KAOHE_AREA, KAOHE_STAFF: results and tallies in one block), timed.
Reported: UDF calls, range cells marshalled (arguments in, results out), Python time, and the
Excel-side cost estimated at xlwings' published figures: about 20 ms per call when the functions
are imported from the ribbon (xlwings issue #2315) and 5.5 µs per range cell (issue #397: a
1,000,000-cell column passed with ndim=2 took 5.5 s; the same data through a direct Value2 call
took 0.75 s, 0.75 µs a cell: the low estimate). Goal: a street's full recalculation under 1 s,
Python time and estimate together.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "udfs")]

import kaohe_udfs as block_udfs  # noqa: E402

from kaohe import engine  # noqa: E402
from kaohe.params import sheet_rows  # noqa: E402
from kaohe.rules import jingan  # noqa: E402
from kaohe.rules.sessions import FORM_INPUTS  # noqa: E402

OLD = "1637c82"  # the last commit with one UDF call per result cell
PER_CALL_S = 0.020  # xlwings #2315: ~2/100 s per call, functions imported through the ribbon
PER_CELL_S = 5.5e-6  # xlwings #397: 1,000,000 cells in 5.5 s (a column, ndim=2)
PER_CELL_LOW_S = 0.75e-6  # xlwings #397: the same cells in 0.75 s read as Value2 and passed directly
GOAL_S = 1.0
COPIES = 3  # distinct copies of each table, cycled: every call gets a fresh object
AREA_SESSIONS = ("居民区互评", "党员群众测评")
STAFF_SESSIONS = ("书记主任考评", "内部互评", "党员群众测评")


@dataclass
class Book:
    """A workbook's input ranges as xlwings hands them to a UDF (header row first)."""

    params: list[list[object]]
    areas: list[list[object]]  # blank session cells: the forms fill them
    people: list[list[object]]
    forms: list[list[object]]
    tallied_areas: list[list[object]]  # the session cells as the per-cell template showed them
    tallied_people: list[list[object]]


def build(n_areas: int, per_area: int, forms_per_area: int, rng: random.Random) -> Book:
    """``forms_per_area`` 党员群众测评 papers, each rating the area and its staff (one row a rating)."""
    s = engine.scheme("jingan")
    areas = [f"居民区{a:03d}" for a in range(n_areas)]
    area_rows = [[a, round(rng.uniform(75, 95), 1), None, None, 10, 9, None, None, None] for a in areas]
    people_rows, forms = [], []
    for area in areas:
        staff = [(f"{area}-{j}", "书记" if j == 0 else "主任" if j == 1 else "其他") for j in range(per_area)]
        people_rows += [[name, area, post, "社区工作者", None, None, None, 10, 9, None, 12, 50000.0, None]
                        for name, post in staff]
        for number in range(1, forms_per_area + 1):  # scores 70–89: tier B, no A-quota to mind
            forms += [["党员群众测评", area, float(number), None, target, float(rng.randint(70, 89))]
                      for target in [area] + [name for name, _ in staff]]
    grids = [[list(jingan.AREA_INPUTS)] + area_rows, [list(jingan.STAFF_INPUTS)] + people_rows,
             [list(FORM_INPUTS)] + forms]
    tables = {name: [dict(zip(g[0], r)) for r in g[1:]] for name, g in zip(("居民区", "工作人员", "测评表"), grids)}
    tallied = engine.form_means(s, tables)
    shown = [[g[0]] + [[row.get(h) for h in g[0]] for row in rows] for g, rows in zip(grids, tallied)]
    return Book(sheet_rows(s.params), *grids, *shown)


def cells(*grids: object) -> int:
    return sum(len(g) * max(map(len, g)) if isinstance(g, list) and g and isinstance(g[0], list)
               else len(g) if isinstance(g, list) else 1 for g in grids)


def copies(grid: list[list[object]]) -> list[list[list[object]]]:
    return [[list(row) for row in grid] for _ in range(COPIES)]


@dataclass
class Pattern:
    calls: int
    cells: int
    python_s: float

    @property
    def excel_s(self) -> float:
        return self.calls * PER_CALL_S + self.cells * PER_CELL_S

    @property
    def excel_low_s(self) -> float:
        return self.calls * PER_CALL_S + self.cells * PER_CELL_LOW_S


def old_module() -> types.ModuleType:
    """The per-cell UDFs exactly as commit OLD had them."""
    source = subprocess.run(["git", "show", f"{OLD}:udfs/kaohe_udfs.py"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    module = types.ModuleType("kaohe_udfs_per_cell")
    exec(compile(source, f"{OLD}:udfs/kaohe_udfs.py", "exec"), module.__dict__)
    return module


def _per_kind(call: Callable[[int], object], count: int, sample: int, reset: Callable[[], None]) -> float:
    """One UDF's cells in a recalculation: the first call computes, the others find the computation."""
    reset()
    start = time.perf_counter()
    call(0)
    first = time.perf_counter() - start
    warm = []
    for i in range(1, min(sample, count - 1) + 1):
        start = time.perf_counter()
        call(i)
        warm.append(time.perf_counter() - start)
    return first + (count - 1) * (statistics.median(warm) if warm else 0.0)


def per_cell(book: Book, old: types.ModuleType, sample: int) -> Pattern:
    n_areas, n_people = len(book.areas) - 1, len(book.people) - 1
    params, areas, people = copies(book.params), copies(book.tallied_areas), copies(book.tallied_people)
    forms = copies(book.forms)
    area_keys = copies([[row[0]] for row in book.areas])
    staff_keys = copies([row[:3] for row in book.people])
    names = [row[0] for row in book.areas[1:]]
    persons = [row[0] for row in book.people[1:]]

    def reset():
        for cache in (old._schemes, old._computed, old._pools, old._tallies):
            cache.entries.clear()

    kinds = [  # (cells of this kind, one call, the range cells it is handed)
        (n_areas * len(AREA_RESULTS), lambda i: old.KAOHE_AREA(params[i % COPIES], "总分", areas[i % COPIES],
                                                               names[i % n_areas]),
         cells(book.params, book.areas)),
        (n_people * len(jingan.STAFF_RESULTS),
         lambda i: old.KAOHE_STAFF(params[i % COPIES], "得分", people[i % COPIES], persons[i % n_people],
                                   areas[i % COPIES]), cells(book.params, book.people, book.areas)),
        (n_areas * len(AREA_SESSIONS) + n_people * len(STAFF_SESSIONS),
         lambda i: old.KAOHE_FORMS(params[i % COPIES], "党员群众测评", forms[i % COPIES], area_keys[i % COPIES],
                                   staff_keys[i % COPIES], persons[i % n_people]),
         cells(book.params, book.forms, area_keys[0], staff_keys[0])),
    ]
    calls = sum(count for count, _, _ in kinds)
    marshalled = sum(count * (handed + 3) for count, _, handed in kinds)  # + key, name, one cell back
    python = sum(_per_kind(call, count, sample, reset) for count, call, _ in kinds)
    return Pattern(calls, marshalled, python)


AREA_RESULTS = jingan.AREA_RESULTS


def blocks(book: Book, repeats: int = 3) -> Pattern:
    params, areas, people, forms = (copies(g) for g in (book.params, book.areas, book.people, book.forms))
    area_block = list(AREA_RESULTS) + [engine.tally_label(c) for c in AREA_SESSIONS]
    staff_block = list(jingan.STAFF_RESULTS) + [engine.tally_label(c) for c in STAFF_SESSIONS]
    calls = [  # the template's two array formulas
        lambda k: block_udfs.KAOHE_AREA(params[k], area_block, areas[k], people[k], forms[k]),
        lambda k: block_udfs.KAOHE_STAFF(params[k], staff_block, people[k], areas[k], forms[k]),
    ]
    handed = cells(book.params, book.areas, book.people, book.forms)
    returned = (len(book.areas) - 1) * len(area_block) + (len(book.people) - 1) * len(staff_block)
    marshalled = len(calls) * handed + len(area_block) + len(staff_block) + returned
    times = []
    for _ in range(repeats):
        for cache in (block_udfs._schemes, block_udfs._computed, block_udfs._tallies):
            cache.entries.clear()
        start = time.perf_counter()
        for n, call in enumerate(calls):
            call(n % COPIES)  # a fresh copy for each call, as xlwings gives
        times.append(time.perf_counter() - start)
    return Pattern(len(calls), marshalled, statistics.median(times))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=100, help="warm per-cell calls timed for each UDF")
    sample = parser.parse_args(argv).sample
    old = old_module()
    print(f"kaohe UDFs, one full recalculation of a jingan workbook — {datetime.date.today()}; per-cell = commit {OLD}")
    print(f"Excel-side estimate: {PER_CALL_S * 1000:g} ms a call (xlwings #2315) + {PER_CELL_S * 1e6:g} µs a range "
          f"cell (xlwings #397; low: {PER_CELL_LOW_S * 1e6:g} µs)")
    print(f"{'workbook':44s} {'pattern':8s} {'calls':>6s} {'cells':>13s} {'Python s':>9s} {'Excel est. s':>13s} "
          f"{'total s':>9s} {'total, low':>10s}")
    for label, n_areas, forms_per_area in (("street 30/300, 2,970 ratings", 30, 9),
                                           ("street 30/300, 3,000 forms (33,000 ratings)", 30, 100),
                                           ("district 300/3,000, 29,700 ratings", 300, 9),
                                           ("district 300/3,000, 30,000 forms", 300, 100)):
        book = build(n_areas, 10, forms_per_area, random.Random(7))
        results = {"per-cell": per_cell(book, old, sample), "block": blocks(book)}
        for name, p in results.items():
            print(f"{label:44s} {name:8s} {p.calls:6,d} {p.cells:13,d} {p.python_s:9.3f} {p.excel_s:13.3f} "
                  f"{p.python_s + p.excel_s:9.3f} {p.python_s + p.excel_low_s:10.3f}")
        new, before = results["block"], results["per-cell"]
        print(f"{'':44s} block / per-cell: calls ×{new.calls / before.calls:.5f}, cells ×{new.cells / before.cells:.4f}, "
              f"total ×{(new.python_s + new.excel_s) / (before.python_s + before.excel_s):.4f}")
        if n_areas == 30:
            total, low = new.python_s + new.excel_s, new.python_s + new.excel_low_s
            print(f"{'':44s} goal, street full recalculation < {GOAL_S:g} s including the estimate: "
                  f"{total:.3f} s ({'met' if total < GOAL_S else 'NOT met'}); at the low estimate {low:.3f} s "
                  f"({'met' if low < GOAL_S else 'NOT met'})")


if __name__ == "__main__":
    main()
