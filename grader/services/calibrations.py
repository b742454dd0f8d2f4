"""Calibrations: teachers' scores in, a model version out, activated or rolled back by an admin.

A calibration is asked for with a CSV of scored essays or with the levels teachers set as
overrides. The web process checks the request and copies the scored essays into the
calibration (it never runs spaCy); a worker fits the model (worker/calibrating.py). An admin
activates a ready model for its rubric version, and from then on essays graded against that
version are scored by it; rolling back returns to the model active before it (or the default).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from grader import queries
from grader.ingest.report import IngestError
from grader.ingest.tabular import read_csv
from grader.queueing import send_calibration
from grader.services.overrides import final_levels
from grader.services.questions import QuestionSpec, spec_of_question
from grader.services.rubrics import spec_of
from grader.tables import (
    Calibration,
    CalibrationActivation,
    Essay,
    Override,
    Result,
    RubricVersion,
    User,
    utcnow,
)
from models.calibration.versions import mismatches

# Fewer scored essays than this cannot be cross-validated into an agreement worth reporting
# (the engine refuses them too: models.calibration.model.calibrate).
MIN_SCORED = 10


class CalibrationRequestError(ValueError):
    """A calibration request that cannot be run; the message says why, for the requester."""


class CalibrationStateError(ValueError):
    """An activation or rollback that does not fit the calibration's state (HTTP 409)."""


@dataclass(frozen=True)
class TrainingSet:
    texts: list[str]
    # criterion -> (the column or source the scores came from, one score or None per text)
    targets: dict[str, tuple[str, list[float | None]]]
    # The question a CSV's essays answered (Question.to_dict()), recorded with the model.
    question: dict | None = None
    # Each essay's own question, for essays that were graded against their own (overrides).
    questions: list[dict | None] | None = None

    def as_json(self) -> dict:
        data: dict = {"texts": self.texts,
                      "targets": {criterion: {"column": column, "scores": scores}
                                  for criterion, (column, scores) in self.targets.items()}}
        if self.question is not None:
            data["question"] = self.question
        if self.questions is not None:
            data["questions"] = self.questions
        return data


def _criteria(version: RubricVersion) -> list[str]:
    return ["overall", *(c.id for c in spec_of(version).criteria)]


def _score(value: str, column: str, row: int) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        score = float(value)
    except ValueError:
        raise CalibrationRequestError(
            f"row {row}: column '{column}' holds '{value[:40]}', not a score") from None
    if score != score or abs(score) > 1e6 or abs(score * 2 - round(score * 2)) > 1e-9:
        raise CalibrationRequestError(f"row {row}: column '{column}' holds {value[:40]}; "
                                      f"scores must be whole or half points")
    return score


def score_columns(specs: list[str]) -> dict[str, str]:
    """{criterion: column} from 'COLUMN=CRITERION' entries (as the CLI's --score); blank
    entries are skipped."""
    scores: dict[str, str] = {}
    for spec in (s.strip() for s in specs):
        if not spec:
            continue
        column, _, criterion = spec.rpartition("=")
        if not column.strip() or not criterion.strip():
            raise CalibrationRequestError(f"each scored column is COLUMN=CRITERION, not "
                                          f"'{spec[:60]}'")
        scores[criterion.strip()] = column.strip()
    return scores


def training_from_csv(version: RubricVersion, data: bytes, name: str, text_column: str,
                      scores: Mapping[str, str], max_essays: int,
                      question: QuestionSpec | None = None) -> TrainingSet:
    """The scored essays of a CSV: ``scores`` maps a criterion id (or "overall") to the column
    holding its scores; ``question`` is the one they answered (None: read without one). Rows
    without text are skipped; a blank score leaves that row out of that criterion only."""
    allowed = _criteria(version)
    unknown = [c for c in scores if c not in allowed]
    if unknown:
        raise CalibrationRequestError(f"{', '.join(repr(c) for c in unknown)}: not 'overall' "
                                      f"or a criterion of this rubric ({', '.join(allowed)})")
    if not scores:
        raise CalibrationRequestError("name at least one scored column, as COLUMN=CRITERION")
    try:
        table = read_csv(data, name, max_rows=max_essays, text_column=text_column,
                         keep_columns=list(scores.values()))
    except IngestError as exc:
        raise CalibrationRequestError(f"{name}: {exc}") from exc
    if table.unread:
        raise CalibrationRequestError(f"{name}: more than {max_essays} essays; calibrate on at "
                                      f"most {max_essays} (rows {table.unread[0]}-"
                                      f"{table.unread[1]} were not read)")
    rows = [row for row in table.rows if row.error is None and row.text]
    targets = {criterion: (column, [_score(row.cells[column], column, row.number)
                                    for row in rows])
               for criterion, column in scores.items()}
    return _checked(TrainingSet([row.text for row in rows], targets,
                                question.to_dict() if question is not None else None))


