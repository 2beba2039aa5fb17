"""Python-side cost of one call of each UDF, with realistic arguments.

    python benchmarks/bench_udfs.py [--calls N]

For each UDF: median and p95 of N calls, in µs. Two situations matter in Excel:
- "column": a formula copied down 300 rows, all pointing at the same table: the first cell computes
  the table, the other 299 find it cached (the cost per cell is what a recalculation pays);
- "cold": every call with a table never seen before (a clerk just typed a cell: the first call of the
  recalculation), the worst case.
Baseline, measured in the same run: a pass-through function that only receives the same arguments
and reads one cell (the floor any Python UDF pays on top of xlwings). Goal: under 100 µs a call,
so that kaohe adds under 3% to the few milliseconds xlwings itself spends on a call.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "udfs")]

import kaohe_udfs as udfs  # noqa: E402

from kaohe import engine  # noqa: E402

GOAL_US = 100.0


def area_grid(rng: random.Random, n: int) -> list[list[object]]:
    header = list(engine.gaojing.AREA_INPUTS)
    rows = [header]
    for i in range(n):
        h = rng.randint(800, 1900)
        rows.append([f"居民区{i:03d}", float(h), 200.0, 12.0, 16.0, 8.0, 90.0, 60.0, 25.0, 88.0, 80.0, 91.0, h * 0.45,
                     92.0, h * 0.46, 1.0, rng.random() * 0.2 + 0.8, rng.random() * 0.3 + 0.7, rng.random() * 0.2 + 0.8,
                     None, None, None])
    return rows


def staff_grid(rng: random.Random, areas: int, per_area: int) -> tuple[list[list[object]], list[list[object]]]:
    area_header = list(engine.jingan.AREA_INPUTS)
    area_rows = [area_header] + [[f"居民区{a:03d}", 85.0 + rng.random() * 10, 88.0, 90.0, 50.0, 45.0, None, None, None]
                                 for a in range(areas)]
    staff_header = list(engine.jingan.STAFF_INPUTS)
    staff_rows = [staff_header]
    for a in range(areas):
        for j in range(per_area):
            post = "书记" if j == 0 else "主任" if j == 1 else "其他"
            staff_rows.append([f"人员{a:03d}-{j}", f"居民区{a:03d}", post, "社区工作者",
                               None if post != "其他" else 80.0 + rng.random() * 15, 85.0 + rng.random() * 10,
                               85.0 + rng.random() * 10, 40.0, 36.0, None, 12.0, 50000.0, None])
    return area_rows, staff_rows


def passthrough(scheme, result, table, key):
    """The baseline: a UDF that receives the same arguments and reads one cell."""
    return table[1][0] if key else result


def timed(call, calls: int) -> tuple[float, float]:
    samples = []
    for i in range(calls):
        start = time.perf_counter_ns()
        call(i)
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    calls = parser.parse_args().calls
    rng = random.Random(7)
    gaojing = area_grid(rng, 300)
    keys = [row[0] for row in gaojing[1:]]
    jingan_areas, jingan_staff = staff_grid(rng, 30, 10)
    people = [row[0] for row in jingan_staff[1:]]
    totals = [udfs.KAOHE_AREA("gaojing-2024", "总分", gaojing, k) for k in keys]
    copies = 50  # xlwings hands every call fresh lists: cycle through copies, never the same object
    gaojing_c = [[list(r) for r in gaojing] for _ in range(copies)]
    staff_c = [([list(r) for r in jingan_areas], [list(r) for r in jingan_staff]) for _ in range(copies)]
    totals_c = [list(totals) for _ in range(copies)]
    fresh = [[row[:16] + [row[16] + i * 1e-9] + row[17:] if j else row for j, row in enumerate(gaojing)]
             for i in range(40)]
    cases = {
        "baseline: pass-through, 300-row range": lambda i: passthrough("gaojing-2024", "总分", gaojing_c[i % copies],
                                                                         keys[i % 300]),
        "KAOHE_AREA gaojing 300 areas, column": lambda i: udfs.KAOHE_AREA("gaojing-2024", "总分", gaojing_c[i % copies],
                                                                            keys[i % 300]),
        "KAOHE_STAFF jingan 300 staff, column": lambda i: udfs.KAOHE_STAFF("jingan", "得分", staff_c[i % copies][1],
                                                                             people[i % 300], staff_c[i % copies][0]),
        "GRADE_QUOTA 300-row range, column": lambda i: udfs.GRADE_QUOTA("gaojing-2024", "居民区", totals[i % 300],
                                                                         totals_c[i % copies]),
        "BONUS jingan, one row": lambda i: udfs.BONUS("jingan", "其他", "合格", "良好", 50000.0, "社区工作者"),
        "BONUS gaojing-2024, one row": lambda i: udfs.BONUS("gaojing-2024", "居委主任", "B档"),
    }
    cold = {
        "KAOHE_AREA gaojing 300 areas, cold": lambda i: udfs.KAOHE_AREA("gaojing-2024", "总分", fresh[i % 40],
                                                                          keys[0]),
    }
    print(f"kaohe UDF benchmark, {calls} calls per case; baseline = pass-through UDF with the same arguments")
    print(f"{'case':44s} {'median µs':>10s} {'p95 µs':>9s} {'× baseline':>11s} {'× goal 100µs':>13s}")
    baseline = None
    for name, call in cases.items():
        median, p95 = timed(call, calls)
        baseline = baseline or median
        print(f"{name:44s} {median:10.1f} {p95:9.1f} {median / baseline:11.1f} {median / GOAL_US:13.2f}")
    warm = {}
    for name, call in cases.items():
        warm[name] = timed(call, calls)[0]
    for name, call in cold.items():
        median, p95 = timed(lambda i, call=call: (udfs._computed.entries.clear(), call(i)), 40)
        print(f"{name:44s} {median:10.1f} {p95:9.1f} {median / baseline:11.1f} {median / GOAL_US:13.2f}")
        # a whole column recalculated: one cell computes the table, 299 find it
        per_cell = (median + 299 * warm["KAOHE_AREA gaojing 300 areas, column"]) / 300
        label = "KAOHE_AREA 300-row column, per cell"
        print(f"{label:44s} {per_cell:10.1f} {'':9s} {per_cell / baseline:11.1f} {per_cell / GOAL_US:13.2f}")


if __name__ == "__main__":
    main()
