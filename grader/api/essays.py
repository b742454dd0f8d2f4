"""Essays: submit one (a student's draft, as text or a file), read its status and result, and
let a teacher override its levels."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from grader import queries
from grader.api import schemas
from grader.api.common import (
    ACCEPTED_HEADERS,
    ID,
    IDEMPOTENCY_DOC,
    accepted,
    form_question,
    idempotency_key,
    question_of,
    read_upload,
    rubric_version,
    upload_limits,
)
from grader.api.present import essay_detail, essay_summary, student_view
from grader.auth import current_user, require_user
from grader.db import get_session
from grader.errors import ApiError
from grader.ingest import ingest_isolated
from grader.queueing import DRAFT_QUEUE
from grader.services.overrides import OverrideError, add_override
from grader.services.questions import QuestionSpec
from grader.services.submissions import (
    AlreadySubmitted,
    count_before_reading,
    dispatch,
    retry_failed,
    submit_text,
)
from grader.tables import Essay as EssayRow
from models.errors import EssayInputError

blp = Blueprint("essays", __name__, url_prefix="/api/v1/essays",
                description="One essay at a time: students' drafts, results and overrides.")

_DRAFT_BODY = {"content": {
    "application/json": {"schema": schemas.DraftIn},
    "multipart/form-data": {"schema": schemas.DraftFileIn},
}}


@dataclass(frozen=True)
class _Draft:
    text: str
    label: str
    rubric: str | None
    question: QuestionSpec | None


def _draft_from_request() -> _Draft:
    """The draft of a JSON body or of a multipart form with one file (or a 'text' field)."""
    limits = upload_limits()
    # One essay is at most one file's worth: refuse a bigger body before reading it.
    request.max_content_length = limits.max_file_bytes + 64 * 1024
    if request.is_json:
        try:
            body = schemas.DraftIn().load(request.get_json(silent=True) or {})
        except ValidationError as exc:
            raise ApiError(422, "the request body is not a valid draft",
                           fields=exc.messages) from exc
        return _Draft(body["text"], body["label"], body["rubric"],
                      question_of(body["question"], body["key_terms"], body["period"]))
    storage = request.files.get("file")
    if storage is None:
        if "text" in request.form:
            return _Draft(request.form["text"], request.form.get("label", ""),
                          request.form.get("rubric"), form_question())
        raise ApiError(400, "send JSON {\"text\": ...} or a multipart form with a 'file'")
    question = form_question()  # a bad question is refused before the file is read
    report = ingest_isolated([read_upload(storage, limits)], limits)
    if report.problems or len(report.essays) != 1:
        message = (report.problems[0].message if report.problems
                   else "a draft is one essay; upload several as a batch")
        raise ApiError(422, message)
    item = report.essays[0]
    return _Draft(item.text, request.form.get("label") or item.label,
                  request.form.get("rubric"), question)


@blp.route("", strict_slashes=False)
class Essays(MethodView):
    @blp.doc(requestBody=_DRAFT_BODY, parameters=[IDEMPOTENCY_DOC])
    @blp.response(202, schemas.EssayAccepted, headers=ACCEPTED_HEADERS)
    @blp.alt_response(422, schema=schemas.ErrorOut,
                      description="the essay cannot be graded (empty, too long, not text), "
                                  "the question, a key term or the period cannot be used, or "
                                  "the Idempotency-Key was used for another essay or question")
    @require_user()
    def post(self):
        """Submit one essay; it is graded in the background (poll its url)."""
        key = idempotency_key()
        session = get_session()
        count_before_reading(session, current_user(), key)
        draft = _draft_from_request()
        version = rubric_version(session, draft.rubric)
        try:
            essay = submit_text(session, current_user(), version, draft.text,
                                label=draft.label, idempotency_key=key,
                                question=draft.question, counted=True)
        except EssayInputError as exc:
            raise ApiError(422, str(exc)) from exc
        except AlreadySubmitted as done:
            return _accepted(done.earlier, {"Idempotent-Replayed": "true"})
        dispatch(session, [essay.id], 1, queue=DRAFT_QUEUE)
        return _accepted(essay)

    @require_user()
    @blp.arguments(schemas.ListArgs, location="query")
    @blp.response(200, schemas.EssaySummary(many=True))
    def get(self, args):
        """Your essays, newest first (an administrator sees everyone's)."""
        session = get_session()
        essays = list(session.scalars(queries.with_results(queries.essays_of(current_user()))
                                      .order_by(EssayRow.id.desc())
                                      .limit(args["limit"]).offset(args["offset"])))
        overrides = queries.latest_overrides(session, [e.id for e in essays])
        student = current_user().role == "student"
        return [student_view(essay_summary(e, overrides.get(e.id, {})), e) if student
                else essay_summary(e, overrides.get(e.id, {})) for e in essays]


def _visible_essay(essay_id: int) -> EssayRow:
    essay = queries.essay_for(get_session(), current_user(), essay_id)
    if essay is None:
        # The same answer for "not yours" and "no such essay": ids reveal nothing.
        raise ApiError(404, f"there is no essay {essay_id} among yours")
    return essay


def _accepted(essay: EssayRow,
              headers: dict[str, str] | None = None) -> tuple[dict, int, dict[str, str]]:
    return accepted("essay", essay_detail(essay, {}), essay.status, headers)


def _owned_before_body(view: Callable) -> Callable:
    """Refuse someone else's essay (404) before the body is validated, so a 422 about the
    fields never tells a stranger that an essay exists."""
    @functools.wraps(view)
    def checked(*args: Any, essay_id: int, **kwargs: Any) -> Any:
        _visible_essay(essay_id)
        return view(*args, essay_id=essay_id, **kwargs)
    return checked


@blp.route(f"/<{ID}:essay_id>")
class Essay(MethodView):
    @blp.response(200, schemas.EssayOut)
    @require_user()
    def get(self, essay_id: int):
        """An essay's status and, when done, its scores, feedback and flags."""
        essay = _visible_essay(essay_id)
        overrides = queries.latest_overrides(get_session(), [essay.id]).get(essay.id, {})
        return essay_detail(essay, overrides, for_student=current_user().role == "student")


@blp.route(f"/<{ID}:essay_id>/overrides")
class Overrides(MethodView):
    @require_user("teacher", "admin")
    @_owned_before_body
    @blp.arguments(schemas.OverrideIn)
    @blp.response(201, schemas.EssayOut)
    def post(self, args, essay_id: int):
        """Replace the grader's level for one criterion (or 'overall') with a teacher's."""
        essay = _visible_essay(essay_id)
        session = get_session()
        try:
            add_override(session, essay, current_user(), args["criterion"], args["level"],
                         args["comment"])
        except OverrideError as exc:
            raise ApiError(422, str(exc)) from exc
        overrides = queries.latest_overrides(session, [essay.id]).get(essay.id, {})
        current_app.logger.info("essay %s: %s set %s to %s", essay.id, current_user().email,
                                args["criterion"], args["level"])
        return essay_detail(essay, overrides)


@blp.route(f"/<{ID}:essay_id>/retry", endpoint="retry", methods=["POST"])
@blp.response(202, schemas.EssayAccepted)
@blp.alt_response(409, schema=schemas.ErrorOut,
                  description="the essay has not failed: only a failed essay is retried")
@require_user()
def retry(essay_id: int) -> tuple[dict, int, dict[str, str]]:
    """Grade a failed essay again, with fresh attempts (a crash or time limit may have been
    passing). Anyone who can read the essay may retry it."""
    essay = _visible_essay(essay_id)
    session = get_session()
    if not retry_failed(session, current_user(), [essay.id],
                        current_app.config["GRADER_CHUNK_SIZE"]):
        raise ApiError(409, f"essay {essay.id} is {essay.status}, not failed: nothing to retry")
    session.refresh(essay)
    return _accepted(essay)
