"""Helpers shared by the API's views: picking the rubric, reading uploads, dispatching."""

from __future__ import annotations

import re

from flask import current_app, request
from sqlalchemy.orm import Session

from grader import queries
from grader.errors import ApiError
from grader.ingest import IngestLimits
from grader.services.questions import QuestionError, QuestionSpec, build_question
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


IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_DOC = {
    "in": "header", "name": IDEMPOTENCY_HEADER, "required": False,
    "schema": {"type": "string", "maxLength": 100, "pattern": "^[\\x21-\\x7e]+$"},
    "description": "Any unique string (e.g. a UUID) naming this submission. Sending the same "
                   "key again (say, after a connection was cut) answers with the submission "
                   "already made, marked 'Idempotent-Replayed: true', instead of a second one.",
}
ACCEPTED_HEADERS = {
    "Location": {"description": "where to poll the submission", "schema": {"type": "string"}},
    "Idempotent-Replayed": {
        "description": "'true' when an Idempotency-Key was sent before: the body is the "
                       "submission already made, and nothing new was stored",
        "schema": {"type": "string", "enum": ["true"]}},
}
def accepted(kind: str, body: dict, status: str, headers: dict[str, str] | None = None,
             **extra: object) -> tuple[dict, int, dict[str, str]]:
    """A 202 for an essay or batch queued to be graded: its url, status and detail under
    ``kind``, with Location (and any other headers)."""
    return {"url": body["url"], "status": status, kind: body, **extra}, 202, {
        "Location": body["url"], **(headers or {})}


_KEY = re.compile(r"[\x21-\x7e]{1,100}")


def submission_key(value: str | None) -> str | None:
    """A form's hidden submission key if well formed (a page may be stale or tampered with:
    then the submission simply has no key)."""
    return value if value and _KEY.fullmatch(value) else None


def idempotency_key() -> str | None:
    """The request's Idempotency-Key, or None; 400 for one that is not 1-100 visible ASCII."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise ApiError(400, f"{IDEMPOTENCY_HEADER} must be 1 to 100 visible ASCII characters")
    return key


def question_of(text: str | None, key_terms: str | list[str] | None,
                period: str | None) -> QuestionSpec | None:
    """The question a request sent (None: none); 422 with the reason for one that cannot be
    used (an empty question with key terms, a period that is not one, a term too long...)."""
    try:
        return build_question(text, key_terms, period)
    except QuestionError as exc:
        raise ApiError(422, f"question: {exc}") from exc


def form_question() -> QuestionSpec | None:
    """The question of a multipart form: 'question', 'key_terms' (repeated, or one field with
    commas between terms) and 'period'."""
    terms = request.form.getlist("key_terms")
    return question_of(request.form.get("question"), ", ".join(terms) if terms else None,
                       request.form.get("period"))


def upload_limits() -> IngestLimits:
    config = current_app.config
    return IngestLimits(max_files=config["GRADER_UPLOAD_MAX_FILES"],
                        max_file_bytes=int(config["GRADER_UPLOAD_MAX_FILE_MB"] * 1_000_000),
                        max_total_bytes=int(config["GRADER_UPLOAD_MAX_TOTAL_MB"] * 1_000_000),
                        max_upload_seconds=config["GRADER_UPLOAD_SECONDS"],
                        max_reader_memory_bytes=int(config["GRADER_UPLOAD_MEMORY_MB"] * 1_000_000))


def read_upload(storage, limits: IngestLimits) -> tuple[str, bytes]:
    """An uploaded file's name and bytes, at most one byte past what any file may be (a zip may
    be as large as the upload's total); the ingester names the file if it is over its limit."""
    return storage.filename or "", storage.stream.read(limits.max_total_bytes + 1)
