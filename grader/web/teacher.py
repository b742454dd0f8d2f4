"""A teacher's side of an assignment: the class table, releasing levels, overriding a level."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from grader import queries
from grader.api.common import ID
from grader.db import get_session
from grader.export import gradebook_response
from grader.services.classes import release, set_question
from grader.services.overrides import OverrideError, add_override, final_levels
from grader.services.questions import QuestionError, spec_of_question, term_label
from grader.tables import Assignment, Essay
from grader.web.classes import question_from_form

bp = Blueprint("teacher", __name__)


class OverrideForm(FlaskForm):
    criterion = SelectField("Criterion", validators=[DataRequired()])
    level = IntegerField("Level", validators=[DataRequired()])
    comment = TextAreaField("Comment for the student", validators=[Length(max=5000)])


@dataclass
class Overview:
    """How the assignment's graded essays spread over the levels, and what they most need."""

    essays: int = 0
    levels: dict[str, Counter] = field(default_factory=dict)  # criterion -> level -> essays
    weaknesses: list[tuple[str, int]] = field(default_factory=list)  # (comment code, essays)


def class_overview(assignment: Assignment, criteria: list[str], levels_range: list[int],
                   top: int = 5) -> Overview:
    """Over the newest draft of each student and every uploaded essay of the assignment."""
    session = get_session()
    drafts = {e.id: e for e in queries.latest_drafts(session, assignment).values()}
    uploaded = session.scalars(queries.essays_of(current_user).where(
        Essay.assignment_id == assignment.id, Essay.batch_id.is_not(None)))
    drafts.update({e.id: e for e in uploaded})
    graded = [e for e in drafts.values() if e.result is not None]
    overrides = queries.latest_overrides(session, [e.id for e in graded])
    overview = Overview(len(graded), {c: Counter({n: 0 for n in levels_range})
                                      for c in [*criteria, "overall"]})
    needs: Counter = Counter()
    for essay in graded:
        final = final_levels(essay.result, overrides.get(essay.id, {})) or {}
        for criterion, counter in overview.levels.items():
            if criterion in final:
                counter[final[criterion]] += 1
        codes = {item["code"] for c in essay.result.document.get("criteria", [])
                 for item in c.get("feedback", []) if item.get("kind") == "improvement"}
        needs.update(codes)
    overview.weaknesses = needs.most_common(top)
    return overview


# Where the key terms the grader looks for come from, as the teacher's page says it.
TERM_SOURCES = {"teacher": "yours", "question": "read off the question",
                "class": "words most of the class's essays share"}


@dataclass(frozen=True)
class QuestionView:
    """The assignment's question as its teacher sees it: the period it is judged by and the key
    terms the grader looks for, each with where it comes from."""

    text: str
    period: str | None
    period_named: bool  # the period is the years the question names (none was given)
    terms: list[tuple[str, str]]  # (term, where it comes from, in words)
    terms_read: bool  # from a graded essay (else the teacher's, or none yet)
    key_terms_typed: str  # for the edit form
    sources: list[str]


def question_view(assignment: Assignment) -> QuestionView | None:
    row = assignment.question
    if row is None:
        return None
    spec = spec_of_question(row)
    period = spec.effective_period
    # The web process never loads spaCy: key terms read off the question are shown as the
    # grader read them for the newest essay graded against it.
    reading = queries.latest_reading(get_session(), current_user, assignment)
    if reading and reading.get("key_terms"):
        terms = [(t["term"], TERM_SOURCES.get(t.get("source"), t.get("source", "")))
                 for t in reading["key_terms"]]
    else:
        terms = [(t["term"], TERM_SOURCES["teacher"]) for t in row.key_terms or ()]
    return QuestionView(row.text, str(period) if period else None, spec.period is None,
                        terms, bool(reading and reading.get("key_terms")),
                        ", ".join(term_label(t) for t in row.key_terms or ()),
                        list(row.sources or ()))


def _teaching(assignment_id: int) -> Assignment:
    assignment = queries.assignment_for(get_session(), current_user, assignment_id)
    if assignment is None or current_user.role == "student":
        abort(404)
    return assignment


@bp.route(f"/assignments/<{ID}:assignment_id>/gradebook.csv")
@login_required
def gradebook_csv(assignment_id: int):
    """The assignment's gradebook: a row per enrolled student, the teacher's levels applied."""
    return gradebook_response(get_session(), _teaching(assignment_id), lambda essay_id: url_for(
        "essay_pages.essay", essay_id=essay_id, _external=True))


@bp.route(f"/assignments/<{ID}:assignment_id>/release", methods=["POST"])
@login_required
def release_levels(assignment_id: int):
    assignment = _teaching(assignment_id)
    release(get_session(), assignment)
    flash(f"Levels for “{assignment.title}” are now visible to the class.", "info")
    return redirect(url_for("student.assignment", assignment_id=assignment.id))


@bp.route(f"/assignments/<{ID}:assignment_id>/question", methods=["POST"])
@login_required
def change_question(assignment_id: int):
    """A new question for the assignment's new drafts and uploads; essays already submitted
    keep the question they were graded against."""
    assignment = _teaching(assignment_id)
    try:
        changed = set_question(get_session(), assignment, current_user, question_from_form())
    except QuestionError as exc:
        flash(f"The question was not changed: {exc}.", "error")
    else:
        flash("Question changed: new drafts and uploads are graded against it; essays "
              "already graded keep the question they were graded against." if changed
              else "The question is already this one.", "info")
    return redirect(url_for("student.assignment", assignment_id=assignment.id))


@bp.route(f"/essays/<{ID}:essay_id>/override", methods=["POST"])
@login_required
def override(essay_id: int):
    if current_user.role == "student":
        abort(404)
    session = get_session()
    essay = queries.essay_for(session, current_user, essay_id)
    if essay is None or essay.result is None:
        abort(404)
    form = OverrideForm()
    form.criterion.choices = ["overall", *(c.criterion for c in essay.result.criteria)]
    if form.validate_on_submit():
        try:
            add_override(session, essay, current_user, form.criterion.data, form.level.data,
                         form.comment.data or "")
        except OverrideError as exc:
            flash(str(exc), "error")
        else:
            flash(f"{form.criterion.data.capitalize()} set to level {form.level.data}.", "info")
    else:
        problems = [f"{form[name].label.text}: {'; '.join(errors)}"
                    for name, errors in form.errors.items() if name != "csrf_token"]
        flash(" ".join(problems) or "Choose a criterion and a level.", "error")
    return redirect(url_for("essay_pages.essay", essay_id=essay.id))
