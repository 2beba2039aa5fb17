"""kaohe 的 Excel 函数（xlwings UDF）：KAOHE_AREA、KAOHE_STAFF、GRADE_QUOTA、BONUS.

Thin translations to ``kaohe.engine``: they turn the cells xlwings hands over (numbers, text,
None, lists of lists) into engine calls and the engine's answer into one cell. They decide no
rule. Nothing raises out of them: bad input shows as a short Chinese message with its clause.
Not volatile and nothing written to neighbouring cells, so Excel recalculates a cell only when a
range it points at changes; one formula copied down a column works in every Excel version.

The whole-table computations are remembered by the tables' contents: the 300 cells of a column
that point at the same table share one computation per recalculation.
"""

from __future__ import annotations

from collections.abc import Callable

import xlwings as xw

from kaohe import engine
from kaohe.findings import error
from kaohe.grid import long_table, records
from kaohe.params import SchemeError
from kaohe.results import Table

CATEGORY = "kaohe 考核"
SCHEME_DOC = "方案：内置方案名（\"jingan\" 或 \"gaojing-2024\"），或本工作簿“参数”表的区域（含表头）"


def _guard(compute: Callable[[], object]) -> object:
    """Run a UDF body: a SchemeError or any other failure becomes a message in the cell."""
    try:
        return compute()
    except SchemeError as exc:
        return exc.findings[0].short()
    except Exception as exc:  # noqa: BLE001 — a UDF must never hand Excel a traceback
        return f"#错误：kaohe 内部错误（{type(exc).__name__}: {exc}），请把此工作簿发给维护人员"


class _Recent:
    """The last few computations, found again by comparing arguments with ==.

    xlwings hands every call fresh lists; comparing them with the few recent ones runs at C
    speed and copies nothing, cheaper than turning a 300-row range into a hashable key.
    """

    def __init__(self, size: int = 8):
        self.size = size
        self.entries: list[tuple[tuple, object]] = []

    def get(self, args: tuple, compute: Callable[[], object]) -> object:
        for i, (seen, result) in enumerate(self.entries):
            if len(seen) == len(args) and all(a is b or a == b for a, b in zip(seen, args)):
                if i:
                    self.entries.insert(0, self.entries.pop(i))
                return result
        result = compute()
        self.entries.insert(0, (args, result))
        del self.entries[self.size:]
        return result


_schemes, _computed, _pools, _tallies = _Recent(), _Recent(), _Recent(), _Recent()


def _scheme(spec: object) -> engine.Scheme:
    """A scheme from a name (as text, or a one-cell range holding it) or from the 参数 range."""
    if isinstance(spec, list):
        grid = spec if spec and isinstance(spec[0], list) else [spec]
        if len(grid) == 1 and len(grid[0]) == 1:
            spec = grid[0][0]
        else:
            return _schemes.get((grid,), lambda: engine.scheme(grid))
    if not isinstance(spec, str) or not spec.strip():
        raise SchemeError([error("方案参数", "DOMAIN 方案数据",
                                        "未给方案：请填方案名（如 \"jingan\"）或选中“参数”表区域")])
    return engine.scheme(spec)


def _rows(grid: object) -> list[list[object]]:
    if not isinstance(grid, list):
        return [[grid]]
    return [row if isinstance(row, list) else [row] for row in grid]


def _tables(s: engine.Scheme, areas: object, people: object = None) -> dict[str, Table] | str:
    return _computed.get((s, areas, people), lambda: _compute(s, _rows(areas), _rows(people) if people else []))


def _compute(s: engine.Scheme, areas: list[list[object]], people: list[list[object]]) -> dict[str, Table] | str:
    area_sheet, people_sheet = engine.sheets(s)
    found = {}
    for sheet, grid in ((area_sheet, areas), (people_sheet, people)):
        if not grid:
            found[sheet] = []
            continue
        rows = records(grid, engine.inputs(s, sheet))
        if rows is None:
            header = {str(c).strip() for c in grid[0] if isinstance(c, str)}
            absent = "、".join(h for h in engine.inputs(s, sheet) if h not in header)
            return f"#错误：{sheet}区域应从表头行开始，缺少表头：{absent}（WORKBOOK）"
        found[sheet] = rows
    return engine.calculate(s, found)


def _cell(tables: dict[str, Table] | str, sheet: str, key: object, result: object) -> object:
    if isinstance(tables, str):
        return tables
    table = tables[sheet]
    if result not in table.columns:
        return f"#错误：结果“{result}”应为{'、'.join(table.columns)}之一"
    key = str(key).strip() if key is not None else ""
    if key not in table.rows:
        problem = next((f for f in table.findings if f.where.key == key), None)
        return problem.short() if problem else f"#错误：{table.key_field}“{key}”不在{sheet}区域中"
    value = table.value(key, result)
    if value is None:
        reason = table.reason(key, result)
        return reason.short() if reason else ""
    return value


@xw.func(category=CATEGORY)
@xw.arg("scheme", ndim=2, doc=SCHEME_DOC)
@xw.arg("result", doc="结果列名：jingan 为 总分/建议等次/最终等次；gaojing-2024 为 群众满意度/走访联系得分/办实事得分/"
                      "热线得分/总分/排名/档次/建议等次/最终等次/热线综合")
@xw.arg("areas", ndim=2, err_to_str=True, doc="居民区表的输入区域，从表头行开始（只含输入列），如 居民区!$A$1:$I$301")
@xw.arg("area", doc="本行的居民区名称，如 A2")
def KAOHE_AREA(scheme, result, areas, area):
    """居民区的一项考核结果（总分、等次、排名、档次等），按所选方案逐条计算；输入有误时显示原因和依据条款。"""
    def compute():
        s = _scheme(scheme)
        return _cell(_tables(s, areas), engine.sheets(s)[0], area, result)
    return _guard(compute)


