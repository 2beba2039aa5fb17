"""The 静安 guideline as built-in spreadsheet formulas (DOMAIN §1–§3; issue 11).

Every result ``engine.calculate`` gives for a ``jingan`` scheme — 总分, area grades under the street's
caps, staff scores, grades per pool (all 书记/主任 of the street; the other staff of each area, capped
by the area's grade), money — and the 测评表 tally (self-ratings left out, void forms, the mean per
target) as formulas, each weight, band, quota and amount a reference to its 参数 cell.

Where the engine reads a cell leniently (“90分”, “９０”), a formula takes numbers only: data
validation keeps the input clean and ``kaohe check`` reports what slipped through. A rating in 测评表
may be a number or a tier with a score (“A 92”, “A档92分”, “b,75”), as on the paper form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from ..rules import entries, sessions
from ..rules import jingan as rules
from ..template import COUNT, TEXT, entry_numbers, layouts
from .common import (
    ERROR_PREFIX,
    GUIDE,
    Col,
    ParamCells,
    Row,
    Sheet,
    Step,
    blank,
    final_grade,
    finish_book,
    ladder_columns,
    ladder_steps,
    literal_key,
    number_problem,
    q,
    quota,
    start_book,
    tiebreak_key,
    write_sheet,
)

Formula = Callable[[Row], str]
SESSION_NUMBERS = {name: n for n, name in enumerate(sessions.SESSIONS, start=1)}  # 测评 → 1…4 in the tally
MUTUAL, MEMBERS, INTERNAL, LEADERS = (SESSION_NUMBERS[n] for n in sessions.SESSIONS)
AREA_CLASS, LEADER_CLASS, OTHER_CLASS = 1, 2, 3  # the A-quota's classes (sessions.classes_of)


# --- small pieces -----------------------------------------------------------------------------------

def text(ref: str) -> str:
    return f'TRIM({ref}&"")'


def typed_choice(ref: str) -> str:
    """A dropdown cell as reading.read_choice reads it: trimmed, inner spaces dropped."""
    return f'SUBSTITUTE(TRIM({ref}&"")," ","")'


def one_of(expr: str, options: Sequence[str]) -> str:
    """Exactly one of the given texts or cells (EXACT: as the engine compares)."""
    return "OR(" + ",".join(f"EXACT({expr},{o})" for o in options) + ")"


def error_text(problem: str) -> str:
    """'#错误：' and the causes (each ends in '；': the last one dropped)."""
    return f'{q(ERROR_PREFIX)}&LEFT({problem},LEN({problem})-1)'


def choice_problem(ref: str, what: str, options: Sequence[str], clause: str, required: bool) -> str:
    typed = typed_choice(ref)
    missing = q(f"{what}未填（{clause}）；") if required else '""'
    return (f'IF({typed}="",{missing},IF({one_of(typed, [q(o) for o in options])},"",'
            f'"{what}填的是“"&{ref}&"”，应为：{"、".join(options)}（{clause}）；"))')


def choice_value(ref: str, options: Sequence[str]) -> str:
    typed = typed_choice(ref)
    return f'IF({one_of(typed, [q(o) for o in options])},{typed},"")'


def lookup(key: str, rows: Sequence[Mapping[str, str]], key_field: str, value_field: str, missing: str) -> str:
    """A 参数 table's value for a key (nested IFs: the table's cells are not one column on 参数)."""
    out = missing
    for row in reversed(rows):
        out = f"IF(EXACT({key},{row[key_field]}),{row[value_field]},{out})"
    return out


def turnout_problem(r: Row, p: ParamCells, clause: str) -> str:
    """jingan 五(一)3 (turnout.strict_turnout): both counts whole, actual ≤ eligible, eligible > 0, and
    actual > share × eligible — exactly 80% is not enough (“须超过”)."""
    eligible, actual, share = r["应参加人数"], r["实际参加人数"], p("turnout.min_share")
    counts = "&".join(number_problem(x, h, "0", None, clause, integer=True)
                      for x, h in ((eligible, "应参加人数"), (actual, "实际参加人数")))
    rule = (f'IF({actual}>{eligible},"实际参加人数"&{actual}&"多于应参加人数"&{eligible}&"（{clause}）；",'
            f'IF({eligible}=0,"应参加人数为0，无法测评（{clause}）；",'
            f'IF({actual}>ROUND({share}*{eligible},9),"",'
            f'"实际参加"&{actual}&"人，未超过应参加"&{eligible}&"人的"&TEXT({share},"0%")&"，测评结果无效（{clause}）；")))')
    return f'IF(({counts})<>"",{counts},{rule})'


# --- 测评表: the tally (forms.tally_ballots, sessions.tally_sheet) ---------------------------------------

DIGITS = "0123456789."


def _plain_number(ref: str) -> str:
    """Whether a text is a plain decimal, as reading._NUMBER: an optional sign, digits, at most one point."""
    body = f'IF(OR(LEFT({ref},1)="+",LEFT({ref},1)="-"),MID({ref},2,999),{ref})'
    stripped = body
    for ch in DIGITS:
        stripped = f'SUBSTITUTE({stripped},"{ch}","")'
    return (f'AND({body}<>"",{body}<>".",{stripped}="",LEN({body})-LEN(SUBSTITUTE({body},".",""))<=1)')


def form_sheet(s: rules.Scheme, p: ParamCells, rows: int, book: dict[str, Sheet]) -> Sheet:
    """测评表 with the helper columns that tally it: per rating, its session, area, target and class,
    whether it is the first rating of that target on its form, the rating read (reading.read_rating),
    whether it counts (not a self-rating, its form not void), so that a target's mean is one
    SUMIFS/COUNTIFS over the sheet."""
    tiers = p.table("forms.tiers")

    def col(h: str) -> str:
        return book["forms"].col(h)

    def session(r: Row) -> str:
        names = ",".join(q(n) for n in sessions.SESSIONS)
        return f'IF({blank(r["测评"])},0,IFERROR(MATCH({typed_choice(r["测评"])},{{{names}}},0),0))'

    def area(r: Row) -> str:
        return f'IF({blank(r["居民区"])},0,IFERROR(MATCH({literal_key(r["居民区"])},{book["areas"].col("键")},0),0))'

    def placed(r: Row) -> str:
        return (f'IF(AND({r["会"]}>0,{r["区号"]}>0,NOT({blank(r["表号"])}),NOT({blank(r["对象"])})),1,0)')

    def rating_key(r: Row) -> str:
        return f'IF({r["在表"]}=1,{r["会"]}&"|"&{r["区号"]}&"|"&{text(r["表号"])}&"|"&{text(r["对象"])},"")'

    def first(r: Row) -> str:  # a target rated twice on one form keeps its first rating (sessions._first_ratings)
        return f'IF({r["在表"]}=1,IF(MATCH({literal_key(r["评分键"])},{col("评分键")},0)={r.n - 1},1,0),0)'

    def staff_row(who: str) -> Formula:  # a name among the area's staff (工作人员 row), 0 if not one
        def formula(r: Row) -> str:
            key = f'{text(r["居民区"])}&"|"&{text(r[who])}'
            return (f'IF(OR({r["首0"]}=0,{r["会"]}={MUTUAL}),0,'
                    f'IFERROR(MATCH({literal_key(key)},{book["staff"].col("区键")},0),0))')
        return formula

    def member(row: str) -> str:
        return f'INDEX({book["staff"].col("成员")},{row})'

    def dropped(r: Row) -> str:  # 内部互评: a 书记/主任's rating of other staff is not counted (五(三)(2))
        return (f'IF(AND({r["会"]}={INTERNAL},{r["人"]}>0,{r["评人"]}>0),'
                f'IF(AND({member(r["人"])}={OTHER_CLASS},{member(r["评人"])}={LEADER_CLASS}),1,0),0)')

    def kept_first(r: Row) -> str:
        return f'IF(AND({r["首0"]}=1,{r["弃"]}=0),1,0)'

    def target_class(r: Row) -> str:  # sessions.classes_of: who is on the form, in which class
        area_target = f'ISNUMBER(MATCH({literal_key(r["对象"])},{book["areas"].col("键")},0))'
        own_area = f'AND({r["会"]}={MEMBERS},EXACT({text(r["对象"])},{text(r["居民区"])}))'
        staff = (f'IF({r["人"]}=0,0,IF(AND({r["会"]}={LEADERS},{member(r["人"])}={LEADER_CLASS}),0,'
                 f'{member(r["人"])}))')
        return (f'IF({r["首"]}=0,0,IF({r["会"]}={MUTUAL},IF({area_target},{AREA_CLASS},0),'
                f'IF({own_area},{AREA_CLASS},{staff})))')

    def target(r: Row) -> str:  # the row of the target on 居民区 (area class) or 工作人员
        return (f'IF({r["类"]}=0,0,IF({r["类"]}={AREA_CLASS},IF({r["会"]}={MUTUAL},'
                f'MATCH({literal_key(r["对象"])},{book["areas"].col("键")},0),{r["区号"]}),{r["人"]}))')

    def upper(r: Row) -> str:
        return f'IF(ISNUMBER({r["评分"]}),"",UPPER(TRIM({r["评分"]}&"")))'

    def typed_tier(r: Row) -> str:
        letter = f'LEFT({r["评分文"]},1)'
        return f'IF({r["评分文"]}="","",IF(ISNUMBER(FIND({letter},"ABCDEFGHIJKLMNOPQRSTUVWXYZ")),{letter},""))'

    def rest(r: Row) -> str:  # reading._RATING: tier, 档?, one of , ; : / — then the score
        after = f'TRIM(MID({r["评分文"]},2,999))'
        no_word = f'IF(LEFT({after},1)="档",TRIM(MID({after},2,999)),{after})'
        seps = "OR(" + ",".join(f'LEFT({no_word},1)="{c}"' for c in ",;:/") + ")"
        return f'IF({r["档"]}="",{r["评分文"]},IF({seps},TRIM(MID({no_word},2,999)),{no_word}))'

    def number_text(r: Row) -> str:  # the score's text without a trailing 分
        return f'IF(RIGHT({r["余"]},1)="分",TRIM(LEFT({r["余"]},LEN({r["余"]})-1)),{r["余"]})'

    def score(r: Row) -> str:
        return (f'IF(ISNUMBER({r["评分"]}),{r["评分"]},IF({_plain_number(r["数"])},VALUE({r["数"]}),""))')

    def state(r: Row) -> str:  # 0 blank, 1 read, 2 cannot be read (forms.BLANK/READ/UNREADABLE)
        known = one_of(r["档"], [f"UPPER({t['tier']})" for t in tiers])
        return (f'IF({blank(r["评分"])},0,IF(ISLOGICAL({r["评分"]}),2,IF(NOT(ISNUMBER({r["分"]})),2,'
                f'IF(OR({r["分"]}<0,{r["分"]}>{p("forms.score_max")}),2,IF(AND({r["档"]}<>"",NOT({known})),2,1)))))')

    def tier_of(r: Row) -> str:  # Bands.tier_of: the first band whose floor the score reaches
        out = f"UPPER({tiers[-1]['tier']})"
        for t in reversed(tiers[:-1]):
            out = f"IF({r['分']}>={t['min']},UPPER({t['tier']}),{out})"
        return f'IF({r["读"]}=1,{out},"")'

    def form_key(r: Row) -> str:
        return f'IF({r["首"]}=1,{r["会"]}&"|"&{r["区号"]}&"|"&{text(r["表号"])},"")'

    def form(r: Row) -> str:  # the form: its first rating's row
        return f'IF({r["首"]}=1,MATCH({literal_key(r["表键"])},{col("表键")},0),0)'

    def own(r: Row) -> str:  # a self-rating: the form's rater (its first row's 评分人; 互评: its area) is the target
        rater = f'TRIM(INDEX({book["forms"].col("评分人")},{r["表"]})&"")'
        return (f'IF({r["类"]}=0,0,IF({r["会"]}={MUTUAL},IF(AND({r["类"]}={AREA_CLASS},{r["标"]}={r["区号"]}),1,0),'
                f'IF(EXACT({rater},{text(r["对象"])}),1,0)))')

    def kept(r: Row) -> str:
        return f'IF(AND({r["类"]}>0,{r["读"]}=1,{r["己"]}=0),1,0)'

    def mismatch(r: Row) -> str:
        return f'IF(AND({r["留"]}=1,{r["档"]}<>""),IF(EXACT({r["档"]},{r["分档"]}),0,1),0)'

    def is_a(r: Row) -> str:
        return f'IF(AND({r["留"]}=1,{r["分档"]}=UPPER({tiers[0]["tier"]})),1,0)'

    def head(r: Row) -> str:  # the form's first rating: where the form's own figures are worked out once
        return f'IF(AND({r["首"]}=1,{r["表"]}={r.n - 1}),1,0)'

    def rater_class(r: Row) -> str:  # the class of the form's rater (its first row's 评分人; 互评: its area)
        staff = f'IF({r["评人"]}=0,0,IF(AND({r["会"]}={LEADERS},{member(r["评人"])}={LEADER_CLASS}),0,{member(r["评人"])}))'
        return (f'IF({r["表头"]}=0,0,IF({r["会"]}={MUTUAL},{AREA_CLASS},'
                f'IF(AND({r["会"]}={MEMBERS},EXACT({text(r["评分人"])},{text(r["居民区"])})),{AREA_CLASS},{staff})))')

    def over(r: Row) -> str:  # a class with more A than max(minimum, 20% × n), n without the rater (FormRules.cap)
        staff = book["staff"]
        tests = []
        for c in (AREA_CLASS, LEADER_CLASS, OTHER_CLASS):
            size = (f'IF({r["会"]}={MUTUAL},{_distinct_areas(book["areas"])},1)' if c == AREA_CLASS else
                    f'COUNTIFS({staff.col("区号")},{r["区号"]},{staff.col("成员")},{c})')
            n = f'({size}-IF({r["评类"]}={c},1,0))'
            cap = (f'IF({n}>0,MAX({p("forms.form_quota_min")},'
                   f'{quota(p("forms.a_quota_share"), n, p("forms.form_quota_rounding"))}),0)')
            tests.append(f'COUNTIF({col("A码")},{r["表"]}*10+{c})>{cap}')
        return f'IF({r["表头"]}=0,0,IF(OR({",".join(tests)}),1,0))'

    def form_void(r: Row) -> str:
        mism = f'AND({p("forms.tier_mismatch")}="void",COUNTIF({col("不符码")},{r["表"]})>0)'
        quota_ = f'AND({p("forms.over_quota")}="void",{r["表超"]}=1)'
        return f'IF({r["表头"]}=0,0,IF(OR({mism},{quota_}),1,0))'

    def void(r: Row) -> str:
        return f'IF({r["留"]}=1,INDEX({col("表废")},{r["表"]}),0)'

    def counted(r: Row) -> str:
        return f'IF(AND({r["留"]}=1,{r["废"]}=0),1,0)'

    def group_code(r: Row) -> str:  # the session's group: the street (互评) or one area
        return f'IF({r["首"]}=1,{r["会"]}*{GROUP}+IF({r["会"]}={MUTUAL},0,{r["区号"]}),0)'

    def target_code(r: Row) -> str:
        return f'IF(AND({r["首"]}=1,{r["类"]}>0),{r["会"]}*{TARGET[0]}+{r["类"]}*{TARGET[1]}+{r["标"]},0)'

    helpers = [("会", session, COUNT), ("区号", area, COUNT), ("在表", placed, COUNT), ("评分键", rating_key, TEXT),
               ("首0", first, COUNT), ("人", staff_row("对象"), COUNT), ("评人", staff_row("评分人"), COUNT),
               ("弃", dropped, COUNT), ("首", kept_first, COUNT), ("类", target_class, COUNT), ("标", target, COUNT),
               ("评分文", upper, TEXT), ("档", typed_tier, TEXT), ("余", rest, TEXT), ("数", number_text, TEXT),
               ("分", score, "0.0"), ("读", state, COUNT), ("分档", tier_of, TEXT), ("表键", form_key, TEXT),
               ("表", form, COUNT), ("己", own, COUNT), ("留", kept, COUNT), ("不符", mismatch, COUNT),
               ("评A", is_a, COUNT),
               ("A码", lambda r: f'IF({r["评A"]}=1,{r["表"]}*10+{r["类"]},0)', COUNT),
               ("不符码", lambda r: f'IF({r["不符"]}=1,{r["表"]},0)', COUNT),
               ("表头", head, COUNT), ("评类", rater_class, COUNT), ("表超", over, COUNT),
               ("表废", form_void, COUNT), ("废", void, COUNT), ("计", counted, COUNT),
               ("组号", group_code, COUNT), ("标号", target_code, COUNT)]
    columns = [Col(h, None, COUNT if h == "表号" else TEXT) for h in sessions.FORM_INPUTS]
    columns += [Col(h, f, fmt, helper=True) for h, f, fmt in helpers]
    return Sheet(sessions.FORM_SHEET, columns, rows, {"测评": sessions.SESSIONS})


def _distinct_areas(areas: Sheet) -> str:
    """How many different area names 居民区 lists (a name typed twice counts once, as classes_of)."""
    return f'SUMPRODUCT(({areas.col("重复")}>0)/({areas.col("重复")}+({areas.col("重复")}=0)))'


GROUP, TARGET = 100000, (1000000, 100000)  # codes: session × GROUP + area; session, class, row of the target


def session_mean(forms: Sheet, number: int, target_class: str, target: str, whose: str | None, what: str,
                 clause: str) -> str:
    """A session's mean for one target (forms.tally_ballots): blank where the session has no forms,
    an error where a rating of the target cannot be read or no valid form rates it. The target and its
    session's group are numeric codes (helpers 组号, 标号) so each count has one or two criteria."""
    group = f'{number * GROUP}+{whose}' if whose else str(number * GROUP)
    mine = f'{forms.col("标号")},{number * TARGET[0]}+{target_class}*{TARGET[1]}+{target}'
    count = f'COUNTIFS({mine},{forms.col("计")},1)'
    return (f'IF(COUNTIF({forms.col("组号")},{group})=0,"",IF(COUNTIFS({mine},{forms.col("读")},2)>0,'
            f'"#错误：{what}的测评表中有读不出的评分（{clause}）",IF({count}=0,'
            f'"#错误：{what}没有有效的测评表（{clause}）",'
            f'SUMIFS({forms.col("分")},{mine},{forms.col("计")},1)/{count})))')


