"""Upload ingestion: every uploaded file, zip member and csv row becomes an essay or a problem.

The fixture files are built here (python-docx, a hand-written PDF, zipfile): no network, no spaCy.
"""

from __future__ import annotations

import io
import struct
import zipfile

import docx
import pytest
from pypdf import PdfWriter

from grader.ingest import (
    ExtractedEssay,
    FileProblem,
    IngestLimits,
    IngestReport,
    ingest_text,
    ingest_upload,
)
from grader.ingest.limits import human_size
from grader.ingest.report import text_fingerprint
from grader.ingest.upload import upload_filename
from models.errors import EssayInputError
from tests.documents import csv_bytes, make_docx, make_pdf, make_zip, rewrite_pdf

SENTENCES = [
    "Stalin launched the first Five-Year Plan in 1928 to turn the Soviet Union into an "
    "industrial power within a decade.",
    "Gosplan set targets for coal, steel and electricity that rose every time a factory met them.",
    "New cities such as Magnitogorsk were built from nothing on the open steppe by peasants "
    "and prisoners.",
    "Collectivisation forced millions of peasants onto state farms and destroyed the kulaks "
    "as a class.",
    "The famine of 1932 and 1933 killed millions in Ukraine and Kazakhstan while grain was "
    "still exported.",
    "Propaganda celebrated heroes of labour like Alexei Stakhanov, who mined a record tonnage "
    "of coal in one shift.",
    "Historians still argue whether the plans were a necessary preparation for war or a "
    "catastrophic waste of lives.",
    "Output of heavy industry rose sharply, but consumer goods and housing remained scarce "
    "for ordinary workers.",
    "The second Five-Year Plan corrected some excesses and invested in railways and the "
    "Moscow metro.",
    "By 1940 the Soviet Union produced more tractors and tanks than any country in Europe.",
    "Wreckers and saboteurs were blamed in show trials whenever a target was missed.",
    "The third Five-Year Plan was cut short by the German invasion in June 1941.",
]


def essay(n: int) -> str:
    """A distinct two-paragraph essay of about a hundred words (n from 0 to 11)."""
    rotated = SENTENCES[n:] + SENTENCES[:n]
    return " ".join(rotated[:4]) + "\n\n" + " ".join(rotated[4:8])


def squash(text: str) -> str:
    return " ".join(text.split())


def accounted(report: IngestReport) -> int:
    return len(report.essays) + len(report.problems)


def by_name(report: IngestReport) -> dict[str, ExtractedEssay]:
    return {e.name: e for e in report.essays}


def problems(report: IngestReport) -> dict[str, str]:
    return {p.name: p.message for p in report.problems}


# --- single documents ------------------------------------------------------------------------


def test_txt_docx_and_pdf_become_essays_named_and_labelled_by_file():
    upload = [
        ("alice.txt", essay(0).encode()),
        ("bob.docx", make_docx(essay(1).split("\n\n"))),
        ("carol.pdf", make_pdf([essay(2)])),
    ]
    report = ingest_upload(upload)

    assert report.problems == []
    assert [(e.name, e.label) for e in report.essays] == [
        ("alice.txt", "alice"),
        ("bob.docx", "bob"),
        ("carol.pdf", "carol"),
    ]
    alice, bob, carol = report.essays
    assert alice.text == essay(0)
    assert bob.text == essay(1)
    assert squash(carol.text) == squash(essay(2))
    assert all(e.duplicate_of is None for e in report.essays)
    assert alice.sha256 == text_fingerprint(essay(0))


def test_docx_paragraphs_are_separated_by_blank_lines_and_table_cells_are_included():
    paragraphs = [SENTENCES[0], SENTENCES[1], SENTENCES[2] + " " + SENTENCES[3]]
    table = [["Plan", "Years"], ["First", "1928 to 1932"]]
    report = ingest_upload([("plans.docx", make_docx(paragraphs, table))])

    assert report.problems == []
    assert report.essays[0].text == "\n\n".join([*paragraphs, "Plan", "Years", "First",
                                                 "1928 to 1932"])


