"""`kaohe new`: the workbook a clerk types into, built from the scheme data and read back with openpyxl."""

from __future__ import annotations

import json
import zipfile

import pytest
from openpyxl import load_workbook

from kaohe import cli, engine, template, vba
from kaohe.params import PARAM_SHEET, sheet_rows

WORKBOOK_SHEETS = ["说明", "居民区", "工作人员", "汇总", "测评表", "街道考评", "加减分", "检查结果", PARAM_SHEET, "xlwings.conf"]


@pytest.fixture(scope="module")
def jingan_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("new") / "静安.xlsm"
    assert cli.main(["new", "--scheme", "jingan", "-o", str(path), "--areas", "12", "--people", "100"]) == 0
    return path


def test_sheets_and_headers_are_those_of_workbook_md(jingan_book):
    wb = load_workbook(jingan_book, keep_vba=True)
    assert wb.sheetnames == WORKBOOK_SHEETS
    headers = [c.value for c in wb["居民区"][1]]
    assert headers == ["居民区", "街道考评", "居民区互评", "党员群众测评", "应参加人数", "实际参加人数", "加分", "减分",
                       "领导小组调整", "调整理由", "总分", "排名", "建议等次", "最终等次", "居民区互评（测评表）",
                       "党员群众测评（测评表）"]
    assert [c.value for c in wb["工作人员"][1]][-8:] == ["居民区得分", "得分", "建议等次", "最终等次", "奖金",
                                                      "书记主任考评（测评表）", "内部互评（测评表）", "党员群众测评（测评表）"]
    assert [c.value for c in wb["检查结果"][1]][:8] == ["级别", "规则", "依据", "位置", "对象", "说明", "上限/要求", "实际"]


def test_each_result_block_is_one_array_formula_over_the_input_ranges(jingan_book):
    ws = load_workbook(jingan_book)["工作人员"]
    # 15 inputs A..O (编号 optional, after 居民区; 调整理由 after 领导小组调整), 100 rows below the header;
    # results P..T (5) and the three sessions' tallies U..W in one block; areas A..J, 12 rows; 测评表 A..F,
    # 3000 rows; 参数 rows as sheet_rows gives them
    assert ws.array_formulae == {"P2": "P2:W101"}
    n_params = len(sheet_rows(engine.scheme("jingan").params))
    assert ws["P2"].value.text == (f"=KAOHE_STAFF('参数'!$A$1:$F${n_params},"
                                   '{"居民区得分","得分","建议等次","最终等次","奖金",'
                                   '"书记主任考评（测评表）","内部互评（测评表）","党员群众测评（测评表）"},'
                                   "'工作人员'!$A$1:$O$101,'居民区'!$A$1:$J$13,'测评表'!$A$1:$F$3001)")
    assert all(ws.cell(r, c).value is None for r in range(2, 102) for c in range(17, 24))  # Excel fills the block
    area = load_workbook(jingan_book)["居民区"]
    assert area.array_formulae == {"K2": "K2:P13"}
    assert area["K2"].value.text == (f"=KAOHE_AREA('参数'!$A$1:$F${n_params},"
                                     '{"总分","排名","建议等次","最终等次","居民区互评（测评表）","党员群众测评（测评表）"},'
                                     "'居民区'!$A$1:$J$13,'工作人员'!$A$1:$O$101,'测评表'!$A$1:$F$3001)")


def test_gaojing_blocks_need_no_forms(tmp_path):
    wb = template.build("gaojing-2024", macro=False, area_rows=4, people_rows=6)
    area, people = wb["居民区"], wb["人员奖励"]
    assert list(area.array_formulae) == ["AA2"] and list(people.array_formulae) == ["E2"]  # 姓名, 居民区, 编号, 岗位
    assert people["E2"].value.ref == "E2:F7"
    assert people["E2"].value.text.startswith('=KAOHE_STAFF(') and '{"档次","奖励金额"}' in people["E2"].value.text
    assert "测评表" not in area["AA2"].value.text


def test_inputs_are_open_results_are_locked_and_sheets_print_as_a4(jingan_book):
    ws = load_workbook(jingan_book)["居民区"]
    assert ws.protection.sheet and not ws.protection.password
    assert ws["B2"].protection.locked is False and ws["K2"].protection.locked is True  # 街道考评, 总分
    assert ws["J2"].protection.locked is False  # 调整理由
    assert ws["B2"].fill.fgColor.rgb != ws["K2"].fill.fgColor.rgb
    assert ws.freeze_panes == "B2" and ws.print_title_rows == "$1:$1"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9 and ws.page_setup.fitToWidth == 1  # 9: A4
    assert ws["K2"].number_format == "0.0"


