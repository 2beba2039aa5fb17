"""高境镇 2024 (``kind = "gaojing"``) as built-in formulas: every result of rules/gaojing.py.

The same sheets and headers as the .xlsm (template.layouts); each result formula follows the
engine's rule of the same name, cited beside it, with every number a 参数 cell. Hidden helper
columns hold each result's input problems (text, "" when none), the 9-decimal rounded scores that
ranks and caps compare (grading.TIE_DECIMALS) and the capped grade's eligibility.
Turnout minimums (四(二)2) give no result cell: they are the check's (kaohe check).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from openpyxl import Workbook

from ..rules import entries
from ..rules import gaojing as rules
from ..rules.entries import survey_questions
from ..rules.grading import OVERRIDE_FIELD, REASON
from ..template import COUNT, TEXT, entry_numbers, layouts
from .common import (
    ERROR_PREFIX,
    GUIDE,
    Col,
    ParamCells,
    Row,
    Sheet,
    active,
    band,
    blank,
    count_keys,
    criterion,
    duplicate_count,
    final_grade,
    finish_book,
    keyed,
    ladder_columns,
    ladder_steps,
    literal_key,
    number_problem,
    q,
    shown,
    start_book,
    tiebreak_key,
    write_sheet,
)

DAILY = {rules.DAILY_ITEMS[0]: "加强党建引领", rules.DAILY_ITEMS[1]: "服务凝聚群众", rules.DAILY_ITEMS[2]: "维护社会和谐稳定"}
CHANNEL_SCORES = ("座谈会得分", "第三方得分", "社区通上半年得分", "社区通下半年得分")
COUNTS = ("总户数", "党员数", "座谈会户数", "座谈会党员数", "第三方户数", "社区通上半年户数", "社区通下半年户数")
GUIDE_GAOJING = (
    "高境镇方案：平时成绩三项由部门打分；群众满意度由座谈会、第三方、社区通两轮得分加权；12345热线按处置率、解决率、"
    "满意率的平均值排名取分；总分排名定A档、B档，人员奖励按岗位和档次。",
    "满意度问卷表逐份录入问卷（附件2）：居民区表中留空的渠道得分格显示该渠道问卷合计的平均；直接填写得分则以所填为准。",
    "参与户数是否达到比例要求（四(二)2）不显示在结果格中，由 kaohe check 列出。",
)


def number_inputs(s: rules.Scheme) -> dict[str, tuple[str, ...]]:
    """The input columns whose formulas need a number (native.reading reports text typed there)."""
    return {rules.AREA_SHEET: tuple(h for h in layouts(s, 1, 1)[0].inputs if h not in ("居民区", OVERRIDE_FIELD, REASON)),
            entries.SURVEY_SHEET: survey_questions(s)}


def _when(r: Row, value: str) -> str:
    """Nothing on a row without a 居民区, the duplicate error on a repeated one; else the value."""
    return keyed(r, "居民区", value)


def online_score(s: rules.Scheme, r: Row) -> str:
    """社区通's score from its two rounds as the scheme merges them (rules.rounds_score): their mean, or the
    later round's. Chosen when the workbook is built: a 参数 change of satisfaction.online_rounds needs a rebuild."""
    if s.online_rounds == "later":
        return f"({r['社区通下半年得分']})"
    return f"(({r['社区通上半年得分']}+{r['社区通下半年得分']})/2)"


