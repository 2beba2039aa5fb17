"""Each scheme's test cases as data: ``kaohe/schemes/<id>.cases.toml``, one pytest parameter per case.

A case (README "Schemes as data"; the format is described at the top of each cases file) gives the
input sheets' rows under their WORKBOOK.md headers, optional parameter overrides (the 参数 sheet's
dotted paths), the result cells the document says they must give, and the findings expected. The
expected values are worked by hand from the document, the arithmetic in comments beside them.

Each case goes through the path `kaohe calc` takes: a real workbook is written (its 参数 sheet holding
the overrides, as a clerk would change them), read back by the headless reader and calculated
(workbook.read_inputs → workbook.calculate → checking.all_findings). An error-level finding that the
case does not list fails it: a case states every error its inputs give.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest
from openpyxl import Workbook

from kaohe import checking, engine
from kaohe.book import put
from kaohe.params import CASES_SUFFIX, PARAM_SHEET, SCHEME_DIR, builtin_ids, load, sheet_rows, with_overrides
from kaohe.workbook import calculate, read_inputs

CASE_FIELDS = {"name", "clause", "known_issue", "params", "input", "expect", "findings"}
FINDING_FIELDS = {"severity", "rule", "clause", "sheet", "key", "field", "cell", "message", "count"}
TOLERANCE = 1e-9


def _files() -> list[Path]:
    return sorted(SCHEME_DIR.glob(f"*{CASES_SUFFIX}"))


def _scheme_id(path: Path) -> str:
    """<id>.cases.toml holds the cases of <id>.toml beside it."""
    return path.name.removesuffix(CASES_SUFFIX)


def _cases() -> list:
    params = []
    for path in _files():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for case in data.get("case", []):
            # a case the code is known to get wrong: expected to fail (by its comparison, not a malformed
            # case) until the code is fixed, and then it must pass
            marks = [pytest.mark.xfail(reason=case["known_issue"], strict=True, raises=pytest.fail.Exception)
                     ] if "known_issue" in case else []
            params.append(pytest.param(path, data, case, id=f"{_scheme_id(path)}:{case.get('name')}", marks=marks))
    return params


def _clauses(case: dict) -> str:
    clause = case.get("clause", "")
    return "、".join(clause) if isinstance(clause, list) else clause


def _table_rows(block: dict, where: str) -> list[dict]:
    """A block of ``columns`` and ``rows`` as one dict per row; "" is a blank cell."""
    columns, rows = block.get("columns"), block.get("rows", [])
    assert isinstance(columns, list) and columns, f"{where}: no columns"
    assert set(block) <= {"columns", "rows"}, f"{where}: unknown fields {sorted(set(block) - {'columns', 'rows'})}"
    for n, row in enumerate(rows, start=1):
        assert len(row) == len(columns), f"{where}: row {n} has {len(row)} cells for {len(columns)} columns"
    return [dict(zip(columns, row)) for row in rows]


def _put_row(ws, r: int, values: list) -> None:
    for c, value in enumerate(values, start=1):
        if value != "":  # "" is a blank cell
            put(ws.cell(r, c), value)


def _write_workbook(path: Path, scheme_id: str, data: dict, case: dict, where: str) -> None:
    """The case's inputs as a clerk's workbook: the 参数 sheet (with the overrides), then each input sheet."""
    params = load(scheme_id)
    if case.get("params"):
        params = with_overrides(params, case["params"])
    scheme = engine.scheme(scheme_id)
    headers = {name: engine.inputs(scheme, name) for name in engine.sheets(scheme)}
    headers.update(engine.optional_sheets(scheme))
    inputs = case.get("input", {})
    unknown = set(inputs) - set(headers)
    assert not unknown, f"{where}: input sheets {sorted(unknown)} are not among {sorted(headers)}"
    wb = Workbook()
    wb.active.title = PARAM_SHEET
    for r, row in enumerate(sheet_rows(params), start=1):
        _put_row(wb[PARAM_SHEET], r, row)
    for name, required in headers.items():
        if name not in inputs and name not in engine.sheets(scheme):
            continue  # an optional sheet the case does not use: absent, as in a workbook without it
        defaults = data.get("defaults", {}).get(name, {})
        rows = [{**defaults, **row} for row in _table_rows(inputs[name], f"{where} input {name}")] if name in inputs else []
        columns = list(dict.fromkeys([*required, *(c for row in rows for c in row)]))
        ws = wb.create_sheet(name)
        for r, row in enumerate([dict(zip(columns, columns)), *rows], start=1):
            _put_row(ws, r, [row.get(c, "") for c in columns])
    wb.save(path)


def _shown(value: object, reason) -> str:
    if value is None:
        return f"empty ({reason.severity.value} {reason.rule}: {reason.message})" if reason else "empty (no reason)"
    return repr(value)


def _compare_results(tables: dict, case: dict, where: str) -> list[str]:
    problems = []
    for sheet, block in case.get("expect", {}).items():
        assert sheet in tables, f"{where}: no result sheet {sheet} (there are {sorted(tables)})"
        table = tables[sheet]
        for row in _table_rows(block, f"{where} expect {sheet}"):
            key, *cells = row.items()
            assert key[0] == table.key_field, f"{where}: expect {sheet}: first column should be {table.key_field}"
            assert key[1] in table.rows, f"{where}: {sheet} has no row {key[1]!r} (rows: {list(table.rows)})"
            for column, want in cells:
                assert column in table.columns, f"{where}: {sheet} has no result column {column}"
                got, reason = table.value(key[1], column), table.reason(key[1], column)
                if isinstance(want, dict):  # { empty = "rule" }: no value, and this rule's finding says why
                    assert set(want) == {"empty"}, f"{where}: a cell expectation is a value or {{ empty = \"rule\" }}"
                    ok = got is None and (reason.rule == want["empty"] if reason else not want["empty"])
                    shown_want = f"empty because of {want['empty']}" if want["empty"] else "empty, with no reason"
                elif isinstance(want, (int, float)) and not isinstance(want, bool):
                    ok = isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
                    shown_want = repr(want)
                else:
                    ok, shown_want = got == want, repr(want)
                if not ok:
                    problems.append(f"{sheet}「{key[1]}」{column}: expected {shown_want}, got {_shown(got, reason)}")
    return problems


def _matches(spec: dict, issue: dict) -> bool:
    for field, want in spec.items():
        if field == "count":
            continue
        got = issue.get(field)
        if field in ("message", "clause") and not (isinstance(got, str) and want in got):
            return False
        if field not in ("message", "clause") and got != want:
            return False
    return True


def _compare_findings(issues: list[dict], case: dict, where: str) -> list[str]:
    problems = []
    specs = case.get("findings", [])
    for spec in specs:
        assert set(spec) <= FINDING_FIELDS, f"{where}: unknown finding fields {sorted(set(spec) - FINDING_FIELDS)}"
        found = [i for i in issues if _matches(spec, i)]
        wanted = spec.get("count")
        if (wanted is None and not found) or (wanted is not None and len(found) != wanted):
            shown = {k: v for k, v in spec.items() if k != "count"}
            problems.append(f"finding {shown}: expected {'at least 1' if wanted is None else wanted}, got {len(found)}"
                            + "".join(f"\n    {i['severity']} {i['rule']} {i['cell']}: {i['message']}" for i in found))
    for issue in issues:
        if issue["severity"] == "error" and not any(_matches(s, issue) for s in specs if s.get("count") != 0):
            problems.append(f"unexpected error {issue['rule']} at {issue['cell'] or issue['key']}: {issue['message']}")
    return problems


@pytest.mark.parametrize(("path", "data", "case"), _cases())
def test_scheme_case(path, data, case, tmp_path):
    scheme_id = _scheme_id(path)
    clause = _clauses(case)
    where = f"{path.name} › {case.get('name')} ({clause})"
    assert set(case) <= CASE_FIELDS, f"{where}: unknown case fields {sorted(set(case) - CASE_FIELDS)}"
    assert clause and all(c.startswith((f"{scheme_id} ", "DOMAIN ")) for c in clause.split("、")), \
        f"{where}: each clause should be cited as “{scheme_id} …” (or “DOMAIN §6” for the common rules)"
    book = tmp_path / "case.xlsx"
    _write_workbook(book, scheme_id, data, case, where)
    inputs = read_inputs(book)
    assert inputs.scheme.id == scheme_id
    tables = calculate(inputs)
    issues = [inputs.issue(f) for f in checking.all_findings(inputs, tables)]
    problems = _compare_results(tables, case, where) + _compare_findings(issues, case, where)
    if problems:
        pytest.fail(f"{where}:\n  " + "\n  ".join(problems), pytrace=False)


def test_every_scheme_has_cases_and_cases_are_not_schemes():
    """A scheme shipped in kaohe/schemes comes with its cases; a cases file is never taken for a scheme."""
    with_cases = {p.name.removesuffix(CASES_SUFFIX) for p in _files()}
    assert set(builtin_ids()) == with_cases
    assert not any(name.endswith(".cases") for name in builtin_ids() + sorted(engine.BUILTIN))
    for path in _files():
        names = [case.get("name") for case in tomllib.loads(path.read_text("utf-8")).get("case", [])]
        assert names and all(names) and len(names) == len(set(names)), f"{path.name}: each case needs its own name"
