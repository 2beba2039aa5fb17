"""The one interface a scheme's rules offer the engine and the adapters: a ``RuleSet``.

Each scheme module (jingan.py, gaojing.py) ends with its ``RULESET``; kaohe.rules.registry names them
by ``meta.kind``. The engine, the template, the papers, the roll-up and the native builders call only
these fields, so none of them asks which scheme it is: a new scheme is a new module with a RULESET, a
TOML file, and a line in the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from ..findings import Checked
from ..params import Params
from ..results import Table
from .grading import Ladder


class Scheme(Protocol):
    """What every scheme's data offers beyond its own fields: its parameters, id and clauses."""

    @property
    def params(self) -> Params: ...

    @property
    def id(self) -> str: ...

    def cite(self, path: str) -> str: ...


S = TypeVar("S")
Rows = Sequence[Mapping[str, object]]
Bound = tuple[str, str, str]  # ("whole" | "decimal" | "percent", low, high): a number, or a parameter's path


@dataclass(frozen=True)
class SheetLayout:
    """An input sheet as the workbook shows it (WORKBOOK.md): key, inputs, results, number formats,
    dropdowns, and the bounds its number inputs are validated against on screen (kaohe.validation)."""

    sheet: str
    key: str
    inputs: tuple[str, ...]
    results: tuple[str, ...]
    formats: Mapping[str, str]
    choices: Mapping[str, tuple[str, ...]]
    numbers: Mapping[str, Bound] = field(default_factory=dict)


@dataclass(frozen=True)
class Distribution:
    """A result column counted by its values: 居民区's 最终等次 by the grades of the ladder, and so on."""

    title: str
    sheet: str
    column: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class PaperColumn:
    """A column of a printed table: the field it shows, its header, its width in columns, its number format."""

    field: str
    header: str
    span: int = 1
    number_format: str | None = None


@dataclass(frozen=True)
class Listing:
    """The publicity list (公示): its opening sentence, its columns, its rows (each row's cells by column)."""

    opening: str
    columns: tuple[PaperColumn, ...]
    rows: list[list[object]]


@dataclass(frozen=True)
class RuleSet(Generic[S]):
    """A scheme's rules as the engine and the adapters see them."""

    kind: str  # meta.kind of the scheme files that use it
    from_params: Callable[[Params], S]
    # --- sheets (WORKBOOK.md): the area sheet, then the people sheet that builds on its results
    area_sheet: str
    people_sheet: str
    inputs: Mapping[str, tuple[str, ...]]  # sheet → the input headers it must have
    results: Mapping[str, tuple[str, ...]]  # sheet → its result headers
    layouts: Callable[[S], tuple[SheetLayout, SheetLayout]]  # the two input sheets as the workbook shows them
    money: str  # the people sheet's money column
    # --- scoring
    score_areas: Callable[[S, Rows], Table]
    score_people: Callable[[S, Rows, Table], Table]
    # --- grading: the pools GRADE_QUOTA takes, each one's ladder and caps, who may not have the best grade
    pools: tuple[str, ...]
    pool_caps: Callable[[S, str, int, object], Checked[tuple[Ladder, dict[str, int]]]]
    barred: Callable[[S, str, str | None, object], bool]
    grade_names: Callable[[S], dict[str, tuple[str, ...]]]  # graded sheet → its grades, best first
    distributions: Callable[[S], tuple[Distribution, ...]]  # what 汇总 and the copy's 封面 count
    # --- money: one person's (keyword arguments: post, grade, area_grade, base, category, reason, months)
    pay: Callable[..., Checked[float | str]]
    # --- papers: the blank papers printed (kaohe.papers names them), the feedback page, the publicity list
    blank_papers: tuple[str, ...]
    feedback_parts: Callable[[S, str, Mapping[str, object], Mapping[str, object]], list[dict[str, object]]]
    feedback_columns: tuple[PaperColumn, ...]  # the parts table of an area's feedback page
    feedback_staff: tuple[PaperColumn, ...]  # the people results listed on it (none: no staff table)
    publicity: Callable[[S, Mapping[str, Table], Rows], Listing]
    # --- rating forms (测评表): tallied into the session inputs; the posts rated as leaders
    rated_on_forms: bool = False
    leader_posts: tuple[str, ...] = ()
    native: str = ""  # the module of kaohe.native that builds its formula workbook


AnyRuleSet = RuleSet[Any]
