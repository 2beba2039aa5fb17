"""The district's roll-up: many streets' workbooks or submission copies in one workbook.

    kaohe merge FILES_OR_FOLDERS… -o 汇总.xlsx [--json]

Each file is read and recomputed on its own, in a worker process under the time and memory limits
of kaohe.limits, one file at a time (a file that kills or hangs its worker fails alone); a submission copy is
verified too, and every parameter that differs from the named scheme is listed. A file that cannot
be used is listed with its reason and skipped; two files of the same street and year are reported,
and the one whose copy verifies (else the later export, or the later saved file) is the one counted.
The roll-up workbook has:

- 汇总: one row per street — areas and people, grades counted, money, findings, quota compliance,
  whether its copy verifies (and was forced), changed parameters — and a chart of the grades per street;
- 居民区 / 人员: every area and person with their street, inputs as typed and results recomputed;
- 检查结果: every finding of every street; 文件: what became of each file.

An adapter: the grades, money and findings are the engine's; this gathers and writes them.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkContext, SpawnContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import ModuleType

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import checking, engine, limits, printing, submission
from .book import cell_xml, put
from .contract import (
    BARRED_RULE,
    QUOTA_RULE,
    REPORT_HEADER,
    REPORT_SHEET,
    SOURCE_SHEET,
    SUMMARY_SHEET,
    TIE_RULE,
    UNIT_LABEL,
    YEAR_LABEL,
)
from .files import write_atomically
from .findings import Severity
from .results import Table, keys_of
from .workbook import Inputs, WorkbookError, open_book, workbook_info

SUFFIXES = (".xlsx", ".xlsm")
QUOTA_RULES = (QUOTA_RULE, BARRED_RULE)  # a cap exceeded by the final grades (jingan 六, gaojing-2024 五(一))
TIE_RULES = (TIE_RULE,)  # tied at a cap: for the leading group to decide
AREA_SHEET, PEOPLE_SHEET, ISSUE_SHEET, FILE_SHEET = "居民区", "人员", REPORT_SHEET, "文件"


def _candidate(name: str) -> bool:
    """A workbook to read: not Excel's lock file (~$…), nor a hidden or half-written one (.x.xlsx.….partial)."""
    return Path(name).suffix.lower() in SUFFIXES and not name.startswith(("~$", "."))


def workbook_files(paths: Iterable[str | Path]) -> list[Path]:
    """The workbooks named, and those in the folders named (recursively, not following links to folders:
    a link loop cannot trap the walk), in name order. A path that does not exist is kept, to be reported."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            for folder, subfolders, names in os.walk(path):
                subfolders.sort()
                found += sorted(Path(folder) / n for n in names if _candidate(n))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


# --- one street (in a worker process: plain data out) ------------------------------------------------

@dataclass
class Street:
    file: str
    path: str
    unit: str  # 填报单位, or the file's name when it is not filled in
    unit_typed: bool
    year: str
    scheme: str
    exported: str | None  # a submission copy's 导出时间
    modified: float
    differences: int | None  # a copy: how many differences verify finds; None: not a copy
    area_ladder: tuple[str, ...]
    staff_ladder: tuple[str, ...]
    areas: list[dict[str, object]]
    people: list[dict[str, object]]
    issues: list[dict[str, object]]
    money: float
    forced: bool = False  # a copy exported with --force
    changed: list[str] = field(default_factory=list)  # parameters that differ from the named scheme

    @property
    def verifies(self) -> bool:
        return self.differences == 0

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i["severity"] == "error")


@dataclass
class Skipped:
    file: str
    reason: str


def _rows(inputs: Inputs, table: Table) -> list[dict[str, object]]:
    """Each row as typed, its results as the rules give them."""
    records = inputs.sheets[table.sheet].records
    if not isinstance(records, list):  # a long sheet read column by column (测评表); the area and people sheets are rows
        records = [dict(zip(records, values)) for values in zip(*records.values())]
    out = []
    for record, key in zip(records, keys_of(records, table.key_field)):
        row = {label: value for label, value in record.items() if label not in table.columns}
        row.update({c: table.value(key, c) for c in table.columns} if key in table.rows else {})
        out.append(row)
    return out


def _ladders(s: engine.Scheme) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The grades of the area sheet and of the people sheet (none where people are not graded)."""
    names, (area_sheet, people_sheet) = engine.grade_names(s), engine.sheets(s)
    return names.get(area_sheet, ()), names.get(people_sheet, ())