# --- 居民区 (DOMAIN §1) --------------------------------------------------------------------------------

def _adjustment_problem(r: Row, s: rules.Scheme, p: ParamCells, header: str, path: str) -> str:
    """加分/减分 as typed: blank, or ≥ 0 and a sum of the table's whole points (rules.jingan._composable,
    as a multiple of their greatest common divisor: with a 1-point item, any whole number)."""
    ref, clause = r[header], s.cite(path)
    points = ",".join(row["points"] for row in p.table(path))
    gcd = f"IFERROR(GCD({points}),0)"
    read = number_problem(ref, header, "0", None, clause, required=False)
    sums = f'IF(AND(N({ref})>0,{gcd}>0,MOD(N({ref}),{gcd})<>0),"{header}"&{ref}&"分不能由每项分值相加得到（{clause}）；","")'
    return f'IF(({read})<>"",{read},{sums})'


def area_sheet(s: rules.Scheme, p: ParamCells, rows: int, book: dict[str, Sheet]) -> Sheet:
    layout = layouts(s, rows, 1)[0]
    top, clause = p("forms.score_max"), s.cite("area.weights.members")

    def areas() -> Sheet:
        return book["areas"]

    def duplicate(r: Row) -> str:
        return f'"#错误：居民区“"&{r["键"]}&"”出现"&{r["重复"]}&"次，无法区分，均未计算（请改为可区分的名称）"'

    def guard(r: Row, value: str) -> str:
        return f'IF({r["键"]}="","",IF({r["重复"]}>1,{duplicate(r)},{value}))'

    def problems(r: Row) -> str:
        parts = [number_problem(r["街道考评"], "街道考评", "0", p("area.items_total"), s.cite("area.items_total")),
                 number_problem(r["居民区互评"], "居民区互评", "0", top, s.cite("area.weights.mutual")),
                 number_problem(r["党员群众测评"], "党员群众测评", "0", top, clause),
                 turnout_problem(r, p, s.cite("turnout.min_share")),
                 _adjustment_problem(r, s, p, "加分", "area.awards"),
                 _adjustment_problem(r, s, p, "减分", "area.deductions")]
        return f'IF({r["键"]}="","",{"&".join(parts)})'

    def value(r: Row) -> str:  # jingan 五(一), 四(二): weighted parts ± adjustments, capped if the scheme says
        w = {n: p(f"area.weights.{n}") for n in ("street", "mutual", "members")}
        apply_to, cap = p("area.adjustments.apply_to"), p("area.adjustments.cap_total")
        adj = f'(N({r["加分"]})-N({r["减分"]}))'
        total = (f'{w["street"]}*({r["街道考评"]}+IF({apply_to}="street_score",{adj},0))'
                 f'+{w["mutual"]}*{r["居民区互评"]}+{w["members"]}*{r["党员群众测评"]}+IF({apply_to}="total",{adj},0)')
        return f'IF(AND({r["键"]}<>"",{r["重复"]}=1,{r["问题"]}=""),IF(ISNUMBER({cap}),MIN({total},{cap}),{total}),"")'

    def total(r: Row) -> str:
        return guard(r, f'IF({r["问题"]}<>"",{error_text(r["问题"])},{r["总分值"]})')

    def tie(r: Row) -> str:
        return f'IF(ISNUMBER({r["总分值"]}),ROUND({r["总分值"]},9),"")'

    steps = ladder_steps(p, "area.grades", lambda r: f'SUMPRODUCT(--({areas().col("重复")}=1))')
    grade_helpers, proposal = ladder_columns("居民区", steps, "总分值", "总分9", second="并列比较")

    def proposed(r: Row) -> str:
        why = f'IF({r["问题"]}<>"",{error_text(r["问题"])},"#错误：总分无法计算")'
        return guard(r, f'IF(ISNUMBER({r["总分值"]}),{proposal(r)},{why})')

    def final(r: Row) -> str:
        return guard(r, final_grade(r, "建议等次", "领导小组调整", [st.name for st in steps], s.area_ladder.clause))

    def rank(r: Row) -> str:
        return guard(r, f'IF(ISNUMBER({r["总分9"]}),RANK({r["总分9"]},{areas().col("总分9")}),"#错误：总分无法计算")')

    def mean(number: int) -> Formula:
        def formula(r: Row) -> str:
            whose = None if number == MUTUAL else str(r.n - 1)
            return f'IF({blank(r["居民区"])},"",' + session_mean(
                book["forms"], number, str(AREA_CLASS), str(r.n - 1), whose, f'{sessions.SESSIONS[number - 1]}',
                s.sessions[sessions.SESSIONS[number - 1]].clause) + ")"
        return formula

    results = {"总分": total, "建议等次": proposed, "最终等次": final, "排名": rank}
    defaults = {"居民区互评": mean(MUTUAL), "党员群众测评": mean(MEMBERS)}
    columns = [Col(h, None, layout.formats.get(h, TEXT if h in layout.choices else "0.0")) for h in layout.inputs]
    columns += [Col(h, results[h], layout.formats.get(h, "0.0")) for h in layout.results]
    helpers = [Col("键", lambda r: text(r["居民区"]), TEXT, helper=True),
               Col("重复", lambda r: f'IF({r["键"]}="",0,SUMPRODUCT(--EXACT({areas().col("键")},{r["键"]})))', COUNT,
                   helper=True),
               Col("问题", problems, TEXT, helper=True), Col("总分值", value, helper=True),
               Col("总分9", tie, helper=True),
               Col("并列比较", tiebreak_key(p("area.tiebreak.column"), layout.letter(layout.inputs[0]),
                                        layout.letter(layout.inputs[-1])), helper=True), *grade_helpers]
    return Sheet(layout.sheet, columns + helpers, rows, layout.choices, layout.numbers, defaults)