def test_docx_merged_cells_are_read_once():
    document = docx.Document()
    document.add_paragraph(essay(3))
    grid = document.add_table(rows=1, cols=3)
    merged = grid.cell(0, 0).merge(grid.cell(0, 2))
    merged.text = "A merged heading about the Five-Year Plans"
    buffer = io.BytesIO()
    document.save(buffer)

    report = ingest_upload([("merged.docx", buffer.getvalue())])

    assert report.essays[0].text == essay(3) + "\n\nA merged heading about the Five-Year Plans"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"this is not a zip at all", "random bytes"),
        (make_zip({"hello.txt": b"hello"}), "a zip without Word parts"),
        (make_zip({"word/document.xml": b"<not-closed"}), "a broken package"),
    ],
)
def test_a_damaged_docx_is_a_clear_problem(data, why):
    report = ingest_upload([("broken.docx", data)])

    assert report.essays == [], why
    assert problems(report) == {
        "broken.docx": "the file could not be read as a Word .docx document "
        "(it may be damaged, or another kind of file renamed to .docx)"
    }


def test_a_docx_that_unpacks_past_the_total_limit_is_refused_before_parsing():
    data = make_docx([essay(0)])
    report = ingest_upload([("huge.docx", data)], IngestLimits(max_total_bytes=len(data)))

    assert report.essays == []
    message = problems(report)["huge.docx"]
    assert message.startswith("the document unpacks to ")
    assert message.endswith(f"; the limit is {human_size(len(data))}")


def test_pdf_pages_are_joined_by_blank_lines():
    report = ingest_upload([("two-pages.pdf", make_pdf([essay(4), essay(5)]))])

    assert report.problems == []
    first, second = report.essays[0].text.split("\n\n")
    assert squash(first) == squash(essay(4))
    assert squash(second) == squash(essay(5))


def test_a_password_protected_pdf_is_refused():
    data = rewrite_pdf(make_pdf([essay(0)]), user_password="pw")
    report = ingest_upload([("secret.pdf", data)])

    assert report.essays == []
    assert problems(report) == {
        "secret.pdf": "the PDF is encrypted; upload a copy without a password"
    }


def test_a_pdf_encrypted_only_with_an_owner_password_opens_with_the_empty_password():
    data = rewrite_pdf(make_pdf([essay(6)]), user_password="", owner_password="owner")
    report = ingest_upload([("restricted.pdf", data)])

    assert report.problems == []
    assert squash(report.essays[0].text) == squash(essay(6))


def test_a_pdf_without_text_is_reported_as_a_scan():
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    buffer = io.BytesIO()
    writer.write(buffer)
    report = ingest_upload([("scan.pdf", buffer.getvalue())])

    assert report.essays == []
    assert problems(report) == {
        "scan.pdf": "the PDF has no text layer (it may be a scanned image); upload the text instead"
    }


@pytest.mark.parametrize(
    "data", [b"%PDF-1.4\nnothing else", b"not a pdf", make_pdf([essay(0)])[:300], b""]
)
def test_a_damaged_pdf_is_a_clear_problem(data):
    report = ingest_upload([("damaged.pdf", data)])

    assert report.essays == []
    assert problems(report) == {
        "damaged.pdf": "the file could not be read as a PDF (it may be damaged)"
    }


def test_windows_1252_and_utf16_text_files_are_decoded():
    text = "Stalin’s “revolution from above” — " + essay(7)
    report = ingest_upload([
        ("legacy.txt", text.encode("cp1252")),
        ("wide.TXT", text.encode("utf-16")),
        ("notes.md", essay(8).encode()),
    ])

    assert report.problems == []
    assert [e.text for e in report.essays] == [text, text, essay(8)]
    assert report.essays[1].duplicate_of == "legacy.txt"


