"""`kaohe calc / check / scheme` on real workbooks written by openpyxl and read back."""

from __future__ import annotations

import json

import pytest
from openpyxl import Workbook

from kaohe import cli
from kaohe.params import SCHEME_DIR, load, sheet_rows
from kaohe.rules import jingan

AREAS = jingan.AREA_INPUTS


def jingan_book(path, areas, staff=(), params=True, extra_column=False, blank_row=False, results=()):
    """A jingan workbook: 参数, 居民区 (optionally with a clerk's own column, a blank row, saved result
    columns), 工作人员."""
    wb = Workbook()
    wb.active.title = "说明"
    if params:
        sheet = wb.create_sheet("参数")
        for row in sheet_rows(load("jingan")):
            sheet.append(row)
    ws = wb.create_sheet("居民区")
    ws.append(["2025年度居民区考核"])  # a title row above the header: the header is found by its labels
    header = (["备注"] if extra_column else []) + list(AREAS) + list(results)
    ws.append(header)
    for n, area in enumerate(areas):
        if blank_row and n == 1:
            ws.append([])
        ws.append([area.get(h) for h in header])
    st = wb.create_sheet("工作人员")
    st.append(list(jingan.STAFF_INPUTS))
    for person in staff:
        st.append([person.get(h) for h in jingan.STAFF_INPUTS])
    wb.save(path)
    return path


def area(name, street=90, mutual=85, members=92, eligible=50, actual=41, **more):
    return {"居民区": name, "街道考评": street, "居民区互评": mutual, "党员群众测评": members,
            "应参加人数": eligible, "实际参加人数": actual, **more}


