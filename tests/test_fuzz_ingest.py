"""Ingestion on the inputs fuzzing found it mishandled."""

from __future__ import annotations

import io
import zipfile

from grader.ingest import ingest_upload
from tests.documents import make_zip
from tests.hostile import ESSAYISH


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
