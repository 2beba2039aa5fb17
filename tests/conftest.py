"""Shared fixtures: the built-in schemes and header-first grids as xlwings hands ranges to a UDF."""

from __future__ import annotations

import pytest

from kaohe import engine


@pytest.fixture(scope="session")
def jingan():
    return engine.scheme("jingan")


@pytest.fixture(scope="session")
def gaojing():
    return engine.scheme("gaojing-2024")


def grid(header, rows):
    """A range as xlwings passes it with ndim=2: a header row, then rows padded with None."""
    return [list(header)] + [[row.get(h) for h in header] for row in rows]


def typed_and_formulas(ws) -> tuple[dict, list[list[object]]]:
    """A sheet's array-formula blocks and every cell's typed value or formula text; the cells an array
    formula fills beyond its first are left out (they hold only the values a calculation saved)."""
    from openpyxl.worksheet.formula import ArrayFormula

    from kaohe.workbook import block_cells
    filled = block_cells(ws.array_formulae.values()) - set(ws.array_formulae)
    cells = [[c.value.text if isinstance(c.value, ArrayFormula) else c.value for c in row if c.coordinate not in filled]
             for row in ws.iter_rows()]
    return dict(ws.array_formulae), cells
