"""A small writer: tables (headers and rows built by ``services.exports``) to CSV and XLSX.

CSV
---
UTF-8 with a byte order mark (so spreadsheet programs read é and ë right),
comma-separated, ``\\r\\n`` line ends, quoting as the ``csv`` module does.
Numbers are written with a decimal point; an empty cell means "no value".

Formula injection (OWASP, "CSV Injection"): a text cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as a
formula by a spreadsheet program. Such cells get a single quote in front
(``=SUM(A1)`` becomes ``'=SUM(A1)``), which spreadsheets show as text. Only
text cells are touched: numbers the app itself computed (a negative score)
stay numbers.

XLSX
----
One sheet per table, a bold header row that stays in view. Text cells are
always stored as text, never as formulas, so the same protection holds
without changing the text. Control characters XLSX cannot hold are dropped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Cell = str | int | float | bool | None

#: what makes a spreadsheet program read a text cell as a formula (OWASP)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
_MAX_WIDTH = 60


@dataclass(frozen=True)
class Table:
    """One export table: a sheet in XLSX, a file in CSV."""

    #: sheet name (at most 31 characters in XLSX) and part of the CSV file name
    name: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def plain(value: object) -> Cell:
    """Dates as ISO text (the same in CSV and XLSX), everything else as it is.

    A moment carries its offset (``UTCDateTime`` columns are always aware UTC).
    """
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def csv_safe(value: Cell) -> Cell:
    """The cell with a leading quote when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_cell(value: Cell) -> str:
    value = csv_safe(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_csv(table: Table) -> bytes:
    """The table as CSV bytes (UTF-8 with BOM), protected against formula injection."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def sheet_title(name: str) -> str:
    return (name.translate(_SHEET_FORBIDDEN).strip() or "Blad")[:31]


def _xlsx_value(value: Cell) -> Cell:
    if isinstance(value, str):
        return str(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """The tables as one workbook, one sheet each, in the given order."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    used: set[str] = set()
    for table in tables:
        title, n = sheet_title(table.name), 2
        while title.casefold() in used:
            suffix = f" {n}"
            title, n = sheet_title(table.name)[: 31 - len(suffix)] + suffix, n + 1
        used.add(title.casefold())
        sheet = workbook.create_sheet(title)
        widths = [len(str(h)) for h in table.headers]
        for row_number, row in enumerate([table.headers, *table.rows], start=1):
            for column, raw in enumerate(row, start=1):
                cell = sheet.cell(row=row_number, column=column, value=_xlsx_value(raw))
                if isinstance(raw, str):
                    # text stays text: never a formula, whatever it starts with
                    cell.data_type = "s"
                if row_number == 1:
                    cell.font = bold
                if column <= len(widths):
                    widths[column - 1] = max(widths[column - 1], len(str(raw or "")))
        sheet.freeze_panes = "A2"
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, _MAX_WIDTH)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
