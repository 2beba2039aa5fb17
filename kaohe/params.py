"""Scheme parameters as cited data, in the spirit of OpenFisca's parameter files.

A scheme file (``kaohe/schemes/*.toml``) is a tree whose leaves are
``{value, unit, reference, label}`` (+ ``default = true`` where the document is silent and the
street decides). A leaf's value is a scalar or a table (a list of rows). Loading flattens the
tree to dotted paths; a street's own values (its copy of a file, or the workbook's 参数 sheet)
override leaves by path. Each rule set reads its leaves through a :class:`ParamReader`, which
turns every missing, unknown or ill-formed key into a Chinese finding naming file and key.

``listed = false`` on a leaf keeps it off the workbook's 参数 sheet: it lives in the scheme file
only, and a street changes it in its own copy of the file (``--scheme FILE``). Such leaves are
the defaults and clause references a workbook's formulas are built with, not values a clerk
retypes each year. Two rules keep them from changing unseen: a 参数 sheet that names one is
refused (:func:`from_sheet_rows`), and a workbook is not built from a scheme that changes one
while its ``meta.id`` names a built-in scheme (:func:`sheet_rows`), since reading the workbook
back would take the built-in value.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from .contract import PARAM_SHEET
from .findings import Finding, Where, error

SCHEME_DIR = Path(__file__).parent / "schemes"
DEFAULT_NOTE = "文件未规定，由街道（镇）确定"


@dataclass(frozen=True, slots=True)
class Param:
    path: str
    value: object
    unit: str
    reference: str
    label: str
    default: bool | tuple[str, ...] = False  # the document is silent here: DOMAIN.md's default (or only these fields)
    note: str = ""
    listed: bool = True  # shown on the workbook's 参数 sheet; false: in the scheme file only (module docstring)


@dataclass(frozen=True, slots=True)
class Params:
    """A scheme's metadata and its leaves by dotted path, in file order."""

    meta: Mapping[str, str]
    leaves: Mapping[str, Param]
    source: str

    @property
    def kind(self) -> str:
        return self.meta.get("kind", "")

    def flat_rows(self, unlisted: bool = False) -> list[tuple[str, object, Param]]:
        """One (path, scalar, leaf) per scalar of the leaves the 参数 sheet lists (with ``unlisted``, of every
        leaf): a table's cells as ``path.N.field``, N from 1."""
        rows: list[tuple[str, object, Param]] = []
        for leaf in self.leaves.values():
            if not (leaf.listed or unlisted):
                continue
            if isinstance(leaf.value, list):
                for n, row in enumerate(leaf.value, start=1):
                    rows += [(f"{leaf.path}.{n}.{k}", v, leaf) for k, v in row.items()]
            else:
                rows.append((leaf.path, leaf.value, leaf))
        return rows


class SchemeError(ValueError):
    """A scheme file or 参数 sheet that cannot be used; ``findings`` says every reason."""

    def __init__(self, findings: Iterable[Finding]):
        self.findings = tuple(findings)
        super().__init__("；".join(f.message for f in self.findings))


def _problem(source: str, path: str, message: str, allowed=None, actual=None) -> Finding:
    return error("方案参数", "kaohe 方案参数", f"{source}：参数 {path} {message}",
                 Where(PARAM_SHEET, path, "值"), allowed, actual)


def _walk(node: Mapping, prefix: str, source: str, out: dict[str, Param], problems: list[Finding]) -> None:
    for key, child in node.items():
        path = f"{prefix}.{key}" if prefix else key
        if not isinstance(child, dict):
            problems.append(_problem(source, path, "应为带 value/unit/reference 的参数或参数组"))
        elif "value" in child:
            missing = [k for k in ("unit", "reference", "label") if k not in child]
            extra = set(child) - {"value", "unit", "reference", "label", "default", "note", "listed"}
            if missing or extra:
                problems.append(_problem(source, path, f"缺少{'、'.join(missing)}" if missing
                                         else f"有未知字段{'、'.join(sorted(extra))}"))
                continue
            listed = child.get("listed", True)
            if not isinstance(listed, bool):
                problems.append(_problem(source, path, f"的 listed 应为 true 或 false，现为“{listed}”", actual=listed))
                continue
            default = child.get("default", False)
            out[path] = Param(path, child["value"], child["unit"], child["reference"], child["label"],
                              tuple(default) if isinstance(default, list) else bool(default), child.get("note", ""),
                              listed)
        else:
            _walk(child, path, source, out, problems)