# --- 工作人员 (DOMAIN §2, §3) ---------------------------------------------------------------------------

def staff_sheet(s: rules.Scheme, p: ParamCells, rows: int, book: dict[str, Sheet]) -> Sheet:
    layout = layouts(s, 1, rows)[1]
    areas = book["areas"]
    top = p("forms.score_max")
    area_steps = p.table("area.grades")
    best, worst = area_steps[0]["name"], area_steps[-1]["name"]
    staff_grades = p.table("staff.grades")
    system = [q(x) for x in rules.SYSTEM_CATEGORIES]
    clause_na = s.cite("money.not_assessed_grade")

    def staff() -> Sheet:
        return book["staff"]

    def duplicate(r: Row) -> str:
        return (f'"#错误：居民区“"&{r["区"]}&"”的工作人员“"&{r["键"]}&"”出现"&{r["重复"]}&"次，无法区分，'
                '均未计算（请改为可区分的名称）"')

    def guard(r: Row, value: str) -> str:
        """Blank without a name; a duplicate name or a status that cannot be read: its error."""
        return (f'IF({r["键"]}="","",IF({r["重复"]}>1,{duplicate(r)},'
                f'IF({r["问题"]}<>"",{error_text(r["问题"])},{value})))')

    def status(r: Row) -> str:  # rules.jingan.read_person: 居民区, 岗位, 人员类别, 不参加考核原因
        retiring = (f'IF(AND({r["原因"]}={q(rules.RETIRING_SECRETARY)},{r["岗位读"]}<>"",'
                    f'NOT({one_of(r["岗位读"], [q("书记"), q("书记兼主任")])})),'
                    f'"岗位为"&{r["岗位读"]}&"，“{rules.RETIRING_SECRETARY}”只适用于书记（{clause_na}）；","")')
        return (f'IF({r["键"]}="","",IF({r["区"]}="","未填所属居民区（WORKBOOK 工作人员）；","")'
                f'&{choice_problem(r["岗位"], "岗位", rules.POSTS, s.cite("staff.weights.leader.area"), True)}'
                f'&{choice_problem(r["人员类别"], "人员类别", s.categories, s.cite("staff.categories"), True)}'
                f'&{choice_problem(r["不参加考核原因"], "不参加考核原因", rules.REASONS, clause_na, False)}&{retiring})')

    def is_system(r: Row) -> str:
        return one_of(r["类别读"], system)

    def pool(r: Row) -> str:  # 1: 书记/主任 of the street; 2: other staff of their area; 0: not graded here
        return (f'IF(OR({r["键"]}="",{r["重复"]}>1,{r["问题"]}<>"",{r["原因读"]}<>"",{is_system(r)}),0,'
                f'IF({r["领导"]}=1,1,2))')

    def problems(r: Row) -> str:  # the rated parts and the turnout (jingan 五(二), 五(三))
        parts = {h: number_problem(r[h], h, "0", top, s.cite("forms.score_max"))
                 for h in ("书记主任考评", "内部互评", "党员群众测评")}
        return (f'IF({r["领导"]}=1,"",{parts["书记主任考评"]})&{parts["内部互评"]}&{parts["党员群众测评"]}'
                f'&{turnout_problem(r, p, s.cite("turnout.min_share"))}')

    def value(r: Row) -> str:
        lw = {n: p(f"staff.weights.leader.{n}") for n in ("area", "internal", "members")}
        ow = {n: p(f"staff.weights.other.{n}") for n in ("area", "leaders", "internal", "members")}
        a = r["居民区得分"]
        leader = f'{lw["area"]}*{a}+({lw["internal"]}*{r["内部互评"]}+{lw["members"]}*{r["党员群众测评"]})'
        other = (f'{ow["area"]}*{a}+({ow["leaders"]}*{r["书记主任考评"]}+{ow["internal"]}*{r["内部互评"]}'
                 f'+{ow["members"]}*{r["党员群众测评"]})')
        ready = f'AND({r["键"]}<>"",{r["重复"]}=1,{r["问题"]}="",{r["原因读"]}="",ISNUMBER({a}),{r["得分问题"]}="")'
        cap = p("staff.score_cap")  # "满分为100分" (五(二), 五(三))
        score = f'IF({r["领导"]}=1,{leader},{other})'
        return f'IF({ready},IF(ISNUMBER({cap}),MIN({score},{cap}),{score}),"")'

    def area_score(r: Row) -> str:
        unknown = (f'"#错误："&{r["键"]}&"：所属居民区“"&{r["区"]}&"”不在居民区表中（WORKBOOK 工作人员）"')
        return (f'IF({r["键"]}="","",IF({r["重复"]}>1,{duplicate(r)},IF({r["区号"]}=0,{unknown},'
                f'INDEX({areas.col("总分")},{r["区号"]}))))')

    def score(r: Row) -> str:
        not_assessed = f'"#提示："&{r["键"]}&"："&{r["原因读"]}&"，不参加本年度考核（{clause_na}）"'
        a = r["居民区得分"]
        return guard(r, f'IF({r["原因读"]}<>"",{not_assessed},IF(NOT(ISNUMBER({a})),{a},'
                        f'IF({r["得分问题"]}<>"",{error_text(r["得分问题"])},{r["得分值"]})))')

    def excellent_cap(r: Row) -> str:  # jingan 六(二): 20% of the street's 书记/主任; 15% (+1) of an area's others
        n = f'COUNTIFS({staff().col("组")},{r["组"]})'
        rounding = p("rounding.quota")
        others = (f'IF(EXACT({r["区等次"]},{worst}),0,{quota(p("staff.excellent.others_share"), n, rounding)}'
                  f'+IF(EXACT({r["区等次"]},{best}),{p("staff.excellent.extra_if_area_excellent")},0))')
        return f'IF({r["池"]}=1,{quota(p("staff.excellent.leaders_share"), n, rounding)},{others})'

    steps = [Step(g["name"], g.get("min_score"), excellent_cap if k == 0 else None)
             for k, g in enumerate(staff_grades)]
    grade_helpers, proposal = ladder_columns("人员", steps, "得分值", "得分9", pool="组",
                                             barred=lambda r, step: f'{r["禁优"]}=1')
    area_names = [g["name"] for g in area_steps]

    def proposed(r: Row) -> str:
        undecided = (f'"#错误：居民区“"&{r["区"]}&"”的等次未定，无法确定其工作人员优秀名额（{s.staff_ladder.clause}）"')
        why = f'IF(LEFT({r["得分"]}&"",1)="#",{r["得分"]},"#错误：得分无法计算")'
        return guard(r, f'IF({r["原因读"]}<>"",{q(rules.NOT_ASSESSED)},IF({is_system(r)},{q(rules.SYSTEM_TEXT)},'
                        f'IF(AND({r["池"]}=2,NOT({one_of(r["区等次"], area_names)})),{undecided},'
                        f'IF(ISNUMBER({r["得分9"]}),{proposal(r)},{why}))))')

    def final(r: Row) -> str:
        chosen = final_grade(r, "建议等次", "领导小组调整", [g["name"] for g in staff_grades], s.staff_ladder.clause)
        return guard(r, f'IF(OR({r["原因读"]}<>"",{is_system(r)}),{r["建议等次"]},{chosen})')

    def money(r: Row) -> str:  # jingan 七, 八(五), 八(六)
        grade = r["最终等次"]
        table, factors = p.table("money.staff"), p.table("money.area_factor")
        share = lookup(grade, table, "grade", "base_share", '""')
        with_factor = lookup(grade, table, "grade", "with_area_factor", "0")
        with_reward = lookup(grade, table, "grade", "with_reward", "0")
        factor = lookup(r["区等次"], factors, "grade", "factor", '""')
        prorate = lookup(p("money.not_assessed_grade"), factors, "grade", "factor", '""')
        base = number_problem(r["奖金基数"], "奖金基数", "0", None, s.cite("money.staff"))
        months = number_problem(r["在岗月数"], "在岗月数", "0", "12", clause_na)
        undecided = (f'"#错误：居民区“"&{r["区"]}&"”的等次未定，无法确定奖金系数（{s.cite("money.area_factor")}）"')
        paid = (f'IF(({base})<>"",{error_text(base)},IF(AND({with_factor}=1,NOT(ISNUMBER({factor}))),{undecided},'
                f'ROUND({r["奖金基数"]}*{share}*IF({with_factor}=1,{factor},1)'
                f'+IF({with_reward}=1,{p("money.excellent_reward")},0),2)))')
        both = f"({base}&{months})"
        prorated = f'IF({both}<>"",{error_text(both)},ROUND({r["奖金基数"]}*{r["在岗月数"]}/12*{prorate},2))'
        system = (f'IF(({base})<>"",{error_text(base)},IF(NOT(ISNUMBER({factor})),{undecided},'
                  f'ROUND({r["奖金基数"]}*1*{factor},2)))')  # 事业编制: base × area factor (七(一)1, 八(六))
        undecided_grade = f'"#错误：最终等次未定，无法计算奖金（{s.cite("money.staff")}）"'
        return guard(r, f'IF(OR({grade}="",LEFT({grade}&"",1)="#"),{undecided_grade},'
                        f'IF(EXACT({r["类别读"]},{q(rules.CIVIL_SERVANT)}),{q(rules.SYSTEM_TEXT)},'
                        f'IF({r["原因读"]}<>"",{prorated},IF({is_system(r)},{system},'
                        f'IF(NOT(ISNUMBER({share})),"#错误：最终等次不是等次名称",{paid})))))')

    def mean(number: int) -> Formula:
        def formula(r: Row) -> str:
            what = sessions.SESSIONS[number - 1]
            tally = session_mean(book["forms"], number, r["成员"],
                                 str(r.n - 1), r["区号"], what, s.sessions[what].clause)
            skip = f'OR({blank(r["姓名"])},{r["区号"]}=0' + (f',{r["成员"]}={LEADER_CLASS})' if number == LEADERS else ")")
            return f'IF({skip},"",{tally})'
        return formula

    helpers = [
        ("键", lambda r: text(r["姓名"]), TEXT),
        # people are keyed by (居民区, 姓名): two 王芳 of one area are ambiguous, of two areas both computed
        ("重复", lambda r: f'IF({r["键"]}="",0,SUMPRODUCT(EXACT({staff().col("键")},{r["键"]})'
                         f'*EXACT({staff().col("区")},{r["区"]})))', COUNT),
        ("区", lambda r: text(r["居民区"]), TEXT),
        ("区号", lambda r: f'IF({r["区"]}="",0,IFERROR(MATCH({literal_key(r["区"])},{areas.col("键")},0),0))', COUNT),
        ("区键", lambda r: f'{r["区"]}&"|"&{r["键"]}', TEXT),
        ("岗位读", lambda r: choice_value(r["岗位"], rules.POSTS), TEXT),
        ("类别读", lambda r: choice_value(r["人员类别"], s.categories), TEXT),
        ("原因读", lambda r: f'IF({r["问题"]}<>"","",{r["原因"]})', TEXT),
        ("原因", lambda r: choice_value(r["不参加考核原因"], rules.REASONS), TEXT),
        ("问题", status, TEXT),
        ("领导", lambda r: f'IF({one_of(r["岗位读"], [q(x) for x in rules.LEADER_POSTS])},1,0)', COUNT),
        # the class on a rating form (sessions.Member): 2 书记/主任, 3 other staff; 0 no name
        ("成员", lambda r: f'IF({r["键"]}="",0,IF({one_of(text(r["岗位"]), [q(x) for x in rules.LEADER_POSTS])},2,3))',
         COUNT),
        ("池", pool, COUNT),
        ("组", lambda r: f'IF({r["池"]}=1,-1,IF({r["池"]}=2,{r["区号"]},""))', COUNT),
        ("区等次", lambda r: f'IF({r["区号"]}=0,"",INDEX({areas.col("最终等次")},{r["区号"]})&"")', TEXT),
        ("禁优", lambda r: f'IF(EXACT({r["区等次"]},{worst}),1,0)', COUNT),
        ("得分问题", problems, TEXT),
        ("得分值", value, "0.0"),
        ("得分9", lambda r: f'IF(AND(ISNUMBER({r["得分值"]}),{r["池"]}>0),ROUND({r["得分值"]},9),"")', "0.0"),
    ]
    results = {"居民区得分": area_score, "得分": score, "建议等次": proposed, "最终等次": final, "奖金": money}
    columns = [Col(h, None, layout.formats.get(h, TEXT if h in layout.choices else "0.0")) for h in layout.inputs]
    columns += [Col(h, results[h], layout.formats.get(h, "0.0")) for h in layout.results]
    columns += [Col(h, f, fmt, helper=True) for h, f, fmt in helpers] + grade_helpers
    defaults = {"书记主任考评": mean(LEADERS), "内部互评": mean(INTERNAL), "党员群众测评": mean(MEMBERS)}
    return Sheet(layout.sheet, columns, rows, layout.choices, layout.numbers, defaults)


