"""Results as CSV for a gradebook: a batch's (one row per essay) and an assignment's (one row
per enrolled student), one column per criterion.

Cells that a spreadsheet would run as a formula (starting with = + - @, tab or carriage return)
are prefixed with an apostrophe: a student's label must never execute in a teacher's Excel.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable

from flask import Response
from sqlalchemy.orm import Session

from grader import queries
from grader.services.gradebook import GradebookRow, gradebook
from grader.services.overrides import final_levels
from grader.services.rubrics import spec_of
from grader.tables import Assignment, Batch, Essay, Override

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def results_csv(essays: Iterable[Essay], criteria: list[str],
                overrides: dict[int, dict[str, Override]]) -> str:
    """One row per essay: final levels, then (when a calibration scored any of the essays) its
    scores on the teacher's scale, one ``calibrated_<criterion>`` column each."""
    essays = list(essays)
    order = {name: i for i, name in enumerate([*criteria, "overall"])}
    calibrated = sorted({name for e in essays if e.result and e.result.calibrated_scores
                         for name in e.result.calibrated_scores},
                        key=lambda name: (order.get(name, len(order)), name))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["essay_id", "label", "file", "status", *criteria, "overall",
                     "overall_score", "confidence", "flags", "overridden", "error",
                     *(f"calibrated_{name}" for name in calibrated),
                     *(["calibration"] if calibrated else [])])
    for essay in essays:
        result = essay.result
        mine = overrides.get(essay.id, {})
        levels = final_levels(result, mine) or {}
        row = [essay.id, essay.label, essay.source_name, essay.status,
               *(levels.get(c, "") for c in criteria), levels.get("overall", ""),
               f"{result.overall_score:.2f}" if result else "",
               f"{result.confidence:.2f}" if result else "",
               ";".join(result.flags) if result else "", ";".join(sorted(mine)),
               essay.error or ""]
        row = [neutralise(cell) for cell in row]
        if calibrated:  # numbers, written as numbers (a negative score is not a formula)
            scores = (result.calibrated_scores if result else None) or {}
            row += [f"{scores[name]:g}" if name in scores else "" for name in calibrated]
            row.append(result.calibration_id if result and result.calibration_id else "")
        writer.writerow(row)
    return buffer.getvalue()


def batch_results_response(session: Session, batch: Batch) -> Response:
    """A batch's results as a CSV download (for the API and the pages alike)."""
    # Results and their levels in two queries, without the large result documents and texts.
    essays = list(session.scalars(queries.with_results(queries.batch_essays_query(batch))))
    overrides = queries.latest_overrides(session, [e.id for e in essays])
    criteria = [c.id for c in spec_of(batch.rubric_version).criteria]
    filename = re.sub(r"[^A-Za-z0-9._-]+", "-", batch.title).strip("-")[:80] or "batch"
    return Response(results_csv(essays, criteria, overrides), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="{filename}-{batch.id}.csv"'})


def gradebook_csv(rows: Iterable[GradebookRow], criteria: list[str],
                  essay_url: Callable[[int], str]) -> str:
    """One row per student: name, email, their newest draft's final levels (a teacher's where
    overridden, listed in ``overridden``), overall, flags and the essay's link."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["student", "email", "essay_id", "status", *criteria, "overall",
                     "overridden", "flags", "essay_url"])
    for row in rows:
        essay, levels = row.essay, row.levels or {}
        result = essay.result if essay else None
        writer.writerow([neutralise(cell) for cell in [
            row.student.name, row.student.email, essay.id if essay else "",
            essay.status if essay else "no draft", *(levels.get(c, "") for c in criteria),
            levels.get("overall", ""), ";".join(sorted(row.overridden)),
            ";".join(result.flags) if result else "", essay_url(essay.id) if essay else ""]])
    return buffer.getvalue()


def gradebook_response(session: Session, assignment: Assignment,
                       essay_url: Callable[[int], str]) -> Response:
    """An assignment's gradebook as a CSV download (for the API and the pages alike)."""
    version = assignment.rubric.active_version
    criteria = [c.id for c in spec_of(version).criteria] if version else []
    filename = re.sub(r"[^A-Za-z0-9._-]+", "-", assignment.title).strip("-")[:80] or \
        "assignment"
    return Response(gradebook_csv(gradebook(session, assignment), criteria, essay_url),
                    mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}-'
                                                    f'{assignment.id}-gradebook.csv"'})