def area_sheet(s: rules.Scheme, p: ParamCells, rows: int) -> Sheet:
    layout = layouts(s, rows, 1)[0]

    def problems(*parts):  # a helper: the concatenated causes of the given checks
        return lambda r: "&".join(part(r) for part in parts)

    def scores(r: Row) -> str:  # 四(二)2: each channel's score 0–full_score
        return "&".join(number_problem(r[h], h, "0", p("satisfaction.full_score"), s.cite("satisfaction.weights.forum"))
                        for h in CHANNEL_SCORES)

    def unvisited(r: Row) -> str:  # 附件1 第1行: 0–10 households, whole
        return number_problem(r["未真实走访户数"], "未真实走访户数", "0", p("visits.sample"), s.cite("visits.sample"),
                              required=False, integer=True)

    def rates(r: Row) -> str:  # 附件1 第3行: fractions 0–1
        return "&".join(number_problem(r[h], h, "0", "1", s.cite("hotline.composite")) for h in rules.RATES)

    def daily(r: Row) -> str:  # 附件1 第4–6行: each within its points
        return "&".join(number_problem(r[h], h, "0", p(f"items.{i}"), s.cite(f"items.{i}")) for i, h in DAILY.items())

    def adjustment(field: str, kind: str):  # 三(四): blank or 0, else min–max
        def check(r: Row) -> str:
            ref, low, high = r[field], p(f"adjustments.{kind}_min"), p(f"adjustments.{kind}_max")
            clause = s.cite(f"adjustments.{kind}_min")
            wrong = f'IF(AND({ref}>0,{ref}<{low}),{q(field)}&"应为"&{low}&"–"&{high}&"分（{clause}）；","")'
            plain = number_problem(ref, field, "0", high, clause, required=False)
            return f'IF({plain}<>"",{plain},IF({blank(ref)},"",{wrong}))'
        return check

    def sat(r: Row) -> str:  # 四(二)2: S = 20% 座谈会 + 40% 第三方 + 40% 社区通 (its rounds: rules.rounds_score)
        w = {c: p(f"satisfaction.weights.{c}") for c in rules.CHANNELS}
        online = online_score(s, r)
        value = f"{w['forum']}*{r['座谈会得分']}+{w['third_party']}*{r['第三方得分']}+{w['online']}*{online}"
        return _when(r, shown(r["问题满意度"], value))

    def visits(r: Row) -> str:  # 附件1 第1行: 18 × S/100 − 1 per household not visited, not below 0
        value = (f"MAX(0,{p('items.visits')}*{r['群众满意度']}/{p('satisfaction.full_score')}"
                 f"-N({r['未真实走访户数']})*{p('visits.deduction_per_household')})")
        return _when(r, shown(f"{r['问题满意度']}&{r['问题走访']}", value))

    def practical(r: Row) -> str:  # DOMAIN 5.2 [default]: 18 × S/100
        return _when(r, shown(r["问题满意度"], f"{p('items.practical')}*{r['群众满意度']}/{p('satisfaction.full_score')}"))

    def composite(r: Row) -> str:  # 附件1 第3行 [default]: the mean of the three rates
        a, b, c = (r[h] for h in rules.RATES)
        return _when(r, shown(r["问题热线"], f"({a}+{b}+{c})/3"))

    def hot_tie(r: Row) -> str:
        return f'IF(AND({active(r, "居民区")},ISNUMBER({r["热线综合"]})),ROUND({r["热线综合"]},9),"")'

    def hot_rank(r: Row) -> str:  # 附件1 第3行: RANK.EQ of the composite, higher is better
        return f'IF(ISNUMBER({r["热线综合9"]}),RANK({r["热线综合9"]},{r.sheet.col("热线综合9")}),"")'

    def hotline(r: Row) -> str:  # 附件1 第3行: points by the composite's rank
        rank = r["热线名次"]
        outside = q(f"{ERROR_PREFIX}热线名次不在得分表内（{s.cite('hotline.rank_points')}）")
        return _when(r, f'IF(ISNUMBER({r["热线综合9"]}),{band(rank, p.table("hotline.rank_points"), "points", outside)},'
                        f'{r["热线综合"]})')

    def total_problems(r: Row) -> str:
        outside = f'"热线名次不在得分表内（{s.cite("hotline.rank_points")}）；"'
        hot = f'IF({r["问题热线"]}<>"",{r["问题热线"]},IF(ISNUMBER({r["热线得分"]}),"",{outside}))'
        return "&".join((r["问题平时"], r["问题加减"], r["问题满意度"], r["问题走访"], hot))

    def total(r: Row) -> str:  # 四(二): 平时成绩 + 加分 − 减分 + 走访 + 办实事 + 热线
        day = "+".join(r[h] for h in DAILY.values())
        value = (f"({day})+N({r['加分']})-N({r['减分']})+({r['走访联系得分']}+{r['办实事得分']})"
                 f"+{r['热线得分']}")
        return _when(r, shown(r["问题总分"], value))

    def tie(r: Row) -> str:
        return f'IF(AND({active(r, "居民区")},ISNUMBER({r["总分"]})),ROUND({r["总分"]},9),"")'

    def rank(r: Row) -> str:  # 五(二): RANK.EQ of 总分
        return _when(r, f'IF(ISNUMBER({r["总分9"]}),RANK({r["总分9"]},{r.sheet.col("总分9")}),{r["总分"]})')

    def tier(r: Row) -> str:  # 五(二): rank 1–5 A档, 6–12 B档, else none
        return _when(r, f'IF(ISNUMBER({r["排名"]}),{band(r["排名"], p.table("rank_tiers"), "tier", q(""))},{r["排名"]})')

    steps = ladder_steps(p, "grades", lambda r: count_keys(r.sheet))
    grade_helpers, proposal = ladder_columns("等次", steps, "总分", "总分9", second="并列比较")
    inputs = layout.inputs
    second = tiebreak_key(p("tiebreak.column"), layout.letter(inputs[0]), layout.letter(inputs[-1]))

    def proposed(r: Row) -> str:  # 五(一): 优秀 ≤ 30% and ≤ 9, ties at the cap all lower (DOMAIN §6)
        return _when(r, f'IF(ISNUMBER({r["总分"]}),{proposal(r)},{r["总分"]})')

    def final(r: Row) -> str:
        names = [step.name for step in steps]
        return _when(r, final_grade(r, "建议等次", "领导小组调整", names, s.ladder.clause))

    def decline(r: Row) -> str:  # 四(三) [default]: (上年 − 本年) / 上年, shown where both are typed
        this, last = r["本年热线件数"], r["上年热线件数"]
        bad = "&".join(number_problem(x, h, "0", None, s.cite("progress.use"), required=False)
                       for x, h in ((this, "本年热线件数"), (last, "上年热线件数")))
        ok = f"AND(ISNUMBER({this}),ISNUMBER({last}),{this}>=0,{last}>0)"
        return _when(r, f'IF({ok},({last}-{this})/{last},IF({bad}<>"",{q(ERROR_PREFIX)}&{bad},""))')

    def rise(r: Row) -> str:  # 四(三) [default]: (S − 上年S) / 上年S
        last, sat_ref, full = r["上年群众满意度"], r["群众满意度"], p("satisfaction.full_score")
        bad = number_problem(last, "上年群众满意度", "0", full, s.cite("progress.use"), required=False)
        ok = f"AND(ISNUMBER({sat_ref}),ISNUMBER({last}),{last}>0,{last}<={full})"
        return _when(r, f'IF({ok},({sat_ref}-{last})/{last},IF({bad}<>"",{q(ERROR_PREFIX)}&{bad},""))')

    results = {"群众满意度": sat, "走访联系得分": visits, "办实事得分": practical, "热线得分": hotline, "总分": total,
               "排名": rank, "档次": tier, "建议等次": proposed, "最终等次": final, "热线综合": composite,
               "热线同比下降率": decline, "满意度同比提升率": rise}
    helpers = [duplicate_count("居民区"), Col("问题满意度", scores, TEXT, helper=True),
               Col("问题走访", unvisited, TEXT, helper=True),
               Col("问题热线", rates, TEXT, helper=True), Col("问题平时", daily, TEXT, helper=True),
               Col("问题加减", problems(adjustment("加分", "bonus"), adjustment("减分", "deduction")), TEXT, helper=True),
               Col("问题总分", total_problems, TEXT, helper=True), Col("热线综合9", hot_tie, helper=True),
               Col("热线名次", hot_rank, COUNT, helper=True),
               Col("总分9", tie, helper=True), Col("并列比较", second, helper=True), *grade_helpers]
    columns = [Col(h, None, layout.formats.get(h, TEXT if h in layout.choices else "0.0")) for h in layout.inputs]
    columns += [Col(h, results[h], layout.formats.get(h, "0.0")) for h in layout.results]
    return Sheet(layout.sheet, columns + helpers, rows, layout.choices, layout.numbers)


