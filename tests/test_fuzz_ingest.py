"""Property tests (Hypothesis) of ingestion: whatever bytes arrive under whatever name, each file
becomes essays or named problems, never an exception; the extractors and the csv reader raise
nothing but IngestError; a pasted draft is an essay or an EssayInputError.

Invariants checked on every report: every file is accounted for; essay text is non-empty str
without NUL; every name shown to a teacher is printable and carries no directory of the
uploader's and no '..' or absolute path out of a zip; nothing is written to disk.

Generation is derandomized (the same inputs every run) and takes a few seconds in all;
``GRADER_FUZZ_INGEST_EXAMPLES=3000`` digs deeper locally (under a minute).
"""

from __future__ import annotations

import csv
import io
import os
import sys
import warnings
import zipfile
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.ingest import ExtractedEssay, IngestLimits, IngestReport, ingest_text, ingest_upload
from grader.ingest.documents import extract_docx, extract_pdf, extract_txt
from grader.ingest.report import IngestError
from grader.ingest.tabular import read_csv
from grader.ingest.upload import _unique, upload_filename
from grader.services.calibrations import CalibrationRequestError, score_columns
from models.errors import EssayInputError
from tests.documents import csv_bytes, make_docx, make_pdf, make_zip
from tests.hostile import ESSAYISH