def read_street(path: str | Path) -> Street | Skipped:
    """One file's part of the roll-up, or why it has none. Never raises."""
    path = Path(path)
    try:
        book = open_book(path)
        try:
            is_copy = SOURCE_SHEET in book.sheet_names()
            info = workbook_info(book)
        except Exception:
            book.close()
            raise
        exported, differences, forced = None, None, False
        if is_copy:
            checked = submission.verify(path, book)  # closes the book
            inputs, tables = checked.inputs, checked.tables
            findings = [f for t in tables.values() for f in t.findings] + checked.findings
            at = checked.recorded.values.get("导出时间")
            exported, differences, forced = None if at is None else str(at), len(checked.findings), checked.forced
            changed = checked.changed
        else:
            try:
                inputs, tables, findings = checking.findings_of(book, path.name)
            finally:
                book.close()
            changed = submission.changed_parameters(inputs.scheme)
        findings += changed
    except WorkbookError as exc:
        return Skipped(path.name, str(exc))
    except Exception as exc:  # noqa: BLE001 — one bad file never stops the roll-up
        return Skipped(path.name, f"无法处理（{type(exc).__name__}: {exc}）")
    s = inputs.scheme
    area_sheet, people_sheet = engine.sheets(s)
    money = sum(v for v in (tables[people_sheet].value(k, engine.ruleset(s).money) for k in tables[people_sheet].rows)
                if isinstance(v, (int, float)))
    areas, staff = _ladders(s)
    return Street(
        file=path.name, path=str(path.resolve()), unit=info.get(UNIT_LABEL) or path.stem, unit_typed=bool(info.get(UNIT_LABEL)),
        year=info.get(YEAR_LABEL) or "", scheme=s.id, exported=exported,
        modified=path.stat().st_mtime, differences=differences, area_ladder=areas, staff_ladder=staff,
        areas=_rows(inputs, tables[area_sheet]), people=_rows(inputs, tables[people_sheet]),
        issues=[inputs.issue(f) for f in findings], money=round(money, 2), forced=forced,
        changed=[f.message for f in changed])


# --- the roll-up ------------------------------------------------------------------------------------

@dataclass
class RollUp:
    streets: list[Street] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    duplicates: list[tuple[Street, Street]] = field(default_factory=list)  # (the one counted, the one left out)

    @property
    def files(self) -> list[dict[str, object]]:
        out: list[dict[str, object]] = [{"file": s.file, "status": "已汇总", "street": s.unit, "scheme": s.scheme, "reason": ""}
               for s in self.streets]
        out += [{"file": left.file, "status": "重复", "street": left.unit, "scheme": left.scheme,
                 "reason": f"与 {kept.file} 同为{left.unit}{left.year}年度，按{_why(kept, left)}的 {kept.file} 汇总"}
                for kept, left in self.duplicates]
        out += [{"file": s.file, "status": "跳过", "street": "", "scheme": "", "reason": s.reason} for s in self.skipped]
        return out


def _exported_at(street: Street) -> datetime | None:
    """A copy's 导出时间 as a time with its zone; None where it is missing or no time (edited by hand)."""
    try:
        at = datetime.fromisoformat(str(street.exported))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _why(kept: Street, left: Street) -> str:
    if kept.verifies and not left.verifies:
        return "核对一致"
    return "较新（两份均未通过核对）" if not kept.verifies else "较新"


def _later(a: Street, b: Street) -> bool:
    """Whether a is the one to count of two files of one street: the one whose copy verifies, then the
    later by export time (copies), else by save time."""
    if a.verifies != b.verifies:
        return a.verifies
    at, bt = _exported_at(a), _exported_at(b)
    if at and bt and at != bt:
        return at > bt
    return a.modified > b.modified


def _limit_cpu(resource: ModuleType, seconds: float) -> None:
    """The CPU a worker may still spend: ``seconds`` more than it has spent so far (its soft limit)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    value = int(used.ru_utime + used.ru_stime + seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


def _resource() -> ModuleType | None:
    """The POSIX module of process limits; None on Windows, where the wall-clock limit of the parent still holds."""
    try:
        import resource
    except ImportError:
        return None
    return resource


def _serve(conn: Connection) -> None:
    """A worker: files one at a time from the parent, each under the declared limits (kaohe.limits), each
    result sent back with whether the worker goes on (not after a MemoryError: it starts anew)."""
    resource = _resource()
    if resource is not None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        value = limits.MERGE_MEMORY
        resource.setrlimit(resource.RLIMIT_AS, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))
    while (path := conn.recv()) is not None:
        if resource is not None:
            _limit_cpu(resource, limits.MERGE_SECONDS)
        try:
            result, going = read_street(path), True
        except MemoryError:
            result, going = Skipped(Path(path).name, f"处理时超出内存上限（{limits.MERGE_MEMORY / 2**30:g} GB），未汇总"), False
        conn.send((result, going))
        if not going:
            break
    conn.close()


@dataclass
class Worker:
    """A worker process as the parent sees it: the file it reads and when that file's time is up."""

    process: BaseProcess
    path: Path | None = None
    deadline: float = 0.0


