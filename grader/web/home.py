"""The front page: where each kind of user starts."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from grader import queries
from grader.db import get_session

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    if current_user.role == "student":
        return redirect(url_for("student.assignments"))
    session = get_session()
    classes = list(session.scalars(queries.classes_of(current_user)))
    assignments = list(session.scalars(queries.assignments_of(current_user)))
    return render_template("home.html", classes=classes, assignments=assignments)