def people_sheet(s: rules.Scheme, p: ParamCells, areas: Sheet, rows: int) -> Sheet:
    layout = layouts(s, 1, rows)[1]

    def found(r: Row) -> str:  # the area's row among 居民区's rows, 0 if absent
        return f'IFERROR(MATCH({literal_key(r["居民区"])},{areas.col("居民区")},0),0)'

    def tier(r: Row) -> str:  # 五(二): the area's 档次
        unknown = f'{q(ERROR_PREFIX + "所属居民区“")}&{r["居民区"]}&{q("”不在居民区表中（WORKBOOK 人员奖励）")}'
        return keyed(r, "姓名", f'IF({r["居民区行"]}=0,{unknown},INDEX({areas.col("档次")},{r["居民区行"]})&"")')

    def paid_post(r: Row) -> str:  # rules.read_post: a qualified post, or an unqualified word read as its paid
        # variant; then PAID_AS (副书记（主持工作） paid as 党组织负责人); "" when not a post
        typed = f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(TRIM({r["岗位"]}&"")," ",""),"(","（"),")","）")'
        out = '""'
        for post in reversed(rules.POSTS):
            out = f"IF({typed}={q(post)},{q(rules.PAID_AS.get(post, post))},{out})"
        for word, meant in rules.UNQUALIFIED.items():
            out = f"IF({typed}={q(word)},{q(rules.PAID_AS.get(meant, meant))},{out})"
        return out

    def amount(r: Row) -> str:  # 五(二)1: yuan by post and tier from the 参数 money table; other posts, no tier: 0
        paid = r["计发岗位"]
        money = "+".join(f"({paid}={m['post']})*({r['档次']}={m['tier']})*{m['amount']}" for m in p.table("money"))
        bad = (f'{q(ERROR_PREFIX)}&IF({blank(r["岗位"])},"岗位未填",'
               f'"岗位填的是“"&{r["岗位"]}&"”，应为：{"、".join(rules.POSTS)}")&"（{s.cite("money")}）"')
        return keyed(r, "姓名", f'IF(LEFT({r["档次"]},1)="#",{r["档次"]},IF({paid}<>"",{money},{bad}))')

    results = {"档次": tier, "奖励金额": amount}
    columns = [Col(h, None, layout.formats.get(h, TEXT)) for h in layout.inputs]
    columns += [Col(h, results[h], layout.formats.get(h, TEXT)) for h in layout.results]
    columns += [duplicate_count("姓名", "居民区"), Col("居民区行", found, COUNT, helper=True),
                Col("计发岗位", paid_post, TEXT, helper=True)]
    return Sheet(layout.sheet, columns, rows, layout.choices)


