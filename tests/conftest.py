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
