"""A teacher's bulk upload for an assignment: drop files, watch them graded, read the table,
export it for the gradebook."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from grader import queries
from grader.api.common import ID, read_upload, submission_key, upload_limits
from grader.db import get_session
from grader.errors import ApiError
from grader.export import batch_results_response
from grader.services.overrides import final_levels
from grader.services.rubrics import spec_of
from grader.services.submissions import (
    AlreadySubmitted,
    KeyReused,
    assign_students,
    dispatch,
    retry_batch,
    submit_upload,
)
from grader.tables import Batch, Essay

bp = Blueprint("batch_pages", __name__)


def _visible_batch(batch_id: int) -> Batch:
    batch = queries.batch_for(get_session(), current_user, batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.route(f"/assignments/<{ID}:assignment_id>/batches", methods=["POST"])
@login_required
def upload(assignment_id: int):
    session = get_session()
    assignment = queries.assignment_for(session, current_user, assignment_id)
    if assignment is None or current_user.role == "student":
        abort(404)
    if assignment.rubric.active_version is None:
        abort(409, description="This assignment's rubric has no active version yet.")
    storages = [s for s in request.files.getlist("files") if s.filename]
    if not storages:
        flash("Choose or drop the essays to upload first.", "error")
        return redirect(url_for("student.assignment", assignment_id=assignment.id))
    limits = upload_limits()
    try:
        batch = submit_upload(session, current_user, assignment.rubric.active_version,
                              (read_upload(s, limits) for s in storages),
                              f"{assignment.title}: {len(storages)} file(s)", limits,
                              assignment_id=assignment.id,
                              idempotency_key=submission_key(request.form.get("submission")),
                              question=assignment.question)
    except AlreadySubmitted as done:  # the same upload sent twice
        return redirect(url_for("batch_pages.batch", batch_id=done.earlier.id))
    except KeyReused:  # the same form sent again after the question changed: send it anew
        flash("The assignment's question changed since this page was opened; upload the "
              "essays again to grade them against the new question.", "error")
        return redirect(url_for("student.assignment", assignment_id=assignment.id))
    ids = list(session.scalars(queries.batch_essays_query(batch).with_only_columns(Essay.id)))
    dispatch(session, ids, current_app.config["GRADER_CHUNK_SIZE"], app=current_app)
    return redirect(url_for("batch_pages.batch", batch_id=batch.id))


@bp.route(f"/batches/<{ID}:batch_id>")
@login_required
def batch(batch_id: int):
    batch = _visible_batch(batch_id)
    session = get_session()
    essays = list(session.scalars(queries.batch_essays_query(batch)))
    overrides = queries.latest_overrides(session, [e.id for e in essays])
    rows = [(e, final_levels(e.result, overrides.get(e.id, {})), set(overrides.get(e.id, {})))
            for e in essays]
    counts = queries.status_counts(session, batch)
    criteria = [(c.id, c.name) for c in spec_of(batch.rubric_version).criteria]
    roster = queries.roster(session, batch.assignment.school_class) if batch.assignment else []
    return render_template("teacher/batch.html", batch=batch, rows=rows, counts=counts,
                           total=sum(counts.values()), criteria=criteria, roster=roster,
                           unmatched=[e for e in essays if e.student_id is None] if roster
                           else [],
                           problems=(batch.report or {}).get("problems", []))


@bp.route(f"/batches/<{ID}:batch_id>/students", methods=["POST"])
@login_required
def students(batch_id: int) -> Response:
    """The teacher's choice of student for the essays the upload could not match."""
    batch = _visible_batch(batch_id)
    if current_user.role == "student":
        abort(404)
    choices = {}
    for field, value in request.form.items():
        if field.startswith("essay-") and field[6:].isdigit():
            choices[int(field[6:])] = int(value) if value.isdigit() else None
    try:
        changed = assign_students(get_session(), batch, choices)
    except ApiError as exc:
        flash(exc.message, "error")
    else:
        flash(f"{changed} essay(s) matched to students." if changed
              else "No essay changed student.", "info")
    return redirect(url_for("batch_pages.batch", batch_id=batch.id))


@bp.route(f"/batches/<{ID}:batch_id>/status.json")
@login_required
def status(batch_id: int):
    counts = queries.status_counts(get_session(), _visible_batch(batch_id))
    total = sum(counts.values())
    finished = counts["done"] + counts["failed"]
    return jsonify({"counts": counts, "total": total, "finished": finished,
                    "complete": finished == total})


@bp.route(f"/batches/<{ID}:batch_id>/results.csv")
@login_required
def export(batch_id: int):
    return batch_results_response(get_session(), _visible_batch(batch_id))


@bp.route(f"/batches/<{ID}:batch_id>/retry", methods=["POST"])
@login_required
def retry(batch_id: int) -> Response:
    """Grade the batch's failed essays again."""
    batch = _visible_batch(batch_id)
    session = get_session()
    ids = retry_batch(session, current_user, batch, current_app.config["GRADER_CHUNK_SIZE"],
                      app=current_app)
    flash(f"{len(ids)} essay(s) queued to be graded again." if ids
          else "No essay of this upload has failed.", "info")
    return redirect(url_for("batch_pages.batch", batch_id=batch.id))
