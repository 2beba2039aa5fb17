"""The schemes kaohe knows, by ``meta.kind``: each module's RuleSet (kaohe.rules.ruleset).

A new scheme: its module under kaohe/rules/ ending with a RULESET, its TOML under kaohe/schemes/, and a
line here.
"""

from __future__ import annotations

from . import gaojing, jingan
from .ruleset import AnyRuleSet

RULESETS: dict[str, AnyRuleSet] = {r.kind: r for r in (jingan.RULESET, gaojing.RULESET)}
