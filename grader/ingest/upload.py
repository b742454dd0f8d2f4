"""The entry point: an upload's files in, an IngestReport out."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import PurePosixPath

from models.errors import EssayInputError
from models.text import prepare_text

from .archive import read_zip
from .deadline import TooSlow, time_bound
from .documents import extract_docx, extract_pdf, extract_txt
from .limits import Budget, IngestLimits, human_size
from .report import (
    ExtractedEssay,
    FileProblem,
    IngestError,
    IngestReport,
    printable,
    text_fingerprint,
    without_source,
)
from .tabular import read_csv

SUPPORTED = ".txt, .docx, .pdf, .csv or .zip"
_TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
_TABLE_SUFFIXES = frozenset({".csv", ".tsv"})


def ingest_upload(
    files: Iterable[tuple[str, bytes]],
    limits: IngestLimits | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
) -> IngestReport:
    """Turn uploaded ``(filename, bytes)`` pairs into essays and named problems.

    Every file, zip member and csv row ends up as an essay or a problem, in upload order; only
    directories, operating-system junk in zips and wholly blank csv rows are skipped.
    ``text_column``/``label_column`` name the csv columns to use (case-insensitively); by default
    they are guessed from the header.
    """
    upload = _Upload(limits or IngestLimits(), text_column, label_column)
    names: set[str] = set()
    for index, (raw_name, data) in enumerate(files, start=1):
        name = upload_filename(raw_name, index)
        upload.add_file(_unique(name, names), PurePosixPath(name).stem, data)
    return upload.report


def failed_upload(files: Iterable[tuple[str, bytes]], message: str) -> IngestReport:
    """The report of an upload none of whose files could be read: each named as ingest_upload
    names it, with ``message``."""
    report, names = IngestReport(), set()
    for index, (raw_name, _data) in enumerate(files, start=1):
        name = _unique(upload_filename(raw_name, index), names)
        report.problems.append(FileProblem(name, message))
    return report


def ingest_text(text: str, label: str, name: str = "pasted text") -> ExtractedEssay:
    """One pasted essay, validated like an uploaded one.

    Raises EssayInputError (its message starting "<name>: ") when the text cannot be graded.
    """
    prepared = prepare_text(text.strip(), name)
    return ExtractedEssay(
        name, label.strip() or name, prepared.text, text_fingerprint(prepared.text)
    )


def upload_filename(raw_name: str, index: int) -> str:
    """The file's own name without any directory a browser or client sent along.

    "C:\\x\\a.txt" and "../../a.txt" both become "a.txt"; a name with nothing left becomes
    "upload-<index>" (index counting from 1).
    """
    base = printable(raw_name.replace("\\", "/").rsplit("/", 1)[-1])
    return base if base not in ("", ".", "..") else f"upload-{index}"


def unsupported_message(suffix: str) -> str:
    """Why a file with this extension is refused, and what to upload instead."""
    if suffix == ".doc":
        return "old Word .doc files are not supported; save it as .docx"
    if not suffix:
        return f"the file has no extension; upload {SUPPORTED}"
    return f"unsupported file type '{suffix}'; upload {SUPPORTED}"


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or "essay (2).docx" when an earlier file had it: names identify essays."""
    candidate, number = name, 1
    path = PurePosixPath(name)
    while candidate in taken:
        number += 1
        candidate = f"{path.stem} ({number}){path.suffix}"
    taken.add(candidate)
    return candidate


