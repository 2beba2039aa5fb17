"""Reading cells the way clerks type them (DOMAIN §6: lenient reading, strict meaning).

Full-width digits (９０), units ("90分", "120户", "95%"), tier marks ("A档", "a", "A 92") are
read; anything ambiguous or out of range becomes an error finding, never a guessed number.
A blank cell is ``None`` and, where the value is required, an error saying it is missing.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .findings import Checked, Finding, Upstream, Where, error

# Clause for the reading rules themselves: they are the project's, stated in DOMAIN §6.
READING_CLAUSE = "kaohe 填写规则"  # how cells are read (DOMAIN §6), as the clerk sees it named

_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\D*$")
_RATING = re.compile(r"^([A-Z])\s*档?\s*[,;:/]?\s*(.*)$")


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def as_text(value: object) -> str:
    """A cell as text; a whole number read back as 1.0 is the 1 the clerk typed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if is_blank(value) else str(value).strip()


def normalize(text: str) -> str:
    """NFKC folds full-width digits, letters, ％ and punctuation to ASCII; case is folded up."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def _describe(raw: object) -> str:
    return f"“{raw}”" if isinstance(raw, str) else str(raw)


def _number_from(raw: object, suffixes: Sequence[str]) -> float | None:
    """The number in a cell, or None when the cell is not plainly one number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw) if math.isfinite(raw) else None
    if not isinstance(raw, str):
        return None
    text = normalize(raw)
    if "," in text:  # only as thousands separators ("1,200户"); "8,5" is ambiguous
        if not _THOUSANDS.match(text):
            return None
        text = text.replace(",", "")
    for suffix in suffixes:
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
            break
    match = _NUMBER.match(text)
    return float(match.group(1)) if match else None


def missing(where: Where, what: str, rule: str, clause: str) -> Finding:
    return error(rule, clause, f"{where.key or where.table}：未填{what}", where, allowed="必填", actual="空")


def read_number(
    raw: object,
    where: Where,
    *,
    lo: float,
    hi: float | None,
    rule: str = "数值范围",
    clause: str = READING_CLAUSE,
    required: bool = True,
    suffixes: Sequence[str] = ("分",),
) -> Checked[float]:
    """A number in [lo, hi] (hi None: no upper bound)."""
    what = where.field or "数值"
    if is_blank(raw):
        return Checked(None, (missing(where, what, rule, clause),) if required else ())
    if isinstance(raw, Upstream):  # not computed where it comes from: that finding says why
        return Checked(None, (raw.reason,))
    value = _number_from(raw, suffixes)
    if value is None:
        return Checked(None, (error("输入格式", READING_CLAUSE,
                                    f"{where.key}的「{what}」填的是{_describe(raw)}，不是一个数", where,
                                    allowed="数字", actual=raw),))
    if value < lo or (hi is not None and value > hi):
        allowed = f"{lo:g}–{hi:g}" if hi is not None else f"≥{lo:g}"
        return Checked(None, (error(rule, clause,
                                    f"{where.key}的「{what}」为{value:.12g}，超出范围{allowed}", where,
                                    allowed=allowed, actual=value),))
    return Checked(value)


def read_count(raw: object, where: Where, *, rule: str, clause: str, required: bool = True) -> Checked[int]:
    """A head or household count: a whole number ≥ 0 ("120人", "120户" read too)."""
    number = read_number(raw, where, lo=0, hi=None, rule=rule, clause=clause,
                         required=required, suffixes=("人", "户", "个"))
    if number.value is None:
        return Checked(None, number.findings)
    if number.value != int(number.value):
        return Checked(None, (error("输入格式", READING_CLAUSE,
                                    f"{where.key}的「{where.field}」为{number.value:g}，人数/户数须为整数",
                                    where, allowed="整数", actual=number.value),))
    return Checked(int(number.value))