def training_from_overrides(session: Session, user: User, version: RubricVersion,
                            max_essays: int) -> TrainingSet:
    """The essays graded against this rubric version that a teacher reviewed (overrode at
    least one level), with their final levels: the teacher's where set, else the grader's
    level the teacher let stand. Teachers calibrate on their own essays, admins on everyone's.

    A criterion is a target only if teachers overrode it somewhere: otherwise the model would
    only learn to repeat the grader."""
    reviewed = select(Override.essay_id).distinct()
    essays = list(session.scalars(
        queries.essays_of(user).where(Essay.rubric_version_id == version.id,
                                      Essay.status == "done", Essay.id.in_(reviewed))
        .options(selectinload(Essay.result).selectinload(Result.criteria),
                 selectinload(Essay.question))
        .order_by(Essay.id).limit(max_essays + 1)))
    if len(essays) > max_essays:
        raise CalibrationRequestError(f"more than {max_essays} reviewed essays; calibrate on "
                                      f"a CSV of at most {max_essays} instead")
    overrides = queries.latest_overrides(session, [e.id for e in essays])
    levels = [final_levels(e.result, overrides.get(e.id, {})) for e in essays]
    kept = [(essay, final) for essay, final in zip(essays, levels, strict=True) if final]
    overridden = {criterion for essay, _ in kept for criterion in overrides.get(essay.id, {})}
    targets = {criterion: ("teacher overrides",
                           [float(final[criterion]) if criterion in final else None
                            for _, final in kept])
               for criterion in _criteria(version) if criterion in overridden}
    if not targets:
        raise CalibrationRequestError(
            "no essay graded against this rubric version has a teacher's override yet; "
            "review some essays (or upload a CSV of scored essays) first")
    # Each essay is read again against the question it was graded against.
    questions = [spec_of_question(essay.question).to_dict() if essay.question else None
                 for essay, _ in kept]
    return _checked(TrainingSet([essay.text for essay, _ in kept], targets,
                                questions=questions))


def _checked(training: TrainingSet) -> TrainingSet:
    for criterion, (column, scores) in training.targets.items():
        scored = [s for s in scores if s is not None]
        if len(scored) < MIN_SCORED:
            raise CalibrationRequestError(
                f"'{criterion}' ({column}): {len(scored)} scored essays; calibration needs at "
                f"least {MIN_SCORED}, and agreement is only trustworthy from about 30")
        if len(set(scored)) < 2:
            raise CalibrationRequestError(f"'{criterion}' ({column}): every essay has the same "
                                          f"score; calibration needs a range of scores")
    return training


def request_calibration(session: Session, app: Flask, user: User, version: RubricVersion,
                        source: str, source_name: str, training: TrainingSet) -> Calibration:
    """Store the calibration with its scored essays and send it to a worker; commits.

    If the broker is down the calibration stays queued and unsent; the sweeper sends it. One
    at a time per user: a fit takes minutes, and a queue of them would hold up everyone's."""
    pending = queries.pending_calibration(session, user)
    if pending is not None:
        raise CalibrationStateError(f"calibration {pending.id} you asked for is still "
                                    f"{pending.status}; wait for it to finish")
    calibration = Calibration(rubric_version_id=version.id, created_by_id=user.id,
                              source=source, source_name=source_name[:500],
                              training=training.as_json(), essays=len(training.texts))
    session.add(calibration)
    session.commit()
    send(session, app, [calibration.id])
    return calibration


