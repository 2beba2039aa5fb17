"""Turnout: how many took part against how many should have (jingan 五, gaojing-2024 四(二)2)."""

from __future__ import annotations

from ..findings import Checked, Finding, Where, error
from ..params import exact
from ..reading import read_count


def share_met(count: int, base: int, share: float, strictly: bool) -> bool:
    """count > share × base ("须超过") or count ≥ share × base ("不少于"), in exact decimals."""
    share_ = exact(share)  # count/base vs p/q, in whole numbers: count·q vs p·base
    left, right = count * share_.denominator, share_.numerator * base
    return left > right if strictly else left >= right


def read_turnout(eligible_raw: object, actual_raw: object, where: Where, clause: str,
                 eligible_field: str = "应参加人数", actual_field: str = "实际参加人数") -> Checked[tuple[int, int]]:
    """Both counts, present, whole, and actual ≤ eligible."""
    eligible = read_count(eligible_raw, where.at(eligible_field), rule="测评人数", clause=clause)
    actual = read_count(actual_raw, where.at(actual_field), rule="测评人数", clause=clause)
    findings = eligible.findings + actual.findings
    if eligible.value is None or actual.value is None:
        return Checked(None, findings)
    if actual.value > eligible.value:
        return Checked(None, findings + (error(
            "测评人数", clause, f"{where.key}：实际参加人数{actual.value}多于应参加人数{eligible.value}",
            where.at(actual_field), allowed=f"≤{eligible.value}", actual=actual.value),))
    if eligible.value == 0:
        return Checked(None, findings + (error(
            "测评人数", clause, f"{where.key}：应参加人数为0，无法测评", where.at(eligible_field),
            allowed=">0", actual=0),))
    return Checked((eligible.value, actual.value), findings)


def strict_turnout(eligible_raw: object, actual_raw: object, share: float, where: Where,
                   clause: str) -> tuple[bool, tuple[Finding, ...]]:
    """jingan: the rating is valid only if actual > share × eligible; else "测评结果无效"."""
    counts = read_turnout(eligible_raw, actual_raw, where, clause)
    if counts.value is None:
        return False, counts.findings
    eligible, actual = counts.value
    if share_met(actual, eligible, share, strictly=True):
        return True, counts.findings
    return False, counts.findings + (error(
        "测评参加率", clause,
        f"{where.key}：实际参加{actual}人，未超过应参加{eligible}人的{share:.0%}，测评结果无效",
        where.at("实际参加人数"), allowed=f">{float(exact(share) * eligible):g}人", actual=actual),)
