"""Comparing a native workbook as LibreOffice computed it with the engine on the same file.

The engine's side reads the very file the formulas were computed from (kaohe's own reader, so
the 参数 sheet's edits count), and every result cell of every keyed row is compared:
a number within 1e-6, a text exactly, a result the engine cannot compute for an error ↔ the cell's
"#错误：…" text; with a reason that is not an error ↔ nothing or a "#提示：…" text.
"""

from __future__ import annotations

from pathlib import Path

from kaohe.native.common import ERROR_PREFIX
from kaohe.workbook import calculate, read_inputs

TOLERANCE = 1e-6


def differences(path: Path, computed: dict[str, list[list[object]]]) -> tuple[list[str], int]:
    """Every result cell where LibreOffice and the engine disagree, and how many cells were compared."""
    inputs = read_inputs(path)
    tables = calculate(inputs)
    found, compared = [], 0
    for name, table in tables.items():
        sheet, grid = inputs.sheets[name], computed[name]
        for key, row in sheet.key_rows.items():
            if key not in table.rows:
                continue
            for column in table.columns:
                if column not in sheet.columns:
                    continue
                cells = grid[row - 1] if row - 1 < len(grid) else []
                col = sheet.columns[column] - 1
                got = cells[col] if col < len(cells) else ""
                want, reason = table.value(key, column), table.reason(key, column)
                compared += 1
                if not _same(got, want, reason):
                    found.append(f"{path.name} {name}!{key}.{column}: LibreOffice {got!r}, engine {want!r}"
                                 f" ({reason.message if reason else ''})")
    return found, compared


def _same(got: object, want: object, reason) -> bool:
    if want is None:
        if reason is not None and reason.is_error:
            return isinstance(got, str) and got.startswith(ERROR_PREFIX)
        return got == "" or (isinstance(got, str) and got.startswith("#"))  # e.g. "#提示：…" (not assessed)
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        return isinstance(got, (int, float)) and abs(got - want) <= TOLERANCE * max(1.0, abs(want))
    return got == want
