"""The native-formula workbook's full recalculation in LibreOffice, as a ratio to kaohe's own calculation.

For the bundled gaojing-2024 native example and a street-sized workbook (60 areas, 600 people), both
measured in the same run: LibreOffice headless `calculateAll()` (benchmarks/lo_recalc.py, Debian's
python3-uno) and kaohe's engine on the same file (read + calculate, median of 5). Prints seconds and
the ratio; no threshold (the machine is shared).

    .venv/bin/python benchmarks/bench_native.py
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kaohe import native  # noqa: E402
from kaohe.workbook import calculate, read_inputs  # noqa: E402
from tests.native.random_gaojing import workbook  # noqa: E402

SHEETS = ("居民区", "人员奖励", "满意度问卷")


def street(path: Path) -> Path:
    data = workbook(7, n_areas=60, bad=0)
    rng = random.Random(1)
    names = [a["居民区"] for a in data["居民区"]]
    data["人员奖励"] = [{"姓名": f"人员{i:03d}", "居民区": rng.choice(names), "岗位": "党组织负责人"} for i in range(600)]
    return native.write_native("gaojing-2024", path, data=data, area_rows=60, people_rows=600)


def engine_seconds(path: Path) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        calculate(read_inputs(path))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        books = {"example": ROOT / "examples" / "gaojing-2024-native.xlsx", "street 60/600": street(Path(tmp) / "s.xlsx")}
        for name, path in books.items():
            done = subprocess.run(["/usr/bin/python3", str(ROOT / "benchmarks" / "lo_recalc.py"), str(path), *SHEETS],
                                  capture_output=True, text=True, timeout=600, check=True)
            office = json.loads(done.stdout)["calculate"]
            kaohe = engine_seconds(path)
            print(f"{name}: LibreOffice calculateAll {office:.3f} s; kaohe read+calculate {kaohe:.3f} s; "
                  f"ratio {office / kaohe:.2f}")


if __name__ == "__main__":
    main()
