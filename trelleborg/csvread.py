"""Reading the product's CSV imports safely: a leaf module (imports no app).

Every import (units, case events) shares the same file rules (DESIGN.md "Case-event CSV"):
UTF-8 with an optional BOM, delimiter `,` or `;` detected from the header row, a header
required, and every problem reported with its line number and column. The reader streams,
so a large upload is never held in memory as a whole, and it caps what a hostile or broken
file can make it do (columns per row, bytes per line, field size, number of errors).

Usage::

    errors: list[CsvError] = []
    reader = CsvReader(stream, columns=("code", "name", "parent"), errors=errors)
    for row in reader:          # CsvRow(line=..., values={"code": ..., ...})
        ...                     # validate, errors.append(CsvError(row.line, "code", "..."))
    if errors: raise CsvInvalid(errors)

The constructor raises `CsvInvalid` when the file cannot be read at all (empty, not UTF-8 in
the header, wrong header). Row-level problems (a line that is not UTF-8, a wrong number of
fields, an oversized field, control characters) are appended to `errors` and the row is not
yielded; reading goes on so that one run reports every problem. An unrecoverable problem
(broken quoting, an endless line, too many errors) ends the iteration with an error.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _

BOM = b"\xef\xbb\xbf"
DELIMITERS = (",", ";")
DEFAULT_MAX_COLUMNS = 50
DEFAULT_MAX_FIELD_SIZE = 10_000
DEFAULT_MAX_LINE_BYTES = 1_000_000
DEFAULT_MAX_ERRORS = 1_000

# Characters that never belong in a text field (tab, newline and carriage return do).
_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}
# The same set as one regex: a row is checked with one search over all its fields (the
# event import reads a million rows; per-field set building was most of its time).
_CONTROL_RE = re.compile("[" + "".join(sorted(_CONTROL)) + "]")


@dataclass(frozen=True)
class CsvError:
    """One problem: the file line it is on (1-based; 0 for the file as a whole), the column
    name when it belongs to one, and a message for people."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.line and self.column:
            return _("rad %(line)d, kolumn %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        if self.line:
            return _("rad %(line)d: %(message)s") % {"line": self.line, "message": self.message}
        return self.message


class CsvInvalid(Exception):
    """The file was refused; `errors` says every reason found."""

    def __init__(self, errors: Sequence[CsvError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class CsvRow:
    """A data row: the line it starts on and its values by (normalised) column name.

    Values are stripped of surrounding whitespace; optional columns that the file lacks are
    present with the value "".
    """

    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values[column]


def normalise_column(name: str) -> str:
    return name.strip().lower()


class CsvReader:
    """Stream rows out of a UTF-8 CSV file (see the module docstring)."""

    def __init__(
        self,
        source: bytes | BinaryIO,
        *,
        columns: Sequence[str],
        required: Sequence[str] | None = None,
        errors: list[CsvError] | None = None,
        max_columns: int = DEFAULT_MAX_COLUMNS,
        max_field_size: int = DEFAULT_MAX_FIELD_SIZE,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        max_errors: int = DEFAULT_MAX_ERRORS,
    ):
        self._stream: BinaryIO = io.BytesIO(source) if isinstance(source, bytes) else source
        self.columns = tuple(columns)
        self.required = tuple(self.columns if required is None else required)
        self.errors: list[CsvError] = [] if errors is None else errors
        self.max_columns = max_columns
        self.max_field_size = max_field_size
        self.max_line_bytes = max_line_bytes
        self.max_errors = max_errors
        self._physical_line = 0
        self._stopped = False
        self.header, self.delimiter = self._read_header()

    # --- header ------------------------------------------------------------------------------

    def _read_header(self) -> tuple[list[str], str]:
        raw = self._readline()
        if raw is None or not raw.strip(BOM + b" \t\r\n"):
            raise CsvInvalid([CsvError(0, None, _("Filen är tom: en rubrikrad krävs."))])
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise CsvInvalid([CsvError(1, None, _("Filen är UTF-16-kodad; spara den som UTF-8."))])
        if raw.startswith(BOM):
            raw = raw[len(BOM) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CsvInvalid(
                [CsvError(1, None, _("Filen är inte UTF-8-kodad text (rubrikraden)."))]
            ) from None
        if _CONTROL & set(text):
            raise CsvInvalid([CsvError(1, None, _("Filen innehåller binärdata, inte text."))])
        delimiter = max(DELIMITERS, key=text.count)
        if text.count(delimiter) + 1 > self.max_columns:
            raise CsvInvalid(
                [
                    CsvError(
                        1,
                        None,
                        _("Rubrikraden har för många kolumner (högst %(max)d).")
                        % {"max": self.max_columns},
                    )
                ]
            )
        try:
            fields = next(csv.reader([text], delimiter=delimiter, strict=True))
        except (csv.Error, StopIteration):
            raise CsvInvalid([CsvError(1, None, _("Rubrikraden går inte att läsa."))]) from None
        header = [normalise_column(f) for f in fields]
        self._check_header(header)
        return header, delimiter

    def _check_header(self, header: list[str]) -> None:
        problems: list[CsvError] = []
        expected = ", ".join(self.columns)
        seen: set[str] = set()
        for name in header:
            if name in seen:
                problems.append(
                    CsvError(1, name or None, _("Kolumnen förekommer två gånger i rubrikraden."))
                )
            seen.add(name)
            if name not in self.columns:
                problems.append(
                    CsvError(
                        1,
                        name or None,
                        _("Okänd kolumn %(name)r; kolumnerna är: %(expected)s.")
                        % {"name": name, "expected": expected},
                    )
                )
        for name in self.required:
            if name not in seen:
                problems.append(
                    CsvError(
                        1,
                        name,
                        _("Kolumnen saknas i rubrikraden; kolumnerna är: %(expected)s.")
                        % {"expected": expected},
                    )
                )
        if problems:
            raise CsvInvalid(problems)

    # --- lines and rows ----------------------------------------------------------------------

    def _readline(self) -> bytes | None:
        raw = self._stream.readline(self.max_line_bytes + 1)
        if not raw:
            return None
        self._physical_line += 1
        if len(raw) > self.max_line_bytes:
            self._fail(
                self._physical_line,
                _("Raden är längre än %(max)d byte.") % {"max": self.max_line_bytes},
            )
            return None
        return raw

    def _fail(self, line: int, message: str, column: str | None = None) -> None:
        self.errors.append(CsvError(line, column, message))
        if len(self.errors) >= self.max_errors:
            self._stop(line, _("För många fel; läsningen avbröts."))

    def _stop(self, line: int, message: str) -> None:
        if not self._stopped:
            self._stopped = True
            self.errors.append(CsvError(line, None, message))

    def _text_lines(self) -> Iterator[str]:
        # Decoded line by line so that an encoding error names its line; the line is still
        # handed on (with replacement characters) to keep the csv parser's line count right,
        # and its row is refused below.
        self._bad_lines: set[int] = set()
        while not self._stopped:
            raw = self._readline()
            if raw is None:
                return
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self._bad_lines.add(self._physical_line)
                yield raw.decode("utf-8", errors="replace")

    def __iter__(self) -> Iterator[CsvRow]:
        reader = csv.reader(self._text_lines(), delimiter=self.delimiter, strict=True)
        width = len(self.header)
        missing_optional = {c: "" for c in self.columns if c not in self.header}
        while not self._stopped:
            start = reader.line_num + 2  # the header is line 1 and not read by this parser
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self._stop(
                    reader.line_num + 1,
                    _("Raden går inte att tolka som CSV (%(detail)s); läsningen avbröts.")
                    % {"detail": exc},
                )
                return
            end = reader.line_num + 1
            if not fields or not "".join(fields).strip():
                continue  # blank lines carry nothing
            if self._bad_lines and any(start <= n <= end for n in self._bad_lines):
                self._fail(start, _("Raden är inte UTF-8-kodad text."))
                continue
            if len(fields) != width:
                self._fail(
                    start,
                    _("Raden har %(got)d fält men rubrikraden %(want)d.")
                    % {"got": len(fields), "want": width},
                )
                continue
            # Fast path: one check for the whole row; the per-field loop below only runs to
            # say which field is wrong.
            if max(map(len, fields)) > self.max_field_size or _CONTROL_RE.search("".join(fields)):
                ok = True
                for name, value in zip(self.header, fields, strict=True):
                    if len(value) > self.max_field_size:
                        self._fail(
                            start,
                            _("Värdet är längre än %(max)d tecken.") % {"max": self.max_field_size},
                            name,
                        )
                        ok = False
                    elif _CONTROL_RE.search(value):
                        self._fail(start, _("Värdet innehåller styrtecken eller binärdata."), name)
                        ok = False
                if not ok:
                    continue
            values = dict(zip(self.header, map(str.strip, fields), strict=True))
            if missing_optional:
                values = {**missing_optional, **values}
            yield CsvRow(line=start, values=values)
