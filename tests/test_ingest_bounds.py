"""Reading a document costs bounded time and memory: a file built to be expensive is refused
alone, with its reason, and the upload's other files are still read (issue 16: a 6 KB PDF held a
web thread for 34.7 s; a 130 KB .docx took 51.9 s and 683 MB).

The time bounds are checked through the isolated reader, as the web app reads uploads: its
child has a clean signal state, where the test process's (after browsers and workers) may not."""

from __future__ import annotations

import random
import time

from grader.ingest import IngestLimits, ingest_isolated, ingest_upload
from tests.documents import make_docx, make_pdf, make_zip
from tests.hostile import ESSAYISH, bloated_docx, shared_stream_pdf

SLOW_PDF = shared_stream_pdf(pages=40)  # text on every page: ~4 s to read to the text cap
GOOD = [("good.txt", ESSAYISH.encode()), ("good.docx", make_docx([ESSAYISH]))]


def _read(report) -> tuple[dict[str, str], list[str]]:
    return {p.name: p.message for p in report.problems}, [e.name for e in report.essays]


def test_a_pdf_whose_pages_share_one_huge_stream_is_refused_on_what_it_makes_the_reader_read():
    started = time.monotonic()
    problems, essays = _read(ingest_upload([("shared.pdf", shared_stream_pdf(
        operation=b"0 0 m 1 1 l S\n")), *GOOD]))
    assert time.monotonic() - started < 2
    assert problems == {"shared.pdf": "the PDF's pages hold more than 5 MB of page content to "
                                      "read; upload its text as .txt or .docx instead"}
    assert essays == ["good.txt", "good.docx"]


def test_a_pdf_with_more_text_than_an_essay_stops_being_read_at_the_cap():
    limits = IngestLimits(max_document_seconds=120)  # this test is about the text cap
    problems, _ = _read(ingest_upload([("long.pdf", SLOW_PDF)], limits))
    assert problems["long.pdf"] == ("the PDF holds more than 100,000 characters of text; "
                                    "that is the limit for one essay")


def test_pdf_pages_and_docx_xml_are_counted_before_parsing():
    problems, _ = _read(ingest_upload([("pages.pdf", make_pdf(["x"] * 101)),
                                       ("bloated.docx", bloated_docx())]))
    assert problems["pages.pdf"] == "the PDF has 101 pages; the limit is 100"
    assert problems["bloated.docx"].startswith("the document's text and layout unpack to "
                                               "45.9 MB; the limit is 5 MB")


def test_a_document_that_reads_too_slowly_is_stopped_and_the_next_one_is_read():
    limits = IngestLimits(max_pdf_content_bytes=10**9, max_document_seconds=1)
    started = time.monotonic()
    problems, essays = _read(ingest_isolated([("slow.pdf", SLOW_PDF), *GOOD], limits))
    assert time.monotonic() - started < 5
    assert problems == {"slow.pdf": "reading the file took longer than 1 s; it may be damaged: "
                                    "upload its text as .txt or .docx instead"}
    assert essays == ["good.txt", "good.docx"]


def test_files_not_reached_within_the_upload_time_are_named_as_not_read():
    limits = IngestLimits(max_pdf_content_bytes=10**9, max_document_seconds=1,
                          max_upload_seconds=1.5)
    problems, essays = _read(ingest_isolated(
        [("slow-1.pdf", SLOW_PDF), ("slow-2.pdf", SLOW_PDF), ("late.txt", b"x")], limits))
    assert problems["slow-1.pdf"].startswith("reading the file took longer than 1 s")
    out_of_time = ("not read: reading the upload took longer than 1.5 s; upload this file "
                   "again on its own")
    assert problems["slow-2.pdf"] == problems["late.txt"] == out_of_time
    assert essays == []


def test_the_isolated_reader_returns_what_the_reader_does():
    files = [*GOOD, ("broken.pdf", b"%PDF-1.4 no"), ("pages.pdf", make_pdf(["x"] * 101)),
             ("bloated.docx", bloated_docx())]
    assert ingest_isolated(files, IngestLimits()) == ingest_upload(files, IngestLimits())


def test_a_document_needing_more_memory_than_the_reader_has_fails_alone():
    """Only the child's address space is limited: MemoryError (or libxml2 giving up) names the
    file; the other files of the upload are still read."""
    limits = IngestLimits(max_docx_xml_bytes=10**9, max_reader_memory_bytes=120_000_000)
    problems, essays = _read(ingest_isolated([("bloated.docx", bloated_docx(30_000_000)),
                                              *GOOD], limits))
    assert list(problems) == ["bloated.docx"] and problems["bloated.docx"]
    assert essays == ["good.txt", "good.docx"]


def test_a_reader_that_dies_names_every_file_as_not_read():
    limits = IngestLimits(max_reader_memory_bytes=1)  # no room to inflate a 4.8 MB zip member
    member = random.Random(1).randbytes(4_800_000)
    report = ingest_isolated([("a.txt", b"one"), ("a.txt", b"two"),
                              ("b.zip", make_zip({"big.pdf": member})), ("", b"x")], limits)
    assert report.essays == []
    assert [p.name for p in report.problems] == ["a.txt", "a (2).txt", "b.zip", "upload-4"]
    assert all(p.message.startswith("not read: the reader stopped") for p in report.problems)
