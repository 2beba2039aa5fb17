"""Random jingan inputs that hit the rules' edges: totals tied at the 优秀/良好 caps, turnout at exactly
80%, blank and out-of-range inputs, overrides (valid and not), every post, category and reason, staff
of a 较差 area, 测评表 forms with self-ratings, too many A's, tier/score mismatches, a target rated twice
on one form and unreadable ratings, and 参数 edits."""

from __future__ import annotations

import random

AREA_GRADES = ("优秀", "良好", "一般", "较差")
STAFF_GRADES = ("优秀", "合格", "基本合格", "不合格")
POSTS = ("书记", "主任", "书记兼主任", "其他", "其他", "其他", "其他")
CATEGORIES = ("社区工作者", "社区工作者", "社区工作者", "居委会全日制成员", "退休返聘", "事业编制", "公务员")
# (参数 path, value): each keeps the scheme valid, so the engine and the formulas both compute
PARAM_EDITS = [
    [("area.weights.street", 0.6), ("area.weights.members", 0.3)],
    [("rounding.quota", "ceil")],
    [("rounding.quota", "round_half_up"), ("staff.excellent.others_share", 0.3)],
    [("turnout.min_share", 0.75), ("money.excellent_reward", 800)],
    [("forms.a_quota_share", 0.4), ("forms.tier_mismatch", "keep_and_flag")],
    [("forms.over_quota", "keep_and_flag"), ("area.adjustments.apply_to", "street_score")],
    [("area.adjustments.cap_total", 100), ("staff.excellent.leaders_share", 0.5)],
    [("money.staff.3.base_share", 0.6), ("money.area_factor.1.factor", 1.3)],
    [("forms.form_quota_min", 0), ("forms.form_quota_rounding", "ceil")],
    [("area.tiebreak.column", "党员群众测评"), ("staff.score_cap", "none")],
]
NAMES = "甲乙丙丁戊己庚辛壬癸"


