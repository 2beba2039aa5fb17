"""Build the bundled example workbooks (fictional names), with deliberate problems for the check.

    python examples/make_examples.py      # writes examples/jingan-example.xlsm, examples/gaojing-2024-example.xlsm
                                          # and the same data as formula workbooks, examples/*-native.xlsx

Deterministic (fixed seed). The problems planted, so that `kaohe check` has something to find:
jingan — twelve areas, ~100 staff and every session's paper forms in 测评表 (~3,000 ratings), the
input columns tallied from them; one area's session at exactly 80% turnout (invalid), a form whose
tier disagrees with its score, a tier without a score, a rating typed over its tally as "九十", a
mean typed straight in, an override that breaks the 优秀 cap;
Both carry a few rows of their entry sheets (街道考评 and 加减分; 满意度问卷), summed into 居民区.
gaojing-2024 — a 社区通 round below 40% of households, a 座谈会 above 100 households, a tie
for 9th place across the 优秀 cap (at most 9), a rate typed above 1.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

from kaohe import engine, native, template
from kaohe.files import write_atomically
from kaohe.rules.grading import REASON

Builder = Callable[..., Workbook]  # template.build or native.build_native: (scheme, *, rows, data, info)
NATIVE_EXAMPLES = ("gaojing-2024", "jingan")

HERE = Path(__file__).parent
PLACES = ["春晖", "和平", "长青", "新华", "锦绣", "明珠", "桂花", "阳光", "彩虹", "东方", "丰收", "宝华", "翠竹", "金桥",
          "玉兰", "海棠", "康乐", "祥和", "星光", "月湖", "梅园", "松柏", "紫藤", "枫林", "清泉", "绿洲", "晨曦", "朝阳",
          "华城", "景苑", "南苑", "北苑"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "建国华明丽芳静敏强伟磊洋勇军杰娟霞平刚桂英秀兰玉梅红燕晓春雪峰涛斌宇浩然"


def _names(rng: random.Random, n: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < n:
        seen.add(rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))))
    return sorted(sorted(seen), key=lambda _: rng.random())  # sorted first: a set's order changes with the hash seed


def _records(header: tuple[str, ...], rows: list[list[object]]) -> list[dict[str, object]]:
    return [dict(zip(header, row)) for row in rows]


def _cell(score: float, rng: random.Random) -> object:
    """A rating as clerks type it off a paper form: tier and score, or the score alone."""
    tier = "A" if score >= 90 else "B" if score >= 70 else "C" if score >= 60 else "D"
    return rng.choice([f"{tier} {score:g}", f"{tier}档{score:g}分", score])


def _form(session: str, area: str, number: int, scores: dict[str, float], rng: random.Random,
          rater: str | None = None) -> list[dict[str, object]]:
    return [{"测评": session, "居民区": area, "表号": number, "评分人": rater, "对象": target,
             "评分": _cell(round(score), rng)} for target, score in scores.items()]


def _forms(rng: random.Random, areas: list[str], staff: list[list[object]], quality: dict[str, float],
           raters: dict[str, int]) -> list[dict[str, object]]:
    """Every session's paper forms (jingan 五): ratings near each one's quality, within the A-quota."""
    def score(who: str, top: float) -> float:
        return min(top, max(55, rng.gauss(quality[who], 4)))

    rows: list[dict[str, object]] = []
    for rater in areas:  # 居民区互评: each area rates the 11 others; floor(20% × 11) = 2 A per form
        best = sorted((a for a in areas if a != rater), key=quality.get, reverse=True)[:2]
        rows += _form("居民区互评", rater, 1, {a: score(a, 95 if a in best else 89) for a in areas if a != rater}, rng)
    for area in areas:
        people = [(r[0], r[2]) for r in staff if r[1] == area]
        leaders = [n for n, post in people if post != "其他"]
        others = [n for n, post in people if post == "其他"]
        for number in range(1, raters[area] + 1):  # 党员群众测评: the area and its staff on one form
            star = rng.choice(others)  # floor(20% × others) A places at most: one here
            targets = {area: score(area, 89), **{n: score(n, 89) for n in leaders},
                       **{n: score(n, 94 if n == star else 89) for n in others}}
            rows += _form("党员群众测评", area, number, targets, rng)
        for number, rater in enumerate(leaders + others, start=1):  # 内部互评 (五(二)(1), 五(三)(2))
            rated = [n for n in leaders if n != rater] + ([n for n in others if n != rater] if rater in others else [])
            rows += _form("内部互评", area, number, {n: score(n, 89) for n in rated}, rng)
        for number, _leader in enumerate(leaders, start=1):  # 书记主任考评 (五(三)(1))
            rows += _form("书记主任考评", area, number, {n: score(n, 89) for n in others}, rng)
    return rows


def _street_items(s, rng: random.Random, areas: list[str], area_rows: list[list[object]]) -> list[dict[str, object]]:
    """街道考评 item by item for a few areas (jingan 四(一)1); their 居民区.街道考评 is left to the sum."""
    rows = []
    for area, row in zip(areas, area_rows):
        rows.append({"居民区": area, **{label: round(points * rng.uniform(0.75, 1.0), 1)
                                      for label, points in s.items.values()}})
        row[1] = None
    return rows


def jingan(rng: random.Random, build: Builder = template.build) -> Workbook:
    s = engine.scheme("jingan")
    areas = [f"{p}居民区" for p in PLACES[:12]]
    quality = {a: rng.uniform(76, 90) for a in areas}
    area_rows, raters = [], {}
    for area in areas:
        eligible = rng.randint(14, 20)
        actual = rng.randint(eligible * 85 // 100 + 1, eligible)
        raters[area] = actual
        # 居民区互评 and 党员群众测评 come from the forms (blank here: the tally formulas stay)
        area_rows.append([area, round(rng.uniform(72, 96), 1), None, None, eligible, actual,
                          rng.choice([None, None, 1, 3]), rng.choice([None, None, None, 1]), None])
    area_rows[3][4], area_rows[3][5] = 15, 12  # exactly 80%: "须超过" not met
    raters[areas[3]] = 12  # as many 党员群众测评 forms as people took part (DOMAIN 1.4)
    area_rows[7][8] = "优秀"  # an override: three 优秀 where 12 areas allow floor(2.4) = 2
    area_rows[9][3] = 84.0  # a tallied mean typed straight in: kept (a warning if the forms say otherwise)
    staff_rows = []
    names = _names(rng, 110)
    for area in areas:
        for j in range(rng.randint(7, 10)):
            post = "书记" if j == 0 else "主任" if j == 1 else "其他"
            category = "事业编制" if j == 2 and rng.random() < 0.3 else "社区工作者"
            reason = "新进未满半年" if rng.random() < 0.04 else None
            name = names.pop()
            quality[name] = rng.uniform(74, 90)
            staff_rows.append([name, area, post, category, None, None, None, raters[area], raters[area], reason,
                               rng.randint(3, 5) if reason else 12, 60000 if post != "其他" else 48000, None])
    staff_rows[9][5] = "九十"  # a rating typed over the tally formula, as Chinese numerals
    forms = _forms(rng, areas, staff_rows, quality, raters)
    first = next(i for i, r in enumerate(forms) if r["测评"] == "党员群众测评")
    forms[first]["评分"] = "A 85"  # a tier that disagrees with its score: the form is void
    forms[first + 1]["评分"] = "B"  # a tier without a score
    items = _street_items(s, rng, areas[4:7], area_rows[4:7])
    adjustments = [{"居民区": areas[5], "类型": "综合类奖励", "级别": "市级", "事由": "示例：市级文明社区"},
                   {"居民区": areas[5], "类型": "单项类奖励", "级别": "区级", "事由": "示例：区级单项表彰（计0分）"},
                   {"居民区": areas[6], "类型": "媒体曝光", "级别": "市级", "事由": "示例：市级媒体曝光"}]
    for row in area_rows[5:7]:  # their 加分/减分 come from the 加减分 rows
        row[6] = row[7] = None
    spare = {"area_rows": len(area_rows) + 3, "people_rows": len(staff_rows) + 10, "form_rows": len(forms) + 20}
    area_records = _records(engine.inputs(s, "居民区"), area_rows)
    area_records[7][REASON] = "示例：街道党工委会议研究决定（年度重点工作表现突出）"  # the override's reason
    return build("jingan", **spare, data={"居民区": area_records,
                                          "工作人员": _records(engine.inputs(s, "工作人员"), staff_rows),
                                          "测评表": forms, "街道考评": items, "加减分": adjustments},
                 info={template.UNIT_LABEL: "静安区示例街道", template.YEAR_LABEL: 2025})


def gaojing(rng: random.Random, build: Builder = template.build) -> Workbook:
    s = engine.scheme("gaojing-2024")
    rows = []
    for place in PLACES:
        households = rng.randint(800, 1900)  # 5% stays under the usual 100
        members = rng.randint(80, 300)
        online = [rng.randint(households * 42 // 100, households * 55 // 100) for _ in range(2)]
        rows.append([f"{place}居民区", households, members, rng.randint(9, 13), rng.randint(12, 18), rng.randint(6, 9),
                     round(rng.uniform(80, 98), 1), rng.randint(households // 20 + 1, 100), rng.randint(members // 10 + 1, 40),
                     round(rng.uniform(78, 96), 1), rng.randint(households // 20 + 1, households // 12),
                     round(rng.uniform(80, 97), 1), online[0], round(rng.uniform(80, 97), 1), online[1],
                     rng.choice([0, 0, 0, 1, 2]), round(rng.uniform(0.85, 1), 3), round(rng.uniform(0.7, 0.98), 3),
                     round(rng.uniform(0.75, 0.99), 3), rng.choice([None] * 6 + [1, 2]), rng.choice([None] * 9 + [1]),
                     None])
    rows[4][12] = rows[4][1] * 3 // 10  # 社区通上半年 below 40% of households
    rows[6][7] = 120  # 座谈会 above the usual 100 households
    rows[10][18] = 1.2  # a rate typed above 1
    ranked = _rank(rows)
    src = rows[PLACES.index(ranked[8][:-3])]
    for candidate in ranked[9:]:  # copying inputs moves hotline ranks: keep the first copy that ties at the cap
        trial = [list(r) for r in rows]
        trial[PLACES.index(candidate[:-3])][1:-1] = src[1:-1]
        if any(f.rule == "并列超额" for f in _table(trial).findings):
            rows = trial
            break
    people = []
    names = _names(rng, 4 * len(PLACES))
    for place in PLACES:
        for post in ("党组织负责人", "居委主任（坐班）", "社区工作者（聘用人员）",
                     rng.choice(("社区工作者（聘用人员）", "党组织副书记（不含主持工作）", "社区工作者（其他）", "其他"))):
            people.append([names.pop(), f"{place}居民区", post])
    surveys = []
    for place, row in zip(PLACES[:2], rows[:2]):  # 附件2 questionnaires for two areas' 座谈会, averaging to
        totals = _totals(round(row[6] * 10), 10)  # the score typed before: the ranks (and the planted tie) stay
        for number, total in enumerate(totals, start=1):
            answers = [total // 10 + (q < total % 10) for q in range(s.questions)]
            surveys.append({"居民区": f"{place}居民区", "渠道": "座谈会", "问卷号": number,
                            **{f"题{q}": a for q, a in enumerate(answers, start=1)}})
        row[6] = None
    spare = {"area_rows": len(rows) + 3, "people_rows": len(people) + 10}
    return build("gaojing-2024", **spare, data={"居民区": _records(engine.inputs(s, "居民区"), rows),
                                                "人员奖励": _records(engine.inputs(s, "人员奖励"), people),
                                                "满意度问卷": surveys},
                 info={template.UNIT_LABEL: "高境镇", template.YEAR_LABEL: 2024})


def _totals(whole: int, n: int) -> list[int]:
    """n questionnaire totals (0–100) adding up to ``whole``: their mean is whole / n."""
    return [whole // n + (i < whole % n) for i in range(n)]


def _table(rows: list[list[object]]):
    s = engine.scheme("gaojing-2024")
    return engine.calculate(s, {"居民区": [dict(zip(engine.inputs(s, "居民区"), r)) for r in rows]})["居民区"]


def _rank(rows: list[list[object]]) -> list[str]:
    table = _table(rows)
    scored = [(table.value(k, "总分"), k) for k in table.rows if table.value(k, "总分") is not None]
    return [k for _, k in sorted(scored, reverse=True)]


EXAMPLES = {"jingan": jingan, "gaojing-2024": gaojing}


def main() -> None:
    for scheme, make in EXAMPLES.items():
        wb = make(random.Random(2024))
        wb.properties.created = wb.properties.modified = template.FIXED_TIME  # the same bytes for the same content
        write_atomically(wb, HERE / f"{scheme}-example.xlsm")  # finished as every workbook kaohe writes (kaohe.package)
        print(f"写入 {HERE / f'{scheme}-example.xlsm'}")
        if scheme in NATIVE_EXAMPLES:  # the same data in the formula workbook (WPS, Mac, LibreOffice)
            native.save(make(random.Random(2024), build=native.build_native), HERE / f"{scheme}-native.xlsx")
            print(f"写入 {HERE / f'{scheme}-native.xlsx'}")


if __name__ == "__main__":
    main()
