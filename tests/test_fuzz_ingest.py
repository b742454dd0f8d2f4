"""Ingestion on the inputs fuzzing found it mishandled."""

from __future__ import annotations

import io
import zipfile

from grader.ingest import ingest_upload
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
