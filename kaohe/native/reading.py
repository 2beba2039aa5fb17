"""What the native workbook's formulas cannot read, for `kaohe check` (WORKBOOK.md, issue 11).

kaohe reads "90分", "９０" or "95%" typed as text leniently (reading.py); a built-in formula does not,
and shows "#错误：…不是数字" instead. Data validation keeps such text out while a clerk types; text
pasted in or typed elsewhere is reported here, cell by cell, so the check names what the formulas
could not use. Imports nothing of the builders at load time (the check runs without them).
"""

from __future__ import annotations

from importlib import import_module

from .. import engine
from ..findings import Finding, Where, error
from ..reading import is_blank
from ..results import keys_of

HELPER = "辅助："  # common.HELPER: a native workbook's helper columns start so
CLAUSE = "公式版工作簿填写要求"


def is_native(inputs) -> bool:
    return any(label.startswith(HELPER) for sheet in inputs.sheets.values() for label in sheet.columns)


def text_in_number_cells(inputs) -> list[Finding]:
    """Text where the native workbook's formulas need a number: an error per cell."""
    if not is_native(inputs):
        return []
    module = import_module(f"{__package__}.{engine.ruleset(inputs.scheme).native}")
    numbers: dict[str, tuple[str, ...]] = getattr(module, "number_inputs", lambda s: {})(inputs.scheme)
    findings = []
    for name, headers in numbers.items():
        sheet = inputs.sheets.get(name)
        if sheet is None or not isinstance(sheet.records, list):
            continue
        for n, (record, key) in enumerate(zip(sheet.records, keys_of(sheet.records, engine.key_of(name))), start=1):
            for header in headers:
                raw = record.get(header)
                # "#…" is a formula's own message saved in the cell (a default formula), not typed text
                if isinstance(raw, str) and not is_blank(raw) and not raw.startswith("#"):
                    findings.append(error(
                        "输入格式（公式版）", CLAUSE,
                        f"{key or f'第{n}条'}的「{header}」填的是文字“{raw}”：公式版工作簿的公式只认数字，"
                        "该格相关结果显示“#错误”，请改为数字", Where(name, key or f"第{n}条", header),
                        allowed="数字", actual=raw))
    return findings