# --- the workbook ------------------------------------------------------------------------------------

GUIDE_JINGAN = (
    "测评表：每张纸质测评表的每一项评分填一行（测评、居民区、表号、评分人、对象、评分）。评分填分值（如 92），"
    "或档次加分值（如 A 92）；同一张表（同一表号）上同类对象A档超过比例、档次与分值不符的，整张表作废；自评不计。",
    "“居民区”“工作人员”表中的居民区互评、党员群众测评、内部互评、书记主任考评列默认由测评表统计（平均分）；"
    "只有汇总分时直接在该格填写分数即可（覆盖统计公式）。",
    "街道考评表：每个居民区一行，填八项基本分值项得分，合计自动计入“居民区”表的街道考评；加减分表：每项获奖或扣分一行"
    "（类型、级别从下拉列表选），分值自动计入“居民区”表的加分、减分。该居民区在“居民区”表中直接填了数的，以所填为准。",
)


# --- entry sheets: 街道考评 and 加减分 (rules.entries), summed into 居民区 -----------------------------

def _area_of(r: Row, areas: Sheet) -> str:
    return f'IF({blank(r["居民区"])},0,IFERROR(MATCH({literal_key(r["居民区"])},{areas.col("键")},0),0))'


def _typed(r: Row, headers: Sequence[str]) -> str:
    """The row has some input (entries.compute keeps only those)."""
    return "OR(" + ",".join(f"NOT({blank(r[h])})" for h in headers) + ")"


