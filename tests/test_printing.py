"""How sheets print: page set-up read back with openpyxl, and blank templates and submission copies rendered
through LibreOffice to PDF (pages counted, header and footer text read, no ###)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from kaohe import office, printing, submission, template
from tests.rendering import flat, pages, require_office

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_a_sheet_that_fits_prints_one_page_wide():
    ws = Workbook().active
    printing.page_setup(ws)
    # 10 columns of 9 characters: 10 × 9 × 11 px = 990 px ≤ 1045 px of A4 landscape at 100%
    assert printing.split(ws, [9.0] * 10) == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage and not ws.col_breaks.brk


def test_a_wide_sheet_splits_at_a_fixed_scale_with_its_key_column_on_every_page():
    ws = Workbook().active
    printing.page_setup(ws)
    # 30 columns of 10: 3,300 px, × 0.7 = 2,310 px > 1,045: fitting one page wide would print too small.
    # At 75% a landscape page holds 1,045.44 / 0.75 = 1,393.9 px, less column A (110) = 1,283.9 px:
    # 11 columns of 110 px a page, so pages start at columns 2, 13 and 24 (breaks after 12 and 23).
    assert printing.split(ws, [10.0] * 30) == 3
    assert [b.id for b in ws.col_breaks.brk] == [12, 23]
    assert ws.page_setup.scale == 75 and not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_cols == "$A:$A"


def test_results_start_a_page_only_where_that_costs_no_page():
    ws = Workbook().active
    # 20 columns of 10: two pages (columns 2–12, 13–20). Starting a page at column 10 (columns 10–20,
    # 11 × 110 = 1,210 px ≤ 1,283.9) keeps two pages: taken; starting at 15 would make three: not taken.
    assert printing.split(ws, [10.0] * 20, prefer=(10,)) == 2 and [b.id for b in ws.col_breaks.brk] == [9]
    ws = Workbook().active
    assert printing.split(ws, [10.0] * 20, prefer=(15,)) == 2 and [b.id for b in ws.col_breaks.brk] == [12]


def test_the_print_area_is_the_rows_with_typed_data_or_one_blank_page():
    ws = Workbook().active
    for row in range(1, 101):
        ws.cell(row, 3, f'=IF(A{row}="","",1)')  # formulas alone do not make a row worth printing
    ws["A1"], ws["A7"] = "居民区", "春晖"
    printing.rows_to_print(ws)
    assert ws.print_area == "'Sheet'!$A$1:$C$7"
    ws["A7"] = None
    printing.rows_to_print(ws)
    assert ws.print_area == f"'Sheet'!$A$1:$C${1 + printing.BLANK_ROWS}"


def test_the_header_names_unit_sheet_and_year_and_the_footer_scheme_and_page():
    ws = Workbook().active
    printing.page_setup(ws, scheme="某方案", unit="A&B街道")
    printing.set_header(ws, "某方案", "A&B街道", "2025")
    assert ws.oddHeader.left.text == "A&&B街道"  # a typed & is doubled: alone it starts a code
    assert (ws.oddHeader.center.text, ws.oddHeader.right.text) == ("&A", "2025年度")
    assert (ws.oddFooter.left.text, ws.oddFooter.right.text) == ("某方案", "第 &P 页 共 &N 页")


# --- rendered through LibreOffice ---------------------------------------------------------------------

SHEETS = "说明|居民区|工作人员|人员奖励|汇总|测评表|街道考评|加减分|满意度问卷|检查结果|参数|封面|来源"
HEADER = re.compile(rf"^(.*?)({SHEETS})(考核年度：_+|\d{{4}}年度)")


def sheets_of_pages(pdf: Path) -> list[str]:
    """Each page's sheet, read from its header (unit, sheet name, year)."""
    found = []
    for page in range(1, pages(pdf) + 1):
        match = HEADER.match(flat(pdf, page))
        assert match, f"page {page} of {pdf.name} has no header"
        found.append(match.group(2))
    return found


@pytest.fixture(scope="module")
def blank_pdfs(tmp_path_factory):
    require_office()
    out = tmp_path_factory.mktemp("blank")
    files = []
    for scheme in ("jingan", "gaojing-2024"):
        files.append(out / f"{scheme}.xlsm")
        template.build(scheme).save(files[-1])
    return dict(zip(("jingan", "gaojing-2024"), office.to_pdf(files, out / "pdf")))


