"""LibreOffice headless, where a real spreadsheet program is wanted: PDFs of the printed papers.

Each run has a profile of its own (two runs never share one) and a timeout. A clerk's workbook is
never saved through LibreOffice: its re-save drops the xlwings reference from the VBA project.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path


class OfficeError(Exception):
    """LibreOffice is missing or failed: one Chinese line saying why."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(files: Sequence[Path], outdir: Path, timeout: int = 300) -> list[Path]:
    """Each workbook printed to PDF as its print set-up says (A4, fit to width, title rows)."""
    program = soffice()
    if program is None:
        raise OfficeError("未找到 LibreOffice（soffice），无法生成 PDF；可直接打印生成的工作簿，"
                          "或安装 LibreOffice（Debian：apt-get install libreoffice-calc-nogui fonts-noto-cjk）")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kaohe-office-") as profile:
        command = ["timeout", "-k", "10", str(timeout), program, "--headless", "--norestore", "--nolockcheck",
                   f"-env:UserInstallation={Path(profile).as_uri()}", "--convert-to", "pdf", "--outdir", str(outdir),
                   *map(str, files)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout + 30)
    pdfs = [outdir / f"{Path(f).stem}.pdf" for f in files]
    missing = [p.name for p in pdfs if not p.exists()]
    if done.returncode != 0 or missing:
        raise OfficeError(f"LibreOffice 未能生成 PDF（{'、'.join(missing) or done.returncode}）：{done.stderr.strip()[:200]}")
    return pdfs
