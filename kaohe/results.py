"""Result tables: one row of result cells per key (居民区 / 姓名), each empty cell with its reason.

This is the shape of the ``kaohe calc --json`` contract (WORKBOOK.md): a row carries its key and
every result column; a result that cannot be computed is ``None`` and a finding says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .findings import Checked, Finding, Where, error, first_error
from .reading import READING_CLAUSE, is_blank

Cell = float | str | None


@dataclass
class Table:
    sheet: str
    key_field: str
    columns: tuple[str, ...]
    rows: dict[str, dict[str, Cell]] = field(default_factory=dict)
    reasons: dict[tuple[str, str], Finding] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    _seen: set[int] = field(default_factory=set, repr=False)  # ids of findings recorded

    def add(self, findings: Iterable[Finding]) -> None:
        """Record findings once each, however many result cells they explain."""
        for finding in findings:
            if id(finding) not in self._seen:
                self._seen.add(id(finding))
                self.findings.append(finding)

    def put(self, key: str, column: str, result: Checked | Cell, reason: Finding | None = None) -> None:
        """Set one result cell; a Checked brings its findings, and its first error as the reason."""
        if isinstance(result, Checked):
            self.add(result.findings)
            reason = reason or first_error(result.findings)
            result = result.value
        self.rows.setdefault(key, {})[column] = result
        if result is None and reason is not None:
            self.reasons[(key, column)] = reason

    def value(self, key: str, column: str) -> Cell:
        return self.rows.get(key, {}).get(column)

    def reason(self, key: str, column: str) -> Finding | None:
        return self.reasons.get((key, column))

    def records(self) -> list[dict[str, Cell]]:
        return [{self.key_field: key, **{c: cells.get(c) for c in self.columns}} for key, cells in self.rows.items()]


def keyed_rows(rows: Sequence[Mapping[str, object]], key_field: str, sheet: str,
               clause: str = READING_CLAUSE) -> tuple[list[tuple[str, Mapping[str, object]]], list[Finding]]:
    """Rows with their keys; a row without a key, or a key seen before, is an error and left out."""
    seen: set[str] = set()
    kept, findings = [], []
    for n, row in enumerate(rows, start=1):
        raw = row.get(key_field)
        if is_blank(raw):
            if any(not is_blank(v) for v in row.values()):
                findings.append(error("缺少名称", clause, f"{sheet}第{n}行有数据但未填{key_field}",
                                      Where(sheet, f"第{n}行", key_field)))
            continue
        key = str(raw).strip()
        if key in seen:
            findings.append(error("名称重复", clause, f"{sheet}中{key_field}“{key}”出现不止一次，后一行未计算",
                                  Where(sheet, key, key_field)))
            continue
        seen.add(key)
        kept.append((key, row))
    return kept, findings


def all_findings(tables: Iterable[Table]) -> list[Finding]:
    return [f for t in tables for f in t.findings]