def run(capsys, *argv):
    """A kaohe command, its exit status and what it printed (paths may be given as Path)."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_calc_json_follows_the_contract(tmp_path, capsys):
    book = jingan_book(tmp_path / "a.xlsx", [area("春晖", 加分=3), area("和平", actual=40)])
    code, out, _ = run(capsys, "calc", str(book), "--json")
    data = json.loads(out)
    assert code == 0 and data["scheme"] == "jingan"
    rows = {r["居民区"]: r for r in data["sheets"]["居民区"]}
    # jingan 五(一): 0.5×90 + 0.1×85 + 0.4×92 = 90.3, + 3 (四(二)) = 93.3
    assert rows["春晖"]["总分"] == pytest.approx(93.3)
    assert set(rows["春晖"]) == {"居民区", "总分", "排名", "建议等次", "最终等次"}  # WORKBOOK.md, jingan 居民区
    # 40 of 50 is not above 80%: null, and an issue says why; so 春晖 ranks 1st of the one total, 和平 has no rank
    assert rows["和平"]["总分"] is None
    assert (rows["春晖"]["排名"], rows["和平"]["排名"]) == (1, None)
    issue = next(i for i in data["issues"] if i["rule"] == "测评参加率")
    assert issue["severity"] == "error" and issue["key"] == "和平" and issue["clause"].startswith("jingan 五(一)3")
    assert set(issue) >= {"severity", "rule", "clause", "sheet", "cell", "key", "message", "allowed", "actual"}


def test_check_names_the_cell_even_after_a_clerk_moves_columns(tmp_path, capsys):
    book = jingan_book(tmp_path / "a.xlsx", [area("春晖"), area("和平", actual=40)], extra_column=True,
                       blank_row=True)
    code, out, _ = run(capsys, "check", str(book), "--json")
    issue = next(i for i in json.loads(out)["issues"] if i["rule"] == "测评参加率")
    # title row 1, header row 2, 春晖 row 3, a blank row 4, 和平 row 5; 实际参加人数 is the 7th column (G)
    assert code == 1 and issue["cell"] == "居民区!G5"


def test_check_exit_zero_without_errors(tmp_path, capsys):
    book = jingan_book(tmp_path / "a.xlsx", [area("春晖")])
    code, out, _ = run(capsys, "check", str(book))
    assert code == 0 and "错误 0 条" in out


@pytest.mark.parametrize("make, says", [
    (lambda p: p.write_text("not a workbook", encoding="utf-8"), "不是 Excel 工作簿"),
    (lambda p: jingan_book(p, [area("春晖")], params=False), "没有“参数”工作表"),
])
def test_an_unusable_file_is_one_line_and_exit_2(tmp_path, capsys, make, says):
    path = tmp_path / "bad.xlsx"
    make(path)
    code, out, err = run(capsys, "check", str(path))
    assert code == 2 and out == "" and says in err and len(err.strip().splitlines()) == 1


def test_a_missing_header_is_exit_2(tmp_path, capsys):
    wb = Workbook()
    wb.active.title = "居民区"
    wb.active.append(["居民区", "街道考评"])
    wb.save(tmp_path / "a.xlsx")
    code, _, err = run(capsys, "calc", str(tmp_path / "a.xlsx"), "--scheme", "jingan")
    assert code == 2 and "缺少表头" in err and "居民区互评" in err


def test_a_parameter_sheet_that_does_not_add_up_is_exit_2(tmp_path, capsys):
    book = jingan_book(tmp_path / "a.xlsx", [area("春晖")])
    from openpyxl import load_workbook
    wb = load_workbook(book)
    for row in wb["参数"].iter_rows():
        if row[0].value == "area.weights.street":
            row[2].value = 0.6
    wb.save(book)
    code, _, err = run(capsys, "check", str(book))
    assert code == 2 and "area.weights" in err and "合计为1.1" in err


def test_a_street_scheme_file_is_used_and_checked(tmp_path, capsys):
    own = tmp_path / "南京西路街道.toml"
    own.write_text((SCHEME_DIR / "jingan.toml").read_text(encoding="utf-8")
                   .replace('street  = { label = "街道（镇）考评权重", value = 0.50',
                            'street  = { label = "街道（镇）考评权重", value = 0.60')
                   .replace('members = { label = "党员群众测评权重",   value = 0.40',
                            'members = { label = "党员群众测评权重",   value = 0.30'), encoding="utf-8")
    code, out, _ = run(capsys, "scheme", "check", str(own))
    assert code == 0 and "可用" in out
    book = jingan_book(tmp_path / "a.xlsx", [area("春晖")])
    code, out, _ = run(capsys, "calc", str(book), "--json", "--scheme", str(own))
    # 0.6×90 + 0.1×85 + 0.3×92 = 54 + 8.5 + 27.6 = 90.1
    assert json.loads(out)["sheets"]["居民区"][0]["总分"] == pytest.approx(90.1)


def test_scheme_show_lists_clauses_and_defaults(capsys):
    code, out, _ = run(capsys, "scheme", "show", "gaojing-2024")
    assert code == 0
    assert "hotline.rank_points.1.points\t" in out and "附件1 第3行" in out
    assert "rounding.quota" in out and "文件未规定，由街道（镇）确定" in out


def test_the_bundled_examples_have_the_planted_problems(capsys):
    from pathlib import Path
    examples = Path(__file__).resolve().parents[1] / "examples"
    code, out, _ = run(capsys, "check", str(examples / "gaojing-2024-example.xlsm"), "--json")
    rules = {i["rule"] for i in json.loads(out)["issues"]}
    assert code == 1 and {"参与户数", "并列超额", "比率范围"} <= rules
    code, out, _ = run(capsys, "check", str(examples / "jingan-example.xlsm"), "--json")
    rules = {i["rule"] for i in json.loads(out)["issues"]}
    assert code == 1 and {"测评参加率", "等次名额", "输入格式"} <= rules


def test_a_rating_form_finding_names_its_cell_in_the_form_sheet(tmp_path, capsys):
    # 测评表 with a title row, the header on row 2, a blank row 5 and a tier that disagrees with its score
    # on row 6 ("A 85": A is 90–100, jingan 五): the finding points at 测评表!F6, the 评分 cell typed.
    path = jingan_book(tmp_path / "forms.xlsx", [area("春晖", members=None)])
    from openpyxl import load_workbook
    wb = load_workbook(path)
    ws = wb.create_sheet("测评表")
    ws.append(["2025年度测评表"])
    ws.append(["测评", "居民区", "表号", "评分人", "对象", "评分"])
    ws.append(["党员群众测评", "春晖", 1, None, "春晖", "B 80"])  # row 3
    ws.append(["党员群众测评", "春晖", 2, None, "春晖", "B 84"])  # row 4
    ws.append([])  # row 5
    ws.append(["党员群众测评", "春晖", 3, None, "春晖", "A 85"])  # row 6
    wb.save(path)
    code, out, _ = run(capsys, "check", str(path), "--json")
    [mismatch] = [i for i in json.loads(out)["issues"] if i["rule"] == "档次分值不符"]
    assert code == 0 and mismatch["severity"] == "warning"  # a void form is a warning, not an error
    assert mismatch["cell"] == "测评表!F6" and "第3号表" in mismatch["message"]
    # form 3 is void: 党员群众测评 = (80 + 84) / 2 = 82; 总分 = 0.5×90 + 0.1×85 + 0.4×82 = 45 + 8.5 + 32.8 = 86.3
    _, out, _ = run(capsys, "calc", str(path), "--json")
    [row] = json.loads(out)["sheets"]["居民区"]
    assert row["总分"] == pytest.approx(86.3)


def test_check_reports_a_hand_edited_result_and_accepts_a_correct_one(tmp_path, capsys):
    # 春晖's 总分 is 93.3 (0.5×90 + 0.1×85 + 0.4×92 + 3); a clerk overwrote it with 95. 和平's saved 90.3 is
    # right (no bonus), and 长青's rating session is invalid: its saved message is what the rules give.
    rows = [area("春晖", 加分=3, 总分=95), area("和平", 总分=90.3), area("长青", actual=40, 总分="#错误：…")]
    book = jingan_book(tmp_path / "a.xlsx", rows, results=("总分",))
    code, out, _ = run(capsys, "check", str(book), "--json")
    stale = [i for i in json.loads(out)["issues"] if i["rule"] == "结果与规则不符"]
    assert code == 1 and [(i["key"], i["cell"], i["actual"]) for i in stale] == [("春晖", "居民区!J3", 95)]
    assert stale[0]["allowed"] == pytest.approx(93.3)


def test_results_never_calculated_are_one_note_not_a_flood(tmp_path, capsys):
    book = jingan_book(tmp_path / "a.xlsx", [area("春晖"), area("和平")], results=("总分", "建议等次"))
    _, out, _ = run(capsys, "check", str(book), "--json")
    notes = [i for i in json.loads(out)["issues"] if i["rule"] == "结果未计算"]
    assert len(notes) == 1 and notes[0]["severity"] == "info" and notes[0]["actual"] == 4


def test_an_unforeseen_failure_is_exit_2_not_1(tmp_path, capsys, monkeypatch):
    book = jingan_book(tmp_path / "a.xlsx", [area("春晖")])
    monkeypatch.setattr(cli, "calculate", lambda inputs: 1 / 0)
    code, out, err = run(capsys, "check", str(book))
    assert code == 2 and out == "" and "内部错误" in err


def test_doctor_names_an_xlwings_version_mismatch(capsys, monkeypatch):
    import xlwings
    assert cli.pinned_xlwings() == "0.37.8"  # pyproject pins it exactly
    assert cli.main(["doctor"]) == 0
    monkeypatch.setattr(xlwings, "__version__", "0.30.0")
    code, _, err = run(capsys, "doctor")
    assert code == 1 and "已安装 0.30.0" in err and "pip install xlwings==0.37.8" in err


def test_calc_prints_a_summary_and_all_rows_on_asking(tmp_path, capsys):
    # 春晖: 0.5×90 + 0.1×85 + 0.4×92 = 45 + 8.5 + 36.8 = 90.3; 和平 the same inputs but 加分 3 → 93.3;
    # 长青 turnout 40 of 50 = exactly 80%, not over it (jingan 五(一)3): no total, so no grade.
    # Five areas (two more at 90.3 − 0.4×(92−70) = 81.5): 优秀 cap floor(20% × 5) = 1 → 和平 优秀; 良好 cap 1 →
    # 春晖 良好 (alone at 90.3); the two at 81.5 一般 (≥ 60).
    areas = [area("春晖"), area("和平", 加分=3), area("长青", actual=40), area("新华", members=70), area("锦绣", members=70)]
    book = jingan_book(tmp_path / "a.xlsx", areas)
    code, out, _ = run(capsys, "calc", book)
    assert code == 0
    assert "【居民区】5 行" in out and "有结果无法计算的：1 行" in out
    assert "最终等次：优秀 1，良好 1，一般 2" in out
    assert "90.30" not in out  # rows only with --all
    code, out, _ = run(capsys, "calc", book, "--all")
    assert code == 0 and "90.30" in out and "93.30" in out


def test_help_and_usage_errors_are_in_chinese_and_exit_2(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and "用法：kaohe" in out and "显示本帮助并退出" in out and "usage" not in out
    with pytest.raises(SystemExit) as done:
        cli.main(["calc"])
    err = capsys.readouterr().err
    assert done.value.code == 2 and "缺少参数：工作簿" in err and "required" not in err
    with pytest.raises(SystemExit) as done:
        cli.main(["new", "--scheme", "jingan", "-o", "x.xlsm", "--areas", "十"])
    assert done.value.code == 2 and "无效的值 '十'（应为整数）" in capsys.readouterr().err


def test_every_output_is_replaced_only_with_force(tmp_path, capsys):
    book = jingan_book(tmp_path / "a.xlsx", [area("春晖")])
    out = tmp_path / "b.xlsx"
    out.write_bytes(b"a clerk's other file")
    for command in (["calc", book, "-o", out], ["check", book, "-o", out], ["export", book, "-o", out],
                    ["merge", book, "-o", out], ["new", "--scheme", "jingan", "-o", out]):
        code, _, err = run(capsys, *command)
        assert code == 2 and "已存在" in err and "--force" in err, command
        assert out.read_bytes() == b"a clerk's other file"
    assert run(capsys, "calc", book, "-o", out, "--force")[0] == 0 and out.read_bytes() != b"a clerk's other file"
