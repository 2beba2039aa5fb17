"""``kaohe``: the engine on the command line, for the office that receives a workbook.

    kaohe calc FILE [--json] [--scheme NAME]   results of every row (WORKBOOK.md contract)
    kaohe check FILE [--json] [--scheme NAME] [-o OUT]  findings; exit 0 none, 1 errors, 2 unusable file;
                                               -o: written into a copy's 检查结果, cells coloured
    kaohe scheme show NAME|FILE                every parameter with its unit and clause
    kaohe scheme check FILE                    validate a street's own scheme file
    kaohe new --scheme NAME -o FILE.xlsm       a ready workbook for a scheme
    kaohe new --scheme NAME -o FILE.xlsx --native   the same with built-in formulas (no Python, no macros)
    kaohe export FILE -o 上报.xlsx [--force]    the macro-free submission copy, refused while the check finds errors
    kaohe verify 上报.xlsx [--json]             recompute a copy from its inputs; exit 0 when all agrees
    kaohe merge FILES_OR_FOLDERS -o 汇总.xlsx    the district's roll-up; exit 1 when a file was skipped or doubled
    kaohe papers FILE -o DIR [--pdf]            printed papers: blank rating forms, the publicity list, feedback pages

It translates files and arguments for the engine and prints; it decides no rule.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

from . import __version__, checking, engine
from .contract import UNIT_LABEL, YEAR_LABEL
from .files import WorkbookError, output_path, same_file, write_atomically, write_error
from .findings import Finding
from .office import OfficeError
from .params import DEFAULT_NOTE, SchemeError, builtin_ids, is_default, load
from .workbook import Inputs, calculate, formula_cells, open_book, read_inputs, save_with_results

EXIT_OK, EXIT_ERRORS, EXIT_UNUSABLE = 0, 1, 2


def _finite(data: object) -> object:
    """JSON has no NaN or Infinity: a non-finite number (typed as 1e309, say) is given as its text, "inf"."""
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


def _print_json(data: object) -> None:
    print(json.dumps(_finite(data), ensure_ascii=False, indent=1, default=str, allow_nan=False))


def _results(inputs: Inputs):
    tables = calculate(inputs)
    return tables, checking.all_findings(inputs, tables)


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return "—" if value is None else str(value)


def _output(source: Path | None, out: str, force: bool = True, suffix: str | None = None) -> Path:
    """Where to write: never the clerk's own file (by any path), the same kind of file (or ``suffix``),
    in a folder that exists, and no silent overwrite for new."""
    target = output_path(out, *([source] if source is not None else []))
    wanted = suffix or (source.suffix if source is not None else None)
    if wanted and target.suffix.lower() != wanted.lower():
        raise WorkbookError(f"输出文件应为 {wanted} 文件：{target.name}")
    if not force and target.exists():
        raise WorkbookError(f"{target.name} 已存在，未覆盖（要覆盖请加 --force）")
    return target


def cmd_calc(args: argparse.Namespace) -> int:
    inputs = read_inputs(args.file, args.scheme)
    tables, findings = _results(inputs)
    if args.output:
        target = _output(Path(args.file), args.output, force=args.force)
        written = save_with_results(Path(args.file), target, formula_cells(inputs, tables))
        print(f"已写入 {args.output}：{written} 个结果格（公式不变，附计算结果）", file=sys.stderr)
    if args.json:
        _print_json({"scheme": inputs.scheme.id, "sheets": {n: t.records() for n, t in tables.items()},
                     "issues": [inputs.issue(f) for f in findings]})
        return EXIT_OK
    print(f"{inputs.path.name}：方案 {inputs.scheme.id}（{inputs.scheme.params.meta['title']}）")
    for name, table in tables.items():
        if args.all:
            print(f"\n【{name}】")
            header = (table.key_field, *table.columns)
            print("\t".join(header))
            for record in table.records():
                print("\t".join(_format(record[h]) for h in header))
        else:
            print(_summary(name, table, _grade_order(inputs.scheme).get(name, ())))
    if not args.all:
        print("（逐行结果：kaohe calc 文件 --all；机读：--json）")
    _print_findings(inputs, findings, limit=None if args.all else SUMMARY_FINDINGS)
    return EXIT_OK


SUMMARY_FINDINGS = 10  # the summary lists the first errors and warnings; --all and `kaohe check` list every one
GRADE_COLUMNS = ("最终等次", "档次")  # what a summary counts: the grades that stand, and gaojing's rank tiers


def _grade_order(s: engine.Scheme) -> dict[str, tuple[str, ...]]:
    """Each sheet's grades best first, as its 领导小组调整 dropdown lists them."""
    return engine.grade_names(s)


