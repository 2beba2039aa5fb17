"""LibreOffice headless recalculation through UNO, for the native-formula workbook tests.

Two halves in one file:
- ``recalc(paths, sheets)`` (the project's venv): runs this file under Debian's /usr/bin/python3
  (python3-uno), one soffice per call with its own profile and a timeout, and returns every
  workbook's cells as LibreOffice computed them;
- ``main`` (/usr/bin/python3): loads each workbook, ``calculateAll()``, reads the used area of each
  named sheet (``getDataArray``) and marks formula cells that ended in an error as ``#ERR:<code>``.

Many workbooks share one soffice start, so the differential tests stay fast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
ERROR = 4  # com.sun.star.sheet.FormulaResult.ERROR


def available() -> bool:
    """soffice and python3-uno are both installed."""
    if shutil.which("soffice") is None or not Path(SYSTEM_PYTHON).exists():
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
    return probe.returncode == 0


def recalc(paths: list[Path], sheets: list[str], timeout: float = 300,
           save_dir: Path | None = None) -> dict[str, dict[str, list[list[object]]]]:
    """Each workbook (by str(path)) → sheet → rows of values after LibreOffice's calculateAll().

    With ``save_dir``, each recalculated workbook is also saved there as .xlsx (same file name),
    so its formulas carry LibreOffice's values as cached results."""
    with tempfile.TemporaryDirectory(prefix="kaohe-uno-") as tmp:
        job, out = Path(tmp) / "job.json", Path(tmp) / "out.json"
        job.write_text(json.dumps({"paths": [str(Path(p).resolve()) for p in paths], "sheets": sheets,
                                   "save_dir": str(save_dir.resolve()) if save_dir else None}))
        done = subprocess.run([SYSTEM_PYTHON, __file__, str(job), str(out)], capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"LibreOffice recalculation failed ({done.returncode}): {done.stderr[-2000:]}")
        data = json.loads(out.read_text())
    return {str(Path(p).resolve()): v for p, v in data.items()}


# --- the LibreOffice side (/usr/bin/python3) ---------------------------------------------------

def _office(profile: str):
    import uno
    from com.sun.star.connection import NoConnectException

    pipe = "kaohe_" + uuid.uuid4().hex
    proc = subprocess.Popen(["soffice", "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
                             "--nolockcheck", f"-env:UserInstallation=file://{profile}",
                             f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(600):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return proc, ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except NoConnectException:
            if proc.poll() is not None:
                raise RuntimeError("soffice exited early") from None
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("could not connect to soffice")


def _read_sheet(sheet) -> list[list[object]]:
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    end = cursor.getRangeAddress()
    whole = sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow)
    rows = [list(r) for r in whole.getDataArray()]
    errors = whole.queryFormulaCells(ERROR)
    for address in errors.getRangeAddresses():
        for r in range(address.StartRow, address.EndRow + 1):
            for c in range(address.StartColumn, address.EndColumn + 1):
                rows[r][c] = f"#ERR:{sheet.getCellByPosition(c, r).getError()}"
    return rows


def main(job_file: str, out_file: str) -> None:
    import uno
    from com.sun.star.beans import PropertyValue

    hidden, xlsx = PropertyValue(), PropertyValue()
    hidden.Name, hidden.Value = "Hidden", True
    xlsx.Name, xlsx.Value = "FilterName", "Calc MS Excel 2007 XML"
    job = json.loads(Path(job_file).read_text())
    profile = tempfile.mkdtemp(prefix="kaohe_lo_")
    proc, desktop = _office(profile)
    results = {}
    try:
        for path in job["paths"]:
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0,
                                               (hidden,))
            try:
                doc.calculateAll()
                results[path] = {name: _read_sheet(doc.Sheets.getByName(name)) for name in job["sheets"]
                                 if doc.Sheets.hasByName(name)}
                if job.get("save_dir"):
                    target = os.path.join(job["save_dir"], os.path.basename(path))
                    doc.storeToURL(uno.systemPathToFileUrl(target), (xlsx,))
            finally:
                doc.close(True)
        Path(out_file).write_text(json.dumps(results, ensure_ascii=False))
    finally:
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 — shutting down: the office may already be gone
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
