"""An assignment's gradebook: every enrolled student with their newest draft (their own, or
an upload matched to them) and its final levels, the teacher's overrides applied and marked.
The class table and the gradebook CSV of the pages and the API all read it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from grader import queries
from grader.services.overrides import final_levels
from grader.tables import Assignment, Essay, User


@dataclass(frozen=True)
class GradebookRow:
    student: User
    essay: Essay | None  # None: no draft yet
    levels: dict[str, int] | None  # final levels, "overall" included; None until graded
    overridden: set[str]  # the criteria (and "overall") whose level a teacher set


def gradebook(session: Session, assignment: Assignment) -> list[GradebookRow]:
    """One row per student of the assignment's class, by name."""
    drafts = queries.latest_drafts(session, assignment)
    overrides = queries.latest_overrides(session, [e.id for e in drafts.values()])
    rows = []
    for student in queries.roster(session, assignment.school_class):
        essay = drafts.get(student.id)
        mine = overrides.get(essay.id, {}) if essay else {}
        levels = final_levels(essay.result, mine) if essay else None
        rows.append(GradebookRow(student, essay, levels, set(mine)))
    return rows
