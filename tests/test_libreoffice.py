"""A real spreadsheet program opens every template and example and renders it to PDF.

LibreOffice headless (Debian's packages; `.ci/run` installs them) converts each workbook with a
profile of its own, under a timeout; the first page is rasterised and must not be blank. The
examples are converted after `kaohe calc -o`, and as the values-only copy `kaohe export` writes.
LibreOffice recalculates every legacy array formula when it opens a file (7.4, seen here: its
single-cell formulas keep their cached values, array blocks do not), and it has no xlwings, so the
.xlsm's UDF blocks show #NAME? there; the exported copy shows every result. A clerk's workbook is
never saved through LibreOffice: its re-save renames the UDFs and drops the xlwings reference.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kaohe import cli, office, template
from kaohe.workbook import calculate, read_inputs
from tests.rendering import ink, require_office, text

ROOT = Path(__file__).resolve().parents[1]
require_office()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lo")
    books = list(template.committed())
    for example in sorted((ROOT / "examples").glob("*.xlsm")):
        calculated, exported = tmp / f"{example.stem}-calc.xlsm", tmp / f"{example.stem}-export.xlsx"
        assert cli.main(["calc", str(example), "-o", str(calculated)]) == 0
        assert cli.main(["export", str(example), "-o", str(exported), "--force"]) == 0
        books += [calculated, exported]
    out = tmp / "pdf"
    office.to_pdf(books, out)
    return {book: out / f"{book.stem}.pdf" for book in books}, tmp


def test_every_template_and_example_opens_and_renders(rendered):
    pdfs, tmp = rendered
    for book, pdf in pdfs.items():
        assert pdf.exists() and pdf.stat().st_size > 5000, f"{book.name} did not render"
        assert ink(pdf, tmp) > 0.002, f"{book.name}: page 1 is blank"


def test_the_exported_example_shows_the_results_not_name_errors(rendered):
    pdfs, _ = rendered
    pdf = next(p for b, p in pdfs.items() if b.stem == "gaojing-2024-example-export")
    shown = text(pdf)
    inputs = read_inputs(ROOT / "examples" / "gaojing-2024-example.xlsm")
    total = calculate(inputs)["居民区"].value("春晖居民区", "总分")
    # 总分 is formatted with one decimal; an A档 party secretary's 5000 yuan (gaojing-2024 五(二)1) as #,##0.00.
    assert f"{total:.1f}" in shown and "A档" in shown and "5,000.00" in shown
    # no cell shows #NAME? (the words "显示 #NAME?" in 说明 and in a finding about files never calculated aside)
    assert not [line for line in shown.splitlines() if "#NAME?" in line and "显示 #NAME?" not in line]


@pytest.mark.parametrize("stem", ["jingan-example-calc", "gaojing-2024-example-calc",
                                  "jingan-example-export", "gaojing-2024-example-export"])
def test_computed_examples_render_without_error_marks(rendered, stem):
    """The money columns are wide enough for their numbers (else ###); the exported copy shows every result
    (no #NAME?), while the .xlsm's UDF blocks show #NAME? in LibreOffice (see the module's note)."""
    pdfs, _ = rendered
    pdf = next(p for b, p in pdfs.items() if b.stem == stem)
    # 说明 itself says what a PC without the add-in shows: that sentence is text, not a result
    lines = [line for line in text(pdf).splitlines() if "Import Functions" not in line and "显示 #NAME?" not in line]
    assert not [line for line in lines if "###" in line]
    if stem.endswith("-export"):
        assert not [line for line in lines if "#NAME?" in line]
