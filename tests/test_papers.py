"""`kaohe papers`: blank rating forms, the publicity list and feedback pages, written, read back and rendered."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from kaohe import cli, engine, office, papers
from kaohe.params import load, with_overrides
from tests.rendering import flat, ink, pages, require_office, text

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
JINGAN = EXAMPLES / "jingan-example.xlsm"
GAOJING = EXAMPLES / "gaojing-2024-example.xlsm"


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    out = tmp_path_factory.mktemp("papers")
    assert cli.main(["papers", str(JINGAN), "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def calculated():
    """`kaohe calc --json` of the example, as a separate command: the papers must say the same."""
    done = subprocess.run([sys.executable, "-m", "kaohe.cli", "calc", str(JINGAN), "--json"], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def cells(path, sheet):
    return [r for r in load_workbook(path)[sheet].iter_rows(values_only=True)]


def staff_of_example():
    ws = load_workbook(JINGAN)["工作人员"]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]


def test_a_members_form_lists_the_area_and_its_staff_with_bands_and_caps(printed):
    rows = cells(printed / "测评表.xlsx", "党员群众测评表")
    staff = [p for p in staff_of_example() if p["居民区"] == "春晖居民区"]
    leaders = sum(1 for p in staff if p["岗位"] in ("书记", "主任", "书记兼主任"))
    others = len(staff) - leaders
    # jingan 五: A 90–100, B 70–89, C 60–69, D "59分以下" (0–59); A ≤ 20% per class,
    # max(1, floor(20% × n)) [default, DOMAIN 1.4]: the one area and the pair may each have one A
    assert "A档90–100分、B档70–89分、C档60–69分、D档0–59分" in rows[2][0]
    assert (f"本表居民区1个，A档至多1个；书记、主任{leaders}个，A档至多{max(1, leaders * 20 // 100)}个；"
            f"其他工作人员{others}个，A档至多{max(1, others * 20 // 100)}个") in rows[3][0]
    targets = [r[1] for r in rows[5:5 + 1 + len(staff)]]
    assert targets == ["春晖居民区", *[p["姓名"] for p in staff]]
    assert rows[5][3:7] == ("□", "□", "□", "□")


def test_one_form_per_area_and_session_on_its_own_page(printed):
    wb = load_workbook(printed / "测评表.xlsx")
    areas = [r[0] for r in cells(JINGAN, "居民区")[1:] if r[0]]
    assert wb.sheetnames == ["党员群众测评表", "居民区内部互评表", "书记、主任考评表", "居民区互评表"]
    for ws in wb.worksheets:
        assert len(ws.row_breaks.brk) == len(areas), ws.title
        assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1  # A4, fit to width


def test_the_mutual_form_of_an_area_leaves_its_own_row_out(printed):
    rows = cells(printed / "测评表.xlsx", "居民区互评表")
    areas = [r[0] for r in cells(JINGAN, "居民区")[1:] if r[0]]
    first = rows[:6 + len(areas)]
    assert f"评分居民区：{areas[0]}" in first[1][0]
    own = [r for r in first if r[1] and str(r[1]).startswith(areas[0])]
    assert own and own[0][1] == f"{areas[0]}（本居民区，不评）" and own[0][3] == "—"
    # 12 areas, its own left out: n = 11, floor(20% × 11) = floor(2.2) = 2 A at most (DOMAIN 1.4)
    assert len(areas) == 12
    assert "居民区11个，A档至多2个" in first[3][0]


def test_the_publicity_list_is_the_areas_to_be_excellent_or_good_and_the_excellent_staff(printed, calculated):
    rows = cells(printed / "公示名单.xlsx", "公示名单")
    header = next(i for i, r in enumerate(rows) if r[0] == "序号")
    listed = [(r[1], r[2], r[5]) for r in rows[header + 1:] if isinstance(r[0], int)]
    # jingan 八(三): areas to be 优秀 or 良好, staff to be 优秀 (final grades, after the leading group's overrides)
    areas = {(a["居民区"], a["最终等次"]) for a in calculated["sheets"]["居民区"] if a["最终等次"] in ("优秀", "良好")}
    staff = {p["姓名"] for p in calculated["sheets"]["工作人员"] if p["最终等次"] == "优秀"}
    assert {(n, g) for kind, n, g in listed if kind == "居民区"} == areas
    assert {n for kind, n, _ in listed if kind == "工作人员"} == staff
    assert [kind for kind, _, _ in listed] == sorted((k for k, _, _ in listed), key=lambda k: k != "居民区")


def test_a_feedback_page_per_area_with_its_parts_rank_and_grade(printed, calculated):
    wb = load_workbook(printed / "反馈.xlsx")
    ws = wb["反馈"]
    areas = calculated["sheets"]["居民区"]
    assert len(ws.row_breaks.brk) == len(areas)
    rows = list(ws.iter_rows(values_only=True))
    first = areas[0]
    assert rows[0][0].startswith(first["居民区"])
    parts = {r[0]: r for r in rows[3:8]}
    # jingan 五(一): 总分 = 50% 街道考评 + 10% 互评 + 40% 党员群众测评, ± 加减分 (四(二))
    street, mutual, members = (parts[k][1] for k in ("街道考评", "居民区互评", "党员群众测评"))
    assert (parts["街道考评"][3], parts["居民区互评"][3], parts["党员群众测评"][3]) == \
        (pytest.approx(0.5 * street), pytest.approx(0.1 * mutual), pytest.approx(0.4 * members))
    bonus = parts["加分"][1] or 0
    summary = rows[10]
    assert summary[0] == pytest.approx(0.5 * street + 0.1 * mutual + 0.4 * members + bonus)
    assert summary[0] == pytest.approx(first["总分"])
    scored = sorted((a["总分"] for a in areas if a["总分"] is not None), reverse=True)
    assert summary[2] == f"第{scored.index(first['总分']) + 1}名（共{len(scored)}个）"  # RANK.EQ among the street's areas
    assert (summary[4], summary[6]) == (first["建议等次"], first["最终等次"])


def test_the_feedback_lists_the_findings_about_the_area(printed, calculated):
    rows = list(load_workbook(printed / "反馈.xlsx")["反馈"].iter_rows(values_only=True))
    invalid = next(i for i in calculated["issues"] if i["rule"] == "测评参加率")  # the planted session at 80%
    page = [r for r in rows if r[0] and str(r[0]).startswith(invalid["key"])]
    assert page
    assert any(invalid["message"] in str(cell) for r in rows for cell in r if cell)


def test_gaojing_gets_questionnaires_the_publicity_list_and_feedback_pages(tmp_path, capsys):
    assert cli.main(["papers", str(GAOJING), "-o", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["公示名单.xlsx", "反馈.xlsx", "满意度问卷.xlsx"]
    ws = load_workbook(tmp_path / "满意度问卷.xlsx")["满意度问卷"]
    areas = [r[0] for r in cells(GAOJING, "居民区")[1:] if r[0]]
    assert len(ws.row_breaks.brk) == len(areas)  # one page per area
    rows = list(ws.iter_rows(values_only=True))
    assert f"居民区：{areas[0]}" in rows[1][0]
    # 附件2: five sections of two questions, 20 points each, 10 points a question
    sections = [r[1] for r in rows[4:19] if r[1] and "总体评价" in str(r[1])]
    assert sections[:2] == ["一、对“社区党建”的总体评价（20分）", "二、对“民主自治”的总体评价（20分）"]
    assert len(sections) == 5
    assert rows[5][:2] == (1, "是否知道居民区负责的“两委”成员及包干干部，是否日常走访？（10分）")
    ws = load_workbook(tmp_path / "反馈.xlsx")["反馈"]
    rows = list(ws.iter_rows(values_only=True))
    # 附件1: 平时成绩 13 + 18 + 9 and 群众评价 18 + 18 + 24, each with its full points
    full = {r[0]: r[3] for r in rows[3:12] if r[0]}
    assert [full[k] for k in ("加强党建引领", "服务凝聚群众", "维护社会和谐稳定")] == [13, 18, 9]
    assert full["12345热线及信访、舆情"] == 24


def test_every_paper_renders_to_pdf_pages_that_are_not_blank(printed, tmp_path):
    require_office()
    areas = [r[0] for r in cells(JINGAN, "居民区")[1:] if r[0]]
    pdfs = office.to_pdf(sorted(printed.glob("*.xlsx")), tmp_path)
    counts = {pdf.stem: pages(pdf) for pdf in pdfs}
    assert counts["反馈"] == len(areas) and counts["测评表"] == 4 * len(areas)  # a page per form: 4 sessions
    for pdf in pdfs:
        assert ink(pdf, tmp_path) > 0.004, pdf.name
    shown = text(next(p for p in pdfs if p.stem == "测评表"))
    assert "A档至多" in shown and Counter(shown.split())["□"] > 0


AREAS14 = [f"{c}居民区" for c in "甲乙丙丁戊己庚辛壬癸子丑寅卯"]
# 加强党建引领 (0–13) of each area; every other input the same for all, so totals differ by these alone
PARTY = [13, 12.5, 12, 11.5, 11.5, 11, 10.5, 10, 9.5, 9, 8.5, 8, 7.5, 7]


def gaojing_fourteen(tmp_path) -> Path:
    """Fourteen areas alike but for 加强党建引领; 丁 and 戊 tie on it."""
    from kaohe import engine, template
    s = engine.scheme("gaojing-2024")
    from kaohe.workbook import read_inputs
    inputs = read_inputs(GAOJING)
    # 春晖 (no planted problem), its channel scores as its 满意度问卷 rows give them
    first, *_ = engine.prepare(s, {n: sheet.records for n, sheet in inputs.sheets.items()})[0]
    base = {h: v for h, v in first.items() if h in engine.inputs(s, "居民区") and h != "领导小组调整"}
    rows = [{**base, "居民区": name, "加强党建引领": party} for name, party in zip(AREAS14, PARTY)]
    path = tmp_path / "高境14.xlsm"
    template.build("gaojing-2024", area_rows=14, people_rows=2, data={"居民区": rows, "人员奖励": []},
                   info={template.UNIT_LABEL: "高境镇", template.YEAR_LABEL: 2024}).save(path)
    return path


def test_the_gaojing_publicity_list_names_the_excellent_and_the_ranked_tiers(tmp_path, capsys):
    out = tmp_path / "papers"
    assert cli.main(["papers", str(gaojing_fourteen(tmp_path)), "-o", str(out)]) == 0
    rows = cells(out / "公示名单.xlsx", "公示名单")
    header = next(i for i, r in enumerate(rows) if r[0] == "序号")
    listed = [(r[1], r[4], r[5], r[6]) for r in rows[header + 1:] if isinstance(r[0], int)]
    # Totals fall with 加强党建引领, 丁 and 戊 tied: RANK.EQ 1, 2, 3, 4, 4, 6, … 14.
    # 五(二): ranks 1–5 are A档 (甲 乙 丙 丁 戊), 6–12 B档 (己 … 丑); 寅 and 卯 (13, 14) have no tier and are not listed.
    # 五(一): 优秀 at most 30% of 14 = 4.2 → 4 (floor, default) and at most 9; 丁 and 戊 tie across the 4th
    # place, so both stay 合格 (DOMAIN §6) and 优秀 is 甲 乙 丙.
    assert [name for name, *_ in listed] == AREAS14[:12]
    assert [rank for _, rank, _, _ in listed] == [1, 2, 3, 4, 4, 6, 7, 8, 9, 10, 11, 12]
    assert [tier for _, _, tier, _ in listed] == ["A档"] * 5 + ["B档"] * 7
    assert [grade for *_, grade in listed] == ["优秀"] * 3 + ["合格"] * 9
    notes = [r[0] for r in rows[header + 13:] if r[0]]
    assert any("名额4个" in n and "丁居民区、戊居民区并列" in n for n in notes)


def test_the_jingan_publicity_list_says_the_excellent_exceed_the_cap_and_why(printed):
    rows = cells(printed / "公示名单.xlsx", "公示名单")
    listed = [r for r in rows if isinstance(r[0], int) and r[1] == "居民区" and r[5] == "优秀"]
    notes = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("注意")]
    # jingan 六(一): 优秀 ≤ 20% of the 12 areas = 2.4 → 2; the example's leading group raised one more to 优秀
    assert len(listed) == 3
    areas = cells(JINGAN, "居民区")
    overridden = [(row["居民区"], row["调整理由"]) for row in (dict(zip(areas[0], r)) for r in areas[1:])
                  if row["领导小组调整"]]
    assert len(notes) == 1 and "优秀」3个，超过名额2个" in notes[0]
    # the one override of the example, with the reason typed beside it (make_examples.py)
    (area, reason), = overridden
    assert reason and f"其中{area}（理由：{reason}）由领导小组调整" in notes[0]


def test_feedback_pages_say_what_is_missing_in_words(printed):
    rows = list(load_workbook(printed / "反馈.xlsx")["反馈"].iter_rows(values_only=True))
    shown = [str(c) for r in rows for c in r if c is not None]
    assert not [c for c in shown if "#错误" in c or "#警告" in c]
    # the area with a session at 80% turnout (invalid, jingan 五(一)3) has no 总分: its page points at the problem
    assert any(c.startswith("无法计算，见问题") for c in shown)


def test_pdfs_come_with_a_progress_line_per_file(printed, tmp_path):
    require_office()
    lines = []
    made = office.to_pdf([printed / "公示名单.xlsx", printed / "反馈.xlsx"], tmp_path, progress=lines.append)
    assert [p.name for p in made] == ["公示名单.pdf", "反馈.pdf"]
    assert [line.split("：")[0] for line in lines] == ["已生成 PDF 1/2", "已生成 PDF 2/2"]
    shown = flat(made[0])
    # the header names the unit and year, the footer the scheme and the page
    assert shown.startswith("静安区示例街道公示名单2025年度") and shown.endswith("（试行）》第1页共1页")


def test_a_part_that_cannot_be_computed_points_at_the_problem_on_its_page(tmp_path, capsys):
    assert cli.main(["papers", str(GAOJING), "-o", str(tmp_path)]) == 0
    rows = list(load_workbook(tmp_path / "反馈.xlsx")["反馈"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith("丰收居民区"))
    page = rows[start:next(i for i, r in enumerate(rows) if i > start and r[0] and "结果反馈" in str(r[0]))]
    parts = {r[0]: r[2] for r in page if r[0]}
    # the planted 满意率 of 1.2 (a rate above 1, WORKBOOK.md) leaves the 12345 item and the total uncomputed;
    # the page says so and points at problem 1, which names the cell's value and the range
    assert parts["12345热线及信访、舆情"] == "无法计算，见问题1"
    problem = next(r for r in page if r[0] == 1)
    assert "满意率" in problem[2] and "1.2" in problem[2]


def test_papers_are_not_overwritten_without_force(tmp_path, capsys):
    # the overwrite policy of every command: an existing output is replaced only with --force
    assert cli.main(["papers", str(GAOJING), "-o", str(tmp_path)]) == 0
    before = (tmp_path / "反馈.xlsx").stat().st_mtime_ns
    capsys.readouterr()
    assert cli.main(["papers", str(GAOJING), "-o", str(tmp_path)]) == 2
    assert "反馈.xlsx" in capsys.readouterr().err and (tmp_path / "反馈.xlsx").stat().st_mtime_ns == before
    assert cli.main(["papers", str(GAOJING), "-o", str(tmp_path), "--force"]) == 0


def rater_lines(a) -> dict[str, str]:
    """The rater line of each kind of blank form (the first page of each sheet)."""
    wb = Workbook()
    wb.remove(wb.active)
    papers.blank_forms(a, wb)
    return {ws.title: next(str(r[0]) for r in ws.iter_rows(values_only=True) if str(r[0] or "").startswith("评分人"))
            for ws in wb.worksheets}


def test_a_form_is_unsigned_where_its_sessions_leaf_says_so():
    a = papers.assess(JINGAN)
    # 内部互评 "以无记名方式" (jingan 五(二)(1)、五(三)(2)); 居民区互评 unsigned by default (sessions.mutual);
    # 党员群众测评 and 书记主任考评: the rater may sign
    assert rater_lines(a) == {"党员群众测评表": "评分人（可不填）：____________",
                              "居民区内部互评表": "评分人：无需署名（无记名测评）　　不对本人评分，本人一栏留空",
                              "书记、主任考评表": "评分人（可不填）：____________",
                              "居民区互评表": "评分人：无需署名（无记名测评）"}
    # a street whose own file makes the members' session unsigned (sessions.members = 1) prints it so
    a.inputs = replace(a.inputs, scheme=engine.build(with_overrides(load("jingan"), {"sessions.members": 1})))
    assert rater_lines(a)["党员群众测评表"] == "评分人：无需署名（无记名测评）"
