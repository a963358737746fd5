"""Cells that are safe to open in a spreadsheet: the one place every CSV and Excel export
writes through (OWASP, "CSV Injection").

A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (`=HYPERLINK(…)`, `+cmd|' /C calc'!A0`), so such
text gets a leading single quote: the reader sees the text, and nothing runs. Only text is
changed: numbers are written as numbers (a count of -2 would be a number, not a formula), so
numeric columns stay numeric. Excel cells are always written as values, never as formulas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """`value` as a spreadsheet may read it: text beginning with a formula character is
    prefixed with `'`; None becomes an empty cell; numbers and everything else unchanged."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(row: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in row]


def csv_line(row: Iterable[object], *, lineterminator: str = "\r\n") -> str:
    """One CSV line of neutralised cells (for streamed exports)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=lineterminator).writerow(safe_row(row))
    return buffer.getvalue()


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A whole CSV file, UTF-8 with a BOM so that Excel reads å, ä and ö."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(header: Sequence[object], rows: Iterable[Sequence[object]], *, title: str) -> bytes:
    """A one-sheet workbook whose text cells are strings (data type `s`), never formulas."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])

    def cells(row: Sequence[object]) -> list[object]:
        out: list[object] = []
        for value in row:
            if value is None:
                out.append(None)
            elif isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=safe_cell(value))
                cell.data_type = "s"  # openpyxl would make "=…" a formula otherwise
                out.append(cell)
            else:
                out.append(value)
        return out

    sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
