"""What kaohe.package's finishing step costs, as a ratio to openpyxl's own save of the same workbook.

A district-size jingan workbook (300 areas, 3,000 staff, 30,000 rating rows) is saved by openpyxl, then
finished (kaohe.package.finish: no forced recalculation, one selected tab, codeNames, dxf fills, author).
Both are measured in this run; the ratio is the result.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from kaohe import package, template


def main() -> None:
    wb = template.build("jingan", area_rows=300, people_rows=3000, form_rows=30000)
    folder = Path(tempfile.mkdtemp(prefix="kaohe_bench_package_"))
    try:
        saves, finishes = [], []
        for n in range(3):
            path = folder / f"{n}.xlsm"
            t0 = time.perf_counter()
            wb.save(path)
            t1 = time.perf_counter()
            package.finish(path)
            saves.append(t1 - t0)
            finishes.append(time.perf_counter() - t1)
        save, finish = min(saves), min(finishes)
        print(f"package.finish: {finish:.2f} s after openpyxl's save of {save:.2f} s "
              f"(ratio {finish / save:.2f}; {path.stat().st_size / 1e6:.1f} MB, best of 3)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
