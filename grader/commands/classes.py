"""``grader class`` and ``grader assignment``: classes, their students and assignments."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from grader.commands.errors import exit_status, fail
from grader.commands.question_options import question_kwargs, question_options


@click.group("class")
def school_class() -> None:
    """Classes and their students."""


@school_class.command("create")
@click.argument("name")
@click.option("--teacher", "teacher_email", required=True, help="the teacher's account email")
@with_appcontext
@exit_status
def create(name: str, teacher_email: str) -> int:
    """Create a class taught by a teacher; prints its id."""
    from grader import queries
    from grader.db import get_session
    from grader.services.accounts import AccountError
    from grader.services.classes import create_class

    session = get_session()
    teacher = queries.user_by_email(session, teacher_email)
    if teacher is None:
        return fail(f"there is no account {teacher_email}")
    try:
        created = create_class(session, teacher, name)
    except AccountError as exc:
        return fail(str(exc))
    click.echo(f"class {created.id}: {created.name} (teacher {teacher.email})")
    return 0


@school_class.command("enrol")
@click.argument("class_id", type=int)
@click.argument("emails", nargs=-1, required=True)
@with_appcontext
@exit_status
def enrol_students(class_id: int, emails: tuple[str, ...]) -> int:
    """Put students (existing student accounts) in a class."""
    from grader import queries
    from grader.db import get_session
    from grader.services.accounts import AccountError
    from grader.services.classes import enrol
    from grader.tables import SchoolClass

    session = get_session()
    target = session.get(SchoolClass, class_id)
    if target is None:
        return fail(f"there is no class {class_id}")
    status = 0
    for email in emails:
        student = queries.user_by_email(session, email)
        try:
            if student is None:
                raise AccountError(f"there is no account {email}")
            added = enrol(session, target, student)
        except AccountError as exc:
            status = fail(str(exc))
            continue
        click.echo(f"{email}: {'enrolled in' if added else 'already in'} {target.name}")
    return status


@click.group("assignment")
def assignment() -> None:
    """Assignments a class writes."""


def _describe_question(question) -> None:
    """Print the question and the key terms the grader will look for (deriving them from the
    question loads the spaCy pipeline: about a second)."""
    if question is None:
        click.echo("warning: no --question: the grader will not judge whether essays answer "
                   "the question (set one with 'grader assignment question')")
        return
    click.echo(f"question: {question.text}")
    period = question.effective_period
    if period is not None:
        click.echo(f"period: {period}"
                   f"{'' if question.period is not None else ' (the years the question names)'}")
    if question.key_terms:
        click.echo("key terms (yours): " + ", ".join(t.term for t in question.key_terms))
        return
    from models.features.topic import question_key_terms
    from models.pipeline import load_pipeline

    terms = [t.term for t, _ in question_key_terms(question, load_pipeline())]
    click.echo("key terms (read off the question): " + (", ".join(terms) or "none found; "
                                                        "give some with --key-terms"))


@assignment.command("create")
@click.argument("class_id", type=int)
@click.argument("title")
@click.option("--rubric", "slug", default=None, help="rubric id (default: the default rubric)")
@question_options(sources=True)
@click.option("--instructions", default="")
@click.option("--show-levels", is_flag=True, help="students see their levels while drafting")
@with_appcontext
@exit_status
def create_assignment_command(class_id: int, title: str, slug: str | None, instructions: str,
                              show_levels: bool, **asked: object) -> int:
    """Set a class an assignment: a question, graded against a rubric; prints its id."""
    from flask import current_app

    from grader import queries
    from grader.db import get_session
    from grader.services.accounts import AccountError
    from grader.services.classes import create_assignment
    from grader.tables import SchoolClass

    question = question_kwargs(asked)
    session = get_session()
    target = session.get(SchoolClass, class_id)
    if target is None:
        return fail(f"there is no class {class_id}")
    rubric = queries.rubric_by_slug(session, slug or current_app.config["GRADER_DEFAULT_RUBRIC"])
    if rubric is None or rubric.active_version is None:
        return fail(f"there is no rubric '{slug}'; import it with 'grader rubric import'")
    try:
        created = create_assignment(session, target, title, rubric, instructions, show_levels,
                                    question=question)
    except AccountError as exc:
        return fail(str(exc))
    click.echo(f"assignment {created.id}: {created.title} ({target.name}, rubric {rubric.slug})")
    _describe_question(question)
    return 0


@assignment.command("question")
@click.argument("assignment_id", type=int)
@question_options(sources=True)
@with_appcontext
@exit_status
def question_command(assignment_id: int, **asked: object) -> int:
    """Change the question an assignment's new drafts and uploads are graded against (essays
    already graded keep the question they were graded against)."""
    from grader.db import get_session
    from grader.services.classes import set_question
    from grader.tables import Assignment, User

    question = question_kwargs(asked)
    session = get_session()
    target = session.get(Assignment, assignment_id)
    if target is None:
        return fail(f"there is no assignment {assignment_id}")
    teacher = session.get(User, target.school_class.teacher_id)
    changed = set_question(session, target, teacher, question)
    click.echo(f"assignment {target.id}: "
               f"{'question changed' if changed else 'the question is already this one'}"
               f"{'; essays already graded keep theirs' if changed else ''}")
    _describe_question(question)
    return 0


@assignment.command("release")
@click.argument("assignment_id", type=int)
@with_appcontext
@exit_status
def release_assignment(assignment_id: int) -> int:
    """Let the class's students see their levels for an assignment."""
    from grader.db import get_session
    from grader.services.classes import release
    from grader.tables import Assignment

    session = get_session()
    target = session.get(Assignment, assignment_id)
    if target is None:
        return fail(f"there is no assignment {assignment_id}")
    release(session, target)
    click.echo(f"assignment {target.id}: levels released to students")
    return 0
