"""How every sheet kaohe writes prints: A4, a header naming the unit, sheet and scheme, a page footer,
and a print area that holds the rows with data (a blank sheet prints one page, not 16–25 empty ones).

An adapter detail shared by the template, the papers, the submission copy and the roll-up; it decides
no rule. Excel ignores manual page breaks under "fit to page", so a sheet too wide for one page is
split at chosen columns at a fixed scale, with its key column repeated on every page.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

FOOTER = "第 &P 页 共 &N 页"
BLANK_UNIT, BLANK_YEAR = "填报单位：______________", "考核年度：________"
# The printable width of A4 at 100% with the margins below, in pixels (96 an inch): landscape 11.69 in and
# portrait 8.27 in, less 0.8 in of margins. A character of column width measured 11 px in LibreOffice,
# which draws the workbook's Calibri 12 with a wider font; Excel's own is narrower, so pages keep room.
PAGE_PIXELS = {True: (11.69 - 0.8) * 96, False: (8.27 - 0.8) * 96}
CHAR_PIXELS = 11
SPLIT_SCALE = 75  # a sheet split across pages prints at this scale: 12 pt type as 9 pt
BLANK_ROWS = 20  # a blank sheet prints one page of empty rows, to be written on by hand
FIT_SCALE = 0.7  # below this, fitting one page wide would print too small to read: split instead

# The cell styles every sheet kaohe writes shares (the template, the native workbook, the roll-up): here, in
# this leaf module, so that an adapter needing a header style does not import the template builder.
INPUT_FILL = PatternFill("solid", fgColor="FFFFF2CC")  # pale yellow: typed by the clerk
RESULT_FILL = PatternFill("solid", fgColor="FFE7E6E6")  # grey: computed, protected
HEADER_FILL = PatternFill("solid", fgColor="FF1F4E78")
FINDING_FILL = PatternFill("solid", fgColor="FFF8CBAD")  # a row whose results show a message
HEADER_FONT = Font(bold=True, color="FFFFFFFF")
THIN = Side(style="thin", color="FFBFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
GUIDE_WIDTH = 64  # column B of 说明: its lines wrap there, so the sheet prints on A4 portrait


def text_width(text: str) -> float:
    """Column width for Chinese text: a CJK character takes about two Latin widths."""
    return max(8.0, sum(2.1 if ord(ch) > 0x2E80 else 1.1 for ch in str(text)) + 2)


def header_text(text: str) -> str:
    """Text for a header section: '&' starts a code there, so a typed one is doubled."""
    return text.replace("&", "&&")


def page_setup(ws: Worksheet, *, scheme: str = "", unit: str | None = None, landscape: bool = True,
               fit_width: bool = True, title_rows: str | None = "1:1") -> None:
    """A4; header: unit (or a line to write it on), the sheet's name, the scheme; footer: 第 N 页 共 M 页."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.75, bottom=0.7, header=0.3, footer=0.3)
    if fit_width:
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    set_header(ws, scheme, unit)


def set_header(ws: Worksheet, scheme: str, unit: str | None, year: str | None = None) -> None:
    """Header: the unit, the sheet's name, the year (or lines to write them on); footer: the scheme, the page."""
    ws.oddHeader.left.text = header_text(unit) if unit else BLANK_UNIT
    ws.oddHeader.center.text = "&A"  # the sheet's own name, as the program shows it
    ws.oddHeader.center.font = ",Bold"
    ws.oddHeader.right.text = f"{header_text(year)}年度" if year else BLANK_YEAR
    ws.oddFooter.left.text = header_text(scheme)
    ws.oddFooter.right.text = FOOTER
    for part in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right, ws.oddFooter.left, ws.oddFooter.right):
        part.size = 9


def pixels(width: float) -> float:
    """A column's printed width in pixels, from its width in characters."""
    return width * CHAR_PIXELS


def split(ws: Worksheet, widths: Sequence[float], landscape: bool = True, prefer: Sequence[int] = ()) -> int:
    """Fit the columns one page wide, or, where that would print too small, split them into pages at a
    fixed scale with column A on each; ``prefer``: column numbers a page should rather start at (the
    first result column). Returns how many pages wide it prints."""
    room = PAGE_PIXELS[landscape]
    total = sum(pixels(w) for w in widths)
    if total * FIT_SCALE <= room:
        return 1
    room = room * 100 / SPLIT_SCALE - pixels(widths[0])  # column A repeats on every page
    starts = min(_page_starts(widths, room, prefer), _page_starts(widths, room, ()), key=len)
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_setup.scale = SPLIT_SCALE
    ws.print_title_cols = "A:A"
    for col in starts:
        ws.col_breaks.append(Break(id=col - 1))  # a break after the column before the page's first
    return len(starts) + 1


def _page_starts(widths: Sequence[float], room: float, prefer: Sequence[int]) -> list[int]:
    """The first column of each page after the first, filling pages in turn; a preferred column starts a
    page when the columns from it on fit on one."""
    starts, used = [], 0.0
    for col in range(2, len(widths) + 1):
        width = pixels(widths[col - 1])
        rest = sum(pixels(w) for w in widths[col - 1:])
        if used + width > room or (col in prefer and used and rest <= room):
            starts.append(col)
            used = 0.0
        used += width
    return starts


def limit_rows(ws: Worksheet, last_row: int, last_col: int) -> None:
    """The print area: the header row down to ``last_row``."""
    ws.print_area = f"A1:{get_column_letter(last_col)}{max(last_row, 2)}"


def last_data_row(ws: Worksheet) -> int:
    """The last row holding a typed value: formulas, dropdowns and formats alone do not count."""
    for row in range(ws.max_row, 1, -1):
        if any(c.value not in (None, "") and c.data_type != "f" for c in ws[row]):
            return row
    return 1


def rows_to_print(ws: Worksheet, blank_rows: int = BLANK_ROWS) -> None:
    """Print the rows with data; a sheet without any prints its first ``blank_rows`` rows, to write on."""
    last = last_data_row(ws)
    limit_rows(ws, last if last > 1 else min(ws.max_row, 1 + blank_rows), ws.max_column)