def _context() -> SpawnContext | ForkContext:
    """Fork where the platform has it (a worker starts in milliseconds), else spawn (Windows)."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def isolated(paths: Sequence[Path], workers: int, progress: Callable[[int, int, str], None] | None = None
             ) -> list[Street | Skipped]:
    """Every file read in a worker process, ``workers`` at a time; a worker is handed one file after
    another (a process start per file cost a third of a merge), each within a time and memory limit: a
    file that kills or hangs its worker fails alone, and a new worker reads the files still to come."""
    context = _context()
    pending, results = list(paths), list[Street | Skipped]()
    running: dict[Connection, Worker] = {}  # a worker's end of the pipe → the worker

    def record(path: Path, result: Street | Skipped) -> None:
        results.append(result)
        if progress:
            progress(len(results), len(paths), path.name)

    def give(conn: Connection) -> None:
        """The worker's next file, or its end."""
        if pending:
            path = pending.pop(0)
            running[conn].path, running[conn].deadline = path, time.monotonic() + limits.MERGE_SECONDS
            try:
                conn.send(str(path))
            except OSError:  # the worker is gone: wait() finds its end closed, and the file fails alone
                pass
        else:
            retire(conn, stop=True)

    def retire(conn: Connection, stop: bool = False) -> None:
        process = running.pop(conn).process
        if stop:
            try:
                conn.send(None)
            except OSError:
                pass
        process.join(1)
        if process.is_alive():
            process.kill()
            process.join()
        conn.close()

    while pending or running:
        while pending and len(running) < workers:
            here, there = context.Pipe()
            started = context.Process(target=_serve, args=(there,), daemon=True)
            started.start()
            there.close()
            running[here] = Worker(started)
            give(here)
        if not running:
            break
        soonest = min(w.deadline for w in running.values())
        ready = set(wait(list(running), timeout=max(0.0, soonest - time.monotonic())))
        for conn in [c for c in running if c in ready]:  # wait() gives back the connections it was given
            process, path = running[conn].process, running[conn].path
            assert path is not None  # a running worker was given a file (give) or told to stop (retire)
            try:
                result, going = conn.recv()
            except (EOFError, OSError):  # the worker died on this file
                process.join()
                result, going = Skipped(path.name, f"处理时进程异常终止（退出码 {process.exitcode}），可能超出内存上限"
                                                   f"（{limits.MERGE_MEMORY / 2**30:g} GB）或文件已损坏，未汇总"), False
            record(path, result)
            if going:
                give(conn)
            else:
                retire(conn)
        now = time.monotonic()
        for conn, worker in list(running.items()):
            if now >= worker.deadline and worker.path is not None:
                worker.process.kill()
                retire(conn)
                record(worker.path, Skipped(worker.path.name, f"处理超过 {limits.MERGE_SECONDS} 秒，已停止，未汇总"))
    return results


def gather(paths: Sequence[Path], progress: Callable[[int, int, str], None] | None = None,
           workers: int | None = None) -> RollUp:
    """Every file read (in parallel), duplicates settled, streets in name order."""
    results = isolated(paths, max(1, workers or min(len(paths), os.cpu_count() or 1)), progress)
    rollup = RollUp(skipped=sorted((r for r in results if isinstance(r, Skipped)), key=lambda r: r.file))
    chosen: dict[tuple[str, str], Street] = {}
    for street in sorted((r for r in results if isinstance(r, Street)), key=lambda r: r.file):
        # a street is its typed 填报单位 and year; without one, each file is its own (two folders may
        # both hold a 考核.xlsm)
        key = (street.unit, street.year) if street.unit_typed else ("", street.path)
        if key in chosen:
            kept, left = (street, chosen[key]) if _later(street, chosen[key]) else (chosen[key], street)
            rollup.duplicates.append((kept, left))
            chosen[key] = kept
        else:
            chosen[key] = street
    rollup.streets = sorted(chosen.values(), key=lambda s: (s.unit, s.year))
    return rollup


def _grades(rollup: RollUp, which: str) -> list[str]:
    """Every grade name of the schemes present, in ladder order."""
    names: dict[str, None] = {}
    for street in rollup.streets:
        names.update(dict.fromkeys(street.area_ladder if which == "area" else street.staff_ladder))
    return list(names)