def _summary(name: str, table, order: Sequence[str] = ()) -> str:
    """One sheet in a few lines: how many rows, how many could not be computed, each grade's count, money."""
    records = table.records()
    lines = [f"【{name}】{len(records)} 行"]
    missing = len({key for key, _ in table.reasons})  # rows with a result that cannot be computed, and why
    if missing:
        lines.append(f"  有结果无法计算的：{missing} 行（原因见下方检查结果）")
    for column in (c for c in GRADE_COLUMNS if c in table.columns):
        counts: dict[str, int] = {}
        for record in records:
            shown = record[column]
            if shown not in (None, ""):
                counts[str(shown)] = counts.get(str(shown), 0) + 1
        if counts:
            ranked = sorted(counts, key=lambda g: (order.index(g) if g in order else len(order), g))
            lines.append(f"  {column}：" + "，".join(f"{grade} {counts[grade]}" for grade in ranked))
    for column in (c for c in table.columns if c in MONEY_COLUMNS):
        total = sum(r[column] for r in records if isinstance(r[column], (int, float)))
        lines.append(f"  {column}合计：{total:,.2f} 元")
    return "\n".join(lines)


MONEY_COLUMNS = ("奖金", "奖励金额")


def _print_findings(inputs: Inputs, findings: Sequence[Finding], limit: int | None = None) -> None:
    counts = {s: sum(1 for f in findings if f.severity.label == s) for s in ("错误", "警告", "提示")}
    print(f"\n检查结果：错误 {counts['错误']} 条，警告 {counts['警告']} 条，提示 {counts['提示']} 条")
    shown = sorted(findings, key=lambda f: not f.is_error) if limit is not None else findings
    for f in shown[:limit]:
        print(f"[{f.severity.label}] {f.rule}（{f.clause}）{inputs.cell(f)}：{f.message}")
    if limit is not None and len(findings) > limit:
        print(f"……另有 {len(findings) - limit} 条（全部列出：kaohe check 文件）")


def cmd_check(args: argparse.Namespace) -> int:
    if args.output:  # the report written into a copy, as the workbook's own check macro writes it
        target = _output(Path(args.file), args.output, force=args.force)
        book = open_book(args.file)
        try:
            inputs, tables, findings = checking.findings_of(book, Path(args.file).name, args.scheme)
            checking.report(book, inputs, findings)
            book.save(target)
        finally:
            book.close()
        save_with_results(target, target, formula_cells(inputs, tables))  # openpyxl's re-save drops them
    else:
        inputs = read_inputs(args.file, args.scheme)
        _, findings = _results(inputs)
    if args.json:
        _print_json({"scheme": inputs.scheme.id, "issues": [inputs.issue(f) for f in findings]})
    else:
        _print_findings(inputs, findings)
    return EXIT_ERRORS if any(f.is_error for f in findings) else EXIT_OK