def street_sheet(s: rules.Scheme, p: ParamCells, rows: int, areas: Sheet) -> Sheet:
    """街道考评 (jingan 四(一)1): one row per area, its eight item scores; 合计 feeds 居民区.街道考评."""
    items = [(label, p(f"area.items.{item}"), s.cite(f"area.items.{item}")) for item, (label, _) in s.items.items()]
    headers = [entries.AREA, *(label for label, _, _ in items)]

    def problems(r: Row) -> str:
        return "&".join(number_problem(r[label], label, "0", points, clause) for label, points, clause in items)

    def total(r: Row) -> str:
        return (f'IF(NOT({_typed(r, headers)}),"",IF({r["问题"]}<>"",{error_text(r["问题"])},'
                f'{"+".join(r[label] for label, _, _ in items)}))')

    columns = [Col(h, None, TEXT if h == entries.AREA else "0.0") for h in headers]
    columns += [Col("合计", total), Col("区号", lambda r: _area_of(r, areas), COUNT, helper=True),
                Col("问题", problems, TEXT, helper=True)]
    numbers = entry_numbers(s, entries.STREET_SHEET)
    return Sheet(entries.STREET_SHEET, columns, rows, {}, numbers)


def adjust_sheet(s: rules.Scheme, p: ParamCells, rows: int, areas: Sheet) -> Sheet:
    """加减分 (jingan 四(二)): one row per award or deduction; 分值 signed; 加分/减分 their sums per area."""
    awards, deductions = p.table("area.awards"), p.table("area.deductions")
    kinds = [row["type"] for row in awards + deductions]
    levels = [row["level"] for row in awards + deductions]
    clause = s.cite("area.awards")

    def points(r: Row) -> str:  # the table's points for this type and level, "" if the pair is not in it
        out = '""'
        for row in reversed(awards + deductions):
            out = f'IF(AND(EXACT({r["类读"]},{row["type"]}),EXACT({r["级读"]},{row["level"]})),{row["points"]},{out})'
        return f'IF({r["列"]}=3,"",{out})'

    def column(r: Row) -> str:  # 1: 加分, 2: 减分, 3: either (type or level unreadable: both wait for it)
        return (f'IF(NOT({_typed(r, entries.ADJUST_INPUTS)}),0,IF(OR({r["类读"]}="",{r["级读"]}=""),3,'
                f'IF({one_of(r["类读"], [row["type"] for row in awards])},1,2)))')

    def value(r: Row) -> str:
        unread = (f'"#错误：类型“"&{r["类型"]}&"”或级别“"&{r["级别"]}&"”不在加分、减分表中（{clause}）"')
        missing = f'"#错误：“"&{r["类读"]}&{r["级读"]}&"”不在加分、减分表中（{clause}）"'
        return (f'IF({r["列"]}=0,"",IF({r["列"]}=3,{unread},IF({r["点"]}="",{missing},'
                f'IF({r["列"]}=1,{r["点"]},-{r["点"]}))))')

    def read(header: str, options: Sequence[str]) -> Formula:
        return lambda r: f'IF({one_of(typed_choice(r[header]), options)},{typed_choice(r[header])},"")'

    columns = [Col(h, None, TEXT) for h in entries.ADJUST_INPUTS]
    columns += [Col("分值", value), Col("区号", lambda r: _area_of(r, areas), COUNT, helper=True),
                Col("类读", read("类型", kinds), TEXT, helper=True), Col("级读", read("级别", levels), TEXT, helper=True),
                Col("列", column, COUNT, helper=True), Col("点", points, helper=True)]
    choices = {"类型": tuple(dict.fromkeys(k for k, _ in (*s.awards, *s.deductions))),
               "级别": tuple(dict.fromkeys(lv for _, lv in (*s.awards, *s.deductions)))}
    return Sheet(entries.ADJUST_SHEET, columns, rows, choices)