FUZZ = settings(max_examples=int(os.environ.get("GRADER_FUZZ_INGEST_EXAMPLES", "300")),
                deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
SMALL = IngestLimits(max_file_bytes=20_000, max_files=12, max_total_bytes=60_000,
                     max_csv_rows=6)
EXTENSIONS = (".txt", ".text", ".md", ".docx", ".pdf", ".csv", ".tsv", ".zip", ".doc", "",
              ".TXT", ".Docx", ".exe", ".txt.", ".zip.pdf")
SHORT_ESSAY = ESSAYISH[:400]

# --- nothing written: an audit hook sees every open() and os.open() in the process ----------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_writes: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _writes is not None and event == "open":
        path, mode, flags = args
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                (isinstance(flags, int) and flags & _WRITE_FLAGS):
            _writes.append(str(path))


sys.addaudithook(_audit)  # for the whole process, but it does nothing outside no_writes()


@contextmanager
def no_writes():
    global _writes
    _writes = []
    try:
        yield
    finally:
        written, _writes = _writes, None
        assert written == [], f"ingestion opened files for writing: {written}"


# --- inputs ---------------------------------------------------------------------------------

def _valid_documents() -> list[bytes]:
    return [
        SHORT_ESSAY.encode(), SHORT_ESSAY.encode("utf-16"), SHORT_ESSAY.encode("cp1252"),
        make_docx([SHORT_ESSAY, "A second paragraph about Magnitogorsk."],
                  table=[["a", "b"], ["c", SHORT_ESSAY[:80]]]),
        make_pdf([SHORT_ESSAY, "Page two."]),
        csv_bytes([["student", "essay"], ["Ann", SHORT_ESSAY], ["Ben", SHORT_ESSAY[::-1]]]),
        make_zip({"a.txt": SHORT_ESSAY.encode(), "b/c.docx": make_docx([SHORT_ESSAY])}),
    ]


VALID = _valid_documents()


@st.composite
def mutated(draw, seeds: list[bytes] = VALID) -> bytes:
    """A valid document with a few bytes overwritten, inserted or cut off: damaged the way a
    real upload is, so the parsers get past their first checks."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["set", "insert", "delete"]))
        chunk = draw(st.binary(min_size=1, max_size=8))
        if action == "set":
            data[at:at + len(chunk)] = chunk
        elif action == "insert":
            data[at:at] = chunk
        else:
            del data[at:at + len(chunk)]
    if draw(st.booleans()):
        data = data[:draw(st.integers(0, len(data)))]
    return bytes(data)


contents = st.one_of(st.binary(max_size=3000), mutated(), st.sampled_from(VALID))
# Names as a browser or a script may send them: directories, traversal, drive letters,
# control characters and bidirectional overrides.
name_text = st.text(st.characters(codec="utf-8"), max_size=20)
raw_names = st.one_of(
    name_text,
    st.builds(lambda prefix, stem: prefix + stem,
              st.sampled_from(["", "../", "../../", "/", "/etc/", "C:\\x\\", "..\\", "./", "a/b/",
                               "\u202e", "\x1b[31m", "\x00", " "]),
              name_text),
)
files = st.lists(st.tuples(raw_names, st.sampled_from(EXTENSIONS), contents),
                 min_size=1, max_size=5).map(
    lambda items: [(stem + ext, data) for stem, ext, data in items])
limits = st.sampled_from([IngestLimits(), SMALL])


# --- invariants -----------------------------------------------------------------------------

def shown_names_are_safe(name: str) -> None:
    """A name in a report: printable, the upload's own file name (no directory), then for a zip
    member a relative path with no '.' or '..' step, or ' row N' for a csv row."""
    assert name and name.isprintable(), repr(name)
    assert "\\" not in name, repr(name)
    first, _, member = name.partition("/")
    assert first.strip() and first not in (".", ".."), repr(name)
    if member:
        assert all(part not in ("", ".", "..") for part in member.split("/")), repr(name)


def check_report(report: IngestReport, uploaded: list[str]) -> None:
    assert isinstance(report, IngestReport)
    for essay in report.essays:
        assert isinstance(essay, ExtractedEssay)
        assert isinstance(essay.text, str) and essay.text.strip(), essay.name
        assert "\x00" not in essay.text
        assert isinstance(essay.label, str) and essay.label
        assert len(essay.sha256) == 64
        shown_names_are_safe(essay.name)
    for problem in report.problems:
        shown_names_are_safe(problem.name)
        assert problem.message.strip() and "Traceback" not in problem.message, problem
    names = [item.name for item in [*report.essays, *report.problems]]
    for name in uploaded:
        assert any(n == name or n.startswith((f"{name}/", f"{name} row ")) for n in names), (
            name, names)
    assert len(report.to_dict()["essays"]) == len(report.essays)


def uploaded_names(items: list[tuple[str, bytes]]) -> list[str]:
    """The names ingest_upload gives the files (directories dropped, repeats numbered)."""
    taken: set[str] = set()
    return [_unique(upload_filename(raw, index), taken)
            for index, (raw, _) in enumerate(items, start=1)]


# --- the properties -------------------------------------------------------------------------

@FUZZ
@given(items=files, limit=limits)
def test_any_bytes_under_any_name_become_essays_or_named_problems(items, limit):
    with no_writes():
        report = ingest_upload(items, limits=limit)
    check_report(report, uploaded_names(items))


@FUZZ
@given(data=contents, extract=st.sampled_from(["txt", "docx", "pdf"]))
def test_the_extractors_return_text_or_raise_ingest_error(data, extract):
    function = {"txt": extract_txt, "pdf": lambda d, n: extract_pdf(d, n, IngestLimits()),
                "docx": lambda d, n: extract_docx(d, n, IngestLimits())}[extract]
    try:
        text = function(data, f"upload.{extract}")
    except IngestError as exc:
        assert str(exc).strip() and "\n" not in str(exc)
    else:
        assert isinstance(text, str)


@FUZZ
@given(text=st.text(st.characters(codec="utf-8"), max_size=400),
       noise=st.lists(st.sampled_from(["\x00", "\x07", "\x1b[31m", "\u202e", "\u202c", "\u200b",
                                       "\ufeff", "\r", "\r\n", "\x0c", "\u2028"]), max_size=8),
       label=name_text)
def test_a_pasted_draft_is_an_essay_or_an_essay_input_error(text, noise, label):
    pasted = SHORT_ESSAY + "".join(noise) + text
    try:
        essay = ingest_text(pasted, label)
    except EssayInputError as exc:
        assert str(exc).startswith("pasted text: ")
    else:
        assert isinstance(essay.text, str) and "\x00" not in essay.text
        assert essay.label.strip()


member_names = st.one_of(
    name_text,
    st.sampled_from(["../../etc/passwd.txt", "/etc/shadow.txt", "..\\..\\win.ini.txt",
                     "C:\\Windows\\evil.txt", "a/../../b.txt", "./a.txt", "dir/", "//x.txt",
                     "__MACOSX/._a.txt", ".DS_Store", "\u202etxt.exe", "nested.zip", "a\tb.txt",
                     "a\nb.txt", "é/ü.txt"]),
    st.builds(lambda a, b: f"{a}/{b}", name_text, name_text),
).flatmap(lambda name: st.tuples(st.just(name), st.sampled_from(EXTENSIONS)))


@st.composite
def zips(draw) -> bytes:
    compression = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED,
                                        zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]))
    members = draw(st.lists(st.tuples(member_names, contents, st.integers(0, 9)), max_size=6))
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", compression) as archive:
        warnings.simplefilter("ignore", UserWarning)  # zipfile's "Duplicate name": wanted here
        for (name, ext), data, dice in members:
            info = zipfile.ZipInfo(name + ext if not name.endswith("/") else name)
            info.compress_type = compression
            if dice == 0:
                info.flag_bits |= 0x1  # claims encryption
            archive.writestr(info, data)
    return buffer.getvalue()


@FUZZ
@given(archive=st.one_of(zips(), zips().flatmap(lambda z: mutated([z]))), limit=limits)
def test_any_zip_becomes_essays_or_named_problems_and_nothing_is_written(archive, limit):
    with no_writes():
        report = ingest_upload([("class.zip", archive)], limits=limit)
    check_report(report, ["class.zip"])


cell_text = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60),
    st.sampled_from([SHORT_ESSAY, '"', '""', ",", ";", "\t", "|", "\n", "\r\n", "=SUM(1)",
                     "essay", "student", "text", "name", " "]),
)


@st.composite
def csv_files(draw) -> bytes:
    rows = draw(st.lists(st.lists(cell_text, max_size=5), max_size=8))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, quoting=quoting,
               lineterminator=draw(st.sampled_from(["\r\n", "\n", "\r"]))).writerows(rows)
    text = draw(st.sampled_from(["", "\ufeff"])) + buffer.getvalue()
    if draw(st.booleans()):  # a hand-made file: stray quotes, ragged rows, a cut-off end
        text = text.replace(draw(st.sampled_from(['"', delimiter, "\n"])),
                            draw(st.sampled_from(['', '"', '""', delimiter * 2])))
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "cp1252"]))
    return text.encode(encoding, errors="replace")


column = st.one_of(st.none(), st.sampled_from(["essay", "Essay", "student", "missing", ""]),
                   cell_text)


@FUZZ
@given(data=st.one_of(csv_files(), mutated([csv_bytes([["student", "essay"],
                                                         ["Ann", SHORT_ESSAY]])])),
       text_column=column, label_column=column,
       extension=st.sampled_from([".csv", ".tsv", ".CSV"]))
def test_any_csv_becomes_rows_or_one_clear_problem(data, text_column, label_column, extension):
    try:
        table = read_csv(data, "marks" + extension, max_rows=SMALL.max_csv_rows,
                         text_column=text_column, label_column=label_column,
                         keep_columns=[c for c in (text_column,) if c])
    except IngestError as exc:
        assert str(exc).strip()
    else:
        numbers = [row.number for row in table.rows]
        assert numbers == sorted(numbers) and all(n >= 2 for n in numbers)
        assert len(table.rows) <= SMALL.max_csv_rows
        for row in table.rows:
            assert isinstance(row.text, str) and isinstance(row.label, str)
            assert (row.error is None) or not row.text
    with no_writes():
        report = ingest_upload([("marks" + extension, data)], limits=SMALL,
                               text_column=text_column, label_column=label_column)
    check_report(report, ["marks" + extension])


@FUZZ
@given(specs=st.lists(st.one_of(cell_text, st.builds(lambda a, b: f"{a}={b}", cell_text,
                                                        cell_text)), max_size=4))
def test_score_columns_are_parsed_or_refused_with_the_reason(specs):
    try:
        scores = score_columns(specs)
    except CalibrationRequestError as exc:
        assert "COLUMN=CRITERION" in str(exc)
    else:
        assert all(criterion.strip() and column.strip() for criterion, column in scores.items())


@pytest.mark.parametrize("raw", ["../../escape.txt", "C:\\x\\a.txt", "\u202eevil.txt", "\x00"])
def test_upload_file_names_keep_no_directory_and_no_control_characters(raw):
    name = upload_filename(raw, 3)
    shown_names_are_safe(name)


# --- what fuzzing found, kept as plain regression tests -------------------------------------

def test_a_zip_member_whose_name_is_cut_to_nothing_is_skipped_not_a_crash():
    # zipfile cuts a member's name at a NUL; ZipInfo.is_dir() then raised IndexError on the
    # empty name, and the whole upload was a 500.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("\x00hidden.txt"), ESSAYISH)
        archive.writestr("good.txt", ESSAYISH)
    report = ingest_upload([("class.zip", buffer.getvalue())])
    assert [essay.name for essay in report.essays] == ["class.zip/good.txt"]
    assert report.problems == []


def test_zip_member_names_are_shown_without_control_or_bidirectional_characters():
    # An upload's file name lost them already; a zip member's kept them, so a report could
    # show "\u202etxt.exe" as "exe.txt" or carry terminal escapes.
    archive = make_zip({"\u202etxt.exe": b"MZ", "a\x1b[31m/b\tc.txt": ESSAYISH.encode(),
                        "\u200b/.\u200b./d.txt": ESSAYISH.encode()})
    report = ingest_upload([("class.zip", archive)])
    assert [essay.name for essay in report.essays] == ["class.zip/a[31m/bc.txt",
                                                       "class.zip/d.txt"]
    assert [essay.label for essay in report.essays] == ["bc", "d"]
    assert [problem.name for problem in report.problems] == ["class.zip/txt.exe"]