def test_binary_junk_named_txt_is_a_problem_without_the_name_repeated():
    report = ingest_upload([("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")])

    assert report.essays == []
    assert problems(report) == {
        "photo.txt": "this is binary data, not text (it contains NUL bytes)"
    }
    assert str(report.problems[0]) == (
        "photo.txt: this is binary data, not text (it contains NUL bytes)"
    )


def test_text_that_cannot_be_graded_is_a_problem_with_the_reason():
    long_text = "We won. " * 10_001
    report = ingest_upload([
        ("blank.txt", b"   \r\n\t\n"),
        ("numbers.txt", b"1928 1932 1937 !!! ???"),
        ("long.txt", long_text.encode()),
    ])

    assert report.essays == []
    assert problems(report) == {
        "blank.txt": "the essay is empty",
        "numbers.txt": "the essay has no words",
        "long.txt": "the essay has 20,002 words; the limit is 20,000",
    }


# --- file types, names and sizes -------------------------------------------------------------


def test_unsupported_types_are_named_with_what_to_upload_instead():
    report = ingest_upload([
        ("old.doc", b"\xd0\xcf\x11\xe0 old word"),
        ("setup.EXE", b"MZ\x90\x00"),
        ("README", essay(0).encode()),
        ("class.rar", b"Rar!\x1a\x07\x00"),
    ])

    assert report.essays == []
    assert problems(report) == {
        "old.doc": "old Word .doc files are not supported; save it as .docx",
        "setup.EXE": "unsupported file type '.exe'; upload .txt, .docx, .pdf, .csv or .zip",
        "README": "the file has no extension; upload .txt, .docx, .pdf, .csv or .zip",
        "class.rar": "unsupported file type '.rar'; upload .txt, .docx, .pdf, .csv or .zip",
    }


def test_extensions_are_matched_case_insensitively():
    upload = [("ALICE.DOCX", make_docx([essay(0)])), ("BOB.Pdf", make_pdf([essay(1)]))]
    report = ingest_upload(upload)

    assert report.problems == []
    assert [(e.name, e.label) for e in report.essays] == [
        ("ALICE.DOCX", "ALICE"),
        ("BOB.Pdf", "BOB"),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("C:\\Users\\teacher\\alice.txt", "alice.txt"),
        ("../../etc/alice.txt", "alice.txt"),
        ("/abs/path/alice.txt", "alice.txt"),
        ("alice.txt", "alice.txt"),
        ("", "upload-3"),
        ("..", "upload-3"),
        ("dir/", "upload-3"),
        ("bad\x00name.txt", "badname.txt"),
    ],
)
def test_upload_filenames_lose_their_directories(raw, expected):
    assert upload_filename(raw, 3) == expected


def test_path_traversal_names_are_only_labels_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    archive = make_zip({"../../evil.txt": essay(1).encode(), "/abs/bob.txt": essay(2).encode()})
    report = ingest_upload([
        ("../../../etc/alice.txt", essay(0).encode()),
        ("..\\..\\class.zip", archive),
        ("", essay(3).encode()),
    ])

    assert [(e.name, e.label) for e in report.essays] == [
        ("alice.txt", "alice"),
        ("class.zip/evil.txt", "evil"),
        ("class.zip/abs/bob.txt", "bob"),
    ]
    assert problems(report) == {
        "upload-3": "the file has no extension; upload .txt, .docx, .pdf, .csv or .zip"
    }
    assert list(tmp_path.iterdir()) == []
    assert not (tmp_path.parent / "evil.txt").exists()


def test_files_with_the_same_name_get_distinct_names_but_keep_their_label():
    report = ingest_upload([
        ("essay.txt", essay(0).encode()),
        ("a/essay.txt", essay(1).encode()),
        ("essay (2).txt", essay(2).encode()),
    ])

    assert [(e.name, e.label) for e in report.essays] == [
        ("essay.txt", "essay"),
        ("essay (2).txt", "essay"),
        ("essay (2) (2).txt", "essay (2)"),
    ]


