"""Rating forms (测评表), jingan 五 second paragraph and DOMAIN 1.4.

Each rater gives each target a tier and a score. A tier that disagrees with its score, or more
A ratings within one class of targets than the quota allows, voids the form (by default); a
self-rating is left out. A target's score is the mean of the valid forms' scores for it.

The tally is columnar: a session's ratings are parallel arrays (one entry per typed cell), so a
district's 330,000 ratings are counted with numpy, and each distinct cell text is read once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..findings import Finding, Where, error, warning
from ..reading import Bands, read_rating
from .grading import quota

BLANK, READ, UNREADABLE = 0, 1, 2  # what a rating cell holds


@dataclass(frozen=True, slots=True)
class Form:
    number: str  # the form's number as written on it, for messages
    ratings: Mapping[str, object]  # target → the cell as typed
    rater: str = ""  # the rater where known (互评: the rating area), to leave out self-ratings


@dataclass(frozen=True, slots=True)
class FormRules:
    bands: Bands
    a_share: float
    rounding: str  # the form quota's own rounding, not the grade caps' (DOMAIN 1.4)
    over_quota: str  # "void" | "keep_and_flag"
    mismatch: str  # "void" | "keep_and_flag"
    quota_clause: str
    quota_min: int = 1  # a form may always rate this many of a class A (DOMAIN 1.4 [default])

    @property
    def a_tier(self) -> str:
        return self.bands.bands[0].tier

    def cap(self, n: int) -> int:
        """How many of n targets of one class a form may rate A: max(minimum, rounding(20% × n))."""
        return max(self.quota_min, quota(self.a_share, n, self.rounding)) if n > 0 else 0


@dataclass(frozen=True, slots=True)
class Readings:
    """Distinct rating cells, each read once: its state, score, tier read off the bands, and agreement."""

    raws: Sequence[object]
    state: np.ndarray  # BLANK / READ / UNREADABLE
    score: np.ndarray  # NaN unless READ
    is_a: np.ndarray  # the score's tier is the top tier (A)
    agrees: np.ndarray  # the typed tier, if any, is the score's


def read_cells(raws: Sequence[object], bands: Bands) -> Readings:
    n = len(raws)
    state, score = np.zeros(n, dtype=np.int8), np.full(n, np.nan)
    is_a, agrees = np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    for i, raw in enumerate(raws):
        read = read_rating(raw, Where(), bands)
        if read.value is not None:
            state[i], score[i] = READ, read.value.score
            is_a[i], agrees[i] = read.value.tier == bands.bands[0].tier, read.value.agrees
        elif read.findings:
            state[i] = UNREADABLE
    return Readings(raws, state, score, is_a, agrees)


@dataclass(frozen=True, slots=True)
class Ballots:
    """One session's ratings, columnar: per form its number and rater; per rating its form, target and cell."""

    numbers: Sequence[str]  # per form: its number as written
    raters: np.ndarray  # per form: the rater's index among the targets, -1 when none or not a target
    form: np.ndarray  # per rating: its form's index
    target: np.ndarray  # per rating: its target's index among the session's targets, -1 when not one
    names: Sequence[str]  # per rating: the target as typed (for messages)
    cell: np.ndarray  # per rating: its index among the readings
    readings: Readings
    # per rating: where a finding about it points; per form: where one about the form points
    rating_at: Callable[[int, str], Where] | None = None  # (rating, "评分" or "对象")
    form_at: Callable[[int], Where] | None = None
    target_at: Callable[[str], Where] | None = None  # …and one about a target (no valid form)


@dataclass(frozen=True, slots=True)
class Tally:
    means: dict[str, float | None]
    counts: dict[str, int]  # valid ratings per target
    valid_forms: int
    void_forms: int
    findings: tuple[Finding, ...]
    reasons: Mapping[str, Finding]  # why a target has no mean