def survey_sheet(s: rules.Scheme, p: ParamCells, rows: int) -> Sheet:
    """满意度问卷 (附件2): one questionnaire a row; 合计 of its answers, each 0–10 (entries._survey)."""
    questions = survey_questions(s)
    inputs = (entries.AREA, "渠道", "问卷号", *questions)

    def used(r: Row) -> str:  # a row with anything typed in it (entries.compute)
        return "OR(" + ",".join(f"NOT({blank(r[h])})" for h in inputs) + ")"

    def total(r: Row) -> str:  # 附件2: the sum of the answers, each a number within 0–question_max
        answers, top = f"{r[questions[0]]}:{r[questions[-1]]}", p("satisfaction.question_max")
        end = f"（{s.cite('satisfaction.question_max')}）；"
        problems = (f'IF(COUNTA({answers})<{len(questions)},{q("有题未填" + end)},'
                    f'IF(COUNT({answers})<{len(questions)},{q("有题不是数字" + end)},'
                    f'IF(OR(MIN({answers})<0,MAX({answers})>{top}),"有题超出0–"&{top}&"分"&{q(end)},"")))')
        return f'IF({used(r)},{shown(problems, f"SUM({answers})")},"")'

    def channel(r: Row) -> str:  # 渠道 as read (spaces dropped), "" if not one of the channels
        typed = f'SUBSTITUTE(TRIM({r["渠道"]}&"")," ","")'
        out = '""'
        for c in reversed(entries.CHANNELS):
            out = f"IF({typed}={q(c)},{q(c)},{out})"
        return out

    columns = [Col(h, None, TEXT if h in (entries.AREA, "渠道") else COUNT) for h in inputs]
    columns += [Col("合计", total), Col("渠道读", channel, TEXT, helper=True)]
    numbers = entry_numbers(s, entries.SURVEY_SHEET)
    return Sheet(entries.SURVEY_SHEET, columns, rows, {"渠道": entries.CHANNELS}, numbers)


def channel_default(s: rules.Scheme, surveys: Sheet, column: str):
    """A 居民区 channel cell left blank: the mean of the area's questionnaires of that channel, "" when it
    has none, the cause when one of them cannot be counted (entries._survey, entries.merge)."""
    name = column.removesuffix("得分")
    clause = s.cite("satisfaction.weights.forum")

    def mean(r: Row) -> str:
        where = f'{surveys.col(entries.AREA)},{criterion(r["居民区"])},{surveys.col("渠道读")},{q(name)}'
        n = f"COUNTIFS({where})"
        bad = f'COUNTIFS({where},{surveys.col("合计")},"#*")'
        cause = q(f"{ERROR_PREFIX}{entries.SURVEY_SHEET}中{name}的问卷有无法计算的（{clause}）")
        return f'IF({blank(r["居民区"])},"",IF({n}=0,"",IF({bad}>0,{cause},SUMIFS({surveys.col("合计")},{where})/{n})))'
    return mean


def build(s: rules.Scheme, *, area_rows: int, people_rows: int, form_rows: int,
          data: Mapping[str, Sequence[Mapping[str, object]]], info: Mapping[str, object]) -> Workbook:
    """The gaojing-2024 native workbook; ``form_rows``: the 满意度问卷 rows."""
    p = ParamCells(s)
    surveys = survey_sheet(s, p, max(form_rows, len(data.get(entries.SURVEY_SHEET, ())) + 20))
    areas = area_sheet(s, p, max(area_rows, len(data.get(rules.AREA_SHEET, ()))))
    areas.defaults = {c: channel_default(s, surveys, c) for c in CHANNEL_SCORES}
    people = people_sheet(s, p, areas, max(people_rows, len(data.get(rules.PEOPLE_SHEET, ()))))
    wb = start_book(s, (*GUIDE, *GUIDE_GAOJING), info)
    write_sheet(wb, s, areas, data.get(rules.AREA_SHEET, ()))
    write_sheet(wb, s, people, data.get(rules.PEOPLE_SHEET, ()))
    write_sheet(wb, s, surveys, data.get(entries.SURVEY_SHEET, ()))
    return finish_book(wb, s, areas.name, info)