def _verdict(street: Street) -> str:
    if street.differences is None:
        return "工作簿（非上报副本）"
    forced = "（强制导出）" if street.forced else ""
    return ("一致" if street.differences == 0 else f"不符 {street.differences} 处") + forced


def _quota(street: Street) -> str:
    broken = [str(i["message"]) for i in street.issues if i["rule"] in QUOTA_RULES and i["severity"] == "error"]
    ties = [str(i["message"]) for i in street.issues if i["rule"] in TIE_RULES]
    if broken:
        return "不符合：" + "；".join(broken)
    return "待定：" + "；".join(ties) if ties else "符合"


def other_years(rollup: RollUp) -> dict[str, str]:
    """Streets whose 考核年度 is not the one most files give (a last year's file sent by mistake), with a
    note saying so; none when every file gives one year."""
    years = [s.year for s in rollup.streets if s.year]
    if len(set(years)) < 2:
        return {}
    counts = sorted(((years.count(y), y) for y in set(years)), reverse=True)
    if counts[0][0] == counts[1][0]:  # no year most files give: every file is in question
        listed = "、".join(sorted(set(years)))
        return {s.file: f"各文件的考核年度不一致（{listed}），本文件为{s.year or '未填'}，请核对" for s in rollup.streets}
    usual = counts[0][1]
    return {s.file: f"考核年度{s.year or '未填'}与多数文件（{usual}）不同，请核对是否报错了年度"
            for s in rollup.streets if s.year != usual}


def summary(rollup: RollUp) -> list[dict[str, object]]:
    """One row per street: counts per grade, money, findings and compliance (the 汇总 sheet and --json)."""
    area_grades, staff_grades = _grades(rollup, "area"), _grades(rollup, "staff")
    years = other_years(rollup)
    rows = []
    for s in rollup.streets:
        row: dict[str, object] = {"街道（镇）": s.unit, "考核年度": s.year, "方案": s.scheme, "文件": s.file,
                                  "核对": _verdict(s), "居民区数": len(s.areas), "人员数": len(s.people)}
        finals = [a.get("最终等次") for a in s.areas]
        row.update({f"居民区{g}": finals.count(g) for g in area_grades})
        staff = [p.get("最终等次") for p in s.people]
        row.update({f"人员{g}": staff.count(g) for g in staff_grades})
        row.update({"奖金合计（元）": s.money, "错误": s.errors,
                    "警告": sum(1 for i in s.issues if i["severity"] == "warning"), "名额": _quota(s),
                    "参数改动": "；".join(s.changed) or "无",
                    "说明": "；".join(n for n in ("" if s.unit_typed else "说明表未填填报单位，按文件名汇总",
                                                 years.get(s.file, "")) if n)})
        rows.append(row)
    return rows


# --- the roll-up workbook ---------------------------------------------------------------------------

WRAP = Alignment(wrap_text=True, vertical="top")