def test_blank_templates_print_a_page_or_so_per_sheet_not_dozens(blank_pdfs):
    # Blank: each sheet prints its header row and 20 empty rows to write on (60, 600 and 3,000 rows are
    # formatted for typing). gaojing's 居民区 has 37 columns, about 320 characters of width beyond 居民区:
    # at 75% a landscape page holds about 114 characters beside the repeated key column, so three pages across.
    # jingan's 居民区 (16 columns since 排名 and 调整理由: 10 inputs, 4 results, 2 tallies) is too wide to fit one
    # page at 70%: two pages across; its 工作人员 (23 columns: 15 inputs with 编号 and 调整理由, 5 results,
    # 3 tallies) three.
    jingan = Counter(sheets_of_pages(blank_pdfs["jingan"]))
    gaojing = Counter(sheets_of_pages(blank_pdfs["gaojing-2024"]))
    assert {k: v for k, v in jingan.items() if k != "参数"} == {"说明": 1, "居民区": 2, "工作人员": 3, "汇总": 1,
                                                               "测评表": 1, "街道考评": 1, "加减分": 1, "检查结果": 1}
    assert {k: v for k, v in gaojing.items() if k != "参数"} == {"说明": 1, "居民区": 3, "人员奖励": 1, "汇总": 1,
                                                                "满意度问卷": 1, "检查结果": 1}
    assert pages(blank_pdfs["jingan"]) <= 12 and pages(blank_pdfs["gaojing-2024"]) <= 12


def test_every_page_says_where_to_write_the_unit_and_year_and_counts_the_pages(blank_pdfs):
    pdf = blank_pdfs["gaojing-2024"]
    total = pages(pdf)
    for page in range(1, total + 1):
        shown = flat(pdf, page)
        assert shown.startswith("填报单位：") and "考核年度：" in shown[:60]
        assert shown.endswith(f"宝山区高境镇《2024年高境镇居民区考核方案》（宝高委〔2024〕104号）第{page}页共{total}页")


@pytest.fixture(scope="module")
def copy_pdfs(tmp_path_factory):
    require_office()
    out = tmp_path_factory.mktemp("copies")
    files = [out / "jingan.xlsx", out / "gaojing-2024.xlsx"]
    submission.export(EXAMPLES / "jingan-example.xlsm", files[0], force=True)
    submission.export(EXAMPLES / "gaojing-2024-example.xlsm", files[1], force=True)
    return dict(zip(("jingan", "gaojing-2024"), office.to_pdf(files, out / "pdf")))


def test_the_copy_prints_its_numbers_whole_with_the_unit_in_every_header(copy_pdfs):
    for scheme, unit in (("jingan", "静安区示例街道"), ("gaojing-2024", "高境镇")):
        pdf = copy_pdfs[scheme]
        shown = flat(pdf)
        assert "###" not in shown, scheme  # money (60,000.00) and scores fit their columns
        assert "#VALUE!" not in shown  # (说明 and the findings mention #NAME? in words)
        for page in range(1, pages(pdf) + 1):
            assert flat(pdf, page).startswith(unit)


def test_the_wide_sheet_of_the_copy_repeats_the_area_on_every_page(copy_pdfs):
    pdf = copy_pdfs["gaojing-2024"]
    areas = [r[0] for r in load_workbook(EXAMPLES / "gaojing-2024-example.xlsm")["居民区"].iter_rows(
        min_row=2, values_only=True) if r[0]]
    on = [page for page, sheet in enumerate(sheets_of_pages(pdf), start=1) if sheet == "居民区"]
    assert len(on) >= 3  # three pages across at least
    for page in on:
        shown = flat(pdf, page)
        assert areas[0] in shown or areas[-1] in shown  # the key column on each page, no empty page
    results = [flat(pdf, page) for page in on if "最终等次" in flat(pdf, page)]
    assert results and all(any(a in p for a in areas) for p in results)


def test_the_cover_prints_first_with_blank_sign_off_lines(copy_pdfs):
    first = flat(copy_pdfs["gaojing-2024"], 1)
    assert first.startswith("高境镇封面2024年度")
    for line in ("填报人：", "审核人：", "领导小组意见：", "日期："):
        assert line in first


def test_a_copy_of_a_workbook_without_print_set_up_still_splits_its_wide_sheet(tmp_path):
    wb = load_workbook(EXAMPLES / "gaojing-2024-example.xlsm", keep_vba=True)
    ws = wb["居民区"]
    ws.col_breaks.brk = []  # as an older kaohe wrote it: 37 columns fitted to one page wide
    for n in range(1, ws.max_column + 1):
        ws.column_dimensions[ws.cell(1, n).column_letter].width = 12
    wb.save(tmp_path / "旧.xlsm")
    submission.export(tmp_path / "旧.xlsm", tmp_path / "上报.xlsx", force=True)
    ws = load_workbook(tmp_path / "上报.xlsx")["居民区"]
    header = [c.value for c in ws[1]]
    # 37 columns of 12 beside 居民区 (调整理由 among them): 132 px each, 9 a page (9 × 132 = 1,188 ≤ 1,261.9 px
    # at 75%): pages start at columns 2, 11, 20, 29 and 38. The 12 results (from 群众满意度, the 27th) take
    # 1,584 px, more than a page, so they do not start one of their own.
    assert ws.print_title_cols == "$A:$A" and ws.page_setup.scale == 75
    assert header.index("群众满意度") + 1 == 27 and len(header) == 38
    assert [b.id for b in ws.col_breaks.brk] == [10, 19, 28, 37]
    areas = sum(1 for r in ws.iter_rows(min_row=2, max_col=1, values_only=True) if r[0])  # then 3 spare rows
    assert ws.print_area == f"'居民区'!$A$1:$AL${1 + areas}" and ws.max_row == 1 + areas + 3
