#!/usr/bin/python3
"""LibreOffice's side of bench_check.py: load a workbook headless, recalculate everything, read it back.

Runs under Debian's /usr/bin/python3 (python3-uno), not the project's venv. Prints one line of
JSON: seconds for start, load, calculateAll and reading every used cell of the given sheets.

    lo_recalc.py FILE SHEET… [--profile DIR] [--dump OUT.json]

--profile: a kept LibreOffice profile (as on an office PC: its second and later starts are faster);
without it, a fresh profile each time. --dump: the values read, sheet by sheet, written to a file
after the timing (an error cell, e.g. #NAME? for a KAOHE_* function, reads as null).
"""

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def office(profile):
    pipe = "kaohe_" + uuid.uuid4().hex
    proc = subprocess.Popen(["soffice", "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
                             "--nolockcheck", f"-env:UserInstallation=file://{profile}",
                             f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(300):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return proc, ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except NoConnectException:
            if proc.poll() is not None:
                raise RuntimeError("soffice exited early") from None
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("could not connect to soffice")


def main(path, sheets, kept=None, dump=None):
    profile = kept or tempfile.mkdtemp(prefix="kaohe_lo_")
    t0 = time.perf_counter()
    proc, desktop = office(profile)
    try:
        t1 = time.perf_counter()
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0,
                                           (prop("Hidden", True),))
        t2 = time.perf_counter()
        doc.calculateAll()  # a full recalculation: the saved values are not trusted
        t3 = time.perf_counter()
        cells, read = 0, {}
        for name in sheets:
            sheet = doc.Sheets.getByName(name)
            cursor = sheet.createCursor()
            cursor.gotoEndOfUsedArea(False)
            end = cursor.getRangeAddress()
            read[name] = sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow).getDataArray()
            cells += sum(len(row) for row in read[name])
        t4 = time.perf_counter()
        doc.close(True)
        if dump:
            with open(dump, "w", encoding="utf-8") as out:
                json.dump(read, out, ensure_ascii=False)
        print(json.dumps({"start": t1 - t0, "load": t2 - t1, "calculate": t3 - t2, "read": t4 - t3, "cells": cells}))
    finally:
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 — shutting down: the office may already be gone
            pass
        proc.wait(timeout=30)
        if not kept:
            shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("sheets", nargs="+")
    parser.add_argument("--profile")
    parser.add_argument("--dump")
    args = parser.parse_args()
    main(args.file, args.sheets, args.profile, args.dump)
