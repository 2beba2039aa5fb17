"""Structured findings: what every engine function returns beside its values.

A finding names what is wrong (message, in Chinese for clerks), where (table, key, field:
the engine's own coordinates, which an adapter turns into sheet!cell), which rule and
which clause of the scheme's document, and what was allowed against what was found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T", covariant=True)  # a Checked[float] is a Checked[float | str]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        """The Chinese level shown in the 检查结果 sheet."""
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]


@dataclass(frozen=True, slots=True)
class Where:
    """A place in the engine's terms: a table (居民区, 工作人员, a form sheet, 参数), a row key, a field."""

    table: str = ""
    key: str = ""
    field: str = ""

    def at(self, field: str) -> Where:
        return Where(self.table, self.key, field)


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    rule: str
    clause: str
    message: str
    where: Where = Where()
    allowed: object = None
    actual: object = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def short(self) -> str:
        """One line for a cell: the cause and its clause, never a traceback."""
        return f"#{self.severity.label}：{self.message}（{self.clause}）"

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "rule": self.rule,
            "clause": self.clause,
            "sheet": self.where.table,
            "key": self.where.key,
            "field": self.where.field,
            "message": self.message,
            "allowed": self.allowed,
            "actual": self.actual,
        }


class Upstream(str):
    """A value computed from another sheet that could not be computed (a tally, an entry sheet's sum),
    as a cell shows it (the finding's short text), carrying that finding: whatever reads it reports the
    finding it carries, never a second one about text in a number cell."""

    reason: Finding

    def __new__(cls, reason: Finding) -> Upstream:
        shown = super().__new__(cls, reason.short())
        shown.reason = reason
        return shown


def error(rule: str, clause: str, message: str, where: Where = Where(), allowed=None, actual=None) -> Finding:
    return Finding(Severity.ERROR, rule, clause, message, where, allowed, actual)


def warning(rule: str, clause: str, message: str, where: Where = Where(), allowed=None, actual=None) -> Finding:
    return Finding(Severity.WARNING, rule, clause, message, where, allowed, actual)


def info(rule: str, clause: str, message: str, where: Where = Where(), allowed=None, actual=None) -> Finding:
    return Finding(Severity.INFO, rule, clause, message, where, allowed, actual)


@dataclass(frozen=True, slots=True)
class Checked(Generic[T]):
    """A value (``None`` when it cannot be had) with the findings met on the way."""

    value: T | None
    findings: tuple[Finding, ...] = field(default=())

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)


def all_values(reads: Sequence[Checked[T]]) -> list[T] | None:
    """Every value read, or None when one could not be read (its findings say why)."""
    values = [r.value for r in reads]
    return None if any(v is None for v in values) else [v for v in values if v is not None]


def first_error(findings: tuple[Finding, ...] | list[Finding]) -> Finding | None:
    return next((f for f in findings if f.is_error), None)