def test_an_oversize_file_is_refused_with_sizes_in_megabytes():
    big = (essay(0) + "\n\n").encode() * (6_200_000 // (len(essay(0)) + 2) + 1)
    big = big[:6_200_000]
    report = ingest_upload([("big.txt", big), ("ok.txt", essay(1).encode())])

    assert [e.name for e in report.essays] == ["ok.txt"]
    assert problems(report) == {"big.txt": "the file is 6.2 MB; the limit is 5 MB per file"}


def test_files_past_max_files_are_each_a_problem():
    upload = [(f"student{i}.txt", essay(i).encode()) for i in range(5)]
    report = ingest_upload(upload, IngestLimits(max_files=3))

    assert [e.name for e in report.essays] == ["student0.txt", "student1.txt", "student2.txt"]
    assert problems(report) == {
        "student3.txt": "not read: the limit is 3 essays and files per upload",
        "student4.txt": "not read: the limit is 3 essays and files per upload",
    }
    assert accounted(report) == len(upload)


def test_files_past_the_total_size_are_each_a_problem():
    size = len(essay(0).encode())
    upload = [(f"student{i}.txt", essay(i).encode()) for i in range(3)]
    report = ingest_upload(upload, IngestLimits(max_total_bytes=2 * size + 50))

    assert [e.name for e in report.essays] == ["student0.txt", "student1.txt"]
    assert problems(report) == {
        "student2.txt": f"not read: the limit is {human_size(2 * size + 50)} per upload, "
        "uncompressed"
    }


# --- duplicates ------------------------------------------------------------------------------


def test_the_same_essay_with_different_spacing_and_case_is_kept_and_flagged():
    text = essay(0)
    respaced = "  " + text.upper().replace(" ", "   ").replace("\n\n", "\r\n \r\n") + "\n"
    archive = make_zip({"late/alice-copy.txt": text.encode()})
    report = ingest_upload([
        ("alice.txt", text.encode()),
        ("bob.txt", essay(1).encode()),
        ("alice2.docx", make_docx(respaced.split("\r\n \r\n"))),
        ("class.zip", archive),
    ])

    assert report.problems == []
    assert [(e.name, e.duplicate_of) for e in report.essays] == [
        ("alice.txt", None),
        ("bob.txt", None),
        ("alice2.docx", "alice.txt"),
        ("class.zip/late/alice-copy.txt", "alice.txt"),
    ]
    assert report.essays[0].sha256 == report.essays[2].sha256 != report.essays[1].sha256


# --- csv -------------------------------------------------------------------------------------


def test_csv_columns_are_guessed_from_the_header():
    data = csv_bytes([
        ["ID", "Student Name", "Response", "Mark"],
        ["1", "Alice Smith", essay(0), "7"],
        ["2", "Bob Jones", essay(1), "5"],
    ])
    report = ingest_upload([("marks.csv", data)])

    assert report.problems == []
    assert [(e.name, e.label, e.text) for e in report.essays] == [
        ("marks.csv row 2", "Alice Smith", essay(0)),
        ("marks.csv row 3", "Bob Jones", essay(1)),
    ]


def test_csv_text_column_falls_back_to_the_longest_cells_and_label_to_the_name():
    data = csv_bytes([
        ["ref", "mark", "writing"],
        ["A1", "7", essay(2)],
        ["A2", "5", essay(3)],
    ])
    report = ingest_upload([("class.csv", data)])

    assert report.problems == []
    assert [(e.label, e.text) for e in report.essays] == [
        ("class.csv row 2", essay(2)),
        ("class.csv row 3", essay(3)),
    ]


def test_csv_named_columns_are_matched_case_insensitively():
    data = csv_bytes([
        ["Pupil", "Essay", "Rewrite"],
        ["Alice", "first draft of something", essay(4)],
        ["", "another draft", essay(5)],
    ])
    report = ingest_upload([("drafts.csv", data)], text_column="rewrite", label_column="PUPIL")

    assert report.problems == []
    assert [(e.name, e.label, e.text) for e in report.essays] == [
        ("drafts.csv row 2", "Alice", essay(4)),
        ("drafts.csv row 3", "drafts.csv row 3", essay(5)),
    ]


@pytest.mark.parametrize("argument", ["text_column", "label_column"])
def test_a_named_column_that_does_not_exist_is_one_problem_listing_the_columns(argument):
    data = csv_bytes([["student", "essay"], ["Alice", essay(0)], ["Bob", essay(1)]])
    report = ingest_upload([("marks.csv", data)], **{argument: "answer_text"})

    assert report.essays == []
    assert problems(report) == {
        "marks.csv": "there is no column named 'answer_text'; the columns are: 'student', 'essay'"
    }


def test_csv_rows_with_an_empty_essay_are_problems_and_blank_rows_are_skipped():
    data = csv_bytes([
        ["student", "essay"],
        ["Alice", essay(0)],
        ["Bob", "   "],
        ["", ""],  # a wholly blank row holds nothing: skipped, like a spreadsheet's trailing rows
        ["Carol", essay(1)],
    ])
    report = ingest_upload([("marks.csv", data)])

    assert [(e.name, e.label) for e in report.essays] == [
        ("marks.csv row 2", "Alice"),
        ("marks.csv row 5", "Carol"),
    ]
    assert problems(report) == {"marks.csv row 3": "the essay is empty"}
    assert str(report.problems[0]) == "marks.csv row 3: the essay is empty"


def test_semicolon_csv_with_commas_and_quotes_inside_essays():
    quote = 'In 1928, Stalin said: "we must make good this distance in ten years", '
    with_commas = quote + essay(6)
    data = csv_bytes([["name", "text"], ["Alice", with_commas], ["Bob", essay(7)]], ";")
    report = ingest_upload([("europe.csv", data)])

    assert report.problems == []
    assert [(e.label, e.text) for e in report.essays] == [("Alice", with_commas), ("Bob", essay(7))]


def test_tab_separated_and_cp1252_csv():
    rows = [["student", "answer"], ["Zoë", "Stalin’s plan. " + essay(8)]]
    data = csv_bytes(rows, "\t").decode().encode("cp1252")
    report = ingest_upload([("class.tsv", data)])

    assert report.problems == []
    assert [(e.label, e.text) for e in report.essays] == [("Zoë", "Stalin’s plan. " + essay(8))]


def test_a_row_with_more_cells_than_the_header_is_a_problem_not_a_truncated_essay():
    one_line = squash(essay(0)).replace(",", "")
    data = f"essay\n{one_line}\nFirst, second, third words\n".encode()
    report = ingest_upload([("one-column.csv", data)])

    assert [e.name for e in report.essays] == ["one-column.csv row 2"]
    assert problems(report) == {
        "one-column.csv row 3": "the row has 3 cells but the header has 1 column "
        "(an essay containing the delimiter must be in quotes)"
    }


def test_csv_rows_past_the_row_limit_are_one_problem():
    rows = [["student", "essay"]] + [[f"S{i}", essay(i)] for i in range(6)]
    report = ingest_upload([("big.csv", csv_bytes(rows))], IngestLimits(max_csv_rows=2))

    assert [e.name for e in report.essays] == ["big.csv row 2", "big.csv row 3"]
    assert problems(report) == {"big.csv": "rows 4-7 not read: the limit is 2 essays per file"}


def test_csv_rows_past_the_upload_limit_are_one_problem():
    rows = [["student", "essay"]] + [[f"S{i}", essay(i)] for i in range(4)]
    upload = [("first.txt", essay(9).encode()), ("big.csv", csv_bytes(rows))]
    report = ingest_upload(upload, IngestLimits(max_files=3))

    assert [e.name for e in report.essays] == ["first.txt", "big.csv row 2", "big.csv row 3"]
    assert problems(report) == {
        "big.csv": "rows 4-5 not read: the limit is 3 essays and files per upload"
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty (a header row naming the columns is required)"),
        (b"\r\n,,\r\n", "the file is empty (a header row naming the columns is required)"),
        (b"student,essay\r\n,\r\n", "there are no essays under the header row"),
        (b"student,essay\x00\r\n", "this is binary data, not text (it contains NUL bytes)"),
    ],
)
def test_a_csv_without_essays_is_one_problem(data, message):
    report = ingest_upload([("empty.csv", data)])

    assert report.essays == []
    assert problems(report) == {"empty.csv": message}


