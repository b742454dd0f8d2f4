"""A teacher's classes: create one, add students (new accounts or existing ones), set an
assignment. Admins may do the same for any teacher's class."""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from grader import queries
from grader.api.common import ID
from grader.db import get_session
from grader.services.accounts import AccountError, ensure_user
from grader.services.classes import create_assignment, create_class, enrol
from grader.services.questions import (
    QuestionError,
    QuestionSpec,
    build_question,
    split_sources,
)
from grader.tables import SchoolClass
from grader.web import as_sentence

bp = Blueprint("class_pages", __name__)


def _teaching_class(class_id: int) -> SchoolClass:
    if current_user.role == "student":
        abort(404)
    found = get_session().scalar(queries.classes_of(current_user).where(
        SchoolClass.id == class_id))
    if found is None:
        abort(404)
    return found


@bp.route("/classes", methods=["POST"])
@login_required
def create():
    if current_user.role == "student":
        abort(404)
    session = get_session()
    teacher = current_user
    if current_user.role == "admin" and request.form.get("teacher", "").strip():
        teacher = queries.user_by_email(session, request.form["teacher"])
        if teacher is None:
            flash(f"There is no account {request.form['teacher'][:100]}.", "error")
            return redirect(url_for("home.index"))
    try:
        created = create_class(session, teacher, request.form.get("name", ""))
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("home.index"))
    return redirect(url_for("class_pages.school_class", class_id=created.id))


@bp.route(f"/classes/<{ID}:class_id>")
@login_required
def school_class(class_id: int):
    return _class_page(_teaching_class(class_id))


def _class_page(found: SchoolClass, problem: str | None = None) -> tuple[str, int]:
    """The class page; with ``problem``, the assignment form as it was sent and what is wrong
    with it, beside it (a 422), so the teacher loses nothing they typed."""
    session = get_session()
    assignments = [a for a in session.scalars(queries.assignments_of(current_user))
                   if a.class_id == found.id]
    rubrics = [r for r in queries.all_rubrics(session) if r.active_version_id]
    return render_template("teacher/class.html", school_class=found, assignments=assignments,
                           students=queries.roster(session, found), rubrics=rubrics,
                           sent=request.form if problem else {}, problem=problem), \
        (422 if problem else 200)


@bp.route(f"/classes/<{ID}:class_id>/students", methods=["POST"])
@login_required
def add_student(class_id: int):
    """Enrol a student by email, creating the account if there is none. A new account's first
    password is shown once, on this response only (never in a cookie or a redirect)."""
    found = _teaching_class(class_id)
    session = get_session()
    email = request.form.get("email", "").strip()
    existing = queries.user_by_email(session, email)
    refused = ("That email cannot be added as a student: check it, or ask an administrator "
               "(it may belong to a staff account).")
    if not _looks_like_email(email) or (existing is not None and existing.role != "student"):
        flash(refused, "error")
        return redirect(url_for("class_pages.school_class", class_id=found.id))
    password = None if existing is not None else secrets.token_urlsafe(12)
    try:
        student = existing or ensure_user(session, email, "student",
                                          request.form.get("name", "").strip(), password)
        enrol(session, found, student)
    except AccountError:
        flash(refused, "error")
        return redirect(url_for("class_pages.school_class", class_id=found.id))
    if password is None:
        flash(f"{student.email} is in {found.name}.", "info")
        return redirect(url_for("class_pages.school_class", class_id=found.id))
    response = make_response(render_template("teacher/new_student.html", school_class=found,
                                             student=student, password=password))
    response.headers["Cache-Control"] = "no-store"
    return response


def _looks_like_email(email: str) -> bool:
    local, _, domain = email.rpartition("@")
    return bool(local) and "." in domain.strip(".") and " " not in email and len(email) <= 254


def question_from_form() -> QuestionSpec:
    """The question a teacher typed in an assignment form; QuestionError says what is wrong
    (the page requires a question: without one the grader cannot judge the topic)."""
    form = request.form
    if not form.get("question", "").strip():
        raise QuestionError("write the question the students answer")
    question = build_question(form.get("question"), form.get("key_terms") or None,
                              form.get("period") or None, split_sources(form.get("sources")))
    assert question is not None  # the text is not blank
    return question


@bp.route(f"/classes/<{ID}:class_id>/assignments", methods=["POST"])
@login_required
def add_assignment(class_id: int):
    found = _teaching_class(class_id)
    session = get_session()
    rubric = queries.rubric_by_slug(session, request.form.get("rubric", ""))
    if rubric is None or rubric.active_version is None:
        return _class_page(found, "Choose a rubric.")
    try:
        question = question_from_form()
        created = create_assignment(session, found, request.form.get("title", ""), rubric,
                                    request.form.get("instructions", ""),
                                    show_levels=request.form.get("show_levels") == "yes",
                                    question=question, author=current_user)
    except (QuestionError, AccountError) as exc:
        return _class_page(found, as_sentence(str(exc)))
    return redirect(url_for("student.assignment", assignment_id=created.id))