def parse(text: str, source: str) -> Params:
    try:
        tree = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError([_problem(source, "(文件)", f"不是有效的 TOML：{exc}")]) from None
    meta = tree.pop("meta", None)
    problems: list[Finding] = []
    if not isinstance(meta, dict) or not {"id", "kind", "title"} <= set(meta):
        problems.append(_problem(source, "meta", "缺少 id、kind、title"))
        meta = {}
    leaves: dict[str, Param] = {}
    _walk(tree, "", source, leaves, problems)
    if problems:
        raise SchemeError(problems)
    return Params({k: str(v) for k, v in meta.items()}, leaves, source)


def load(name_or_path: str | Path) -> Params:
    """A built-in scheme by id (``jingan``, ``gaojing-2024``) or a street's own file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCHEME_DIR / f"{name_or_path}.toml"
        if not path.exists():
            known = "、".join(builtin_ids())
            raise SchemeError([_problem(str(name_or_path), "(方案)", f"不是已知方案；已知：{known}")])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemeError([_problem(str(path), "(文件)", f"无法读取：{exc.strerror}")]) from None
    return parse(text, path.name)


CASES_SUFFIX = ".cases.toml"  # a scheme's test cases beside it (tests/test_scheme_cases.py), not a scheme


def builtin_ids() -> list[str]:
    return sorted(p.stem for p in SCHEME_DIR.glob("*.toml") if not p.name.endswith(CASES_SUFFIX))


def with_overrides(params: Params, values: Mapping[str, object], source: str = PARAM_SHEET) -> Params:
    """The same scheme with some scalars replaced, addressed as in :meth:`Params.flat_rows`."""
    leaves = dict(params.leaves)
    problems: list[Finding] = []
    for path, value in values.items():
        if path in leaves and not isinstance(leaves[path].value, list):
            leaves[path] = replace(leaves[path], value=_same_kind(leaves[path].value, value))
            continue
        table, _, cell = path.rpartition(".")
        table, _, index = table.rpartition(".")
        leaf = leaves.get(table)
        if leaf is None or not isinstance(leaf.value, list) or not index.isdigit() \
                or not 1 <= int(index) <= len(leaf.value) or cell not in leaf.value[int(index) - 1]:
            problems.append(_problem(source, path, "不是该方案的参数"))
            continue
        rows = [dict(r) for r in leaf.value]
        rows[int(index) - 1][cell] = _same_kind(rows[int(index) - 1][cell], value)
        leaves[table] = replace(leaf, value=rows)
    if problems:
        raise SchemeError(problems)
    return Params(params.meta, leaves, source)


def _same_kind(old: object, new: object) -> object:
    """Spreadsheets hand every number back as float: keep whole numbers whole."""
    if isinstance(new, float) and new.is_integer() and isinstance(old, int) and not isinstance(old, bool):
        return int(new)
    return new


@lru_cache(maxsize=1024)
def exact(x: float) -> Fraction:
    """The decimal a person typed (0.8, not 0.8000000000000000444): comparisons of shares use it."""
    return Fraction(repr(x)) if isinstance(x, float) else Fraction(x)


class ParamReader:
    """Reads typed values off :class:`Params`, collecting every problem as a finding.

    A missing or ill-typed key gives a placeholder and a finding; :meth:`finish` raises them
    all at once, with the keys nobody read (unknown keys) among them.
    """

    def __init__(self, params: Params):
        self.params = params
        self.used: set[str] = set()
        self.problems: list[Finding] = []

    def problem(self, path: str, message: str, allowed=None, actual=None) -> None:
        self.problems.append(_problem(self.params.source, path, message, allowed, actual))

    def leaf(self, path: str) -> Param | None:
        self.used.add(path)
        found = self.params.leaves.get(path)
        if found is None:
            self.problem(path, "缺失")
        return found

    def ref(self, path: str) -> str:
        found = self.params.leaves.get(path)
        return found.reference if found else path

    def number(self, path: str, lo: float | None = None, hi: float | None = None,
               integer: bool = False, open_low: bool = False) -> float:
        """A number leaf; a missing or bad one gives a finding and a placeholder (NaN, or 0 if integer)."""
        leaf = self.leaf(path)
        if leaf is None:
            return 0 if integer else float("nan")
        return self._check_number(path, leaf.value, lo, hi, integer, open_low)

    def _check_number(self, path, value, lo, hi, integer, open_low) -> float:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.problem(path, "的值为空")
            return 0 if integer else float("nan")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.problem(path, f"应为数字，现为“{value}”", actual=value)
            return 0 if integer else float("nan")
        bad_low = lo is not None and (value <= lo if open_low else value < lo)
        if bad_low or (hi is not None and value > hi):
            bracket = "(" if open_low else "["
            self.problem(path, f"为{value:g}，应在{bracket}{lo:g}, {hi:g}]内" if hi is not None
                         else f"为{value:g}，应不小于{lo:g}", actual=value)
        if integer and float(value) != int(value):
            self.problem(path, f"为{value:g}，应为整数", actual=value)
        return int(value) if integer else value

    def share(self, path: str) -> float:
        """A share or quota: in (0, 1]."""
        return self.number(path, lo=0, hi=1, open_low=True)

    def weight(self, path: str) -> float:
        """A weight: in [0, 1]."""
        return self.number(path, lo=0, hi=1)

    def choice(self, path: str, options: Iterable[str]) -> str:
        """One of ``options`` (none at all when the table they come from is itself wrong)."""
        leaf = self.leaf(path)
        options = tuple(options)
        if leaf is None or not options:
            return options[0] if options else ""
        if leaf.value not in options:
            self.problem(path, f"为“{leaf.value}”，应为{' / '.join(options)}之一",
                         allowed=" / ".join(options), actual=leaf.value)
            return options[0]
        return leaf.value

    def text(self, path: str) -> str:
        leaf = self.leaf(path)
        return str(leaf.value) if leaf else ""

    def rows(self, path: str, fields: Mapping[str, str]) -> list[dict]:
        """A table leaf; ``fields`` maps each field to 'num' or 'text', a trailing '?' if optional.

        A table with any problem comes back empty (its problems recorded), so that nothing
        downstream computes with a blank or mistyped cell before :meth:`finish` reports it.
        """
        leaf = self.leaf(path)
        if leaf is None:
            return []
        if not isinstance(leaf.value, list) or not leaf.value or not all(isinstance(r, dict) for r in leaf.value):
            self.problem(path, "应为非空的表（行的列表）")
            return []
        before = len(self.problems)
        for n, row in enumerate(leaf.value, start=1):
            for name in set(row) - {f.rstrip("?") for f in fields}:
                self.problem(f"{path}.{n}.{name}", "是未知字段")
            for name, kind in fields.items():
                key, optional = name.rstrip("?"), name.endswith("?")
                if key not in row:
                    if not optional:
                        self.problem(f"{path}.{n}.{key}", "缺失")
                elif kind == "num":
                    self._check_number(f"{path}.{n}.{key}", row[key], None, None, False, False)
                elif not isinstance(row[key], str) or not row[key].strip():
                    self.problem(f"{path}.{n}.{key}", f"应为文字，现为“{row[key]}”", actual=row[key])
        return leaf.value if len(self.problems) == before else []

    def sums_to(self, paths: Iterable[str], total: float, what: str) -> None:
        """Weights or points that must add up (exactly, as typed decimals)."""
        paths = list(paths)
        values = [self.params.leaves[p].value for p in paths if p in self.params.leaves]
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) and not math.isnan(v) for v in values)
        if len(values) == len(paths) and numbers and not math.isnan(total):
            actual = sum(exact(v) for v in values)
            if actual != exact(total):
                self.problem(paths[0].rsplit(".", 1)[0], f"{what}合计为{float(actual):g}，应为{total:g}",
                             allowed=total, actual=float(actual))

    def finish(self) -> None:
        for path in self.params.leaves:
            if path not in self.used:
                self.problem(path, "是未知参数（方案中没有这一项）")
        if self.problems:
            raise SchemeError(self.problems)


# --- the workbook's 参数 sheet ----------------------------------------------------------------

SHEET_HEADER = ("参数", "名称", "值", "单位", "依据", "说明")
_PATH = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")  # a parameter's dotted path, e.g. area.weights.street
SCHEME_ROW = "meta.id"


def sheet_rows(params: Params) -> list[list[object]]:
    """The 参数 sheet: a header, the scheme's id, then one row per scalar of a listed leaf with its clause and
    unit. Refused (SchemeError) when an unlisted leaf differs from the built-in scheme its meta.id names."""
    if problems := unlisted_changes(params):
        raise SchemeError(problems)
    rows: list[list[object]] = [list(SHEET_HEADER),
                                [SCHEME_ROW, "方案", params.meta["id"], "", params.meta["title"], ""]]
    for path, value, leaf in params.flat_rows():
        notes = [DEFAULT_NOTE] if is_default(leaf, path) else []
        notes += [leaf.note] if leaf.note else []
        rows.append([path, leaf.label, value, leaf.unit, leaf.reference, "；".join(notes)])
    return rows


def unlisted_changes(params: Params) -> list[Finding]:
    """Unlisted leaves whose value differs from the built-in scheme that ``meta.id`` names: a workbook keeps
    only the id and the listed values, so it would be read back with the built-in value. None for a scheme
    of its own id (reading its workbook needs its file: ``--scheme``)."""
    name = params.meta.get("id", "")
    if name not in builtin_ids():
        return []
    base = load(name).leaves
    return [_problem(params.source, path, f"不在“参数”表中列出（listed = false），其值与内置方案{name}不同；工作簿只记录方案名，"
                     f"读回时会按内置方案的值计算：请为本方案另起 meta.id，并用 --scheme 指定方案文件",
                     allowed=base[path].value if path in base else None, actual=leaf.value)
            for path, leaf in params.leaves.items()
            if not leaf.listed and (path not in base or base[path].value != leaf.value)]


def _unlisted_leaf(params: Params, path: str) -> Param | None:
    """The unlisted leaf a 参数 path addresses (a scalar leaf, or a cell ``leaf.N.field`` of a table), if any."""
    for candidate in (path, path.rsplit(".", 2)[0]):
        leaf = params.leaves.get(candidate)
        if leaf is not None and not leaf.listed:
            return leaf
    return None


def is_default(leaf: Param, path: str) -> bool:
    """Whether a scalar (a leaf, or a table cell ``leaf.N.field``) is a default rather than the document's."""
    if isinstance(leaf.default, bool):
        return leaf.default
    cell = path[len(leaf.path) + 1:]  # "N.field"
    return cell.split(".")[-1] in leaf.default or cell in leaf.default