def test_a_csv_larger_than_one_essay_limit_still_decodes():
    text = essay(0) * 9  # about 7 KB per cell, 200 rows: 1.4 MB, past decode_bytes's 1 MB cap
    rows = [["student", "essay"]] + [[f"S{i}", f"{i} {text}"] for i in range(200)]
    data = csv_bytes(rows)
    assert len(data) > 1_000_000
    report = ingest_upload([("year-group.csv", data)])

    assert report.problems == []
    assert len(report.essays) == 200
    assert report.essays[-1].text == f"199 {text}"


# --- zip -------------------------------------------------------------------------------------


def test_zip_members_become_essays_and_system_junk_is_skipped():
    archive = make_zip({
        "class/": b"",
        "class/alice.docx": make_docx([essay(0)]),
        "class/sub/bob.txt": essay(1).encode(),
        "class/carol.pdf": make_pdf([essay(2)]),
        "class/marks.csv": csv_bytes([["student", "essay"], ["Dan", essay(3)], ["Eve", ""]]),
        "class/notes.odt": b"PK odt",
        "__MACOSX/class/._alice.docx": b"\x00\x05\x16\x07",
        "class/.DS_Store": b"\x00\x00\x00\x01Bud1",
        "class/._bob.txt": b"\x00\x05\x16\x07",
        "class/~$ice.docx": b"lock",
        "class/Thumbs.db": b"\xd0\xcf",
    })
    report = ingest_upload([("class.zip", archive)])

    assert [(e.name, e.label) for e in report.essays] == [
        ("class.zip/class/alice.docx", "alice"),
        ("class.zip/class/sub/bob.txt", "bob"),
        ("class.zip/class/carol.pdf", "carol"),
        ("class.zip/class/marks.csv row 2", "Dan"),
    ]
    assert report.essays[0].text == essay(0)
    assert report.essays[1].text == essay(1)
    assert squash(report.essays[2].text) == squash(essay(2))
    assert report.essays[3].text == essay(3)
    assert problems(report) == {
        "class.zip/class/marks.csv row 3": "the essay is empty",
        "class.zip/class/notes.odt": "unsupported file type '.odt'; "
        "upload .txt, .docx, .pdf, .csv or .zip",
    }


