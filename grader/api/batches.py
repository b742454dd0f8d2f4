"""Batches: a teacher's bulk upload of a class's essays, its progress and its results as CSV."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from grader import queries
from grader.api import schemas
from grader.api.common import (
    ACCEPTED_HEADERS,
    ID,
    IDEMPOTENCY_DOC,
    accepted,
    form_question,
    idempotency_key,
    read_upload,
    rubric_version,
    upload_limits,
)
from grader.api.present import batch_detail
from grader.auth import current_user, require_user
from grader.db import get_session
from grader.errors import ApiError
from grader.export import batch_results_response
from grader.services.submissions import (
    AlreadySubmitted,
    dispatch,
    retry_batch,
    submit_upload,
)
from grader.tables import Batch as BatchRow
from grader.tables import Essay

blp = Blueprint("batches", __name__, url_prefix="/api/v1/batches",
                description="A class's essays uploaded together: progress, report, CSV export.")


@blp.route("", strict_slashes=False)
class Batches(MethodView):
    @blp.doc(requestBody={"content": {"multipart/form-data": {"schema": schemas.BatchIn}}},
             parameters=[IDEMPOTENCY_DOC])
    @blp.response(202, schemas.BatchAccepted, headers=ACCEPTED_HEADERS)
    @blp.alt_response(422, schema=schemas.ErrorOut,
                      description="the question, a key term or the period cannot be used, or "
                                  "the Idempotency-Key was used with another question")
    @require_user("teacher", "admin")
    def post(self):
        """Upload essays (txt, docx, pdf, csv, zip), all answering one question; every file
        becomes an essay or a named problem in the batch's report."""
        key = idempotency_key()
        storages = request.files.getlist("files") or request.files.getlist("file")
        if not storages:
            raise ApiError(400, "attach the essays as multipart form field 'files'")
        session = get_session()
        assignment = _assignment(session)
        if assignment is not None:  # its rubric and question, for its class's students
            if request.form.get("question") or request.form.get("rubric"):
                raise ApiError(422, "an upload for an assignment is graded against the "
                                    "assignment's question and rubric: send neither")
            if assignment.rubric.active_version is None:
                raise ApiError(409, "the assignment's rubric has no active version yet")
            question, version = assignment.question, assignment.rubric.active_version
        else:
            question = form_question()
            version = rubric_version(session, request.form.get("rubric"))
        limits = upload_limits()
        files = (read_upload(s, limits) for s in storages)
        title = request.form.get("title") or f"Upload of {len(storages)} file(s)"
        students = request.form.get("student_column") or request.form.get("label_column")
        try:
            batch = submit_upload(session, current_user(), version, files, title, limits,
                                  text_column=request.form.get("text_column") or None,
                                  label_column=students or None,
                                  assignment_id=assignment.id if assignment else None,
                                  idempotency_key=key, question=question)
        except AlreadySubmitted as done:
            return _accepted(session, done.earlier, {"Idempotent-Replayed": "true"})
        ids = list(session.scalars(queries.batch_essays_query(batch)
                                   .with_only_columns(Essay.id)))
        dispatch(session, ids, current_app.config["GRADER_CHUNK_SIZE"])
        return _accepted(session, batch)

    @require_user()
    @blp.arguments(schemas.ListArgs, location="query")
    @blp.response(200, schemas.BatchOut(many=True))
    def get(self, args):
        """Your batches, newest first, with their progress (essays not listed)."""
        session = get_session()
        batches = session.scalars(queries.batches_of(current_user())
                                  .order_by(BatchRow.id.desc())
                                  .limit(args["limit"]).offset(args["offset"]))
        return [batch_detail(session, b, with_essays=False) for b in batches]


def _assignment(session: Session):
    """The assignment named by the form's 'assignment' field (one of the caller's), or None."""
    given = (request.form.get("assignment") or "").strip()
    if not given:
        return None
    found = queries.assignment_for(session, current_user(), int(given)) \
        if given.isdigit() and len(given) < 12 else None
    if found is None:
        raise ApiError(404, f"there is no assignment {given} among yours")
    return found


def _accepted(session: Session, batch: BatchRow, headers: dict[str, str] | None = None,
              **extra: object) -> tuple[dict, int, dict[str, str]]:
    body = batch_detail(session, batch)
    return accepted("batch", body, "queued" if body["total"] else "empty", headers, **extra)


def _visible_batch(batch_id: int) -> BatchRow:
    batch = queries.batch_for(get_session(), current_user(), batch_id)
    if batch is None:
        raise ApiError(404, f"there is no batch {batch_id} among yours")
    return batch


@blp.route(f"/<{ID}:batch_id>")
class Batch(MethodView):
    @require_user()
    @blp.arguments(schemas.BatchArgs, location="query")
    @blp.response(200, schemas.BatchOut)
    def get(self, args, batch_id: int):
        """A batch's progress counts, its upload report and its essays' levels
        (``?essays=false``: its progress only, for a client polling until it completes)."""
        return batch_detail(get_session(), _visible_batch(batch_id), with_essays=args["essays"])


@blp.route(f"/<{ID}:batch_id>/results.csv", endpoint="results_csv")
@blp.response(200, {"type": "string"}, content_type="text/csv",
              description="one row per essay, one column per criterion")
@require_user()
def export_results(batch_id: int):
    """The batch's results for a gradebook (teachers' overrides applied)."""
    return batch_results_response(get_session(), _visible_batch(batch_id))


@blp.route(f"/<{ID}:batch_id>/retry", endpoint="retry", methods=["POST"])
@blp.response(202, schemas.BatchRequeued)
@blp.alt_response(409, schema=schemas.ErrorOut, description="no essay of the batch has failed")
@require_user()
def retry(batch_id: int) -> tuple[dict, int, dict[str, str]]:
    """Grade the batch's failed essays again, with fresh attempts."""
    session = get_session()
    batch = _visible_batch(batch_id)
    ids = retry_batch(session, current_user(), batch, current_app.config["GRADER_CHUNK_SIZE"])
    if not ids:
        raise ApiError(409, f"no essay of batch {batch.id} has failed: nothing to retry")
    return _accepted(session, batch, requeued=ids)