def _turnout(rng: random.Random) -> tuple[object, object]:
    eligible = rng.choice([10, 20, 25, 50, 35])
    actual = rng.choice([eligible, eligible - 1, eligible * 4 // 5, eligible * 4 // 5 + 1, eligible // 2])
    if rng.random() < 0.04:
        return None, actual
    if rng.random() < 0.03:
        return eligible, eligible + 1
    return eligible, actual


def _score(rng: random.Random, values=(95, 92, 90, 88, 85, 80, 75, 72.5, 65, 50)) -> object:
    roll = rng.random()
    if roll < 0.03:
        return None
    if roll < 0.05:
        return 101
    return rng.choice(values)


def areas(rng: random.Random, n: int) -> list[dict[str, object]]:
    names = [f"{NAMES[i % 10]}{i // 10 or ''}居委" for i in range(n)]
    if n > 3:
        names[1] = "A*区"  # a wildcard in a key is only a character
    rows = []
    shared = {"街道考评": rng.choice([90, 85]), "居民区互评": 90, "党员群众测评": 88}
    for i, name in enumerate(names):
        eligible, actual = _turnout(rng)
        row: dict[str, object] = {"居民区": name, "街道考评": _score(rng, (98, 95, 90, 85, 80, 70, 55, 40)),
                                  "居民区互评": _score(rng), "党员群众测评": _score(rng),
                                  "应参加人数": eligible, "实际参加人数": actual}
        if i % 3 == 1:  # copies tie on 总分: some straddle a cap
            row.update(shared, 应参加人数=10, 实际参加人数=9)
        if rng.random() < 0.25:
            row["加分"] = rng.choice([1, 3, 6, 0, 2.5])
        if rng.random() < 0.2:
            row["减分"] = rng.choice([1, 2, 4])
        if rng.random() < 0.12:
            row["领导小组调整"] = rng.choice([*AREA_GRADES, "很好"])
        rows.append(row)
    return rows


def staff(rng: random.Random, areas_: list[dict[str, object]], per_area: tuple[int, int] = (2, 6)) -> list[dict]:
    rows = []
    for a in areas_:
        for j in range(rng.randint(*per_area)):
            post = POSTS[0] if j == 0 else POSTS[1] if j == 1 else rng.choice(POSTS)
            eligible, actual = _turnout(rng)
            row: dict[str, object] = {
                "姓名": f"{a['居民区']}{j + 1}号", "居民区": a["居民区"], "岗位": post,
                "人员类别": rng.choice(CATEGORIES), "书记主任考评": _score(rng) if post == "其他" else None,
                "内部互评": _score(rng), "党员群众测评": _score(rng), "应参加人数": eligible, "实际参加人数": actual,
                "奖金基数": rng.choice([60000, 72000, 80000, None]) if rng.random() > 0.03 else None,
            }
            if j >= 2 and rng.random() < 0.3:  # ties among the area's others
                row.update(书记主任考评=90, 内部互评=90, 党员群众测评=90, 应参加人数=10, 实际参加人数=10)
            elif j >= 2 and rng.random() < 0.2:  # low ratings: 基本合格 or 不合格 (60–69.99, < 60)
                row.update(书记主任考评=55, 内部互评=55, 党员群众测评=rng.choice([30, 55]), 应参加人数=10, 实际参加人数=10)
            if rng.random() < 0.08:
                row["不参加考核原因"] = rng.choice(["新进未满半年", "病事假超半年", "当年退休书记"])
                row["在岗月数"] = rng.choice([3, 5, 7, None])
            if rng.random() < 0.1:
                row["领导小组调整"] = rng.choice([*STAFF_GRADES, "优"])
            if rng.random() < 0.02:
                row["岗位"] = None
            rows.append(row)
    if rows and rng.random() < 0.5:
        rows.append({**rows[0], "居民区": "不存在居委"} | {"姓名": "外来人员"})
    rows.append({"姓名": "低分者", "居民区": areas_[0]["居民区"], "岗位": "其他", "人员类别": "社区工作者",  # 不合格
                 "书记主任考评": 40, "内部互评": 40, "党员群众测评": 40, "应参加人数": 10, "实际参加人数": 10,
                 "奖金基数": 60000, "typed": True})
    others = [r for r in rows if r["岗位"] == "其他" and not r.get("typed")]
    if len({r["居民区"] for r in others}) > 1 and rng.random() < 0.6:  # namesakes in two areas: both computed
        first = others[0]
        second = next(r for r in others if r["居民区"] != first["居民区"])
        first["姓名"] = second["姓名"] = "王芳"
    return rows


def rating(rng: random.Random) -> object:
    roll = rng.random()
    if roll < 0.02:
        return "好"  # cannot be read: blocks its target's mean
    if roll < 0.06:
        return "A 85"  # tier and score disagree
    if roll < 0.15:
        return rng.choice(["A 95", "B75", "c 65", "A档92分", "b,80", "D 40"])
    return rng.choice([95, 92, 90, 88, 85, 80, 75, 70, 66, 60, 55])


def forms(rng: random.Random, areas_: list[dict], staff_: list[dict]) -> list[dict[str, object]]:
    """Rating rows for some areas' sessions; the session columns they feed are left blank."""
    out: list[dict[str, object]] = []
    names = [a["居民区"] for a in areas_]
    if rng.random() < 0.7:  # 居民区互评: each area rates every area (itself included: left out)
        for rater in names:
            for number in range(1, rng.randint(1, 2) + 1):
                for target in names:
                    out.append({"测评": "居民区互评", "居民区": rater, "表号": number, "对象": target,
                                "评分": rating(rng)})
        for a in areas_:
            a["居民区互评"] = None
    for a in areas_:
        if rng.random() < 0.5:
            continue
        people = [p for p in staff_ if p["居民区"] == a["居民区"]]
        leaders = [p for p in people if p["岗位"] in ("书记", "主任", "书记兼主任")]
        others = [p for p in people if p not in leaders]
        for number in range(1, rng.randint(2, 4)):  # 党员群众测评: the area and its staff
            for target in [a["居民区"], *(p["姓名"] for p in people)]:
                out.append({"测评": "党员群众测评", "居民区": a["居民区"], "表号": f"M{number}", "评分人": f"代表{number}",
                            "对象": target, "评分": rating(rng)})
        a["党员群众测评"] = None
        for p in people:
            p["党员群众测评"] = p["党员群众测评"] if p.get("typed") else None
        for n, rater in enumerate(people):  # 内部互评: all staff rate each other (a self-rating is left out)
            for target in people:
                out.append({"测评": "内部互评", "居民区": a["居民区"], "表号": n + 1, "评分人": rater["姓名"],
                            "对象": target["姓名"], "评分": rating(rng)})
        for p in people:
            p["内部互评"] = p["内部互评"] if p.get("typed") else None
        for n, rater in enumerate(leaders):  # 书记主任考评: the leaders rate the others
            for target in others:
                out.append({"测评": "书记主任考评", "居民区": a["居民区"], "表号": f"L{n + 1}", "评分人": rater["姓名"],
                            "对象": target["姓名"], "评分": rating(rng)})
        for p in others:
            p["书记主任考评"] = p["书记主任考评"] if p.get("typed") else None
    if out and rng.random() < 0.5:
        out.append(dict(out[0], 评分=60))  # the same target twice on one form: the first rating counts
    if out and rng.random() < 0.3:
        out.append({"测评": "党员群众测评", "居民区": "无名居委", "表号": 1, "对象": "某人", "评分": 90})
    return out


ITEMS = {"社区党建工作": 18, "社区自治工作": 18, "社区服务工作": 12, "社区管理工作": 12, "社会平安工作": 12,
         "社区党群工作": 12, "社区发展工作": 12, "其他工作": 4}
ADJUSTMENTS = [("综合类奖励", "国家级"), ("综合类奖励", "市级"), ("综合类奖励", "区级"), ("单项类奖励", "国家级"),
               ("单项类奖励", "区级"), ("考核排名拖后", "市级"), ("媒体曝光", "国家级"), ("媒体曝光", "市级")]


def entry_rows(rng: random.Random, areas_: list[dict]) -> tuple[list[dict], list[dict]]:
    """街道考评 rows (item scores; now and then one out of range, or an area twice) and 加减分 rows (now and
    then a type or level not in the tables); the area columns they feed are left blank."""
    street, adjust = [], []
    for a in areas_:
        if rng.random() < 0.4:
            row = {"居民区": a["居民区"], **{item: rng.choice([points, points - 1, points - 2.5]) for item, points in
                                              ITEMS.items()}}
            if rng.random() < 0.1:
                row["其他工作"] = 5  # above its 4 points
            street.append(row)
            if rng.random() < 0.1:
                street.append(dict(row))  # one area, two rows
            a["街道考评"] = None
        if rng.random() < 0.3:
            for _ in range(rng.randint(1, 3)):
                kind, level = rng.choice(ADJUSTMENTS)
                if rng.random() < 0.08:
                    kind, level = rng.choice([("其他奖励", "市级"), ("媒体曝光", "区级")])
                adjust.append({"居民区": a["居民区"], "类型": kind, "级别": level, "事由": "随机"})
            a["加分"] = a["减分"] = None
    if rng.random() < 0.3:
        street.append({"居民区": "无名居委", **ITEMS})
    return street, adjust


def workbook(seed: int, n_areas: int | None = None) -> dict[str, list[dict[str, object]]]:
    rng = random.Random(seed)
    areas_ = areas(rng, n_areas or rng.randint(3, 10))
    staff_ = staff(rng, areas_)
    form_rows = forms(rng, areas_, staff_) if rng.random() < 0.8 else []
    street, adjust = entry_rows(rng, areas_)
    return {"居民区": areas_, "工作人员": staff_, "测评表": form_rows, "街道考评": street, "加减分": adjust}