def test_dropdowns_offer_the_documents_vocabularies(jingan_book):
    ws = load_workbook(jingan_book)["工作人员"]
    lists = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    # 姓名, 居民区, 编号, 岗位 (D), 人员类别, 4 sessions and counts, 不参加考核原因 (K), 在岗月数, 奖金基数, 领导小组调整 (N),
    # 调整理由 (O)
    assert lists["D2:D101"] == '"书记,主任,书记兼主任,其他"'
    assert lists["K2:K101"] == '"新进未满半年,病事假超半年,当年退休书记"'
    assert lists["N2:N101"] == '"优秀,合格,基本合格,不合格"'  # jingan 六(二)


def test_a_row_with_a_finding_is_coloured(jingan_book):
    rules = load_workbook(jingan_book)["居民区"].conditional_formatting
    formulas = [r.formula[0] for cf in rules for r in cf.rules]
    assert formulas == ['COUNTIF($K2:$N2,"#*")>0']  # 总分, 排名, 建议等次, 最终等次


def test_the_vba_project_is_kaohe_s_own_for_these_sheets(jingan_book):
    # kaohe/vba.py's project for the 10 sheets' codeNames, byte for byte (tests/test_vba.py reads it back)
    with zipfile.ZipFile(jingan_book) as z:
        assert z.read("xl/vbaProject.bin") == vba.project([f"Sheet{n}" for n in range(1, 11)])
    wb = load_workbook(jingan_book, keep_vba=True)
    assert [ws.sheet_properties.codeName for ws in wb.worksheets] == [f"Sheet{n}" for n in range(1, 11)]
    conf = wb["xlwings.conf"]
    settings = {row[0]: row[1] for row in conf.iter_rows(values_only=True) if row[0]}
    assert settings == {"UDF Modules": "kaohe_udfs"} and conf.sheet_state == "hidden"


def test_the_parameter_sheet_is_the_schemes_and_feeds_back(jingan_book, capsys):
    grid = [list(r) for r in load_workbook(jingan_book)[PARAM_SHEET].iter_rows(values_only=True)]
    written = [[None if v == "" else v for v in row] for row in sheet_rows(engine.scheme("jingan").params)]
    assert grid == written  # an empty string is stored as an empty cell
    assert engine.scheme(grid).id == "jingan"


