"""LibreOffice headless, where a real spreadsheet program is wanted: PDFs of the printed papers.

Each run has a profile of its own (two runs never share one) and a timeout. A clerk's workbook is
never saved through LibreOffice: its re-save drops the xlwings reference from the VBA project.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path


class OfficeError(Exception):
    """LibreOffice is missing or failed: one Chinese line saying why."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(files: Sequence[Path], outdir: Path, timeout: int = 300,
           progress: Callable[[str], None] | None = None) -> list[Path]:
    """Each workbook printed to PDF as its print set-up says (A4, fit to width, title rows); ``progress``
    is told of each PDF as it appears (one LibreOffice run for all: it starts slowly)."""
    program = soffice()
    if program is None:
        raise OfficeError("未找到 LibreOffice（soffice），无法生成 PDF；可直接打印生成的工作簿，"
                          "或安装 LibreOffice（Debian：apt-get install libreoffice-calc-nogui fonts-noto-cjk）")
    outdir.mkdir(parents=True, exist_ok=True)
    pdfs = [outdir / f"{Path(f).stem}.pdf" for f in files]
    start, told = time.time(), set()
    with tempfile.TemporaryDirectory(prefix="kaohe-office-") as profile, tempfile.TemporaryFile("w+") as errors:
        command = ["timeout", "-k", "10", str(timeout), program, "--headless", "--norestore", "--nolockcheck",
                   f"-env:UserInstallation={Path(profile).as_uri()}", "--convert-to", "pdf", "--outdir", str(outdir),
                   *map(str, files)]
        run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, text=True)
        while True:
            finished = run.poll() is not None
            for pdf in pdfs:  # a PDF is told once LibreOffice has written it (and moved on to the next)
                if pdf not in told and pdf.exists() and pdf.stat().st_mtime >= start - 1 and progress is not None:
                    told.add(pdf)
                    progress(f"已生成 PDF {len(told)}/{len(pdfs)}：{pdf.name}（{time.time() - start:.0f} 秒）")
            if finished:
                break
            time.sleep(0.5)
        errors.seek(0)
        stderr = errors.read()
    missing = [p.name for p in pdfs if not p.exists()]
    if run.returncode != 0 or missing:
        raise OfficeError(f"LibreOffice 未能生成 PDF（{'、'.join(missing) or run.returncode}）：{stderr.strip()[:200]}")
    return pdfs
