"""A new year's workbook that starts from who is assessed: last year's workbook (`kaohe new --from`)
or a plain roster list (`kaohe new --roster`, CSV or .xlsx of 居民区 / 姓名 / 岗位 …).

An adapter: it copies who someone is (area, name, number, post, category, bonus base) exactly as
typed, and never a rating, a score or a result. It decides no rule.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import engine
from .contract import UNIT_LABEL, YEAR_LABEL
from .grid import header_index
from .reading import is_blank
from .workbook import WorkbookError, open_book, read_inputs, workbook_info

AREA_KEY, PERSON_KEY, NUMBER = "居民区", "姓名", "编号"
# Who someone is, as opposed to how they were rated this year: the columns a roster carries.
ROSTER_COLUMNS = (NUMBER, PERSON_KEY, AREA_KEY, "岗位", "人员类别", "奖金基数")
ROSTER_LIMIT_BYTES = 20 * 1024 * 1024  # a roster of a whole district is well under 1 MB
ROSTER_LIMIT_ROWS = 100_000


@dataclass
class Roster:
    """Areas in the order met, people rows with their roster columns, and what the clerk should know."""

    areas: list[str] = field(default_factory=list)
    people: list[dict[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    info: dict[str, object] = field(default_factory=dict)

    def data(self, s: engine.Scheme) -> dict[str, list[dict[str, object]]]:
        """Rows for `template.build(data=…)`: only the columns the scheme's sheets have."""
        area_sheet, people_sheet = engine.sheets(s)
        wanted = [c for c in ROSTER_COLUMNS if c in (NUMBER, *engine.inputs(s, people_sheet))]  # 编号: optional
        return {area_sheet: [{AREA_KEY: a} for a in self.areas],
                people_sheet: [{c: p.get(c) for c in wanted if c in p} for p in self.people]}


def _text(cell: object) -> str:
    return "" if is_blank(cell) else str(cell).strip()


def _person_key(row: Mapping[str, object]) -> tuple[str, ...]:
    """(编号) where filled, else (居民区, 姓名): two 王芳 of different areas are two people (DOMAIN §6)."""
    number = _text(row.get(NUMBER))
    return (NUMBER, number) if number else (_text(row.get(AREA_KEY)), _text(row.get(PERSON_KEY)))


def roster_from_rows(rows: Sequence[tuple[int, Mapping[str, object]]], where: str) -> Roster:
    """A roster from (row number, {header: cell}) pairs; every problem names its file and row, nothing is
    guessed, and the same person twice is refused naming both rows."""
    roster, seen, problems = Roster(), dict[tuple[str, ...], int](), list[str]()
    for n, row in rows:
        area, name = _text(row.get(AREA_KEY)), _text(row.get(PERSON_KEY))
        if not area:
            problems.append(f"{where} 第{n}行：有数据但没有“{AREA_KEY}”")
            continue
        if area not in roster.areas:
            roster.areas.append(area)
        if not name:
            if any(not is_blank(row.get(c)) for c in ROSTER_COLUMNS if c != AREA_KEY):
                problems.append(f"{where} 第{n}行：有人员信息但没有“{PERSON_KEY}”")
            continue
        key = _person_key(row)
        if key in seen:
            problems.append(f"{where} 第{seen[key]}行与第{n}行是同一人（{'、'.join(k for k in key if k != NUMBER)}）："
                            "同名的人请用“编号”列区分")
            continue
        seen[key] = n
        roster.people.append({c: row[c] for c in ROSTER_COLUMNS if c in row and not is_blank(row[c])})
    if problems:
        raise WorkbookError("名单有问题，未生成工作簿：\n" + "\n".join(problems[:20])
                            + (f"\n……另有{len(problems) - 20}处" if len(problems) > 20 else ""))
    return roster


def _csv_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK; gb18030 reads all of GBK
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise WorkbookError(f"{path.name} 的编码无法识别（应为 UTF-8 或 GBK）")


def read_roster(path: str | Path) -> Roster:
    """A plain list of 居民区 / 姓名 / 岗位 (…): CSV (UTF-8 or GBK) or the first sheet of an .xlsx."""
    path = Path(path)
    if not path.is_file():
        raise WorkbookError(f"找不到名单文件：{path}")
    if path.stat().st_size > ROSTER_LIMIT_BYTES:
        raise WorkbookError(f"{path.name} 超过 {ROSTER_LIMIT_BYTES // 1024 // 1024} MB，不像是人员名单，未读取")
    grid: Sequence[Sequence[object]]
    if path.suffix.lower() == ".csv":
        lines: list[Sequence[object]] = []
        for row in csv.reader(io.StringIO(_csv_text(path))):
            lines.append(row)
            if len(lines) > ROSTER_LIMIT_ROWS:
                raise WorkbookError(f"{path.name} 超过 {ROSTER_LIMIT_ROWS} 行，未读取")
        grid = lines
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        book = open_book(path)
        try:
            grid = book.grid(book.sheet_names()[0])
        finally:
            book.close()
    else:
        raise WorkbookError(f"名单应为 .csv 或 .xlsx 文件：{path.name}")
    at = header_index(grid, (AREA_KEY,))
    if at is None:
        raise WorkbookError(f"{path.name} 找不到表头“{AREA_KEY}”（名单的表头应有 居民区、姓名、岗位 等）")
    labels = [str(c).strip() if isinstance(c, str) else "" for c in grid[at]]
    rows = [(n, {label: cell for label, cell in zip(labels, row) if label})
            for n, row in enumerate(grid[at + 1:], start=at + 2) if not all(is_blank(c) for c in row)]
    return roster_from_rows(rows, path.name)


def roster_of_workbook(path: str | Path, s: engine.Scheme) -> Roster:
    """Last year's workbook: its areas and people as typed, its 填报单位, the next 考核年度, and a note for
    every 参数 value that differs from the scheme the new workbook uses (to be re-applied by the street)."""
    inputs = read_inputs(path)
    area_sheet, people_sheet = engine.sheets(inputs.scheme)
    areas, people = inputs.sheets[area_sheet], inputs.sheets[people_sheet]
    roster = roster_from_rows([(n, {AREA_KEY: r.get(AREA_KEY)}) for n, r in zip(areas.record_rows, areas.rows)],
                              f"{Path(path).name}·{area_sheet}")
    staff = roster_from_rows(list(zip(people.record_rows, people.rows)), f"{Path(path).name}·{people_sheet}")
    roster.areas += [a for a in staff.areas if a not in roster.areas]
    roster.people = staff.people
    book = open_book(path)
    try:
        info = workbook_info(book)
    finally:
        book.close()
    if info.get(UNIT_LABEL):
        roster.info[UNIT_LABEL] = info[UNIT_LABEL]
    year = _text(info.get(YEAR_LABEL))
    if year.isdigit():
        roster.info[YEAR_LABEL] = int(year) + 1
    if inputs.scheme.id != s.id:
        roster.notes.append(f"去年的工作簿用的是方案 {inputs.scheme.id}，新工作簿用方案 {s.id}：人员岗位请按新方案核对")
    else:
        old = {path_: value for path_, value, _ in inputs.scheme.params.flat_rows()}
        for path_, value, leaf in s.params.flat_rows():
            if path_ in old and old[path_] != value:
                roster.notes.append(f"去年“参数”表的 {leaf.label}（{path_}）为 {old[path_]}，新工作簿为方案值 {value}"
                                    f"（{leaf.reference}）：如本街道（镇）沿用，请在新工作簿的“参数”表改回")
    return roster
