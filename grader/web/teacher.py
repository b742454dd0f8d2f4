"""A teacher's side of an assignment: the class table, releasing levels, overriding a level."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from grader import queries
from grader.db import get_session
from grader.services.classes import release
from grader.services.overrides import OverrideError, add_override, final_levels
from grader.tables import Assignment, Essay, User

bp = Blueprint("teacher", __name__)


class OverrideForm(FlaskForm):
    criterion = SelectField("Criterion", validators=[DataRequired()])
    level = IntegerField("Level", validators=[DataRequired()])
    comment = TextAreaField("Comment for the student", validators=[Length(max=5000)])


@dataclass(frozen=True)
class ClassRow:
    student: User
    essay: Essay | None
    levels: dict[str, int] | None
    overridden: set[str]


def class_table(assignment: Assignment) -> list[ClassRow]:
    """Every student of the class with their newest draft's final levels (overrides applied)."""
    session = get_session()
    drafts = queries.latest_drafts(session, assignment)
    overrides = queries.latest_overrides(session, [e.id for e in drafts.values()])
    rows = []
    for student in queries.roster(session, assignment.school_class):
        essay = drafts.get(student.id)
        mine = overrides.get(essay.id, {}) if essay else {}
        levels = final_levels(essay.result, mine) if essay else None
        rows.append(ClassRow(student, essay, levels, set(mine)))
    return rows


def _teaching(assignment_id: int) -> Assignment:
    assignment = queries.assignment_for(get_session(), current_user, assignment_id)
    if assignment is None or current_user.role == "student":
        abort(404)
    return assignment


@bp.route("/assignments/<int:assignment_id>/release", methods=["POST"])
@login_required
def release_levels(assignment_id: int):
    assignment = _teaching(assignment_id)
    release(get_session(), assignment)
    flash(f"Levels for “{assignment.title}” are now visible to the class.", "info")
    return redirect(url_for("student.assignment", assignment_id=assignment.id))


@bp.route("/essays/<int:essay_id>/override", methods=["POST"])
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
        flash("Choose a criterion and a level.", "error")
    return redirect(url_for("essay_pages.essay", essay_id=essay.id))
