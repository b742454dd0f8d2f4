"""Data access: queries scoped to their caller. Nothing here commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, defer, selectinload

from grader.tables import (
    Assignment,
    Batch,
    Calibration,
    CalibrationActivation,
    Enrolment,
    Essay,
    Override,
    Result,
    Rubric,
    RubricVersion,
    SchoolClass,
    User,
)


def sees_everything(user: User) -> bool:
    return user.role == "admin"


def essays_of(user: User) -> Select[tuple[Essay]]:
    """A student's own essays; a teacher's, and their classes' drafts; an admin's: all."""
    query = select(Essay)
    if sees_everything(user):
        return query
    if user.role == "teacher":
        taught = select(Assignment.id).join(SchoolClass).where(SchoolClass.teacher_id == user.id)
        return query.where((Essay.owner_id == user.id) | Essay.assignment_id.in_(taught))
    return query.where((Essay.owner_id == user.id) | (Essay.student_id == user.id))


def classes_of(user: User) -> Select[tuple[SchoolClass]]:
    """The classes a teacher teaches, a student is in, or (an admin) all of them."""
    query = select(SchoolClass).order_by(SchoolClass.name, SchoolClass.id)
    if sees_everything(user):
        return query
    if user.role == "teacher":
        return query.where(SchoolClass.teacher_id == user.id)
    enrolled = select(Enrolment.class_id).where(Enrolment.student_id == user.id)
    return query.where(SchoolClass.id.in_(enrolled))


def assignments_of(user: User) -> Select[tuple[Assignment]]:
    classes = classes_of(user).with_only_columns(SchoolClass.id).order_by(None)
    return select(Assignment).where(Assignment.class_id.in_(classes)).order_by(
        Assignment.created_at.desc(), Assignment.id.desc())


def assignment_for(session: Session, user: User, assignment_id: int) -> Assignment | None:
    return session.scalar(assignments_of(user).where(Assignment.id == assignment_id))


def roster(session: Session, school_class: SchoolClass) -> list[User]:
    """A class's students, by name."""
    return list(session.scalars(select(User).join(Enrolment, Enrolment.student_id == User.id)
                                .where(Enrolment.class_id == school_class.id)
                                .order_by(User.name, User.email)))


def latest_drafts(session: Session, assignment: Assignment) -> dict[int, Essay]:
    """Each student's newest draft for an assignment (their own, or an upload matched to them),
    by student id."""
    newest = (select(func.max(Essay.id)).where(Essay.assignment_id == assignment.id,
                                               Essay.student_id.is_not(None))
              .group_by(Essay.student_id))
    return {e.student_id: e for e in session.scalars(select(Essay).where(Essay.id.in_(newest)))}


def drafts_for(user: User, assignment: Assignment) -> Select[tuple[Essay]]:
    """A student's drafts for an assignment (an upload matched to them too), oldest first."""
    return select(Essay).where(Essay.student_id == user.id,
                               Essay.assignment_id == assignment.id).order_by(Essay.id)


def latest_draft(session: Session, user: User, assignment: Assignment) -> Essay | None:
    """A student's newest draft for an assignment."""
    return session.scalar(drafts_for(user, assignment).order_by(None)
                          .order_by(Essay.id.desc()).limit(1))


def latest_reading(session: Session, user: User, assignment: Assignment) -> dict | None:
    """The question block of the newest result graded against the assignment's current
    question (how the grader read it: the key terms it looked for, where each came from)."""
    if assignment.question_id is None:
        return None
    visible = essays_of(user).where(Essay.assignment_id == assignment.id,
                                    Essay.question_id == assignment.question_id)
    document = session.scalar(
        select(Result.document)
        .join(Essay, and_(Essay.id == Result.essay_id,
                          Essay.rubric_version_id == Result.rubric_version_id))
        .where(Essay.id.in_(visible.with_only_columns(Essay.id)))
        .order_by(Result.id.desc()).limit(1))
    question = (document or {}).get("question")
    return question if isinstance(question, dict) else None