def quota_notes(classes: Mapping[str, str], rules: FormRules, session: str) -> list[Finding]:
    """Where a class is so small that the quota allows no A at all, say so once (DOMAIN 1.4)."""
    notes = []
    for cls in dict.fromkeys(classes.values()):
        n = sum(1 for c in classes.values() if c == cls)
        if rules.cap(n) == 0:
            notes.append(warning(
                "A档比例", rules.quota_clause,
                f"{session}：{cls}只有{n}个，按{rules.a_share:.0%}取整后不允许评任何A档，请确认名额取整参数",
                Where(session, cls, ""), allowed=0, actual=n))
    return notes


def tally_ballots(session: str, classes: Mapping[str, str], b: Ballots, rules: FormRules) -> Tally:
    """The mean score per target over the valid forms of one session.

    ``classes`` maps every target on the form to its class (居民区 / 书记主任 / 其他人员): the
    A-quota counts within a class. A cell that cannot be read blocks its target's mean (the clerk
    must fix the typing); a void form counts for nobody.
    """
    targets = list(classes)
    label = [f"第{n}号表" for n in b.numbers]
    rating_at: Callable[[int, str], Where] = b.rating_at or (lambda i, _: Where(session, label[b.form[i]], str(b.names[i])))
    form_at: Callable[[int], Where] = b.form_at or (lambda f: Where(session, label[f], ""))
    findings: list[Finding] = quota_notes(classes, rules, session)
    reasons: dict[str, Finding] = {}
    state = b.readings.state[b.cell]
    for i in np.flatnonzero(state == UNREADABLE).tolist():
        read = read_rating(b.readings.raws[b.cell[i]], Where(session, label[b.form[i]], str(b.names[i])), rules.bands)
        problem = read.findings[0]
        findings.append(problem if b.rating_at is None else _moved(problem, rating_at(i, "评分")))
        if b.target[i] >= 0:
            reasons.setdefault(targets[b.target[i]], findings[-1])
    for i in np.flatnonzero((b.target < 0) & (state != BLANK)).tolist():
        findings.append(error("测评对象", rules.quota_clause,
                              f"{label[b.form[i]]}：“{b.names[i]}”不在本次测评对象名单中", rating_at(i, "对象")))
    known = (b.target >= 0) & (state == READ)
    own = known & (b.target == b.raters[b.form])
    for i in np.flatnonzero(own).tolist():
        findings.append(warning("自评", rules.quota_clause, f"{label[b.form[i]]}：{b.names[i]}对自己的评分不计入",
                                rating_at(i, "评分")))
    kept = known & ~own
    void = np.zeros(len(b.numbers), dtype=bool)
    findings += _mismatches(b, kept, rules, label, rating_at, void)
    findings += _over_quota(b, kept, classes, rules, label, form_at, void)
    counted = kept & ~void[b.form]
    counts = np.bincount(b.target[counted], minlength=len(targets))
    sums = np.bincount(b.target[counted], weights=b.readings.score[b.cell[counted]], minlength=len(targets))
    means: dict[str, float | None] = {}
    for j, target in enumerate(targets):
        if target in reasons:
            means[target] = None
        elif counts[j] == 0:
            means[target] = None
            where = b.target_at(target) if b.target_at else Where(session, target, "")
            findings.append(error("无有效测评", rules.quota_clause, f"{session}：{target}没有有效的测评表",
                                  where, allowed="≥1张有效表", actual=0))
            reasons[target] = findings[-1]
        else:
            means[target] = float(sums[j] / counts[j])
    return Tally(means, dict(zip(targets, counts.tolist())), int((~void).sum()), int(void.sum()), tuple(findings),
                 reasons)


def _moved(finding: Finding, where: Where) -> Finding:
    return Finding(finding.severity, finding.rule, finding.clause, finding.message, where, finding.allowed,
                   finding.actual)