@xw.func(category=CATEGORY)
@xw.arg("scheme", ndim=2, doc=SCHEME_DOC)
@xw.arg("result", doc="结果列名：jingan 为 居民区得分/得分/建议等次/最终等次/奖金；gaojing-2024 为 档次/奖励金额")
@xw.arg("people", ndim=2, err_to_str=True, doc="工作人员（或人员奖励）表的输入区域，从表头行开始")
@xw.arg("person", doc="本行的姓名，如 A2")
@xw.arg("areas", ndim=2, err_to_str=True, doc="居民区表的输入区域，从表头行开始")
def KAOHE_STAFF(scheme, result, people, person, areas):
    """工作人员的一项考核结果（得分、等次、奖金；高境镇为档次、奖励金额）；输入有误时显示原因和依据条款。"""
    def compute():
        s = _scheme(scheme)
        return _cell(_tables(s, areas, people), engine.sheets(s)[1], person, result)
    return _guard(compute)


@xw.func(category=CATEGORY)
@xw.arg("scheme", ndim=2, doc=SCHEME_DOC)
@xw.arg("pool", doc="对象：居民区 / 书记主任 / 其他人员（得分列只列该名额范围内的人，如同一居民区的其他全日制人员）")
@xw.arg("score", doc="本行得分，如 J2")
@xw.arg("scores", ndim=1, err_to_str=True, doc="同一名额范围内全部得分，如 $J$2:$J$301（空格和“#提示”不计，“#错误”计入人数）")
@xw.arg("area_grade", doc="其他人员：所在居民区最终等次（优秀+1人，较差不设优秀）；书记主任：本人所在居民区最终等次")
@xw.arg("area_grades", ndim=1, err_to_str=True, doc="书记主任：与得分列逐行对应的所在居民区最终等次（较差的不设优秀）")
def GRADE_QUOTA(scheme, pool, score, scores, area_grade=None, area_grades=None):
    """在名额上限内建议的等次，像 RANK 一样向下复制；并列跨越名额线时均列下一等次，由领导小组调整。"""
    def compute():
        s, cells = _scheme(scheme), scores if isinstance(scores, list) else [scores]
        pool_name = str(pool or "").strip()
        aligned = None if area_grades is None else area_grades if isinstance(area_grades, list) else [area_grades]
        grades = _pools.get((s, pool_name, cells, area_grade, aligned),
                            lambda: engine.pool_grades(s, pool_name, cells, area_grade, aligned))
        graded = engine.grade_of(s, pool_name, score, grades, area_grade)
        return graded.value if graded.value is not None else graded.errors[0].short()
    return _guard(compute)


@xw.func(category=CATEGORY)
@xw.arg("scheme", ndim=2, doc=SCHEME_DOC)
@xw.arg("post", doc="岗位")
@xw.arg("grade", doc="jingan：本人最终等次；gaojing-2024：所在居民区档次（A档/B档/空）")
@xw.arg("area_grade", doc="jingan：所在居民区最终等次")
@xw.arg("base", doc="jingan：奖金基数（元）")
@xw.arg("category", doc="jingan：人员类别")
@xw.arg("reason", doc="jingan：不参加考核原因（空为参加）")
@xw.arg("months", doc="jingan：在岗月数（不参加考核时按月折算）")
def BONUS(scheme, post, grade, area_grade=None, base=None, category=None, reason=None, months=None):
    """奖金（元）：静安按奖金基数、居民区等次系数和个人等次；高境镇按岗位和居民区档次。"""
    def compute():
        money = engine.bonus(_scheme(scheme), post, grade, area_grade, base, category, reason, months)
        if money.value is None:
            return money.errors[0].short() if money.errors else ""
        return money.value
    return _guard(compute)


@xw.func(category=CATEGORY)
@xw.arg("scheme", ndim=2, doc=SCHEME_DOC)
@xw.arg("session", doc="测评：居民区互评 / 党员群众测评 / 内部互评 / 书记主任考评")
@xw.arg("forms", ndim=2, err_to_str=True, doc="测评表区域，从表头行开始（测评、居民区、表号、评分人、对象、评分）")
@xw.arg("areas", ndim=2, err_to_str=True, doc="居民区表的“居民区”列，从表头行开始，如 居民区!$A$1:$A$61")
@xw.arg("staff", ndim=2, err_to_str=True, doc="工作人员表的 姓名、居民区、岗位 三列，从表头行开始，如 工作人员!$A$1:$C$601")
@xw.arg("key", doc="本行的居民区名称或姓名，如 $A2")
def KAOHE_FORMS(scheme, session, forms, areas, staff, key):
    """测评表统计：某次测评中本行对象的有效测评表平均分（档次与分值核对、A档比例、作废表、自评均按规则）；可直接覆盖填写。"""
    def compute():
        s = _scheme(scheme)
        if engine.kind_of(s) != "jingan":
            return "#错误：测评表统计只用于静安指导意见（jingan 五）"
        def tally():
            sheet = long_table(_rows(forms), ("测评", "对象", "评分")) or []
            people = [records(_rows(g), headers) or [] for g, headers in
                      ((areas, ("居民区",)), (staff, ("姓名", "居民区", "岗位")))]
            return engine.tally_forms(s, sheet, *people)
        tallied = _tallies.get((s, forms, areas, staff), tally)
        name, column = str(key or "").strip(), str(session or "").strip()
        for sheet in ("居民区", "工作人员"):
            value = engine.sessions.shown(tallied, sheet, name, column)
            if value is not None:
                return value
        return ""  # no forms for it: the clerk types the value
    return _guard(compute)