def test_a_zip_bomb_member_is_refused_by_its_compression_ratio():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("alice.txt", essay(0))
        with archive.open("zeros.txt", "w") as member:
            chunk = bytes(1_000_000)
            for _ in range(50):
                member.write(chunk)
    report = ingest_upload([("bomb.zip", buffer.getvalue())])

    assert [e.name for e in report.essays] == ["bomb.zip/alice.txt"]
    message = problems(report)["bomb.zip/zeros.txt"]
    assert message.startswith("the file expands too much when unzipped (")
    assert "to 50 MB, over 100 times); it looks like a zip bomb" in message


def test_a_large_but_ordinary_member_is_refused_by_its_size():
    noise = bytes(range(256)) * (5_100_000 // 256 + 1)  # barely compressible
    archive = make_zip({"huge.txt": noise, "ok.txt": essay(0).encode()}, zipfile.ZIP_STORED)
    report = ingest_upload([("class.zip", archive)])

    assert [e.name for e in report.essays] == ["class.zip/ok.txt"]
    assert problems(report) == {
        "class.zip/huge.txt": "the file is 5.2 MB uncompressed; the limit is 5 MB per file"
    }


def test_a_member_whose_header_understates_its_size_is_not_inflated():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("liar.txt", essay(0) * 50)
        archive.infolist()[0].file_size = 10  # the central directory now lies
    report = ingest_upload([("liar.zip", buffer.getvalue())])

    assert report.essays == []
    message = problems(report)["liar.zip/liar.txt"]
    assert message.startswith("the file could not be unzipped; it is damaged (")


def test_nested_archives_are_refused():
    inner = make_zip({"alice.txt": essay(0).encode()})
    archive = make_zip({
        "inner.zip": inner,
        "more.7z": b"7z\xbc\xaf",
        "old.tar.gz": b"\x1f\x8b",
        "bob.txt": essay(1).encode(),
    })
    report = ingest_upload([("class.zip", archive)])

    assert [e.name for e in report.essays] == ["class.zip/bob.txt"]
    nested = "archives inside archives are not accepted; upload it separately"
    assert problems(report) == {
        "class.zip/inner.zip": nested,
        "class.zip/more.7z": nested,
        "class.zip/old.tar.gz": nested,
    }


def test_an_encrypted_member_is_a_problem():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("secret.txt", essay(0))
        archive.writestr("open.txt", essay(1))
        archive.infolist()[0].flag_bits |= 0x1  # the central directory's "encrypted" bit
    data = bytearray(buffer.getvalue())
    # ... and the local header's, so the zip is consistent: flags are at offset 6.
    (flags,) = struct.unpack_from("<H", data, 6)
    struct.pack_into("<H", data, 6, flags | 0x1)
    report = ingest_upload([("class.zip", bytes(data))])

    assert [e.name for e in report.essays] == ["class.zip/open.txt"]
    assert problems(report) == {
        "class.zip/secret.txt": "the file is password-protected; zip it again without a password"
    }


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04 not really", b"plain text", make_zip({"a.txt": b"x"})[:-30]]
)
def test_a_damaged_zip_is_one_problem(data):
    report = ingest_upload([("class.zip", data)])

    assert report.essays == []
    assert len(report.problems) == 1
    assert report.problems[0].name == "class.zip"
    assert report.problems[0].message.startswith(
        "the zip file is damaged and could not be opened ("
    )


