"""Essays out of a csv/tsv file: one essay per row, under a required header row."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from models.errors import EssayInputError
from models.text import decode_bytes

from .report import IngestError, without_source

TEXT_COLUMNS = ("essay", "text", "response", "answer", "submission", "content", "body")
LABEL_COLUMNS = (
    "student", "name", "student_name", "student name", "title", "label", "id", "student_id",
)
_DELIMITERS = ",;\t|"
# csv.Sniffer's quote-guessing regex takes quadratic time on hostile input (a 16 KB sample of
# ',"' repeated takes a second, 64 KB twenty), so it only ever sees the start of the file.
_SNIFF_CHARS = 2_000


@dataclass(frozen=True)
class CsvRow:
    """One data row. ``number`` counts the header as row 1, as a spreadsheet shows it."""

    number: int
    label: str
    text: str
    error: str | None = None
    # The cells of the columns asked for by name (``keep_columns``), by the name asked for.
    cells: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CsvTable:
    """The rows read, and the first and last row numbers left unread because of ``max_rows``."""

    rows: list[CsvRow]
    unread: tuple[int, int] | None = None


def read_csv(
    data: bytes,
    name: str,
    *,
    max_rows: int,
    text_column: str | None = None,
    label_column: str | None = None,
    keep_columns: Sequence[str] = (),
    default_delimiter: str = ",",
) -> CsvTable:
    """Split a csv into rows of (label, essay text).

    Columns named by ``text_column``/``label_column`` are matched case-insensitively; unnamed ones
    are guessed from the header; ``keep_columns`` (e.g. scores) are kept in each row's ``cells``.
    Rows whose every cell is blank are skipped: they hold nothing, and
    spreadsheets export trailing blank rows by the dozen. Raises IngestError for a problem with
    the whole file (undecodable, no header, a named column missing).
    """
    text = _decode(data, name)
    delimiter = _sniff_delimiter(text, default_delimiter)
    # A field can be as long as the whole file; csv's default cap (128 KiB) would cut an essay
    # file off with an error. The limit is process-wide, so it only ever grows.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if not any(header):
            raise IngestError("the file is empty (a header row naming the columns is required)")
        label_index = _column(header, label_column, LABEL_COLUMNS)
        records: list[tuple[int, list[str]]] = []
        unread_first = unread_last = 0
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(records) < max_rows:
                records.append((number, cells))
            else:
                unread_first = unread_first or number
                unread_last = number
    except csv.Error as exc:
        raise IngestError(f"the csv could not be read at line {reader.line_num}: {exc}") from exc

    if text_column is not None:
        text_index = _column(header, text_column, ())
    else:
        text_index = _guess_text_column(header, records, label_index)
    if label_index == text_index:
        label_index = None
    kept = {name: _column(header, name, ()) for name in keep_columns}
    rows = [_row(number, cells, header, text_index, label_index, kept)
            for number, cells in records]
    return CsvTable(rows, (unread_first, unread_last) if unread_first else None)


def _decode(data: bytes, name: str) -> str:
    # A csv holds a class's worth of essays: its size was checked against the upload's limits.
    try:
        return decode_bytes(data, name, max_bytes=len(data))
    except EssayInputError as exc:
        raise IngestError(without_source(exc, name)) from exc


def _sniff_delimiter(text: str, default: str) -> str:
    """The delimiter csv.Sniffer sees, checked against the header line, else ``default``."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # a cut-off last line confuses the sniffer
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = default
    # The header names the columns and rarely contains quotes or commas, so it is the better
    # witness when the sniffer, misled by punctuation inside essays, picks a character it lacks.
    header_line = text.lstrip("\ufeff").split("\n", 1)[0]
    if delimiter not in header_line:
        counts = {candidate: header_line.count(candidate) for candidate in _DELIMITERS}
        best = max(counts, key=lambda candidate: counts[candidate])
        delimiter = best if counts[best] else default
    return delimiter


def _column(header: list[str], wanted: str | None, candidates: Sequence[str]) -> int | None:
    """Index of the column named ``wanted`` (an error if absent), else of the first candidate."""
    folded = [cell.casefold() for cell in header]
    if wanted is not None:
        try:
            return folded.index(wanted.strip().casefold())
        except ValueError:
            columns = ", ".join(f"'{cell}'" for cell in header)
            raise IngestError(
                f"there is no column named '{wanted}'; the columns are: {columns}"
            ) from None
    for candidate in candidates:
        if candidate in folded:
            return folded.index(candidate)
    return None


def _guess_text_column(
    header: list[str], records: list[tuple[int, list[str]]], label_index: int | None
) -> int:
    """A column named like an essay, else the one with the longest cells on average."""
    named = _column(header, None, TEXT_COLUMNS)
    if named is not None:
        return named
    columns = [index for index in range(len(header)) if index != label_index] or [0]

    def total_length(index: int) -> int:
        # Every column is averaged over the same rows, so the totals rank them the same way.
        return sum(len(cells[index]) for _, cells in records if index < len(cells))

    return max(columns, key=total_length)


def _row(
    number: int,
    cells: list[str],
    header: list[str],
    text_index: int,
    label_index: int | None,
    kept: dict[str, int | None],
) -> CsvRow:
    def cell(index: int | None) -> str:
        return cells[index] if index is not None and index < len(cells) else ""

    label = cell(label_index).strip()
    if any(extra.strip() for extra in cells[len(header) :]):
        # Extra cells mean an unquoted delimiter split an essay; reading only the first part
        # would silently drop the rest of it.
        columns = f"{len(header):,} column{'' if len(header) == 1 else 's'}"
        return CsvRow(
            number,
            label,
            "",
            f"the row has {len(cells):,} cells but the header has {columns} "
            "(an essay containing the delimiter must be in quotes)",
        )
    return CsvRow(number, label, cell(text_index).strip(),
                  cells={name: cell(index).strip() for name, index in kept.items()})