def cmd_scheme(args: argparse.Namespace) -> int:
    if Path(args.scheme).suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise WorkbookError(f"{Path(args.scheme).name} 是工作簿，不是方案文件（.toml）：工作簿“参数”表的参数请用"
                            f" kaohe check {Path(args.scheme).name} 检查")
    params = load(args.scheme)
    built = engine.build(params)  # validates: raises SchemeError with every problem
    if args.action == "check":
        print(f"{params.source}：方案 {built.id} 可用（{len(params.leaves)} 项参数）")
        return EXIT_OK
    print(f"方案 {params.meta['id']}：{params.meta['title']}")
    for path, value, leaf in params.flat_rows(unlisted=True):
        note = f"  [{DEFAULT_NOTE}]" if is_default(leaf, path) else ""
        note += "" if leaf.listed else "  [不在“参数”表中：在方案文件中修改]"
        print(f"{path}\t{leaf.label}\t{value}\t{leaf.unit}\t{leaf.reference}{note}")
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from . import carry, native, template  # each command imports what it uses: `kaohe check` starts without openpyxl

    out = _output(None, args.output, force=args.force)
    if args.areas < 1 or args.people < 1:
        raise WorkbookError("行数应为正整数")
    if args.native:
        if out.suffix.lower() != ".xlsx":
            raise WorkbookError(f"公式版工作簿（--native）不含宏，输出文件应为 .xlsx：{out.name}")
        native.write_native(args.scheme, out, area_rows=args.areas, people_rows=args.people)
        print(f"已生成 {out}（方案 {args.scheme}，公式版：Excel、WPS、LibreOffice 均可直接计算，不需要 Python）")
        return EXIT_OK
    if out.suffix.lower() not in (".xlsm", ".xlsx"):
        raise WorkbookError(f"输出文件应为 .xlsm（带宏，可用 Excel 函数）或 .xlsx：{out.name}")
    roster = None
    if args.last_year or args.roster:
        roster = carry.roster_of_workbook(args.last_year, engine.scheme(args.scheme)) if args.last_year \
            else carry.read_roster(args.roster)
    data = roster.data(engine.scheme(args.scheme)) if roster else None
    wb = template.build(args.scheme, macro=out.suffix.lower() == ".xlsm", area_rows=args.areas,
                        people_rows=args.people, data=data, info=roster.info if roster else None)
    write_atomically(wb, out)
    carried = f"，带入 {len(roster.areas)} 个居民区、{len(roster.people)} 名人员（评分和结果均为空）" if roster else ""
    print(f"已生成 {out}（方案 {args.scheme}）{carried}")
    for note in roster.notes if roster else ():
        print(f"提示：{note}", file=sys.stderr)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from . import submission

    try:
        done = submission.export(args.file, _output(Path(args.file), args.output, force=args.force, suffix=".xlsx"),
                                 force=args.force)
    except submission.ExportRefused as refused:
        print(f"未导出：检查发现 {len(refused.errors)} 条错误，改正后再导出（确需导出请加 --force，副本首页将注明）：",
              file=sys.stderr)
        for f in refused.errors:
            print(f"[错误] {f.rule}（{f.clause}）{refused.inputs.cell(f)}：{f.message}", file=sys.stderr)
        return EXIT_ERRORS
    if not done.info.get(UNIT_LABEL):
        print(f"提示：说明表未填“{UNIT_LABEL}”，区里汇总时只能按文件名区分", file=sys.stderr)
    forced = "（强制导出：含错误，副本首页已注明）" if done.forced else ""
    print(f"已导出上报副本 {done.target}{forced}：{done.formulas} 个公式已换为数值；输入摘要 {done.digests.inputs[:16]}…")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from . import submission

    checked = submission.verify(args.file)
    recorded = checked.recorded.values
    if args.json:
        _print_json({"file": str(args.file), "scheme": checked.inputs.scheme.id, "agrees": checked.agrees,
                     "source": {k: recorded.get(k) for k in (UNIT_LABEL, YEAR_LABEL, "方案", "方案版本",
                                                             "kaohe 版本", "导出时间", submission.FORCED_LABEL)},
                     "inputs_digest": checked.digests.inputs, "results_digest": checked.digests.results,
                     "differences": [checked.inputs.issue(f) for f in checked.findings],
                     "changed_parameters": [checked.inputs.issue(f) for f in checked.changed]})
    else:
        print(f"{Path(args.file).name}：{recorded.get(UNIT_LABEL) or '（未填单位）'}，方案 {checked.inputs.scheme.id}，"
              f"导出于 {recorded.get('导出时间')}")
        if checked.forced:
            print("注意：本副本为强制导出（--force）：导出时检查发现错误，有关结果可能不完整或有误")
        for f in checked.changed:
            print(f"[参数改动] {f.message}（{f.clause}）")
        if checked.agrees:
            print("核对一致：全部结果可由副本中的输入重新算出，输入和结果的摘要与导出时相同"
                  "（摘要只说明副本在导出后未被改动，不说明由谁导出）")
        for f in checked.findings:
            print(f"[不符] {checked.inputs.cell(f) or f.where.table}：{f.message}"
                  + (f"（保存 {f.actual}，重算 {f.allowed}）" if f.rule == "结果与规则不符" else ""))
    return EXIT_OK if checked.agrees else EXIT_ERRORS


