"""`kaohe new --from LAST` and `--roster LIST`: who is assessed carries over, no rating or score does."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from kaohe import engine, template
from kaohe.workbook import read_inputs
from tests.test_cli import run

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "jingan-example.xlsm"
ROSTER_COLUMNS = {"编号", "姓名", "居民区", "岗位", "人员类别", "奖金基数"}


def typed_values(path: Path, sheet: str) -> list[dict[str, object]]:
    """Each row below the header as typed: formulas (a template's own) are left out."""
    ws = load_workbook(path)[sheet]
    header = [c.value for c in ws[1]]
    rows = []
    for row in ws.iter_rows(min_row=2, values_only=True):
        typed = {h: v for h, v in zip(header, row)
                 if v is not None and not (isinstance(v, str) and v.startswith("=")) and not isinstance(v, ArrayFormula)}
        if typed:
            rows.append(typed)
    return rows


def test_last_years_people_carry_over_and_no_rating_does(tmp_path, capsys):
    new = tmp_path / "2026.xlsm"
    code, out, _ = run(capsys, "new", "--scheme", "jingan", "-o", new, "--from", EXAMPLE)
    assert code == 0 and "评分和结果均为空" in out
    last = read_inputs(EXAMPLE)
    staff_last = last.sheets["工作人员"].records
    staff_new = typed_values(new, "工作人员")
    # every person, in order, with exactly the roster columns as typed last year; nothing else typed
    assert [p["姓名"] for p in staff_new] == [p["姓名"] for p in staff_last]
    for before, after in zip(staff_last, staff_new):
        assert set(after) <= ROSTER_COLUMNS
        assert all(after[c] == before[c] for c in after)
        assert after.get("奖金基数") == before.get("奖金基数")
    areas_new = typed_values(new, "居民区")
    assert [a["居民区"] for a in areas_new] == [a["居民区"] for a in last.sheets["居民区"].records]
    assert all(set(a) == {"居民区"} for a in areas_new)  # no 街道考评, turnout, 加分… carried
    assert typed_values(new, "测评表") == []  # no rating forms
    guide = {r[0]: r[1] for r in load_workbook(new)["说明"].iter_rows(max_row=3, values_only=True)}
    assert guide[template.UNIT_LABEL] == "静安区示例街道" and guide[template.YEAR_LABEL] == 2026  # the example's 2025 + 1


def test_a_street_parameter_is_named_for_re_applying(tmp_path, capsys):
    last = tmp_path / "last.xlsm"
    wb = load_workbook(EXAMPLE, keep_vba=True)
    ws = wb["参数"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "turnout.min_share")
    row[2].value = 0.85
    wb.save(last)
    code, _, err = run(capsys, "new", "--scheme", "jingan", "-o", tmp_path / "new.xlsm", "--from", last)
    assert code == 0 and "turnout.min_share" in err and "0.85" in err and "jingan 五(一)3" in err


def write_csv(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_a_gbk_roster_gives_areas_in_order_and_keeps_text_as_typed(tmp_path, capsys):
    roster = write_csv(tmp_path / "名单.csv", "编号,居民区,姓名,岗位\n007,和平居民区,王芳,党组织负责人\n"
                       ",春晖居民区,王芳,居委主任（坐班）\n,和平居民区,李强,社区工作者（聘用人员）\n", "gbk")
    new = tmp_path / "g.xlsm"
    code, out, _ = run(capsys, "new", "--scheme", "gaojing-2024", "-o", new, "--roster", roster)
    assert code == 0 and "2 个居民区、3 名人员" in out
    assert [a["居民区"] for a in typed_values(new, "居民区")] == ["和平居民区", "春晖居民区"]  # as first met
    people = typed_values(new, engine.sheets(engine.scheme("gaojing-2024"))[1])
    assert [p["姓名"] for p in people] == ["王芳", "王芳", "李强"]  # two 王芳 of two areas are two people
    assert people[0]["编号"] == "007"  # text stays text: not the number 7


def test_an_xlsx_roster_with_a_title_row(tmp_path, capsys):
    wb = Workbook()
    wb.active.append(["2026年人员名单"])
    wb.active.append(["居民区", "姓名", "岗位"])
    wb.active.append(["春晖居民区", "张三", "书记"])
    wb.save(tmp_path / "名单.xlsx")
    code, _, _ = run(capsys, "new", "--scheme", "jingan", "-o", tmp_path / "n.xlsm", "--roster", tmp_path / "名单.xlsx")
    assert code == 0
    assert typed_values(tmp_path / "n.xlsm", "工作人员") == [{"姓名": "张三", "居民区": "春晖居民区", "岗位": "书记"}]


def test_a_roster_with_the_same_person_twice_or_no_area_is_refused_naming_rows(tmp_path, capsys):
    roster = write_csv(tmp_path / "bad.csv", "居民区,姓名\n春晖居民区,王芳\n春晖居民区,王芳\n,赵六\n", "utf-8-sig")
    out = tmp_path / "x.xlsm"
    code, _, err = run(capsys, "new", "--scheme", "jingan", "-o", out, "--roster", roster)
    assert code == 2 and not out.exists()
    assert "第2行与第3行是同一人" in err and "第4行：有数据但没有“居民区”" in err


def test_a_roster_that_is_not_a_list_is_refused(tmp_path, capsys):
    roster = write_csv(tmp_path / "r.csv", "名字\n王芳\n", "utf-8")
    code, _, err = run(capsys, "new", "--scheme", "jingan", "-o", tmp_path / "x.xlsm", "--roster", roster)
    assert code == 2 and "找不到表头“居民区”" in err
    code, _, err = run(capsys, "new", "--scheme", "jingan", "-o", tmp_path / "x.xlsm", "--roster", tmp_path / "none.csv")
    assert code == 2 and "找不到名单文件" in err
