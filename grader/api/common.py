"""Helpers shared by the API's views: picking the rubric, reading uploads, dispatching."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from grader import queries
from grader.errors import ApiError
from grader.ingest import IngestLimits
from grader.tables import RubricVersion

# Ids are INTEGER columns, 32 bits on PostgreSQL: a larger id is simply not found (not a 500 from
# the database refusing to compare it).
ID = "int(max=2147483647)"


def rubric_version(session: Session, slug: str | None) -> RubricVersion:
    """The active version of the named rubric (default: the configured default rubric)."""
    slug = (slug or "").strip() or current_app.config["GRADER_DEFAULT_RUBRIC"]
    rubric = queries.rubric_by_slug(session, slug)
    if rubric is None or rubric.active_version is None:
        known = [r.slug for r in queries.all_rubrics(session) if r.active_version_id]
        if not known:
            raise ApiError(503, "no rubric has been imported yet; an administrator must run "
                                "'grader rubric import rubrics/*.yaml'")
        raise ApiError(422, f"there is no rubric '{slug}'", known_rubrics=known)
    return rubric.active_version


def upload_limits() -> IngestLimits:
    config = current_app.config
    return IngestLimits(max_files=config["GRADER_UPLOAD_MAX_FILES"],
                        max_file_bytes=int(config["GRADER_UPLOAD_MAX_FILE_MB"] * 1_000_000),
                        max_total_bytes=int(config["GRADER_UPLOAD_MAX_TOTAL_MB"] * 1_000_000))


def read_upload(storage, limits: IngestLimits) -> tuple[str, bytes]:
    """An uploaded file's name and bytes, at most one byte past what any file may be (a zip may
    be as large as the upload's total); the ingester names the file if it is over its limit."""
    return storage.filename or "", storage.stream.read(limits.max_total_bytes + 1)