def entry_defaults(s: rules.Scheme, street: Sheet, adjust: Sheet) -> dict[str, Formula]:
    """居民区's 街道考评, 加分 and 减分 where left blank: what the entry rows add up to (entries.merge), blank
    while the area has none; an error where one of them cannot be read (or 街道考评 has two rows)."""
    def street_total(r: Row) -> str:
        idx, rows = str(r.n - 1), street.col("区号")
        one = f'INDEX({street.col("合计")},MATCH({idx},{rows},0))'
        return (f'IF(COUNTIF({rows},{idx})=0,"",IF(COUNTIF({rows},{idx})>1,'
                f'"#错误：街道考评表中本居民区有不止一行（{s.cite("area.items_total")}）",IF(ISNUMBER({one}),{one},'
                f'"#错误：街道考评表中本居民区的分项有误（{s.cite("area.items_total")}）")))')

    def summed(column: int) -> Formula:
        def formula(r: Row) -> str:
            idx, rows, kind = str(r.n - 1), adjust.col("区号"), adjust.col("列")
            touched = f'COUNTIFS({rows},{idx},{kind},{column})+COUNTIFS({rows},{idx},{kind},3)'
            bad = f'COUNTIFS({rows},{idx},{kind},{column},{adjust.col("点")},"")+COUNTIFS({rows},{idx},{kind},3)'
            clause = s.cite("area.adjustments.apply_to")  # jingan 四(二)
            return (f'IF({touched}=0,"",IF({bad}>0,"#错误：加减分表中本居民区有无法计分的行（{clause}）",'
                    f'SUMIFS({adjust.col("点")},{rows},{idx},{kind},{column})))')
        return formula

    return {"街道考评": street_total, "加分": summed(1), "减分": summed(2)}