class _Upload:
    """The report of one upload as it is built, and the budget its limits are checked against."""

    def __init__(
        self, limits: IngestLimits, text_column: str | None, label_column: str | None
    ) -> None:
        self.limits = limits
        self.text_column = text_column
        self.label_column = label_column
        self.budget = Budget(limits)
        self.report = IngestReport()
        self._first_name_by_hash: dict[str, str] = {}
        self._deadline = time.monotonic() + limits.max_upload_seconds

    def add_file(self, name: str, label: str, data: bytes) -> None:
        if self.budget.entries_left == 0:
            self._problem(name, f"not read: {self._files_limit()}")
            return
        if self._seconds_left() <= 0:
            self._problem(name, self._out_of_time())
            return
        suffix = PurePosixPath(name).suffix.casefold()
        if suffix == ".zip":
            # The members are what is checked against the per-file and total limits; the zip
            # itself is only bounded by the total.
            limit = self.limits.max_total_bytes
            if len(data) > limit:
                self._problem(name, self._too_large(len(data), limit, "per upload"))
            else:
                self._add_zip(name, data)
            return
        if len(data) > self.limits.max_file_bytes:
            self._problem(name, self._too_large(len(data), self.limits.max_file_bytes, "per file"))
            return
        if len(data) > self.budget.bytes_left:
            limit = human_size(self.limits.max_total_bytes)
            self._problem(name, f"not read: the limit is {limit} per upload, uncompressed")
            return
        self.budget.bytes_used += len(data)
        self._add_document(name, label, data, suffix)

    def _add_zip(self, name: str, data: bytes) -> None:
        before = self.budget.entries
        for item in read_zip(data, name, self.limits, self.budget):
            if isinstance(item, FileProblem):
                self._record(item)
            else:
                suffix = PurePosixPath(item.name).suffix.casefold()
                self._add_document(item.name, item.label, item.data, suffix)
        if self.budget.entries == before:
            self._problem(name, "the zip file has no files in it (only folders or system files)")

    def _add_document(self, name: str, label: str, data: bytes, suffix: str) -> None:
        if suffix in _TABLE_SUFFIXES:
            self._add_table(name, data, suffix)
            return
        extract: Callable[[bytes, str], str]
        if suffix in _TEXT_SUFFIXES:
            extract = extract_txt
        elif suffix == ".docx":
            extract = partial(extract_docx, limits=self.limits)
        elif suffix == ".pdf":
            extract = partial(extract_pdf, limits=self.limits)
        else:
            self._problem(name, unsupported_message(suffix))
            return
        seconds = min(self.limits.max_document_seconds, self._seconds_left())
        try:
            with time_bound(seconds):
                text = extract(data, name)
        except IngestError as exc:
            self._problem(name, str(exc))
            return
        except TooSlow:
            self._problem(name, self._out_of_time() if seconds < self.limits.max_document_seconds
                          else f"reading the file took longer than {seconds:g} s; it may be "
                               "damaged: upload its text as .txt or .docx instead")
            return
        except MemoryError:
            self._problem(name, "reading the file needed more memory than one document may use; "
                                "upload its text as .txt or .docx instead")
            return
        self._add_text(name, label, text)

    def _add_table(self, name: str, data: bytes, suffix: str) -> None:
        per_file = self.limits.max_csv_rows
        entries_left = self.budget.entries_left
        try:
            table = read_csv(
                data,
                name,
                max_rows=min(per_file, entries_left),
                text_column=self.text_column,
                label_column=self.label_column,
                default_delimiter="\t" if suffix == ".tsv" else ",",
            )
        except IngestError as exc:
            self._problem(name, str(exc))
            return
        if not table.rows and table.unread is None:
            self._problem(name, "there are no essays under the header row")
        for row in table.rows:
            row_name = f"{name} row {row.number}"
            if row.error:
                self._problem(row_name, row.error)
            else:
                self._add_text(row_name, row.label, row.text)
        if table.unread:
            first, last = table.unread
            rows = f"row {first}" if first == last else f"rows {first}-{last}"
            reason = (
                f"the limit is {per_file} essays per file"
                if per_file <= entries_left
                else self._files_limit()
            )
            self._problem(name, f"{rows} not read: {reason}")

    def _add_text(self, name: str, label: str, text: str) -> None:
        try:
            prepared = prepare_text(text.strip(), name)
        except EssayInputError as exc:
            self._problem(name, without_source(exc, name))
            return
        sha256 = text_fingerprint(prepared.text)
        duplicate_of = self._first_name_by_hash.get(sha256)
        if duplicate_of is None:
            self._first_name_by_hash[sha256] = name
        self.report.essays.append(
            ExtractedEssay(name, label or name, prepared.text, sha256, duplicate_of)
        )
        self.budget.entries += 1

    def _problem(self, name: str, message: str) -> None:
        self._record(FileProblem(name, message))

    def _record(self, problem: FileProblem) -> None:
        self.report.problems.append(problem)
        self.budget.entries += 1

    def _seconds_left(self) -> float:
        return self._deadline - time.monotonic()

    def _out_of_time(self) -> str:
        return (f"not read: reading the upload took longer than "
                f"{self.limits.max_upload_seconds:g} s; upload this file again on its own")

    def _files_limit(self) -> str:
        return f"the limit is {self.limits.max_files} essays and files per upload"

    @staticmethod
    def _too_large(size: int, limit: int, per: str) -> str:
        return (
            f"the file is {human_size(size, round_up=True)}; "
            f"the limit is {human_size(limit)} {per}"
        )
