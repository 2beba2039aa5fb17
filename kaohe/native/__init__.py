"""The native-formula workbook (`kaohe new --native`): every result a built-in formula, no macros.

For offices without Python or xlwings (WPS, Excel for Mac, LibreOffice): the same sheets and
headers as the .xlsm (WORKBOOK.md), results computed by the spreadsheet program itself from the
inputs and the `参数` sheet. One builder per scheme (its RuleSet.native names the module); ``write_native``
dispatches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from .. import engine
from ..files import write_atomically

if TYPE_CHECKING:
    from openpyxl import Workbook

def build_native(scheme: str | Path | engine.Scheme, *, area_rows: int = 60, people_rows: int = 600,
                 form_rows: int = 3000, data: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
                 info: Mapping[str, object] | None = None) -> Workbook:
    """The native workbook of a scheme, ``data`` typed into its input rows and ``info`` on 说明."""
    s = scheme if not isinstance(scheme, (str, Path)) else engine.scheme(scheme)
    module = import_module(f"{__name__}.{engine.ruleset(s).native}")
    return module.build(s, area_rows=area_rows, people_rows=people_rows, form_rows=form_rows, data=data or {},
                        info=info or {})


def write_native(scheme: str | Path | engine.Scheme, path: str | Path, **options) -> Path:
    """Build and save (see ``save``)."""
    return save(build_native(scheme, **options), path)


def save(wb: Workbook, path: str | Path) -> Path:
    """Save atomically, kaohe as author and fixed times, so equal content gives equal bytes."""
    from ..template import FIXED_TIME

    wb.properties.creator = wb.properties.lastModifiedBy = "kaohe"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    write_atomically(wb, Path(path), computed_on_open=True)  # no cached values: computed on opening
    return Path(path)
