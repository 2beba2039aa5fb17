"""The workbooks' own formulas, evaluated by an independent spreadsheet engine, equal `kaohe calc`.

The `formulas` package parses and computes the array formulas the templates write (one per result
block: cross-sheet absolute ranges, the 参数 range as the scheme, array constants naming the
columns) with KAOHE_* bound to the UDFs as xlwings would call them, and spreads each returned block
over its range as Excel fills a legacy array formula. Every result cell must equal what
`kaohe calc -o` writes there, and each block is computed by exactly one call. This proves the formula
wiring; only Excel itself can show the COM side of xlwings.
"""

from __future__ import annotations

import re
from pathlib import Path

import formulas
import kaohe_udfs
import numpy as np
import pytest
import schedula
from formulas.functions import wrap_func
from formulas.tokens.operand import XlError
from openpyxl.utils import get_column_letter, range_boundaries

from kaohe.workbook import calculate, read_inputs, result_cells

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
KEY = re.compile(r"^'?\[(?P<book>[^\]]+)\](?P<sheet>[^']+)'?!(?P<ref>[A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)$")


def _cell(value):
    """A cell as xlwings hands it to a UDF (err_to_str: an error cell as its text)."""
    if value is schedula.EMPTY:
        return None
    if isinstance(value, XlError):
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return value


def _arg(value):
    if isinstance(value, np.ndarray):
        rows = [[_cell(v) for v in row] for row in np.atleast_2d(value)]
        return rows if len(rows) > 1 or len(rows[0]) > 1 else rows[0][0]
    return _cell(value)


CALLS: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def bound_udfs():
    functions = formulas.get_functions()
    for name in ("KAOHE_AREA", "KAOHE_STAFF", "GRADE_QUOTA", "BONUS", "KAOHE_FORMS"):
        udf = getattr(kaohe_udfs, name)

        def call(*args, udf=udf, name=name):
            CALLS.append(name)
            return np.array(udf(*map(_arg, args)), dtype=object)  # the 2-D list xlwings hands Excel
        functions[name] = wrap_func(call)
    yield
    for name in ("KAOHE_AREA", "KAOHE_STAFF", "GRADE_QUOTA", "BONUS", "KAOHE_FORMS"):
        functions.pop(name, None)


def evaluated(path: Path) -> dict[tuple[str, str], object]:
    """Every computed cell by (sheet, A1): a block's values spread over its range row by row."""
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    values = {}
    for key, ranges in solution.items():
        match = KEY.match(str(key))
        if not match:
            continue
        first_col, first_row, last_col, last_row = range_boundaries(match["ref"])
        block = np.atleast_2d(ranges.value)
        assert block.shape == (last_row - first_row + 1, last_col - first_col + 1), match["ref"]
        for r in range(block.shape[0]):
            for c in range(block.shape[1]):
                value = block[r, c]
                ref = f"{get_column_letter(first_col + c)}{first_row + r}"
                values[(match["sheet"], ref)] = "" if value is schedula.EMPTY else value
    return values


@pytest.mark.parametrize("name", ["jingan-example.xlsm", "gaojing-2024-example.xlsm"])
def test_the_formulas_compute_what_kaohe_calc_computes(name):
    path = EXAMPLES / name
    inputs = read_inputs(path)
    expected = result_cells(inputs, calculate(inputs))
    CALLS.clear()
    got = evaluated(path)
    # one call per sheet, whatever the number of rows (jingan's tallies are in the same blocks)
    assert sorted(CALLS) == ["KAOHE_AREA", "KAOHE_STAFF"]
    compared = 0
    for sheet, cells in expected.items():
        for ref, want in cells.items():
            value = got[(sheet, ref)]
            if isinstance(want, float | int):
                assert value == pytest.approx(want), f"{sheet}!{ref}"
            else:
                assert value == want, f"{sheet}!{ref}"
            compared += 1
    assert compared > 500  # every result cell of both sheets, not a sample