def _header_cells(ws, labels: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for label in labels:
        cell = put(WriteOnlyCell(ws), label)
        cell.font, cell.fill, cell.alignment = printing.HEADER_FONT, printing.HEADER_FILL, WRAP
        cells.append(cell)
    return cells


ROLLUP_HEADER = "区级汇总（各街道、镇上报）"


def _print_setup(ws) -> None:
    """A4 landscape, fit to the page width, the header row repeated, the header naming the roll-up and the
    footer the page (set before the first row: write-only)."""
    printing.page_setup(ws, unit=ROLLUP_HEADER)


def _table_sheet(wb: Workbook, title: str, rows: Sequence[dict[str, object]], widths: Mapping[str, float] | None = None,
                 default_width: float = 12, wrapped: Sequence[str] = (), as_xml: dict[str, str] | None = None):
    """A sheet of rows under a header row; with ``as_xml``, the rows (unstyled) are given there as XML, for
    write_atomically to add (openpyxl's cell by cell writing was a quarter of a merge)."""
    ws = wb.create_sheet(title)
    labels = list(dict.fromkeys(label for row in rows for label in row))
    _print_setup(ws)
    ws.freeze_panes = "B2"
    for n, label in enumerate(labels, start=1):
        ws.column_dimensions[get_column_letter(n)].width = (widths or {}).get(label, default_width)
    ws.row_dimensions[1].height = 32  # two lines of a wrapped header
    ws.append(_header_cells(ws, labels))
    if as_xml is not None:
        letters = [get_column_letter(n) for n in range(1, len(labels) + 1)]
        styles = [_number_style(ws, _number_format(label)) for label in labels]
        xml_rows = ("".join(cell_xml(f"{letter}{r}", _value(row.get(label)), style)
                            for letter, label, style in zip(letters, labels, styles))
                    for r, row in enumerate(rows, start=2))
        as_xml[title] = "".join(f'<row r="{r}">{xml}</row>' for r, xml in enumerate(xml_rows, start=2) if xml)
        return ws, labels
    wrap_at = [n for n, label in enumerate(labels) if label in wrapped]
    formats = [_number_format(label) for label in labels]
    for row in rows:
        cells = [put(WriteOnlyCell(ws), _value(row.get(label))) for label in labels]
        for n in wrap_at:
            cells[n].alignment = WRAP
        for cell, fmt in zip(cells, formats):
            if isinstance(cell.value, float):  # a computed score or mean: as the workbook shows it, not 82.63636…
                cell.number_format = fmt
        ws.append(cells)
    return ws, labels


MONEY_COLUMNS = ("奖金", "奖金基数", "奖励金额", "奖金合计（元）")


def _number_format(label: str) -> str:
    """A column's number format by its label: money with separators, a rate (…率) as a percentage, else
    scores to two decimals (the 工作簿 shows one; two keep a tie at the cap visible)."""
    if label in MONEY_COLUMNS:
        return "#,##0.00"
    return "0.0%" if label.endswith("率") else "0.00"


def _number_style(ws, fmt: str) -> int:
    """The workbook's style index for a number format (registered now, written with the styles at save)."""
    probe = WriteOnlyCell(ws)
    probe.number_format = fmt
    return probe.style_id


def _value(value: object) -> object:
    return value if value is None or isinstance(value, (int, float, str)) else str(value)


def write(rollup: RollUp, target: Path) -> None:
    """The roll-up workbook (write-only: 40,000 people stream to the file)."""
    wb = Workbook(write_only=True)
    rows = summary(rollup)
    widths = {"街道（镇）": 16, "文件": 20, "核对": 12, "方案": 12, "奖金合计（元）": 12, "名额": 40, "参数改动": 40, "说明": 24}
    ws, labels = _table_sheet(wb, SUMMARY_SHEET, rows, widths, default_width=7, wrapped=("名额", "参数改动", "说明"))
    area_grades = [label for label in labels if label.startswith("居民区") and label != "居民区数"]
    if rows and area_grades:
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
        chart.title, chart.y_axis.title = "各街道（镇）居民区等次分布", "居民区数"
        first, last = labels.index(area_grades[0]) + 1, labels.index(area_grades[-1]) + 1
        chart.add_data(Reference(ws, min_col=first, max_col=last, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(rows) + 1))
        chart.height, chart.width = max(7.5, 0.5 * len(rows) + 3), 20
        ws.add_chart(chart, f"A{len(rows) + 4}")

    body: dict[str, str] = {}
    for title, part in ((AREA_SHEET, "areas"), (PEOPLE_SHEET, "people")):
        _table_sheet(wb, title, [{"街道（镇）": s.unit, "方案": s.scheme, **row} for s in rollup.streets
                                 for row in getattr(s, part)], {"街道（镇）": 18}, as_xml=body)
    issue_rows = [{"街道（镇）": s.unit, "文件": s.file, **_report_row(i)} for s in rollup.streets for i in s.issues]
    _table_sheet(wb, ISSUE_SHEET, issue_rows or [dict.fromkeys(("街道（镇）", "文件", *REPORT_HEADER))],
                 {"说明": 60, "位置": 16}, as_xml=body)
    files = wb.create_sheet(FILE_SHEET)
    _print_setup(files)
    files.append(_header_cells(files, ("文件", "状态", "街道（镇）", "方案", "原因")))
    for f in rollup.files:
        cells = [put(WriteOnlyCell(files), f[k]) for k in ("file", "status", "street", "scheme", "reason")]
        if f["status"] != "已汇总":
            for cell in cells:
                cell.fill, cell.font = PatternFill("solid", fgColor="FFFFE699"), Font(bold=True)
        files.append(cells)
    write_atomically(wb, target, *(s.path for s in rollup.streets), rows=body)


def _report_row(issue: dict[str, object]) -> dict[str, object]:
    return {"级别": Severity(str(issue["severity"])).label, "规则": issue["rule"], "依据": issue["clause"], "位置": issue["cell"],
            "对象": issue["key"], "说明": issue["message"], "上限/要求": _value(issue["allowed"]),
            "实际": _value(issue["actual"])}