def test_a_zip_of_only_folders_and_junk_is_a_problem():
    archive = make_zip({"class/": b"", "__MACOSX/._x.txt": b"\x00", ".DS_Store": b"\x00"})
    report = ingest_upload([("empty.zip", archive)])

    assert report.essays == []
    assert problems(report) == {
        "empty.zip": "the zip file has no files in it (only folders or system files)"
    }


def test_zip_members_past_max_files_are_one_problem_for_the_zip():
    members = {f"student{i}.txt": essay(i).encode() for i in range(9)}
    upload = [("first.txt", essay(10).encode()), ("class.zip", make_zip(members)),
              ("last.txt", essay(11).encode())]
    report = ingest_upload(upload, IngestLimits(max_files=3))

    assert [e.name for e in report.essays] == [
        "first.txt", "class.zip/student0.txt", "class.zip/student1.txt",
    ]
    assert problems(report) == {
        "class.zip": "7 files not read (student2.txt, student3.txt, student4.txt, student5.txt, "
        "student6.txt, …): the limit is 3 essays and files per upload",
        "last.txt": "not read: the limit is 3 essays and files per upload",
    }


def test_zip_members_past_the_total_size_are_one_problem_for_the_zip():
    members = {f"student{i}.txt": (essay(i) + "\n\n").encode() * 20 for i in range(4)}
    limit = sum(len(data) for data in list(members.values())[:2]) + 10
    assert len(make_zip(members)) < limit  # the zip is small; its contents are not
    report = ingest_upload([("class.zip", make_zip(members))], IngestLimits(max_total_bytes=limit))

    assert [e.name for e in report.essays] == ["class.zip/student0.txt", "class.zip/student1.txt"]
    assert problems(report) == {
        "class.zip": f"2 files not read (student2.txt, student3.txt): the limit is "
        f"{human_size(limit)} per upload, uncompressed"
    }


