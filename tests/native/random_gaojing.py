"""Random gaojing-2024 inputs that hit the rules' edges: ties on 总分 at the 优秀 cap and across the
A/B档 lines, ties on the 12345 composite, blank and out-of-range inputs, adjustments below their
minimum, overrides (valid and not), people of every post, unknown areas, names typed twice, and 参数 edits."""

from __future__ import annotations

import random

from kaohe.rules import gaojing as rules
from kaohe.rules.entries import CHANNELS, SURVEY_SHEET

GRADES = ("优秀", "合格", "基本合格", "不合格")


def area(rng: random.Random, name: str, base: dict | None = None) -> dict[str, object]:
    """One area; with ``base`` a copy of it under another name (a guaranteed tie on every score)."""
    if base is not None:
        return {**base, "居民区": name}
    households = rng.randint(200, 3000)
    members = rng.randint(20, 300)
    row: dict[str, object] = {
        "居民区": name, "总户数": households, "党员数": members,
        "加强党建引领": rng.choice([13, 12, 11.5, 10, 8]), "服务凝聚群众": rng.choice([18, 17, 15.5, 12, 9]),
        "维护社会和谐稳定": rng.choice([9, 8, 7.5, 5]),
        "座谈会得分": rng.choice([95, 90, 88.5, 80, 60, 40]), "座谈会户数": rng.randint(households // 20, households // 10),
        "座谈会党员数": rng.randint(members // 10, members // 5),
        "第三方得分": rng.choice([92, 90, 85, 70, 50]), "第三方户数": rng.randint(households // 20, households // 10),
        "社区通上半年得分": rng.choice([96, 90, 86, 75, 55]), "社区通上半年户数": rng.randint(households * 2 // 5, households),
        "社区通下半年得分": rng.choice([94, 90, 84, 72, 58]), "社区通下半年户数": rng.randint(households * 2 // 5, households),
        "未真实走访户数": rng.choice([None, 0, 0, 1, 2, 10]),
        "处置率": rng.choice([1, 0.98, 0.95, 0.9, 0.85]), "解决率": rng.choice([1, 0.96, 0.9, 0.8]),
        "满意率": rng.choice([0.99, 0.95, 0.9, 0.7]),
        "加分": rng.choice([None, None, 0, 1, 2.5, 3]), "减分": rng.choice([None, None, 0, 1, 3]),
        "领导小组调整": None,
    }
    if rng.random() < 0.3:
        row.update({"本年热线件数": rng.randint(0, 200), "上年热线件数": rng.choice([0, 50, 120]),
                    "上年群众满意度": rng.choice([0, 70, 85.5, 99])})
    return row


def spoil(rng: random.Random, row: dict[str, object]) -> None:
    """One bad input the engine refuses (a result shows its cause instead of a number)."""
    field, value = rng.choice([
        ("座谈会得分", None), ("第三方得分", 101), ("社区通下半年得分", -1), ("处置率", 1.2), ("满意率", None),
        ("加强党建引领", 14), ("服务凝聚群众", None), ("未真实走访户数", 11), ("未真实走访户数", 1.5),
        ("加分", 0.5), ("减分", 4), ("领导小组调整", "很好"), ("上年热线件数", -3), ("上年群众满意度", 120),
    ])
    row[field] = value


def workbook(seed: int, n_areas: int | None = None, bad: float = 0.1) -> dict[str, list[dict[str, object]]]:
    rng = random.Random(seed)
    n = n_areas or rng.randint(3, 40)
    areas: list[dict[str, object]] = []
    for i in range(n):
        twin = areas[rng.randrange(len(areas))] if areas and rng.random() < 0.3 else None
        areas.append(area(rng, f"居民区{i + 1:02d}", twin))
    if rng.random() < 0.5:  # names that a criterion or MATCH would take as a comparison or a wildcard
        areas[0]["居民区"] = rng.choice(["<东>居民区", "新*村", "一?区", "~湾", ">南"])
    for row in areas:
        if rng.random() < bad:
            spoil(rng, row)
        if rng.random() < 0.1:
            row["领导小组调整"] = rng.choice(GRADES)
    if rng.random() < 0.2:  # a name typed twice: neither row is computed (results.start_table)
        areas.append({**areas[rng.randrange(n)]})
    names = [a["居民区"] for a in areas]
    people = []
    for j in range(rng.randint(1, 3 * n)):
        post = rng.choice([*rules.POSTS, *rules.POSTS, *rules.UNQUALIFIED, None, "书记", "居委主任 (坐班)"])
        where = rng.choice(names) if rng.random() > 0.05 else "不存在居民区"
        people.append({"姓名": f"人员{j + 1:03d}", "居民区": where, "岗位": post})
    if rng.random() < 0.3:  # the same name in the same area: ambiguous (results.keys_of)
        people.append({**people[0], "岗位": rng.choice(rules.POSTS)})
    if rng.random() < 0.5:  # the same name in another area: two people, both computed
        people.append({**people[-1], "居民区": rng.choice(names)})
    return {rules.AREA_SHEET: areas, rules.PEOPLE_SHEET: people, SURVEY_SHEET: surveys(rng, areas)}


def questionnaire(rng: random.Random, area: object, channel: str, number: int) -> dict[str, object]:
    return {"居民区": area, "渠道": channel, "问卷号": number,
            **{f"题{q}": rng.choice([10, 9, 8, 8.5, 7, 6, 3]) for q in range(1, 11)}}


def surveys(rng: random.Random, areas: list[dict[str, object]]) -> list[dict[str, object]]:
    """附件2 questionnaires for some areas' channels, whose 居民区 cell is then left to their mean;
    now and then a bad one (an answer above 10 or missing, an unknown channel or area)."""
    rows: list[dict[str, object]] = []
    for area in rng.sample(areas, k=min(len(areas), rng.randint(0, 4))):
        channel = rng.choice(CHANNELS)
        area[f"{channel}得分"] = None
        for number in range(1, rng.randint(1, 4)):
            rows.append(questionnaire(rng, area["居民区"], channel, number))
        if rng.random() < 0.3:
            bad = questionnaire(rng, area["居民区"], channel, 99)
            bad[rng.choice(["题3", "题10"])] = rng.choice([11, None, "九"])
            rows.append(bad)
    if rows and rng.random() < 0.3:
        rows.insert(rng.randrange(len(rows)), {**rows[0], "渠道": "电话"})
    if rows and rng.random() < 0.3:
        rows.append({**rows[-1], "居民区": "不存在居民区"})
    return rows


PARAM_EDITS = (  # a street's own scheme typed into 参数 (each kept valid)
    {"grades.1.share": 0.2},
    {"grades.1.max_count": 3},
    {"rounding.quota": "ceil"},
    {"rank_tiers.1.to": 3, "rank_tiers.2.from": 4},
    {"money.1.amount": 6000, "money.2.amount": 3500},
    {"visits.deduction_per_household": 2},
    {"grades.2.min_score": 75, "grades.1.min_score": 80},
    {"satisfaction.weights.forum": 0.3, "satisfaction.weights.online": 0.3},
    {"tiebreak.column": "第三方得分"},  # ties at the cap broken by this column first (DOMAIN §6)
    {"tiebreak.column": "加强党建引领", "grades.1.max_count": 2},
)