def _progress(done: int, total: int, name: str) -> None:
    """A progress bar on a terminal; a line every tenth of the files otherwise (logs stay short)."""
    if sys.stderr.isatty():
        bar = "#" * (30 * done // total)
        print(f"\r汇总 [{bar:<30}] {done}/{total} {name[:30]:<30}", end="" if done < total else "\n", file=sys.stderr)
    elif done == total or done % max(1, total // 10) == 0:
        print(f"汇总 {done}/{total}", file=sys.stderr)


def cmd_merge(args: argparse.Namespace) -> int:
    from . import rollup

    files = rollup.workbook_files(args.files)
    if not files:
        raise WorkbookError("没有找到 .xlsx / .xlsm 文件")
    target = output_path(args.output, *files)
    if target.suffix.lower() != ".xlsx":
        raise WorkbookError(f"汇总文件应为新的 .xlsx 文件：{target.name}")
    if not args.force and target.exists():
        raise WorkbookError(f"{target.name} 已存在，未覆盖（要覆盖请加 --force）")
    gathered = rollup.gather(files, progress=_progress, workers=args.workers)
    if not gathered.streets:
        for f in gathered.files:
            print(f"{f['file']}：{f['reason']}", file=sys.stderr)
        raise WorkbookError("没有一个文件可以汇总")
    rollup.write(gathered, target)
    trouble = [f for f in gathered.files if f["status"] != "已汇总"]
    if args.json:
        _print_json({"output": str(target), "files": gathered.files, "streets": rollup.summary(gathered)})
    else:
        print(f"已汇总 {len(gathered.streets)} 个街道（镇）到 {target}")
        for file, note in rollup.other_years(gathered).items():
            print(f"[注意] {file}：{note}")
        for f in trouble:
            print(f"[{f['status']}] {f['file']}：{f['reason']}")
    return EXIT_ERRORS if trouble else EXIT_OK


def cmd_papers(args: argparse.Namespace) -> int:
    from . import papers

    targets = [Path(args.output) / f"{name}{suffix}" for name in papers.PAPERS for suffix in (".xlsx", ".pdf")]
    for target in targets:
        if same_file(target, args.file):
            raise WorkbookError(f"输出文件不能是原文件本身：{target}（原文件不变，请另起文件夹）")
    there = [t.name for t in targets if t.exists()]
    if there and not args.force:
        raise WorkbookError(f"{args.output} 中已有 {'、'.join(there)}，未覆盖（要覆盖请加 --force）")
    printed = papers.write_papers(args.file, args.output, pdf=args.pdf)
    for path in printed.files + printed.pdfs:
        print(f"已生成 {path}")
    print("，".join(f"{name} {n} {'人/个' if name == '公示名单' else '页'}" for name, n in printed.pages.items()))
    return EXIT_OK


def pinned_xlwings() -> str | None:
    """The xlwings version kaohe is pinned to (its VBA module names the version it was made with)."""
    from importlib import metadata

    try:
        requirements = metadata.requires("kaohe") or []
    except metadata.PackageNotFoundError:  # run from a source checkout
        project = Path(__file__).resolve().parents[1] / "pyproject.toml"
        requirements = tomllib.loads(project.read_text("utf-8"))["project"]["dependencies"] if project.exists() else []
    return next((r.split("==", 1)[1].strip() for r in requirements if r.replace(" ", "").startswith("xlwings==")), None)


def cmd_doctor(args: argparse.Namespace) -> int:
    import xlwings

    pinned = pinned_xlwings()
    print(f"kaohe {__version__}；Python {sys.version.split()[0]}；xlwings {xlwings.__version__}")
    if pinned and xlwings.__version__ != pinned:
        print(f"xlwings 版本不符：已安装 {xlwings.__version__}，kaohe 需要 {pinned}。"
              f"请运行 pip install xlwings=={pinned}，再运行 xlwings addin install", file=sys.stderr)
        return EXIT_ERRORS
    print(f"xlwings 版本与 kaohe 一致（{pinned or xlwings.__version__}）；Excel 加载项须为同一版本（xlwings addin install）")
    return EXIT_OK


# argparse's own words, in Chinese: (English pattern, Chinese) in the order argparse may nest them.
ARGPARSE_WORDS = (
    (r"the following arguments are required: (.*)", r"缺少参数：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"one of the arguments (.*) is required", r"须给出其中之一：\1"),
    (r"ambiguous option: (\S+) could match (.*)", r"选项 \1 有歧义，可能是：\2"),
    (r"argument (\S+): (.*)", r"参数 \1：\2"),
    (r"invalid choice: (.*) \(choose from (.*)\)", r"无效的选择 \1（可选：\2）"),
    (r"expected one argument", "需要一个值"),
    (r"expected at least one argument", "至少需要一个值"),
    (r"invalid int value: (.*)", r"无效的值 \1（应为整数）"),
    (r"not allowed with argument (.*)", r"不能与 \1 同时使用"),
)


def _chinese(message: str) -> str:
    for pattern, words in ARGPARSE_WORDS:
        message = re.sub(pattern, words, message)
    return message


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseParser(argparse.ArgumentParser):
    """argparse with its help, usage and error words in Chinese (clerks read Chinese); exit 2 on a bad call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, formatter_class=_Formatter, **kwargs)
        self._positionals.title, self._optionals.title = "参数", "选项"
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = "显示本帮助并退出"

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNUSABLE, f"{self.prog}：错误：{_chinese(message)}\n")


def parser() -> argparse.ArgumentParser:
    p = ChineseParser(prog="kaohe", description="居民区年度考核：计算与检查（静安指导意见、高境镇2024方案）",
                      epilog="退出码：0 正常；1 发现错误或不一致（检查、核对、汇总）；2 文件或参数无法使用。")
    p.add_argument("--version", action="version", version=f"kaohe {__version__}", help="显示版本并退出")
    sub = p.add_subparsers(required=True, title="命令")  # no dest: a missing command is named by its choices
    for name, func, text in (("calc", cmd_calc, "计算工作簿的全部结果"), ("check", cmd_check, "检查工作簿，列出问题")):
        c = sub.add_parser(name, help=text)
        c.add_argument("file", metavar="工作簿", help="工作簿 .xlsx / .xlsm")
        c.add_argument("--json", action="store_true", help="输出 JSON（供其他程序读取，格式见 README）")
        c.add_argument("--scheme", metavar="方案", help="方案名或方案文件（默认读工作簿的“参数”表）")
        c.add_argument("--force", action="store_true", help="-o 的输出文件已存在时覆盖")
        c.set_defaults(func=func, output=None)
    sub.choices["calc"].add_argument("--all", action="store_true", help="逐行列出全部结果和全部检查结果（默认只列摘要）")
    sub.choices["check"].add_argument("-o", "--output", metavar="输出", help="把检查结果和标记写入这个副本（原文件不变）")
    sub.choices["calc"].add_argument("-o", "--output", metavar="输出", help="把计算结果写入这个副本的结果列（原文件不变）")
    d = sub.add_parser("doctor", help="检查安装：xlwings 版本是否与 kaohe 一致")
    d.set_defaults(func=cmd_doctor)
    n = sub.add_parser("new", help="按方案生成空白工作簿")
    n.add_argument("--scheme", required=True, metavar="方案", help="方案名或方案文件")
    n.add_argument("-o", "--output", required=True, metavar="输出", help="输出文件 .xlsm / .xlsx")
    n.add_argument("--areas", type=int, metavar="行数", default=60, help="居民区行数（默认60）")
    n.add_argument("--people", type=int, metavar="行数", default=600, help="人员行数（默认600）")
    n.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    n.add_argument("--native", action="store_true",
                   help="公式版 .xlsx：结果全用内置函数计算，不需要 Python 和宏（WPS、Mac、LibreOffice 可用）")
    carried = n.add_mutually_exclusive_group()
    carried.add_argument("--from", dest="last_year", metavar="去年的工作簿",
                         help="带入去年工作簿的居民区、人员、岗位、人员类别和奖金基数（评分和结果不带入）")
    carried.add_argument("--roster", metavar="名单", help="从名单（.csv 或 .xlsx，表头：居民区、姓名、岗位…）带入居民区和人员")
    n.set_defaults(func=cmd_new)
    e = sub.add_parser("export", help="导出上报副本：不含宏的 .xlsx，结果为数值，附检查结果和摘要")
    e.add_argument("file", metavar="工作簿", help="工作簿 .xlsx / .xlsm")
    e.add_argument("-o", "--output", required=True, metavar="输出", help="上报副本 .xlsx")
    e.add_argument("--force", action="store_true", help="检查有错误时仍导出（副本首页注明）；输出文件已存在时覆盖")
    e.set_defaults(func=cmd_export)
    v = sub.add_parser("verify", help="核对上报副本：由输入重算全部结果，并核对摘要")
    v.add_argument("file", metavar="上报副本", help="上报副本 .xlsx")
    v.add_argument("--json", action="store_true", help="输出 JSON")
    v.set_defaults(func=cmd_verify)
    m = sub.add_parser("merge", help="区级汇总：多个街道（镇）的工作簿或上报副本合为一个工作簿")
    m.add_argument("files", nargs="+", metavar="文件", help="工作簿、上报副本或文件夹")
    m.add_argument("-o", "--output", required=True, metavar="输出", help="汇总文件 .xlsx")
    m.add_argument("--json", action="store_true", help="输出 JSON")
    m.add_argument("--workers", type=int, metavar="进程数", default=None, help="并行进程数（默认为 CPU 核数）")
    m.add_argument("--force", action="store_true", help="汇总文件已存在时覆盖")
    m.set_defaults(func=cmd_merge)
    pp = sub.add_parser("papers", help="打印用材料：空白测评表、公示名单、每个居民区的反馈页")
    pp.add_argument("file", metavar="工作簿", help="工作簿 .xlsx / .xlsm")
    pp.add_argument("-o", "--output", required=True, metavar="输出", help="输出文件夹")
    pp.add_argument("--pdf", action="store_true", help="并用 LibreOffice 生成 PDF")
    pp.add_argument("--force", action="store_true", help="输出文件夹中已有这些材料时覆盖")
    pp.set_defaults(func=cmd_papers)
    s = sub.add_parser("scheme", help="查看或校验方案参数")
    s.add_argument("action", choices=("show", "check"), help="show：列出全部参数；check：校验方案文件")
    s.add_argument("scheme", metavar="方案", help=f"内置方案名（{'、'.join(builtin_ids())}）或方案文件路径")
    s.set_defaults(func=cmd_scheme)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except WorkbookError as exc:
        print(f"kaohe：{exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except OfficeError as exc:
        print(f"kaohe：{exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except SchemeError as exc:
        for f in exc.findings:
            print(f"kaohe：{f.message}", file=sys.stderr)
        return EXIT_UNUSABLE
    except BrokenPipeError:  # the output piped into a reader that stopped (| head): nothing is wrong
        sys.stderr.close()
        return EXIT_OK
    except UnicodeDecodeError:  # a text file (a scheme's TOML) saved in GBK by Notepad, or not text at all
        print("kaohe：方案文件不是 UTF-8 编码的文本。请用记事本打开，“另存为”时选择编码 UTF-8 后再试", file=sys.stderr)
        return EXIT_UNUSABLE
    except OSError as exc:  # disk full, read-only folder, a folder that is a file…: the user's to fix
        print(f"kaohe：{write_error(exc, exc.filename or '')}", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as exc:  # noqa: BLE001 — exit 1 means "errors found": anything unforeseen is 2
        print(f"kaohe：内部错误（{type(exc).__name__}: {exc}），文件未能处理，请联系维护人员", file=sys.stderr)
        return EXIT_UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
