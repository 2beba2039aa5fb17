"""`kaohe check` starts with only what it uses: no openpyxl, xlwings or XML-SAX (urllib, email) unless it writes."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.test_cli import area, jingan_book

PROBE = """import json, sys
from kaohe import cli
code = cli.main(sys.argv[1:])
heavy = ("openpyxl", "xlwings", "xml.sax", "email", "kaohe.papers", "kaohe.template", "kaohe.rollup", "kaohe.submission")
print(json.dumps({"code": code, "loaded": sorted(m for m in heavy if m in sys.modules)}))
"""


def modules_after(*argv) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, *map(str, argv)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_check_imports_no_writer_and_check_o_does(tmp_path):
    path = jingan_book(tmp_path / "a.xlsx", [area("春晖"), area("和平")])
    assert modules_after("check", path, "--json") == {"code": 0, "loaded": []}
    written = modules_after("check", path, "-o", tmp_path / "b.xlsx")
    assert written["code"] == 0 and "openpyxl" in written["loaded"]  # -o writes a copy: openpyxl is needed then


def test_the_rollup_and_the_copy_do_not_import_the_template_builder():
    """kaohe.rollup and kaohe.submission take their print styles from kaohe.printing (a leaf module): the
    roll-up does not depend on the template builder (nor on xlwings, which the builder imports)."""
    probe = ("import json, sys; import kaohe.rollup, kaohe.submission; "
             "print(json.dumps(sorted(m for m in ('kaohe.template', 'xlwings') if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
