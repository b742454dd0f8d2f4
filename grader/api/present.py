"""Turning rows into the API's JSON shapes (the schemas in grader/api/schemas.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from sqlalchemy.orm import Session

from grader import queries
from grader.services.classes import levels_visible_to_student
from grader.services.gradebook import gradebook
from grader.services.overrides import final_levels
from grader.services.questions import question_summary
from grader.tables import Assignment, Batch, Essay, Override, RubricVersion, User, as_utc
from models.feedback.precision import STUDENT_FLAGS, students_view


def iso(moment: datetime | None) -> str | None:
    moment = as_utc(moment)
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def rubric_ref(version: RubricVersion) -> dict[str, Any]:
    return {"id": version.rubric.slug, "version": version.number}


def essay_summary(essay: Essay, overrides: dict[str, Override]) -> dict[str, Any]:
    result = essay.result
    levels = final_levels(result, overrides)
    return {
        "id": essay.id,
        "url": url_for("essays.Essay", essay_id=essay.id, _external=True),
        "label": essay.label,
        "source_name": essay.source_name,
        "status": essay.status,
        "error": essay.error,
        "duplicate_of": essay.duplicate_of_id,
        "overall_level": levels["overall"] if levels else None,
        "levels": levels,
        "flags": list(result.flags) if result else [],
        "student": ({"id": essay.student.id, "email": essay.student.email,
                     "name": essay.student.name} if essay.student else None),
        "question": question_summary(essay.question),
        "calibration": ({"id": result.calibration_id, "scores": result.calibrated_scores}
                        if result and result.calibration_id else None),
    }


# What a student reads of their essay is what their pages show them: levels, scores and the
# teacher's levels only once the assignment shows or has released them.
_LEVEL_FIELDS = ("level", "label", "descriptor", "score", "confidence", "raw", "components",
                 "prior", "capped_by", "cap_reason", "uncapped_score")


def student_view(body: dict[str, Any], essay: Essay) -> dict[str, Any]:
    """An essay's API body (summary or detail) as its student may read it."""
    visible = levels_visible_to_student(essay.assignment)
    out = {**body, "flags": [f for f in body.get("flags", []) if f in STUDENT_FLAGS]}
    if not visible:
        out.update(levels=None, overall_level=None, calibration=None)
    if "overrides" in out:  # a teacher's level and comment, once levels are theirs to see
        out["overrides"] = [{k: v for k, v in o.items() if k != "teacher"}
                            for o in out["overrides"]] if visible else []
    document = out.get("result")
    if document:
        document = students_view(document)
        if not visible:
            document.pop("overall", None)
            document.pop("calibration", None)
            document["criteria"] = [{k: v for k, v in c.items() if k not in _LEVEL_FIELDS}
                                    for c in document.get("criteria", [])]
        out["result"] = document
    return out


def essay_detail(essay: Essay, overrides: dict[str, Override],
                 for_student: bool = False) -> dict[str, Any]:
    """An essay as the API shows it; a student sees what their pages show (``student_view``):
    no comment or highlight only for teachers to check, no level before it is theirs."""
    result = essay.result
    document = result.document if result else None
    body = {
        **essay_summary(essay, overrides),
        "batch_id": essay.batch_id,
        "rubric": rubric_ref(essay.rubric_version),
        "attempts": essay.attempts,
        "created_at": iso(essay.created_at),
        "started_at": iso(essay.started_at),
        "finished_at": iso(essay.finished_at),
        "text": essay.text,
        "result": document,
        "overrides": [{"criterion": o.criterion, "level": o.level, "comment": o.comment,
                       "teacher": str(o.teacher_id), "created_at": iso(o.created_at)}
                      for o in overrides.values()],
    }
    return student_view(body, essay) if for_student else body


def batch_detail(session: Session, batch: Batch, with_essays: bool = True) -> dict[str, Any]:
    counts = queries.status_counts(session, batch)
    total = sum(counts.values())
    finished = counts["done"] + counts["failed"]
    report = batch.report or {}
    body: dict[str, Any] = {
        "id": batch.id,
        "url": url_for("batches.Batch", batch_id=batch.id, _external=True),
        "title": batch.title,
        "rubric": rubric_ref(batch.rubric_version),
        "question": question_summary(batch.question),
        "created_at": iso(batch.created_at),
        "counts": counts,
        "total": total,
        "progress": round(finished / total, 4) if total else 1.0,
        "complete": finished == total,
        "completed_at": iso(queries.last_finished(session, batch) or batch.created_at)
        if finished == total else None,  # a batch of no readable essays completed at once
        "report": {"essays": len(report.get("essays", [])),
                   "problems": report.get("problems", []),
                   "duplicates": [{"name": e["name"], "duplicate_of": e["duplicate_of"]}
                                  for e in report.get("essays", []) if e.get("duplicate_of")]},
        "results_csv": url_for("batches.results_csv", batch_id=batch.id, _external=True),
    }
    if with_essays:
        essays = list(session.scalars(queries.with_results(
            queries.batch_essays_query(batch))))
        overrides = queries.latest_overrides(session, [e.id for e in essays])
        body["essays"] = [essay_summary(e, overrides.get(e.id, {})) for e in essays]
    return body


def _essay_ref(essay: Essay) -> dict[str, Any]:
    return {"id": essay.id, "url": url_for("essays.Essay", essay_id=essay.id, _external=True),
            "status": essay.status, "created_at": iso(essay.created_at)}


def assignment_detail(session: Session, assignment: Assignment, user: User) -> dict[str, Any]:
    """An assignment as the API shows it: to its teacher (and admins) every student's newest
    draft with its final levels, and the gradebook's URL; to a student, their own drafts
    (their levels are read on each essay)."""
    version = assignment.rubric.active_version
    body: dict[str, Any] = {
        "id": assignment.id,
        "url": url_for("assignments.AssignmentView", assignment_id=assignment.id,
                       _external=True),
        "title": assignment.title,
        "class": {"id": assignment.school_class.id, "name": assignment.school_class.name},
        "instructions": assignment.instructions,
        "question": question_summary(assignment.question),
        "rubric": rubric_ref(version) if version else None,
        "show_levels": assignment.show_levels,
        "released_at": iso(assignment.released_at) if assignment.released_at else None,
        "created_at": iso(assignment.created_at),
    }
    if user.role == "student":
        body["drafts"] = [_essay_ref(e) for e in session.scalars(
            queries.drafts_for(user, assignment))]
        return body
    body["gradebook_csv"] = url_for("assignments.gradebook_csv", assignment_id=assignment.id,
                                    _external=True)
    body["students"] = [
        {"student": {"id": row.student.id, "email": row.student.email, "name": row.student.name},
         "essay": _essay_ref(row.essay) if row.essay else None,
         "levels": row.levels, "overridden": sorted(row.overridden)}
        for row in gradebook(session, assignment)]
    return body