def test_a_filled_template_is_read_headlessly(tmp_path, capsys):
    # Typed into the template's own cells: 春晖 0.5×90 + 0.1×85 + 0.4×92 = 90.3 (jingan 五(一))
    data = {"居民区": [{"居民区": "春晖", "街道考评": 90, "居民区互评": 85, "党员群众测评": 92, "应参加人数": 50,
                        "实际参加人数": 41}]}
    path = tmp_path / "a.xlsx"
    template.build("jingan", macro=False, area_rows=5, people_rows=5, data=data).save(path)
    assert cli.main(["calc", str(path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["sheets"]["居民区"]
    assert rows == [{"居民区": "春晖", "总分": pytest.approx(90.3), "排名": 1, "建议等次": "一般", "最终等次": "一般"}]


def test_new_refuses_an_unknown_extension(tmp_path, capsys):
    assert cli.main(["new", "--scheme", "jingan", "-o", str(tmp_path / "a.csv")]) == 2
    assert not (tmp_path / "a.csv").exists()


@pytest.mark.parametrize("path, scheme", list(template.committed().items()), ids=lambda v: str(getattr(v, "name", v)))
def test_the_committed_templates_are_up_to_date(path, scheme, tmp_path):
    # Rebuild with `python -m kaohe.template` after changing a scheme or the layout
    fresh = tmp_path / path.name
    template.build(scheme).save(fresh)
    assert path.exists(), f"{path} is missing: run python -m kaohe.template"
    assert template.content(path) == template.content(fresh), f"{path} is out of date: run python -m kaohe.template"


def test_session_columns_are_typed_or_left_blank_for_the_forms(jingan_book):
    wb = load_workbook(jingan_book)
    area = wb["居民区"]
    # the session inputs hold no formula any more: blank, the rules read the 测评表 (engine.prepare);
    # a typed mean is used as typed. The tally shows at the end of the sheet's block, locked.
    assert area["D2"].value is None and area["D2"].protection.locked is False
    assert [c.value for c in area[1]][14:] == ["居民区互评（测评表）", "党员群众测评（测评表）"]
    assert area["O2"].protection.locked is True and area["O2"].value is None  # inside the K2:P13 block
    assert [c.value for c in wb["测评表"][1]] == ["测评", "居民区", "表号", "评分人", "对象", "评分"]


# --- entry sheets, recalculated by LibreOffice --------------------------------------------------

ITEMS = ("社区党建工作", "社区自治工作", "社区服务工作", "社区管理工作", "社会平安工作", "社区党群工作", "社区发展工作",
         "其他工作")


def _recalculated(tmp_path, wb, name):
    """Every sheet as LibreOffice computes it (the file has no cached values), one CSV per sheet."""
    import csv
    import subprocess

    from tests.rendering import require_office

    require_office()
    path = tmp_path / f"{name}.xlsx"
    wb.save(path)
    subprocess.run(["timeout", "-k", "10", "180", "soffice", "--headless", "--norestore",
                    f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=240)
    return lambda sheet: list(csv.reader((tmp_path / f"{name}-{sheet}.csv").open(encoding="utf-8")))


def test_jingan_entry_sheets_add_up_in_a_spreadsheet_program(tmp_path):
    area = {"居民区互评": 80, "党员群众测评": 80, "应参加人数": 50, "实际参加人数": 45}
    wb = template.build("jingan", macro=False, area_rows=4, people_rows=2, form_rows=2, data={
        "居民区": [{"居民区": "甲", **area}, {"居民区": "乙", "街道考评": 70, "加分": 1, **area}],
        "街道考评": [{"居民区": "甲", **dict(zip(ITEMS, (16, 17, 10, 11, 12, 9, 10, 3)))}],
        "加减分": [{"居民区": "甲", "类型": k, "级别": lv} for k, lv in
                (("综合类奖励", "市级"), ("单项类奖励", "区级"), ("媒体曝光", "市级"), ("考核排名拖后", "国家级"))]})
    sheet = _recalculated(tmp_path, wb, "jingan")
    # jingan 四(一)1: 16+17+10+11+12+9+10+3 = 88; 四(二): +3, 0 (单项类区级), −1, −4
    assert sheet("街道考评")[1][-1] == "88"
    assert [r[-1] for r in sheet("加减分")[1:5]] == ["3", "0", "-1", "-4"]
    areas = sheet("居民区")
    # 甲: 街道考评 88, 加分 3 + 0 = 3, 减分 1 + 4 = 5; 乙 has no entry rows: its typed 70 and 1 stay
    assert areas[1][1] == "88" and areas[1][6:8] == ["3", "5"]
    assert areas[2][1] == "70" and areas[2][6:8] == ["1", ""]


def test_gaojing_questionnaires_give_channel_means_in_a_spreadsheet_program(tmp_path):
    def survey(channel, answers):
        return {"居民区": "甲", "渠道": channel, **{f"题{n}": a for n, a in enumerate(answers, start=1)}}

    wb = template.build("gaojing-2024", macro=False, area_rows=2, people_rows=2, data={
        "居民区": [{"居民区": "甲", "第三方得分": 77}],
        "满意度问卷": [survey("座谈会", [10] * 10), survey("座谈会", [8] * 5 + [6] * 5), survey("社区通上半年", [9] * 10)]})
    sheet = _recalculated(tmp_path, wb, "gaojing")
    # 附件2: 合计 100, 5×8 + 5×6 = 70, 90; 座谈会 mean (100 + 70)/2 = 85; 第三方 typed 77 stays
    assert [r[-1] for r in sheet("满意度问卷")[1:4]] == ["100", "70", "90"]
    header, first = sheet("居民区")[:2]
    row = dict(zip(header, first))
    assert (row["座谈会得分"], row["第三方得分"], row["社区通上半年得分"], row["社区通下半年得分"]) == ("85", "77", "90", "")


def test_the_summary_counts_each_final_grade_with_built_in_functions(tmp_path):
    """汇总's COUNTIFs and shares, computed by LibreOffice over grades standing in 最终等次."""
    import subprocess

    from kaohe import office
    from tests.rendering import require_office
    require_office()
    areas = [{"居民区": name} for name in "甲乙丙丁戊"]
    wb = template.build("jingan", macro=False, area_rows=6, people_rows=2, form_rows=2,
                        data={"居民区": areas, "工作人员": []})
    ws = wb["居民区"]
    final = [c.value for c in ws[1]].index("最终等次") + 1
    for anchor in list(ws.array_formulae):  # no UDF block (LibreOffice would compute it as #NAME?)
        ws[anchor.split(":")[0]].value = None
    for row, grade in enumerate(("优秀", "良好", "一般", "一般", "较差"), start=2):  # as the UDF would show them
        ws.cell(row, final, grade)
    assert wb["汇总"]._charts, "a bar chart of the grades"
    source = tmp_path / "汇总.xlsx"
    wb.save(source)
    subprocess.run(["timeout", "120", office.soffice(), "--headless", "--norestore",
                    f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--convert-to", "xlsx",
                    "--outdir", str(tmp_path / "out"), str(source)], check=True, capture_output=True, timeout=150)
    summary = load_workbook(tmp_path / "out" / "汇总.xlsx", data_only=True)["汇总"]
    table = {r[0]: r[1:3] for r in summary.iter_rows(min_row=4, max_row=9, max_col=3, values_only=True)}
    # 1 优秀, 1 良好, 2 一般, 1 较差 of the 5 areas typed: shares 20%, 20%, 40%, 20%
    assert [table[g][0] for g in ("优秀", "良好", "一般", "较差", "合计", "填写行数")] == [1, 1, 2, 1, 5, 5]
    assert [table[g][1] for g in ("优秀", "良好", "一般", "较差")] == [0.2, 0.2, 0.4, 0.2]
