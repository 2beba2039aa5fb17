"""kaohe 的 Excel 函数（xlwings UDF）：KAOHE_AREA、KAOHE_STAFF、GRADE_QUOTA、BONUS、KAOHE_FORMS.

Block functions: one call takes a whole input table (or column) and returns the whole result
block, one row per input row below the header, matched by position. Entered as a legacy array
formula over the result block (select it, type the formula, Ctrl+Shift+Enter), so a
recalculation makes one call per block, not one per cell. They return lists of lists of exactly
the input's height (never ``@xw.ret(expand=...)``): Excel fills the selected block with them.

Thin translations to ``kaohe.engine``: they decide no rule. Nothing raises out of them: bad
input shows as a short Chinese message with its clause, in the cells it concerns (or in every
cell of the block when the whole call cannot be made). A row without a key gives blank results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar

import xlwings as xw

from kaohe import engine
from kaohe.findings import error
from kaohe.grid import header_index, long_table
from kaohe.params import SchemeError
from kaohe.reading import is_blank
from kaohe.results import Table
from kaohe.rules.sessions import SESSIONS

CATEGORY = "kaohe 考核"
SCHEME_DOC = "方案：内置方案名（\"jingan\" 或 \"gaojing-2024\"），或本工作簿“参数”表的区域（含表头）"
Block = list[list[object]]


def _crash(exc: Exception) -> str:
    return f"#错误：kaohe 内部错误（{type(exc).__name__}: {exc}），请把此工作簿发给维护人员"


class _Unusable(Exception):
    """An argument the whole call cannot use; its message fills the block."""


def _filled(message: str, height: int, width: int) -> Block:
    return [[message] * max(width, 1) for _ in range(max(height, 1))]


def _guard(compute: Callable[[], Block], height: int, width: int) -> Block:
    """Run a UDF body: a failure of the whole call becomes its message in every cell of the block."""
    try:
        return compute()
    except SchemeError as exc:
        message = exc.findings[0].short()
    except _Unusable as exc:
        message = str(exc)
    except Exception as exc:  # noqa: BLE001 — a UDF must never hand Excel a traceback
        message = _crash(exc)
    return _filled(message, height, width)


R = TypeVar("R")


class _Recent(Generic[R]):
    """The last few computations, found again by comparing arguments with ==.

    xlwings hands every call fresh lists; comparing them with the few recent ones runs at C
    speed and copies nothing. KAOHE_AREA and KAOHE_STAFF over the same tables share one computation.
    """

    def __init__(self, size: int = 4):
        self.size = size
        self.entries: list[tuple[tuple, R]] = []

    def get(self, args: tuple, compute: Callable[[], R]) -> R:
        for i, (seen, result) in enumerate(self.entries):
            if len(seen) == len(args) and all(a is b or a == b for a, b in zip(seen, args)):
                if i:
                    self.entries.insert(0, self.entries.pop(i))
                return result
        result = compute()
        self.entries.insert(0, (args, result))
        del self.entries[self.size:]
        return result


Found = dict[str, "_Input | dict"]  # each table given, by sheet: rows (area, people) or columns (测评表)
Means = dict[str, list[Mapping[str, object]]]  # the session means of each sheet's rows (engine.form_means)
_schemes: _Recent[engine.Scheme] = _Recent()
_computed: _Recent[tuple[Found, engine.Calculated, Means] | _Unusable] = _Recent()
_tallies: _Recent[tuple[Found, Means] | _Unusable] = _Recent()


def _scheme(spec: object) -> engine.Scheme:
    """A scheme from a name (as text, or a one-cell range holding it) or from the 参数 range."""
    if isinstance(spec, list):
        grid = spec if spec and isinstance(spec[0], list) else [spec]
        if len(grid) == 1 and len(grid[0]) == 1:
            spec = grid[0][0]
        else:
            return _schemes.get((grid,), lambda: engine.scheme(grid))
    if not isinstance(spec, str) or not spec.strip():
        raise SchemeError([error("方案参数", "kaohe 方案参数",
                                        "未给方案：请填方案名（如 \"jingan\"）或选中“参数”表区域")])
    return engine.scheme(spec)


def _rows(grid: object) -> Block:
    if not isinstance(grid, list):
        return [[grid]]
    return [row if isinstance(row, list) else [row] for row in grid]


def _column(cells: object) -> list[object]:
    """A column (or row) range, or one cell, as a flat list."""
    if not isinstance(cells, list):
        return [cells]
    return [c for row in cells for c in (row if isinstance(row, list) else [row])]


def _names(spec: object) -> list[str]:
    """Result (or session) names: one text, or the header cells over the block, in order."""
    return [str(c).strip() if c is not None else "" for c in _column(spec)]


class _Input:
    """One input table as xlwings hands it: its records, and each grid row below the header as a
    record number (None for a blank row), so results go back to the rows they came from."""

    def __init__(self, sheet: str, grid: Block, required: Sequence[str]):
        self.sheet, self.at = sheet, header_index(grid, required)
        if self.at is None:
            header = {str(c).strip() for c in (grid[0] if grid else []) if isinstance(c, str)}
            absent = "、".join(h for h in required if h not in header)
            raise _Unusable(f"#错误：{sheet}区域应从表头行开始，缺少表头：{absent}（见工作簿说明）")
        labels = [str(c).strip() if isinstance(c, str) else "" for c in grid[self.at]]
        self.records: list[dict[str, object]] = []
        self.slots: list[int | None] = []
        for row in grid[self.at + 1:]:
            if all(is_blank(c) for c in row):
                self.slots.append(None)
                continue
            self.slots.append(len(self.records))
            self.records.append({label: cell for label, cell in zip(labels, row) if label})


def _height(grid: object) -> int:
    """How many result rows a table argument asks for: its rows below the first (the header)."""
    return max(len(_rows(grid)) - 1, 1)


def _inputs(s: engine.Scheme, areas: object, people: object, forms: object) -> dict[str, _Input | dict]:
    area_sheet, people_sheet = engine.sheets(s)
    found: dict[str, _Input | dict] = {area_sheet: _Input(area_sheet, _rows(areas), engine.inputs(s, area_sheet))}
    if people is not None:
        found[people_sheet] = _Input(people_sheet, _rows(people), engine.inputs(s, people_sheet))
    forms_sheet = sessions_sheet(s)
    if forms is not None and forms_sheet:
        found[forms_sheet] = long_table(_rows(forms), engine.optional_sheets(s)[forms_sheet]) or {}
    return found


def sessions_sheet(s: engine.Scheme) -> str | None:
    return next(iter(engine.optional_sheets(s)), None)


def _tables(found: dict[str, _Input | dict]) -> dict[str, list | dict]:
    return {name: table.records if isinstance(table, _Input) else table for name, table in found.items()}


_TALLIES = {engine.tally_label(c): c for c in SESSIONS}  # "党员群众测评（测评表）" → "党员群众测评"


def _computed_block(scheme: object, results: object, areas: object, people: object, forms: object,
                    sheet_of: Callable[[engine.Scheme], str]) -> Block:
    s = _scheme(scheme)
    columns = _names(results)

    def compute() -> tuple[Found, engine.Calculated, Means] | _Unusable:
        try:
            found = _inputs(s, areas, people, forms)
        except _Unusable as exc:
            return exc
        tables = _tables(found)
        means = engine.form_means(s, tables) if forms is not None and sessions_sheet(s) else ([], [])
        return found, engine.calculate(s, tables), dict(zip(engine.sheets(s), means))
    done = _computed.get((s, areas, people, forms), compute)
    if isinstance(done, _Unusable):
        raise done
    found, tables, means = done
    sheet = sheet_of(s)
    rows = found.get(sheet)
    if not isinstance(rows, _Input):  # the area or people table: given row by row
        raise _Unusable(f"#错误：未给{sheet}区域（见工作簿说明）")
    return _aligned(rows, tables[sheet], columns, means[sheet])


def _aligned(rows: _Input, table: Table, columns: list[str], means: Sequence[Mapping[str, object]]) -> Block:
    """The block: one row per input row ("" for a blank row or a row without a key), a column per
    result, or per session tally (what the row's blank session cell is scored with)."""
    known = set(table.columns) | (set(_TALLIES) if means else set())
    wrong = {c: f"#错误：结果“{c}”应为{'、'.join(table.columns)}之一" for c in columns if c not in known}
    block: Block = []
    for slot in rows.slots:
        key = table.order[slot] if slot is not None else ""
        if slot is None or not key:
            block.append([""] * len(columns))
            continue
        block.append([wrong[c] if c in wrong else _mean(means[slot].get(_TALLIES[c])) if c in _TALLIES else
                      _shown(table, key, c) for c in columns])
    return block


def _shown(table: Table, key: str, column: str) -> object:
    value = table.value(key, column)
    if value is not None:
        return value
    reason = table.reason(key, column)
    return reason.short() if reason else ""


@xw.func(category=CATEGORY)
@xw.arg("scheme", ndim=2, doc=SCHEME_DOC)
@xw.arg("results", ndim=1, doc="结果列名，按结果区域的列序，如 {\"总分\",\"建议等次\",\"最终等次\"}；"
                               "jingan 还可列测评表统计，如 \"党员群众测评（测评表）\"")
@xw.arg("areas", ndim=2, err_to_str=True, doc="居民区表的输入区域，从表头行开始（只含输入列），如 居民区!$A$1:$I$61")
@xw.arg("people", ndim=2, err_to_str=True, doc="jingan：工作人员表的输入区域（测评表统计要用），从表头行开始")
@xw.arg("forms", ndim=2, err_to_str=True, doc="jingan：测评表区域，从表头行开始；居民区表中空着的测评列按它统计")
def KAOHE_AREA(scheme, results, areas, people=None, forms=None):
    """居民区的考核结果区域：每个输入行一行、每个结果一列（总分、等次、排名等），以数组公式输入；输入有误时显示原因和依据条款。"""
    return _guard(lambda: _computed_block(scheme, results, areas, people, forms, lambda s: engine.sheets(s)[0]),
                  _height(areas), len(_names(results)))


@xw.func(category=CATEGORY)
@xw.arg("scheme", ndim=2, doc=SCHEME_DOC)
@xw.arg("results", ndim=1, doc="结果列名，按结果区域的列序，如 {\"得分\",\"奖金\"}；jingan 还可列测评表统计")
@xw.arg("people", ndim=2, err_to_str=True, doc="工作人员（或人员奖励）表的输入区域，从表头行开始")
@xw.arg("areas", ndim=2, err_to_str=True, doc="居民区表的输入区域，从表头行开始")
@xw.arg("forms", ndim=2, err_to_str=True, doc="jingan：测评表区域，从表头行开始；空着的测评列按它统计")
def KAOHE_STAFF(scheme, results, people, areas, forms=None):
    """工作人员的考核结果区域（得分、等次、奖金；高境镇为档次、奖励金额），每个输入行一行，以数组公式输入。"""
    return _guard(lambda: _computed_block(scheme, results, areas, people, forms, lambda s: engine.sheets(s)[1]),
                  _height(people), len(_names(results)))


@xw.func(category=CATEGORY)
@xw.arg("scheme", ndim=2, doc=SCHEME_DOC)
@xw.arg("sessions", ndim=1, doc="测评列名（居民区互评 / 党员群众测评 / 内部互评 / 书记主任考评），按区域的列序")
@xw.arg("forms", ndim=2, err_to_str=True, doc="测评表区域，从表头行开始（测评、居民区、表号、评分人、对象、评分）")
@xw.arg("areas", ndim=2, err_to_str=True, doc="居民区表的输入区域，从表头行开始")
@xw.arg("people", ndim=2, err_to_str=True, doc="工作人员表的输入区域，从表头行开始")
@xw.arg("sheet", doc="结果对齐哪张表的行：居民区 或 工作人员")
def KAOHE_FORMS(scheme, sessions, forms, areas, people, sheet):
    """测评表统计区域：每行对象在各次测评中的有效测评表平均分（档次与分值核对、A档比例、作废表、自评均按规则）。
    测评列空着时计算按此值；填了数则按所填值（与统计不符时检查给出警告）。"""
    target = str(sheet or "").strip()
    columns = _names(sessions)

    def compute() -> Block:
        s = _scheme(scheme)
        if sessions_sheet(s) is None:
            raise _Unusable("#错误：测评表统计只用于静安指导意见（jingan 五）")
        if target not in engine.sheets(s):
            raise _Unusable(f"#错误：对象表应为{'、'.join(engine.sheets(s))}之一")

        def tally() -> tuple[Found, Means] | _Unusable:
            try:
                found = _inputs(s, areas, people, forms)
            except _Unusable as exc:
                return exc
            return found, dict(zip(engine.sheets(s), engine.form_means(s, _tables(found))))
        done = _tallies.get((s, forms, areas, people), tally)
        if isinstance(done, _Unusable):
            raise done
        found, means = done
        rows = found[target]
        assert isinstance(rows, _Input)  # target is the area or the people sheet, given row by row
        return [["" if slot is None else _mean(means[target][slot].get(c)) for c in columns] for slot in rows.slots]
    return _guard(compute, _height(areas if target == "居民区" else people), len(columns))


def _mean(value: object) -> object:
    return "" if value is None else value


def _broadcast(cells: object, height: int) -> list[object]:
    """An optional column argument: blank, one cell for every row, or one cell per row."""
    column = _column(cells)
    return column * height if len(column) == 1 else column


@xw.func(category=CATEGORY)
@xw.arg("scheme", ndim=2, doc=SCHEME_DOC)
@xw.arg("pool", doc="对象：居民区 / 书记主任 / 其他人员（得分列只列该名额范围内的人，如同一居民区的其他全日制人员）")
@xw.arg("scores", ndim=1, err_to_str=True, doc="同一名额范围内全部得分，如 $J$2:$J$301（空格和“#提示”不计，“#错误”计入人数）")
@xw.arg("area_grade", doc="其他人员：所在居民区最终等次（优秀+1人，较差不设优秀）")
@xw.arg("area_grades", ndim=1, err_to_str=True, doc="书记主任：与得分列逐行对应的所在居民区最终等次（较差的不设优秀）")
def GRADE_QUOTA(scheme, pool, scores, area_grade=None, area_grades=None):
    """名额上限内建议的等次，与得分列逐行对应的一列（以数组公式输入）；并列跨越名额线时均列下一等次，由领导小组调整。"""
    cells = _column(scores)

    def compute() -> Block:
        s, pool_name = _scheme(scheme), str(pool or "").strip()
        aligned = None if area_grades is None else _column(area_grades)
        grades = engine.pool_grades(s, pool_name, cells, area_grade, aligned)
        out: Block = []
        for i, score in enumerate(cells):
            if is_blank(score):
                out.append([""])
                continue
            own = aligned[i] if aligned is not None and i < len(aligned) else area_grade
            graded = engine.grade_of(s, pool_name, score, grades, own)
            out.append([graded.value if graded.value is not None else graded.errors[0].short()])
        return out
    return _guard(compute, len(cells), 1)


@xw.func(category=CATEGORY)
@xw.arg("scheme", ndim=2, doc=SCHEME_DOC)
@xw.arg("posts", ndim=1, doc="岗位列（空行结果为空）")
@xw.arg("grades", ndim=1, doc="jingan：本人最终等次列；gaojing-2024：所在居民区档次列（A档/B档/空）")
@xw.arg("area_grades", ndim=1, doc="jingan：所在居民区最终等次列")
@xw.arg("bases", ndim=1, doc="jingan：奖金基数列（元），或一格通用")
@xw.arg("categories", ndim=1, doc="jingan：人员类别列")
@xw.arg("reasons", ndim=1, doc="jingan：不参加考核原因列（空为参加）")
@xw.arg("months", ndim=1, doc="jingan：在岗月数列（不参加考核时按月折算）")
def BONUS(scheme, posts, grades, area_grades=None, bases=None, categories=None, reasons=None, months=None):
    """奖金（元），与岗位列逐行对应的一列（以数组公式输入）：静安按奖金基数、居民区等次系数和个人等次；高境镇按岗位和居民区档次。"""
    column = _column(posts)

    def compute() -> Block:
        s, n = _scheme(scheme), len(column)
        given = [_broadcast(c, n) for c in (grades, area_grades, bases, categories, reasons, months)]
        out: Block = []
        for i, post in enumerate(column):
            if is_blank(post):
                out.append([""])
                continue
            money = engine.bonus(s, post, *(c[i] if i < len(c) else None for c in given))
            out.append([money.value if money.value is not None else money.errors[0].short() if money.errors else ""])
        return out
    return _guard(compute, len(column), 1)