def from_sheet_rows(grid: Iterable[Iterable[object]]) -> Params:
    """A scheme from a 参数 sheet as read (rows of cells): its base scheme with the sheet's values."""
    rows = [list(r) for r in grid]
    header = next((i for i, r in enumerate(rows) if "参数" in r and "值" in r), None)
    if header is None:
        raise SchemeError([_problem(PARAM_SHEET, "(表头)", "找不到含“参数”和“值”的表头行")])
    path_col, value_col = rows[header].index("参数"), rows[header].index("值")
    values: dict[str, object] = {}
    problems: list[Finding] = []
    for r in rows[header + 1:]:
        path = r[path_col] if path_col < len(r) else None
        if not isinstance(path, str) or not _PATH.match(path.strip()):
            continue  # a note or a heading a clerk added: not a parameter
        path = path.strip()
        if path in values:
            problems.append(_problem(PARAM_SHEET, path, "出现不止一次，无法确定用哪一个值"))
        values[path] = r[value_col] if value_col < len(r) else None
    if problems:
        raise SchemeError(problems)
    base = values.pop(SCHEME_ROW, None)
    if not isinstance(base, str) or not base.strip():
        raise SchemeError([_problem(PARAM_SHEET, SCHEME_ROW, "未填方案名称")])
    scheme = load(base.strip())
    # Refused rather than taken: the workbook's own formulas (the .xlsm's 参数 range, the formula workbook's
    # cells) are laid out from the listed rows, so a value they never see would make Excel's results and
    # kaohe calc's differ. Such a value belongs in the street's copy of the scheme file.
    unlisted = [_problem(PARAM_SHEET, path, "不在“参数”表的参数之列（只能在方案文件中修改：复制方案文件，改后用 --scheme "
                         "指定），请删去这一行") for path in values if _unlisted_leaf(scheme, path) is not None]
    if unlisted:
        raise SchemeError(unlisted)
    return with_overrides(scheme, values)