def _mismatches(b: Ballots, kept: np.ndarray, rules: FormRules, label, rating_at, void: np.ndarray) -> list[Finding]:
    """A tier that disagrees with its score (A with 85): the form is void, or kept and flagged."""
    findings = []
    for i in np.flatnonzero(kept & ~b.readings.agrees[b.cell]).tolist():
        read = read_rating(b.readings.raws[b.cell[i]], Where(), rules.bands).value
        assert read is not None and read.typed_tier is not None  # a kept rating was read, with a tier that disagrees
        findings.append(warning(
            "档次分值不符", rules.bands.clause,
            f"{label[b.form[i]]}：对{b.names[i]}评{read.typed_tier}档却填{read.score:g}分"
            f"（{read.typed_tier}档为{rules.bands.span(read.typed_tier)}分）"
            + ("，该表作废" if rules.mismatch == "void" else "，按分值计"),
            rating_at(i, "评分"), allowed=rules.bands.span(read.typed_tier), actual=read.score))
        void[b.form[i]] |= rules.mismatch == "void"
    return findings


def _over_quota(b: Ballots, kept: np.ndarray, classes: Mapping[str, str], rules: FormRules, label, form_at,
                void: np.ndarray) -> list[Finding]:
    """More A ratings in one class on one form than the cap allows (jingan 五, DOMAIN 1.4).

    n is the class's targets that the form's rater may rate: the rater's own row counts neither in n
    nor in the A's (with 10 areas a 居民区互评 form has n = 9)."""
    names = list(dict.fromkeys(classes.values()))
    of_target = np.array([names.index(c) for c in classes.values()], dtype=np.int64)
    sizes = np.tile(np.bincount(of_target, minlength=len(names)), (len(b.numbers), 1))
    rates_self = np.flatnonzero(b.raters >= 0)
    sizes[rates_self, of_target[b.raters[rates_self]]] -= 1
    distinct, at = np.unique(sizes, return_inverse=True)  # a few sizes over thousands of forms: each cap once
    caps = np.array([rules.cap(int(n)) for n in distinct], dtype=np.int64)[at].reshape(sizes.shape)
    a = kept & b.readings.is_a[b.cell]
    per_form = np.bincount(b.form[a] * len(names) + of_target[b.target[a]],
                           minlength=len(b.numbers) * len(names)).reshape(len(b.numbers), len(names))
    findings = []
    for f, c in zip(*np.nonzero(per_form > caps)):
        findings.append(warning(
            "A档比例", rules.quota_clause,
            f"{label[f]}：可评的{names[c]}共{sizes[f, c]}个，A档至多{caps[f, c]}个，评了{per_form[f, c]}个"
            + ("，该表作废" if rules.over_quota == "void" else "，保留并提示"),
            form_at(f), allowed=int(caps[f, c]), actual=int(per_form[f, c])))
        void[f] |= rules.over_quota == "void"
    return findings


def tally(session: str, forms: Sequence[Form], classes: Mapping[str, str], rules: FormRules) -> Tally:
    """``tally_ballots`` over forms given one by one (each a mapping of target → cell)."""
    index = {t: j for j, t in enumerate(classes)}
    cells = [(i, t, raw) for i, form in enumerate(forms) for t, raw in form.ratings.items()]
    distinct = {raw: k for k, raw in enumerate(dict.fromkeys(raw for _, _, raw in cells))}
    ballots = Ballots(
        numbers=[f.number for f in forms],
        raters=np.array([index.get(f.rater, -1) for f in forms], dtype=np.int64),
        form=np.array([i for i, _, _ in cells], dtype=np.int64),
        target=np.array([index.get(t, -1) for _, t, _ in cells], dtype=np.int64),
        names=[t for _, t, _ in cells],
        cell=np.array([distinct[raw] for _, _, raw in cells], dtype=np.int64),
        readings=read_cells(list(distinct), rules.bands))
    return tally_ballots(session, classes, ballots, rules)
