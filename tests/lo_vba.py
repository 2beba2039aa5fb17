#!/usr/bin/python3
"""LibreOffice's side of tests/test_vba.py: open a workbook with its macros, as a VBA-reading program.

Runs under Debian's /usr/bin/python3 (python3-uno), not the project's venv. Prints one line of JSON:
each sheet's codeName as LibreOffice read it, the VBA modules it imported, the source of ``kaohe``,
and whether the macro ``kaohe_calculate`` ran (LibreOffice's VBA support compiles the module first).
"""

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import uno

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from lo_recalc import office, prop  # the one way this project starts LibreOffice over UNO

ALWAYS_EXECUTE_NO_WARN = 4  # com.sun.star.document.MacroExecMode


def main(path):
    profile = tempfile.mkdtemp(prefix="kaohe_lo_vba_")
    proc, desktop = office(profile)
    try:
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0,
                                           (prop("Hidden", True), prop("MacroExecutionMode", ALWAYS_EXECUTE_NO_WARN)))
        libraries = doc.BasicLibraries
        project = libraries.getByName("VBAProject") if libraries.hasByName("VBAProject") else None
        modules = sorted(project.getElementNames()) if project else []
        out = {"code_names": {s.Name: s.CodeName for s in doc.Sheets}, "modules": modules,
               "kaohe": project.getByName("kaohe") if "kaohe" in modules else ""}
        try:
            script = doc.getScriptProvider().getScript(
                "vnd.sun.star.script:VBAProject.kaohe.kaohe_calculate?language=Basic&location=document")
            script.invoke((), (), ())
            out["ran"] = True
        except Exception as exc:  # noqa: BLE001 — reported to the test, which fails on it
            out["ran"] = f"{type(exc).__name__}: {exc}"
        doc.close(True)
        print(json.dumps(out, ensure_ascii=False))
    finally:
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 — shutting down: the office may already be gone
            pass
        proc.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1])