# --- report and pasted text ------------------------------------------------------------------


def test_every_uploaded_item_is_accounted_for():
    archive = make_zip({
        "a.txt": essay(0).encode(),
        "b.exe": b"MZ",
        "c.zip": b"PK",
        "__MACOSX/._a.txt": b"\x00",
    })
    upload = [
        ("class.zip", archive),  # 3 items (the junk member is not one)
        ("marks.csv", csv_bytes([["name", "essay"], ["X", essay(1)], ["Y", ""]])),  # 2 rows
        ("d.doc", b"\xd0\xcf"),
        ("e.pdf", b"junk"),
        ("f.txt", essay(0).encode()),
    ]
    report = ingest_upload(upload)

    assert accounted(report) == 3 + 2 + 3
    assert [e.name for e in report.essays] == ["class.zip/a.txt", "marks.csv row 2", "f.txt"]
    assert report.essays[-1].duplicate_of == "class.zip/a.txt"


def test_report_to_dict_is_json_ready():
    import json

    report = ingest_upload([("a.txt", essay(0).encode()), ("b.exe", b"MZ")])
    data = json.loads(json.dumps(report.to_dict()))

    assert data["essays"] == [{
        "name": "a.txt",
        "label": "a",
        "text": essay(0),
        "sha256": text_fingerprint(essay(0)),
        "duplicate_of": None,
    }]
    assert data["problems"] == [{
        "name": "b.exe",
        "message": "unsupported file type '.exe'; upload .txt, .docx, .pdf, .csv or .zip",
    }]


def test_ingest_text_validates_a_pasted_draft():
    pasted = "\r\n" + essay(0).replace("\n", "\r\n") + "  "
    extracted = ingest_text(pasted, " Alice ")

    assert extracted == ExtractedEssay(
        "pasted text", "Alice", essay(0), text_fingerprint(essay(0)), None
    )
    assert ingest_text(essay(1), "", name="draft 2").label == "draft 2"
    with pytest.raises(EssayInputError, match=r"^pasted text: the essay is empty$"):
        ingest_text("  \n ", "Alice")


def test_fingerprint_ignores_spacing_and_case_only():
    assert text_fingerprint("Stalin  planned\n\nthe ECONOMY ") == text_fingerprint(
        "stalin planned the economy"
    )
    assert text_fingerprint("Stalin planned") != text_fingerprint("Stalin planed")


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 bytes"), (1, "1 byte"), (999, "999 bytes"), (48_000, "48 KB"),
     (5_000_000, "5 MB"), (6_249_999, "6.2 MB"), (50_000_000, "50 MB")],
)
def test_human_size(size, text):
    assert human_size(size) == text


def test_human_size_rounds_a_size_over_a_limit_up():
    assert human_size(5_000_001, round_up=True) == "5.1 MB"


def test_file_problem_str():
    assert str(FileProblem("a.pdf", "why")) == "a.pdf: why"


def test_a_zip_declaring_far_more_entries_than_allowed_is_refused_before_it_is_parsed():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(2_100):
            archive.writestr(f"e{i}.txt", b"")
    report = ingest_upload([("many.zip", buffer.getvalue())], IngestLimits(max_files=500))
    assert report.essays == []
    assert [(p.name, p.message) for p in report.problems] == [
        ("many.zip", "the zip holds 2,100 entries; the limit is 500 essays and files per upload")]
