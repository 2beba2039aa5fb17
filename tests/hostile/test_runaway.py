"""Typed numbers bound nothing by themselves: the work is bounded by what the scheme allows."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from kaohe.rules.jingan import _sum_of

from .build import ROOT


@pytest.mark.parametrize("total, points, expected", [
    (10**9, [3, 6], False),  # gcd 3; 10^9 has digit sum 1, so 10^9 mod 3 = 1
    (3 * 10**9, [3, 6], True),  # a multiple of 3, far above 1·2 (Schur): 10^9 threes
    (2, [4, 6], False),  # below the smallest point
    (10, [4, 6], True),  # 4 + 6
    (14, [4, 6], True),  # 4 + 4 + 6
    (3, [2, 4], False),  # odd, every point even
    (int(1e308), [4, 6], True),  # gcd 2; a float above 2^53 is an even integer; /2 is far above 2·3
    (5, [1, 3, 6], True),  # jingan's award points include 1: every whole number
])
def test_sum_of_points_is_decided_without_counting_to_the_total(total, points, expected):
    assert _sum_of(total, points) is expected


SCRIPT = """
import sys
from kaohe import engine
s = engine.scheme("jingan")
row = {"居民区": "甲", "街道考评": 90, "居民区互评": 85, "党员群众测评": 92, "应参加人数": 50, "实际参加人数": 41,
       "加分": float(sys.argv[1])}
t = engine.calculate(s, {"居民区": [row], "工作人员": []})["居民区"]
print(t.value("甲", "总分"))
"""


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GB: the old set of 10^9 points needs ~60 GB


@pytest.mark.parametrize("bonus", ["1e9", "1e308"])
def test_a_huge_bonus_is_scored_within_a_gigabyte_and_a_minute(bonus):
    done = subprocess.run([sys.executable, "-c", SCRIPT, bonus], capture_output=True, text=True, timeout=60,
                          preexec_fn=_limited, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-500:]
    # jingan 五(一): 0.5×90 + 0.1×85 + 0.4×92 = 90.3, plus the bonus: capped or shown, but a number
    assert float(done.stdout.strip()) >= 90.3
