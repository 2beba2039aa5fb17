"""The compiled part of kaohe: the 测评表's XML read in one pass (kaohe/_sheetcells.c).

Optional: where no C compiler is at hand (a Windows PC installing from source, say) kaohe installs
without it and reads the same sheet with numpy, to the same result, slower (kaohe/sheetxml.py).
Everything else about the package is in pyproject.toml."""

import sys

from setuptools import Extension, setup

setup(ext_modules=[Extension("kaohe._sheetcells", ["kaohe/_sheetcells.c"], optional=True,
                             extra_compile_args=[] if sys.platform.startswith("win") else ["-O2"])])