def read_rate(raw: object, where: Where, *, clause: str, required: bool = True) -> Checked[float]:
    """A rate as a fraction 0–1: a number, or text "95%". A number above 1 is an error, not 95 → 0.95."""
    if isinstance(raw, str) and normalize(raw).endswith("%"):
        percent = _number_from(normalize(raw)[:-1], ())
        if percent is not None:
            raw = percent / 100
    return read_number(raw, where, lo=0, hi=1, rule="比率范围", clause=clause,
                       required=required, suffixes=())


@lru_cache(maxsize=64)
def _folded(choices: tuple[str, ...]) -> dict[str, str]:
    return {unicodedata.normalize("NFKC", c): c for c in choices}


def read_choice(raw: object, where: Where, choices: Sequence[str], *, rule: str, clause: str,
                required: bool = True) -> Checked[str]:
    """One of a fixed list of words (岗位, 人员类别, 等次…), as typed give or take spaces and width."""
    if is_blank(raw):
        return Checked(None, (missing(where, where.field, rule, clause),) if required else ())
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(" ", "")
    found = _folded(tuple(choices)).get(text)
    if found is not None:
        return Checked(found)
    return Checked(None, (error(rule, clause,
                                f"{where.key}的「{where.field}」填的是{_describe(raw)}，应为：{'、'.join(choices)}",
                                where, allowed="、".join(choices), actual=raw),))


# --- rating cells (测评表) -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Band:
    tier: str
    low: float  # inclusive; the band reaches up to the next higher band's low (exclusive)


@dataclass(frozen=True, slots=True)
class Bands:
    """Tier bands, highest first: A ≥ 90, B ≥ 70, C ≥ 60, D ≥ 0, all ≤ top."""

    bands: tuple[Band, ...]
    top: float
    clause: str

    def tier_of(self, score: float) -> str:
        return next(b.tier for b in self.bands if score >= b.low)

    def span(self, tier: str) -> str:
        i = [b.tier for b in self.bands].index(tier)
        high = self.top if i == 0 else self.bands[i - 1].low
        return f"{self.bands[i].low:g}–{high:g}" if i == 0 else f"{self.bands[i].low:g}–<{high:g}"


@dataclass(frozen=True, slots=True)
class Rating:
    score: float
    tier: str  # the tier read off the bands from the score
    typed_tier: str | None  # the tier the rater wrote, if any

    @property
    def agrees(self) -> bool:
        return self.typed_tier is None or self.typed_tier == self.tier


def read_rating(raw: object, where: Where, bands: Bands) -> Checked[Rating]:
    """A rating cell: "92", "A 92", "A档92分", "ａ９２". A tier alone is an error (DOMAIN 1.4 [default]; the
    scheme's forms.tier_only, whose only choice is "error")."""
    if is_blank(raw):
        return Checked(None)
    tiers = [b.tier for b in bands.bands]
    typed_tier, rest = None, raw
    if isinstance(raw, str):
        match = _RATING.match(normalize(raw))
        if match:
            typed_tier, rest = match.group(1), match.group(2)
            if typed_tier not in tiers:
                return Checked(None, (error("测评档次", bands.clause,
                                            f"{where.key}：档次{_describe(raw)}不是{'/'.join(tiers)}之一",
                                            where, allowed="/".join(tiers), actual=raw),))
            if is_blank(rest):
                return Checked(None, (error("测评分值", bands.clause,
                                            f"{where.key}：只填了档次，未填分值（{_describe(raw)}）",
                                            where, allowed="档次和分值", actual=raw),))
    score = _number_from(rest, ("分",))
    if score is None:
        return Checked(None, (error("输入格式", READING_CLAUSE,
                                    f"{where.key}：测评分{_describe(raw)}读不出分值", where,
                                    allowed="如 92 或 A 92", actual=raw),))
    if not 0 <= score <= bands.top:
        return Checked(None, (error("测评分值", bands.clause,
                                    f"{where.key}：测评分{score:.12g}超出0–{bands.top:g}", where,
                                    allowed=f"0–{bands.top:g}", actual=raw),))
    return Checked(Rating(score, bands.tier_of(score), typed_tier))