def number_inputs(s: rules.Scheme) -> dict[str, tuple[str, ...]]:
    """The number columns a clerk types (kaohe/native/reading.py: text in them is reported by the check).
    Columns whose blank cells hold a tally or a sum (居民区互评, 街道考评, 加分 …) are left out: their formula
    may show "#错误：…" text; text typed over one shows up as a result that differs from the engine's."""
    return {rules.AREA_SHEET: ("应参加人数", "实际参加人数"),
            rules.STAFF_SHEET: ("应参加人数", "实际参加人数", "在岗月数", "奖金基数"),
            entries.STREET_SHEET: tuple(label for label, _ in s.items.values())}


def build(s: rules.Scheme, *, area_rows: int, people_rows: int, form_rows: int,
          data: Mapping[str, Sequence[Mapping[str, object]]], info: Mapping[str, object]) -> Workbook:
    """The jingan native workbook: 居民区, 工作人员, 测评表 (with its tally), 街道考评, 加减分, 检查结果, 参数."""
    p = ParamCells(s)
    book: dict[str, Sheet] = {}
    book["areas"] = area_sheet(s, p, max(area_rows, len(data.get(rules.AREA_SHEET, ()))), book)
    book["staff"] = staff_sheet(s, p, max(people_rows, len(data.get(rules.STAFF_SHEET, ()))), book)
    book["forms"] = form_sheet(s, p, max(form_rows, len(data.get(sessions.FORM_SHEET, ()))), book)
    street = street_sheet(s, p, max(book["areas"].rows, len(data.get(entries.STREET_SHEET, ()))), book["areas"])
    adjust = adjust_sheet(s, p, max(200, len(data.get(entries.ADJUST_SHEET, ())) + 20), book["areas"])
    book["areas"].defaults = {**book["areas"].defaults, **entry_defaults(s, street, adjust)}
    wb = start_book(s, (*GUIDE, *GUIDE_JINGAN), info)
    for sheet, name in ((book["areas"], rules.AREA_SHEET), (book["staff"], rules.STAFF_SHEET),
                        (book["forms"], sessions.FORM_SHEET), (street, entries.STREET_SHEET),
                        (adjust, entries.ADJUST_SHEET)):
        ws = write_sheet(wb, s, sheet, data.get(name, ()))
        for header in ("奖金", "奖金基数"):  # yuan with thousands separators: wider than the header
            if header in sheet.letters:
                ws.column_dimensions[sheet.letters[header]].width = 13
    _rating_validation(wb[sessions.FORM_SHEET], s, p, book["forms"])
    return finish_book(wb, s, book["areas"].name, info)


def _rating_validation(ws, s: rules.Scheme, p: ParamCells, forms: Sheet) -> None:
    """测评表.评分 takes a score (0 to the full score) or a tier letter with a score ("A 92"): data validation
    refuses the rest while a clerk types ("九十", "９２"), which the formulas could not read."""
    cell = f'{forms.letters["评分"]}2'
    tiers = "".join(band.tier for band in s.forms.bands.bands)
    rule = DataValidation(
        type="custom", allow_blank=True, showErrorMessage=True, errorTitle="评分格式",
        error=f"评分填分值（如 92），或档次加分值（如 A 92）；档次为 {'/'.join(tiers)}",
        formula1=(f'OR(AND(ISNUMBER({cell}),{cell}>=0,{cell}<={p("forms.score_max")}),'
                  f'AND(ISTEXT({cell}),LEN(TRIM({cell}))>1,ISNUMBER(FIND(UPPER(LEFT(TRIM({cell}),1)),"{tiers}"))))'))
    rule.add(f"{cell}:{forms.letters['评分']}{forms.last}")
    ws.add_data_validation(rule)
