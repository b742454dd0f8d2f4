"""A student's assignments and drafts: submit, see feedback, revise and resubmit."""

from __future__ import annotations

from uuid import uuid4

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length, Optional

from grader import queries
from grader.api.common import ID, submission_key, upload_limits
from grader.db import get_session
from grader.ingest import ingest_isolated
from grader.queueing import DRAFT_QUEUE
from grader.services.classes import levels_visible_to_student
from grader.services.gradebook import gradebook
from grader.services.rubrics import spec_of
from grader.services.submissions import (
    AlreadySubmitted,
    KeyReused,
    UnchangedDraft,
    count_before_reading,
    dispatch,
    submit_text,
    unchanged_draft,
)
from grader.tables import Batch
from grader.web import as_sentence
from grader.web.drafts import compare_drafts
from grader.web.teacher import class_overview, question_view
from models.errors import EssayInputError
from models.feedback.wording import weakness_names

bp = Blueprint("student", __name__)


class DraftForm(FlaskForm):
    text = TextAreaField("Paste your essay", validators=[Optional(), Length(max=400_000)])
    file = FileField("…or upload a file (.txt, .docx or .pdf)")
    # New with every page: a second click, or a resend after a timeout, is the same draft.
    submission = HiddenField(default=lambda: uuid4().hex)


def _assignment(assignment_id: int):
    assignment = queries.assignment_for(get_session(), current_user, assignment_id)
    if assignment is None:
        abort(404)
    if assignment.rubric.active_version is None:
        abort(409, description=f"The rubric of “{assignment.title}” has no active version; "
                               f"an administrator must save or import it first.")
    return assignment


@bp.route("/assignments")
@login_required
def assignments():
    session = get_session()
    rows = []
    for assignment in session.scalars(queries.assignments_of(current_user)):
        drafts = list(session.scalars(queries.drafts_for(current_user, assignment)))
        rows.append((assignment, drafts))
    return render_template("student/assignments.html", rows=rows)


@bp.route(f"/assignments/<{ID}:assignment_id>", methods=["GET", "POST"])
@login_required
def assignment(assignment_id: int):
    assignment = _assignment(assignment_id)
    session = get_session()
    form = DraftForm()
    if current_user.role == "student" and form.is_submitted() and not form.validate():
        flash(" ".join(f"{form[name].label.text}: {'; '.join(errors)}"
                       for name, errors in form.errors.items()), "error")
    elif current_user.role == "student" and form.validate_on_submit():
        key = submission_key(form.submission.data)
        count_before_reading(session, current_user, key)
        text = _draft_text(form)
        if text is not None:
            version = assignment.rubric.active_version
            label = f"Draft for {assignment.title}"[:300]
            try:
                unchanged = unchanged_draft(session, current_user, assignment, text)
                if unchanged is not None:
                    raise UnchangedDraft(unchanged)
                try:
                    essay = submit_text(session, current_user, version, text, label=label,
                                        assignment_id=assignment.id, idempotency_key=key,
                                        question=assignment.question, counted=True)
                except KeyReused:  # Back to a page already sent, then a new text: a new draft
                    essay = submit_text(session, current_user, version, text, label=label,
                                        assignment_id=assignment.id,
                                        question=assignment.question, counted=True)
            except EssayInputError as exc:
                flash(str(exc), "error")
            except AlreadySubmitted as done:
                return redirect(url_for("essay_pages.essay", essay_id=done.earlier.id))
            except UnchangedDraft as same:
                flash("This draft is the same as your last one, so it was not graded again: "
                      "its feedback is below. Revise it, then send it again.", "info")
                return redirect(url_for("essay_pages.essay", essay_id=same.earlier.id))
            else:
                dispatch(session, [essay.id], 1, queue=DRAFT_QUEUE, app=current_app)
                return redirect(url_for("essay_pages.essay", essay_id=essay.id))
    if current_user.role != "student":
        batches = session.scalars(queries.batches_of(current_user).where(
            Batch.assignment_id == assignment.id).order_by(Batch.id.desc()))
        criteria = _criteria(assignment)
        spec_levels = sorted(spec_of(assignment.rubric.active_version).levels)
        overview = class_overview(assignment, [c for c, _ in criteria], spec_levels)
        return render_template("teacher/assignment.html", assignment=assignment,
                               submission=uuid4().hex,
                               rows=gradebook(session, assignment), criteria=criteria,
                               batches=list(batches), overview=overview,
                               weakness_names=weakness_names(),
                               question=question_view(assignment))
    drafts = list(session.scalars(queries.drafts_for(current_user, assignment)))
    if drafts and not form.is_submitted():
        form.text.data = drafts[-1].text  # revising starts from the last draft
    overrides = queries.latest_overrides(session, [d.id for d in drafts])
    return render_template("student/assignment.html", assignment=assignment, form=form,
                           comparison=compare_drafts(drafts, overrides),
                           show_levels=levels_visible_to_student(assignment))


def _criteria(assignment) -> list[tuple[str, str]]:
    spec = spec_of(assignment.rubric.active_version)
    return [(c.id, c.name) for c in spec.criteria]


def _draft_text(form: DraftForm) -> str | None:
    """The pasted text, or the uploaded file's; flashes the problem and returns None."""
    upload = form.file.data
    if upload and upload.filename:
        limits = upload_limits()
        report = ingest_isolated(
            [(upload.filename, upload.stream.read(limits.max_file_bytes + 1))], limits)
        if report.problems or len(report.essays) != 1:
            flash(as_sentence(report.problems[0].message) if report.problems
                  else "A draft is one essay: upload one file.", "error")
            return None
        return report.essays[0].text
    if not (form.text.data or "").strip():
        flash("Paste your essay or choose a file.", "error")
        return None
    return form.text.data