def send(session: Session, app: Flask, calibration_ids: list[int]) -> int:
    """Send these calibrations' messages and record which were sent; commits."""
    sent = 0
    for calibration_id in calibration_ids:
        if not send_calibration(calibration_id, app):
            break  # the broker is down: the sweeper sends the rest when it is back
        session.execute(update(Calibration).where(Calibration.id == calibration_id,
                                                  Calibration.status == "queued")
                        .values(enqueued_at=utcnow()))
        session.commit()
        sent += 1
    return sent


def activate(session: Session, user: User, calibration: Calibration) -> CalibrationActivation:
    """Make a ready calibration the one that scores its rubric version's essays; commits."""
    if calibration.status != "ready":
        raise CalibrationStateError(f"calibration {calibration.id} is {calibration.status}; "
                                    f"only a ready calibration can be activated")
    problems = mismatches(calibration.versions)
    if problems:
        raise CalibrationStateError(f"calibration {calibration.id} was made with "
                                    f"{'; '.join(problems)}; calibrate again to use it")
    current = queries.active_activation(session, calibration.rubric_version_id)
    if current is not None and current.calibration_id == calibration.id:
        return current
    activation = CalibrationActivation(rubric_version_id=calibration.rubric_version_id,
                                       calibration_id=calibration.id, activated_by_id=user.id)
    session.add(activation)
    session.commit()
    return activation


def rollback(session: Session, user: User, version: RubricVersion) -> Calibration | None:
    """Undo the latest activation for this rubric version; returns the calibration now active
    (None: the rubric's default model); commits. The undone step stays in the history."""
    current = queries.active_activation(session, version.id)
    undone = None if current is None else session.scalar(
        update(CalibrationActivation)
        .where(CalibrationActivation.id == current.id,
               CalibrationActivation.rolled_back_at.is_(None))  # not undone meanwhile
        .values(rolled_back_at=utcnow(), rolled_back_by_id=user.id)
        .returning(CalibrationActivation.id).execution_options(synchronize_session=False))
    if undone is None:
        session.rollback()
        raise CalibrationStateError("no calibration is active for this rubric version; "
                                    "essays are already graded by the default model")
    session.commit()
    now_active = queries.active_activation(session, version.id)
    return now_active.calibration if now_active else None


REVIEW_POOL = 2000  # the newest graded essays considered for "review these first"


def essays_to_review_first(session: Session, user: User, version: RubricVersion,
                           count: int = 20) -> list[Essay]:
    """The caller's graded essays on this rubric version, not yet reviewed, whose review
    (overriding or confirming their levels) would teach a calibration on overrides most:
    spread over the grader's range and unlike each other (models/calibration/suggest.py),
    read from their stored results."""
    from models.calibration.suggest import suggest

    reviewed = select(Override.essay_id).distinct()
    essays = list(session.scalars(
        queries.essays_of(user).where(Essay.rubric_version_id == version.id,
                                      Essay.status == "done", Essay.id.not_in(reviewed))
        .options(selectinload(Essay.result)).order_by(Essay.id.desc()).limit(REVIEW_POOL)))
    rows = [_review_row(e.result.document) if e.result is not None else None for e in essays]
    names = next((list(r) for r in rows if r is not None), None)
    if names is None:
        return []
    usable = [r if r is not None and list(r) == names else None for r in rows]
    return [essays[i] for i in suggest(usable, count, names)]


def _review_row(document: Mapping) -> dict[str, float]:
    """What a stored result says of an essay's quality, as numbers to spread a review over."""
    from models.calibration.suggest import OVERALL_PRIOR

    overall = document.get("overall", {})
    row = {OVERALL_PRIOR: float(overall.get("uncapped_score") or overall.get("score") or 0.0),
           "words_log": math.log1p(float(document.get("words") or 0))}
    for criterion in document.get("criteria", []):
        row[f"{criterion['id']}_score"] = float(criterion.get("uncapped_score") or 0.0)
        row[f"{criterion['id']}_raw"] = float(criterion.get("raw") or 0.0)
    return row
