"""Rating forms (测评表), jingan 五 second paragraph and DOMAIN 1.4.

Each rater gives each target a tier and a score. A tier that disagrees with its score, or more
A ratings within one class of targets than the quota allows, voids the form (by default); a
self-rating is left out. A target's score is the mean of the valid forms' scores for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..findings import Checked, Finding, Where, error, warning
from ..reading import Bands, Rating, read_rating
from .grading import quota


@dataclass(frozen=True, slots=True)
class Form:
    number: str  # the form's number as written on it, for messages
    ratings: Mapping[str, object]  # target → the cell as typed
    rater: str = ""  # the rater where known (互评: the rating area), to leave out self-ratings


@dataclass(frozen=True, slots=True)
class FormRules:
    bands: Bands
    a_share: float
    rounding: str
    over_quota: str  # "void" | "keep_and_flag"
    mismatch: str  # "void" | "keep_and_flag"
    quota_clause: str

    @property
    def a_tier(self) -> str:
        return self.bands.bands[0].tier


@dataclass(frozen=True, slots=True)
class Tally:
    means: dict[str, float | None]
    counts: dict[str, int]  # valid ratings per target
    valid_forms: int
    void_forms: int
    findings: tuple[Finding, ...]


def _form_problems(form: Form, ratings: dict[str, Rating], classes: Mapping[str, str], rules: FormRules,
                   where: Where) -> tuple[bool, list[Finding]]:
    """(void?, findings) for one form's tier agreement and A-quota per class."""
    void, findings = False, []
    for target, rating in ratings.items():
        if not rating.agrees:
            findings.append(warning(
                "档次分值不符", rules.bands.clause,
                f"{where.key}：对{target}评{rating.typed_tier}档却填{rating.score:g}分"
                f"（{rating.typed_tier}档为{rules.bands.span(rating.typed_tier)}分）"
                + ("，该表作废" if rules.mismatch == "void" else "，按分值计"),
                where.at(target), allowed=rules.bands.span(rating.typed_tier), actual=rating.score))
            void |= rules.mismatch == "void"
    for cls in dict.fromkeys(classes.values()):
        members = [t for t, c in classes.items() if c == cls]
        cap = quota(rules.a_share, len(members), rules.rounding)
        a_count = sum(1 for t in members if t in ratings and ratings[t].tier == rules.a_tier)
        if a_count > cap:
            findings.append(warning(
                "A档比例", rules.quota_clause,
                f"{where.key}：{cls}共{len(members)}个，A档至多{cap}个，评了{a_count}个"
                + ("，该表作废" if rules.over_quota == "void" else "，保留并提示"),
                where, allowed=cap, actual=a_count))
            void |= rules.over_quota == "void"
    return void, findings


def quota_notes(classes: Mapping[str, str], rules: FormRules, session: str) -> list[Finding]:
    """Where a class is so small that the quota allows no A at all, say so once (DOMAIN 1.4)."""
    notes = []
    for cls in dict.fromkeys(classes.values()):
        n = sum(1 for c in classes.values() if c == cls)
        if quota(rules.a_share, n, rules.rounding) == 0:
            notes.append(warning(
                "A档比例", rules.quota_clause,
                f"{session}：{cls}只有{n}个，按{rules.a_share:.0%}取整后不允许评任何A档，请确认名额取整参数",
                Where(session, cls, ""), allowed=0, actual=n))
    return notes


def tally(session: str, forms: Sequence[Form], classes: Mapping[str, str], rules: FormRules) -> Tally:
    """The mean score per target over the valid forms of one session.

    ``classes`` maps every target on the form to its class (居民区 / 书记主任 / 其他人员): the
    A-quota counts within a class. A cell that cannot be read blocks its target's mean (the clerk
    must fix the typing); a void form counts for nobody.
    """
    targets = list(classes)
    column = {t: j for j, t in enumerate(targets)}
    scores = np.full((len(forms), len(targets)), np.nan)
    valid = np.zeros(len(forms), dtype=bool)
    blocked: set[str] = set()
    findings: list[Finding] = quota_notes(classes, rules, session)
    readable: dict[object, Rating] = {}  # the same text on many forms ("B 85") is read once
    for i, form in enumerate(forms):
        where = Where(session, f"第{form.number}号表", "")
        ratings: dict[str, Rating] = {}
        for target, raw in form.ratings.items():
            known = readable.get(raw) if isinstance(raw, (str, int, float)) else None
            read = Checked(known) if known is not None else read_rating(raw, where.at(target), rules.bands)
            if known is None and read.value is not None and not read.findings and isinstance(raw, (str, int, float)):
                readable[raw] = read.value
            findings += read.findings
            if target not in column:
                if read.value is not None or read.findings:
                    findings.append(error("测评对象", rules.quota_clause,
                                          f"{where.key}：“{target}”不在本次测评对象名单中", where.at(target)))
                continue
            if read.value is None:
                blocked.update([target] if read.findings else [])
                continue
            if target == form.rater:
                findings.append(warning("自评", rules.quota_clause,
                                        f"{where.key}：{target}对自己的评分不计入", where.at(target)))
                continue
            ratings[target] = read.value
        void, problems = _form_problems(form, ratings, classes, rules, where)
        findings += problems
        valid[i] = not void
        for target, rating in ratings.items():
            scores[i, column[target]] = rating.score
    kept = scores[valid]
    counts = (~np.isnan(kept)).sum(axis=0)
    sums = np.nansum(kept, axis=0)
    means: dict[str, float | None] = {}
    for j, target in enumerate(targets):
        if target in blocked:
            means[target] = None
        elif counts[j] == 0:
            means[target] = None
            findings.append(error("无有效测评", rules.quota_clause, f"{session}：{target}没有有效的测评表",
                                  Where(session, target, ""), allowed="≥1张有效表", actual=0))
        else:
            means[target] = float(sums[j] / counts[j])
    return Tally(means, dict(zip(targets, counts.tolist())), int(valid.sum()), int((~valid).sum()),
                 tuple(findings))
