"""kaohe.vba: the VBA project, read back by independent code (olefile, oletools' olevba)."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import tomllib
from pathlib import Path

import olefile
import pytest
import xlwings
from oletools.olevba import VBA_Parser, decompress_stream

from kaohe import cli, office, vba

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("size", [0, 1, 3, 4095, 4096, 4097, 12_000])
def test_compression_round_trips_through_oletools(size):
    text = (Path(xlwings.__file__).parent / "xlwings.bas").read_bytes()[:size]
    rng = random.Random(size)
    # incompressible: a whole chunk is stored raw, a short one as literals (3,000 + 375 flag bytes < 4,096)
    noise = bytes(rng.randrange(256) for _ in range(4096 if size >= 4096 else min(size, 3000)))
    for data in (text, noise, b"a" * size):
        assert bytes(decompress_stream(bytearray(vba.compress(data)))) == data


def test_text_is_compressed():
    text = (Path(xlwings.__file__).parent / "xlwings.bas").read_bytes()
    assert len(vba.compress(text)) < len(text) * 0.6


@pytest.fixture(scope="module")
def macros(tmp_path_factory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("vba") / "新.xlsm"
    assert cli.main(["new", "--scheme", "jingan", "-o", str(path), "--areas", "3", "--people", "5"]) == 0
    parser = VBA_Parser(str(path))
    try:
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def test_the_project_holds_the_documents_xlwings_and_kaohe(macros):
    # 10 sheets (说明, 居民区, 工作人员, 汇总, 测评表, 街道考评, 加减分, 检查结果, 参数, xlwings.conf) → Sheet1..Sheet10
    assert set(macros) == {"ThisWorkbook.cls", *(f"Sheet{n}.cls" for n in range(1, 11)),
                           "xlwings.bas", "Dictionary.cls", "kaohe.bas"}


def test_each_macro_runs_the_installed_python_module(macros):
    import kaohe_macros

    code = macros["kaohe.bas"]
    for name in ("kaohe_check", "kaohe_clear", "kaohe_export"):
        assert f'Sub {name}()\r\n    RunPython "import kaohe_macros; kaohe_macros.{name}()"' in code
        assert callable(getattr(kaohe_macros, name))
    assert "Application.CalculateFull" in code


def test_xlwings_module_is_the_pinned_version(macros):
    pinned = next(d for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
                  if d.startswith("xlwings=="))
    version = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', macros["xlwings.bas"]).group(1)
    assert f"xlwings=={version}" == pinned == f"xlwings=={xlwings.__version__}"
    assert "Public Function RunPython(" in macros["xlwings.bas"]


def test_the_compound_file_reads_back_with_olefile(tmp_path):
    path = tmp_path / "vbaProject.bin"
    path.write_bytes(vba.project(["Sheet1", "Sheet2"]))
    ole = olefile.OleFileIO(str(path))
    try:
        assert sorted("/".join(e) for e in ole.listdir()) == sorted(
            ["PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir", "VBA/ThisWorkbook", "VBA/Sheet1", "VBA/Sheet2",
             "VBA/xlwings", "VBA/Dictionary", "VBA/kaohe"])
        project = ole.openstream("PROJECT").read().decode("cp1252")
        assert "Module=kaohe\r\n" in project and "Document=Sheet2/&H00000000\r\n" in project
        # the xlwings module (> 4096 bytes) lies in regular sectors, the small ones in the mini stream
        assert ole.get_size("VBA/xlwings") > 4096 > ole.get_size("VBA/kaohe")
    finally:
        ole.close()


def _uno_python() -> str:
    """Debian's python3 with python3-uno, which drives LibreOffice (the venv's python cannot)."""
    found = subprocess.run(["/usr/bin/python3", "-c", "import uno"], capture_output=True).returncode == 0
    if not found or office.soffice() is None:
        if os.environ.get("KAOHE_REQUIRE_LIBREOFFICE"):
            raise RuntimeError("LibreOffice or python3-uno is missing, but KAOHE_REQUIRE_LIBREOFFICE is set")
        pytest.skip("LibreOffice with python3-uno not installed here")
    return "/usr/bin/python3"


def test_libreoffice_imports_the_project_and_runs_a_macro(tmp_path):
    """A second, independent reader of MS-OVBA: LibreOffice imports the VBA project into its VBA-compatible
    Basic, maps each document module to its sheet by codeName, and compiles and runs kaohe_calculate
    (Application.CalculateFull, which LibreOffice's VBA support provides). RunPython itself needs Windows
    Excel and xlwings: not run here."""
    path = tmp_path / "宏.xlsm"
    assert cli.main(["new", "--scheme", "gaojing-2024", "-o", str(path), "--areas", "3", "--people", "5"]) == 0
    done = subprocess.run([_uno_python(), str(ROOT / "tests" / "lo_vba.py"), str(path)], capture_output=True,
                          text=True, timeout=240, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    sheets = ["说明", "居民区", "人员奖励", "汇总", "满意度问卷", "检查结果", "参数", "xlwings.conf"]  # gaojing-2024: no 测评表
    assert seen["code_names"] == {name: f"Sheet{n}" for n, name in enumerate(sheets, start=1)}
    assert seen["modules"] == sorted(["Dictionary", "ThisWorkbook", "kaohe", "xlwings",
                                      *(f"Sheet{n}" for n in range(1, 9))])
    assert 'RunPython "import kaohe_macros; kaohe_macros.kaohe_export()"' in seen["kaohe"]
    assert seen["ran"] is True
