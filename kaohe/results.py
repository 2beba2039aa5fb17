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
    order: list[str] = field(default_factory=list)  # each input row's key, in the rows' order ("" for none)
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


def start_table(rows: Sequence[Mapping[str, object]], sheet: str, key_field: str, columns: tuple[str, ...],
                clause: str = READING_CLAUSE) -> tuple[Table, list[tuple[str, Mapping[str, object]]]]:
    """An empty result table and the rows to compute, each with its key.

    A row with data but no key is an error. A key typed on more than one row is ambiguous (two
    people called 张伟): none of those rows is computed, and every result cell of that key says so.
    """
    table = Table(sheet, key_field, columns)
    counts: dict[str, int] = {}
    keyed = []
    for n, row in enumerate(rows, start=1):
        raw = row.get(key_field)
        table.order.append("" if is_blank(raw) else str(raw).strip())
        if is_blank(raw):
            if any(not is_blank(v) for v in row.values()):
                table.findings.append(error("缺少名称", clause, f"{sheet}第{n}条记录有数据但未填{key_field}",
                                            Where(sheet, f"第{n}行", key_field)))
            continue
        key = str(raw).strip()
        counts[key] = counts.get(key, 0) + 1
        keyed.append((key, row))
    for key in [k for k, c in counts.items() if c > 1]:
        duplicate = error("名称重复", clause, f"{sheet}中{key_field}“{key}”出现{counts[key]}次，无法区分，均未计算"
                          f"（请改为可区分的名称，如加注居民区）", Where(sheet, key, key_field),
                          allowed="唯一", actual=counts[key])
        table.findings.append(duplicate)
        for column in columns:
            table.put(key, column, None, duplicate)
    return table, [(k, row) for k, row in keyed if counts[k] == 1]
