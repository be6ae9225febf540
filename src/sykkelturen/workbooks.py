"""Excel workbooks (.xlsx, through openpyxl) for what counties would rather open in a
spreadsheet than as CSV: the run sheet, staffing lists."""

import datetime as dt
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Value = str | int | float | dt.datetime | dt.date | None
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Value]]]]) -> bytes:
    """An .xlsx workbook: per sheet a bold frozen header with a filter, then the rows.
    User text is always a string cell (openpyxl would otherwise store `=…` as a formula);
    times are local wall-clock times (Excel has no zones; the header names the zone)."""
    book = Workbook()
    book.remove(book.active)
    for title, head, rows in sheets:
        page = book.create_sheet(title[:31])
        page.append(head)
        for cell in page[1]:
            cell.font = Font(bold=True)
        for row in rows:
            page.append([_xlsx_value(v) for v in row])
            for cell, value in zip(page[page.max_row], row, strict=True):
                if isinstance(value, str):
                    cell.data_type = "s"
                elif isinstance(value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
        page.freeze_panes = "A2"
        page.auto_filter.ref = page.dimensions
        for index, name in enumerate(head, start=1):
            longest = max([len(name)] + [len(str(r[index - 1] or "")) for r in rows[:200]])
            page.column_dimensions[get_column_letter(index)].width = min(max(longest, 6) + 2, 50)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value: Value) -> object:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)  # already local to the tour's zone
    if isinstance(value, str):
        return str(value)  # a plain str, even for a subclass
    return value
