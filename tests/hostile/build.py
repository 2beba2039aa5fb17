"""Hostile files built at test time from the bundled example workbooks, part by part."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from kaohe.book import sheet_parts

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {"jingan": ROOT / "examples" / "jingan-example.xlsm", "gaojing-2024": ROOT / "examples" / "gaojing-2024-example.xlsm"}


def example(tmp: Path, scheme: str = "jingan", name: str | None = None) -> Path:
    target = tmp / (name or f"{scheme}.xlsm")
    shutil.copyfile(EXAMPLES[scheme], target)
    return target


def rewrite(path: Path, target: Path, change: Callable[[str, bytes], bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    """Copy a package member by member, each through ``change(part, data)``."""
    with zipfile.ZipFile(path) as z:
        members = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(target, "w", compression) as out:
        for info, data in members:
            out.writestr(info.filename, change(info.filename, data))
    return target


def part_of(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as z:
        return sheet_parts(z)[sheet]


def patch_sheet(path: Path, target: Path, sheet: str, change: Callable[[str], str]) -> Path:
    part = part_of(path, sheet)
    return rewrite(path, target, lambda name, data: change(data.decode("utf-8")).encode("utf-8") if name == part else data)


def add_row(xml: str, row_xml: str) -> str:
    """A row appended at the end of sheetData."""
    return xml.replace("</sheetData>", row_xml + "</sheetData>") if "</sheetData>" in xml else \
        re.sub(r"<sheetData\s*/>", f"<sheetData>{row_xml}</sheetData>", xml)


def kaohe(*args: object, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The command line in a fresh Python, as a clerk runs it (a crash or a kill is seen as such)."""
    return subprocess.run([sys.executable, "-m", "kaohe.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


def run(capsys, *argv: object) -> tuple[int, str, str]:
    """A kaohe command in this process: its exit status and what it printed."""
    from kaohe import cli

    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err