def batches_of(user: User) -> Select[tuple[Batch]]:
    query = select(Batch)
    return query if sees_everything(user) else query.where(Batch.owner_id == user.id)


def calibrations_of(user: User) -> Select[tuple[Calibration]]:
    """Admins see every calibration; a teacher, the ones they asked for."""
    query = select(Calibration)
    return query if sees_everything(user) else query.where(Calibration.created_by_id == user.id)


def calibration_for(session: Session, user: User, calibration_id: int) -> Calibration | None:
    return session.scalar(calibrations_of(user).where(Calibration.id == calibration_id))


def active_activation(session: Session, version_id: int) -> CalibrationActivation | None:
    """The activation in force for a rubric version: the newest one not rolled back."""
    return session.scalar(select(CalibrationActivation).where(
        CalibrationActivation.rubric_version_id == version_id,
        CalibrationActivation.rolled_back_at.is_(None))
        .order_by(CalibrationActivation.id.desc()).limit(1))


def pending_calibration(session: Session, user: User) -> Calibration | None:
    """A calibration this user asked for that is still queued or running."""
    return session.scalar(select(Calibration).where(
        Calibration.created_by_id == user.id, Calibration.status.in_(("queued", "running")))
        .limit(1))


def essay_for(session: Session, user: User, essay_id: int) -> Essay | None:
    return session.scalar(essays_of(user).where(Essay.id == essay_id))


def batch_for(session: Session, user: User, batch_id: int) -> Batch | None:
    return session.scalar(batches_of(user).where(Batch.id == batch_id))


def batch_essays_query(batch: Batch) -> Select[tuple[Essay]]:
    return select(Essay).where(Essay.batch_id == batch.id).order_by(Essay.id)


def status_counts(session: Session, batch: Batch) -> dict[str, int]:
    rows = session.execute(select(Essay.status, func.count()).where(Essay.batch_id == batch.id)
                           .group_by(Essay.status))
    counts = {"queued": 0, "running": 0, "done": 0, "failed": 0}
    counts.update({status: count for status, count in rows})
    return counts


def last_finished(session: Session, batch: Batch) -> datetime | None:
    """When the batch's last essay was graded or failed."""
    return session.scalar(select(func.max(Essay.finished_at)).where(Essay.batch_id == batch.id))


def latest_overrides(session: Session, essay_ids: list[int]) -> dict[int, dict[str, Override]]:
    """The newest override per essay and criterion (a later override replaces an earlier one)."""
    out: dict[int, dict[str, Override]] = {}
    if not essay_ids:
        return out
    rows = session.scalars(select(Override).where(Override.essay_id.in_(essay_ids))
                           .order_by(Override.id))
    for override in rows:
        out.setdefault(override.essay_id, {})[override.criterion] = override
    return out


def rubric_by_slug(session: Session, slug: str) -> Rubric | None:
    return session.scalar(select(Rubric).where(Rubric.slug == slug))


def all_rubrics(session: Session) -> list[Rubric]:
    return list(session.scalars(select(Rubric).order_by(Rubric.slug)))


def latest_version(session: Session, rubric: Rubric) -> RubricVersion | None:
    return session.scalar(select(RubricVersion).where(RubricVersion.rubric_id == rubric.id)
                          .order_by(RubricVersion.number.desc()).limit(1))


def users(session: Session, role: str | None = None) -> list[User]:
    """Every account (of ``role``), by email: for the command line, which an operator runs."""
    query = select(User).order_by(User.email)
    if role is not None:
        query = query.where(User.role == role)
    return list(session.scalars(query))


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def with_results(query: Select, documents: bool = False) -> Select:
    """Load results (and their per-criterion rows) with the essays, in two queries.

    The engine's document is large; lists and exports do not need it, so it stays unloaded.
    """
    result = selectinload(Essay.result)
    if not documents:
        result = result.defer(Result.document)
    return query.options(result.selectinload(Result.criteria), selectinload(Essay.question),
                         defer(Essay.text))
