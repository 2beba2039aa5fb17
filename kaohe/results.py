"""Result tables: one row of result cells per key (居民区 / 姓名), each empty cell with its reason.

This is the shape of the ``kaohe calc --json`` contract (WORKBOOK.md): a row carries its key and
every result column; a result that cannot be computed is ``None`` and a finding says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .contract import AREA_KEY, ID_FIELD, NAME_KEY, ROW_KEY
from .findings import Checked, Finding, Where, error, first_error
from .reading import READING_CLAUSE, as_text, is_blank

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


AREA_FIELD, NAME_FIELD = AREA_KEY, NAME_KEY


def keys_of(rows: Sequence[Mapping[str, object]], key_field: str) -> list[str]:
    """Each row's key ("" for none). Entry rows (ROW_KEY) are "第n条". People (key field 姓名) are keyed by
    编号 where filled, else by (居民区, 姓名): a name typed in one area only is its own key, a name shared
    by areas is "居民区·姓名" (DOMAIN §6: two 王芳 in one street both get results)."""
    if key_field == ROW_KEY:
        return [f"第{n}条" for n in range(1, len(rows) + 1)]
    if key_field != NAME_FIELD:
        return [as_text(row.get(key_field)) for row in rows]
    named = [(as_text(row.get(ID_FIELD)), as_text(row.get(AREA_FIELD)), as_text(row.get(NAME_FIELD))) for row in rows]
    areas_of: dict[str, set[str]] = {}
    for number, area, name in named:
        if not number and name:
            areas_of.setdefault(name, set()).add(area)
    return [number or (f"{area}·{name}" if name and len(areas_of[name]) > 1 else name) for number, area, name in named]


def start_table(rows: Sequence[Mapping[str, object]], sheet: str, key_field: str, columns: tuple[str, ...],
                clause: str = READING_CLAUSE) -> tuple[Table, list[tuple[str, Mapping[str, object]]]]:
    """An empty result table and the rows to compute, each with its key (``keys_of``).

    A row with data but no key is an error. A key on more than one row (two 张伟 of one area, or one
    编号 twice) is ambiguous: none of those rows is computed, and every result cell of that key says so,
    naming the rows.
    """
    table = Table(sheet, key_field, columns)
    rows_of: dict[str, list[int]] = {}
    keyed = []
    for n, (key, row) in enumerate(zip(keys_of(rows, key_field), rows), start=1):
        table.order.append(key)
        if not key:
            if any(not is_blank(v) for v in row.values()):
                table.findings.append(error("缺少名称", clause, f"{sheet}第{n}条记录有数据但未填{key_field}",
                                            Where(sheet, f"第{n}行", key_field)))
            continue
        rows_of.setdefault(key, []).append(n)
        keyed.append((key, row))
    for key, numbers in ((k, ns) for k, ns in rows_of.items() if len(ns) > 1):
        rows_text = "、".join(f"第{n}条" for n in numbers)
        fix = f"请改为可区分的名称，或填写{ID_FIELD}" if key_field == NAME_FIELD else "请改为可区分的名称"
        duplicate = error("名称重复", clause, f"{sheet}中{rows_text}记录的{key_field}“{key}”相同，无法区分，均未计算（{fix}）",
                          Where(sheet, key, key_field), allowed="唯一", actual=len(numbers))
        table.findings.append(duplicate)
        for column in columns:
            table.put(key, column, None, duplicate)
    return table, [(k, row) for k, row in keyed if len(rows_of[k]) == 1]
