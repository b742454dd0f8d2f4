"""Classes, their students and assignments: who may read whose essays."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.services.accounts import AccountError
from grader.services.questions import QuestionSpec, stored_question
from grader.tables import Assignment, Enrolment, Rubric, SchoolClass, User, utcnow


def create_class(session: Session, teacher: User, name: str) -> SchoolClass:
    """A new class taught by ``teacher``; commits."""
    if teacher.role not in ("teacher", "admin"):
        raise AccountError(f"{teacher.email} is a {teacher.role}; only teachers teach classes")
    if not name.strip():
        raise AccountError("a class needs a name")
    school_class = SchoolClass(name=name.strip()[:200], teacher_id=teacher.id)
    session.add(school_class)
    session.commit()
    return school_class


def enrol(session: Session, school_class: SchoolClass, student: User) -> bool:
    """Put a student in a class (True if newly enrolled); commits."""
    if student.role != "student":
        raise AccountError(f"{student.email} is a {student.role}, not a student")
    exists = session.scalar(select(Enrolment.id).where(Enrolment.class_id == school_class.id,
                                                       Enrolment.student_id == student.id))
    if exists is not None:
        return False
    session.add(Enrolment(class_id=school_class.id, student_id=student.id))
    session.commit()
    return True


def create_assignment(session: Session, school_class: SchoolClass, title: str, rubric: Rubric,
                      instructions: str = "", show_levels: bool = False,
                      question: QuestionSpec | None = None,
                      author: User | None = None) -> Assignment:
    """A new assignment for the class, graded against ``rubric``'s active version and
    ``question`` (None: the topic is not judged), which ``author`` (default: the class's
    teacher) set; commits."""
    if not title.strip():
        raise AccountError("an assignment needs a title")
    assignment = Assignment(class_id=school_class.id, title=title.strip()[:300],
                            instructions=instructions.strip(), rubric_id=rubric.id,
                            show_levels=show_levels)
    try:
        if question is not None:
            assignment.question = stored_question(
                session, author or session.get(User, school_class.teacher_id), question)
        session.add(assignment)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return assignment


def set_question(session: Session, assignment: Assignment, author: User,
                 question: QuestionSpec | None) -> bool:
    """Grade the assignment's new drafts and uploads against ``question`` (None: no question);
    commits. Essays already submitted keep the question they were graded against (question
    rows never change). Returns whether it changed."""
    try:
        row = stored_question(session, author, question) if question is not None else None
        if (row.id if row else None) == assignment.question_id or (
                row is not None and assignment.question is not None
                and row.digest == assignment.question.digest):
            session.rollback()
            return False
        assignment.question = row
        session.commit()
    except Exception:
        session.rollback()
        raise
    return True


def release(session: Session, assignment: Assignment) -> None:
    """Let the class's students see their levels for this assignment; commits."""
    if assignment.released_at is None:
        assignment.released_at = utcnow()
        session.commit()


def levels_visible_to_student(assignment: Assignment | None) -> bool:
    """Whether a student may see levels for a draft (always, for one outside any class)."""
    return assignment is None or assignment.show_levels or assignment.released_at is not None
