"""kaohe: the annual assessment (年度考核) of Shanghai's residential areas, as a pure engine.

The engine knows nothing of Excel. Adapters (``udfs/``, ``udfs/kaohe_macros.py``, ``kaohe.cli``)
translate cells and files into the plain values the engine takes, and never decide a rule.
"""

__version__ = "0.1.0"
