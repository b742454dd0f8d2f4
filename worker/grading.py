"""Grading a chunk of essays for a worker: claim, grade through the engine, write results.

Three short transactions, with the engine's work outside any of them:
1. claim: each essay is taken by compare-and-set, under the message's id (its claim token):
   queued essays, essays this same message held before (a retry or redelivery), or essays
   running so long that their holder is gone. Finished essays and essays another message holds
   are skipped, so a duplicate message never grades an essay twice at the same time;
2. grade: the engine grades the chunk through ``nlp.pipe``, each essay against its own stored
   question (an assignment's essays also against the words its class's graded essays share,
   once there are enough of them); an essay that breaks the engine is retried alone, so one
   bad essay never fails its neighbours. A chunk whose essays were tried before is split
   first, so an essay that kills its worker fails alone. Where an admin has activated a
   calibration for the rubric version, the engine scores the essays with it;
3. write: one result per essay and rubric version (a unique key; an existing result is kept),
   with the essay's content words for its class's later essays, and the essay becomes done or
   failed with its reason, if this message still holds it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from grader.services.questions import spec_from_columns
from grader.tables import Essay, Question, Result, ResultCriterion, RubricVersion, utcnow
from models.calibration.applied import AppliedCalibration
from models.engine import Engine, EssayInput
from models.features.class_terms import class_key_terms, class_terms_of
from models.question import Question as QuestionSpec
from models.result import GradeResult

log = logging.getLogger(__name__)

EngineFor = Callable[[RubricVersion], Engine]


CalibrationFor = Callable[[Session, RubricVersion], AppliedCalibration | None]


@dataclass
class ChunkReport:
    graded: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    split: list[int] = field(default_factory=list)  # released, to be sent one by one


@dataclass(frozen=True)
class _Claimed:
    id: int
    text: str
    rubric_version_id: int
    attempts: int = 1
    # The stored question it answers (None: the rubric's own, if any), with class terms added.
    question: QuestionSpec | None = None
    assignment_id: int | None = None
    question_id: int | None = None


@dataclass(frozen=True)
class _Outcome:
    essay_id: int
    result: GradeResult | None
    error: str | None
    elapsed_ms: int
    # Its content words, for its class's later essays (None when they would mislead them).
    terms: dict[str, int] | None = None


def _claimable(token: str, stale_before: datetime) -> ColumnElement[bool]:
    """Queued, or running under this message (a retry or redelivery of it), or running so long
    that whoever held it is gone. Anything else belongs to another message or is finished."""
    return or_(Essay.status == "queued",
               and_(Essay.status == "running",
                    or_(Essay.claim_token == token, Essay.started_at < stale_before)))


def claim(session: Session, essay_ids: Sequence[int], max_attempts: int, token: str,
          stale_before: datetime, report: ChunkReport) -> list[_Claimed]:
    """Take the essays this message may grade (compare-and-set, so two messages never hold
    one essay); commits. An essay out of attempts fails with the reason instead."""
    now = utcnow()
    ids = sorted(set(essay_ids))
    claimable = and_(Essay.id.in_(ids), _claimable(token, stale_before))
    exhausted = session.scalars(
        update(Essay).where(claimable, Essay.attempts >= max_attempts)
        .values(status="failed", finished_at=now, claim_token=None,
                error=f"grading stopped before finishing {max_attempts} times (the worker "
                      f"was killed or ran out of time); a teacher can resubmit it")
        .returning(Essay.id)).all()
    taken = session.scalars(
        update(Essay).where(claimable)
        .values(status="running", started_at=now, attempts=Essay.attempts + 1,
                claim_token=token)
        .returning(Essay.id)).all()
    report.failed.extend(sorted(exhausted))
    decided = {*exhausted, *taken}
    report.skipped.extend(i for i in ids if i not in decided)
    session.commit()
    rows = session.execute(
        select(Essay.id, Essay.text, Essay.rubric_version_id, Essay.attempts,
               Essay.assignment_id, Essay.question_id, Question.text, Question.key_terms,
               Question.period, Question.sources)
        .outerjoin(Question, Question.id == Essay.question_id)
        .where(Essay.id.in_(taken)).order_by(Essay.id))
    return [_Claimed(essay_id, text, version_id, attempts,
                     spec_from_columns(*question) if question[0] is not None else None,
                     assignment_id, question_id)
            for essay_id, text, version_id, attempts, assignment_id, question_id, *question
            in rows]


# The graded essays of an assignment whose words make its class terms: the newest, at most.
CLASS_ESSAYS = 300


def with_class_terms(session: Session, claimed: Sequence[_Claimed]) -> list[_Claimed]:
    """The claimed essays, those of an assignment with the words most of its class's graded
    essays on the same question share added to their question (models/features/
    class_terms.py). A student's drafts count once (the newest), so one student revising ten
    times is not a class; the essays being graded now do not count themselves."""
    own = {item.id for item in claimed}
    terms_for: dict[tuple[int, int], tuple[str, ...]] = {}
    for key in {(c.assignment_id, c.question_id) for c in claimed
                if c.assignment_id is not None and c.question is not None}:
        terms_for[key] = tuple(class_key_terms(_class_essays(session, *key, own)))
    out = []
    for item in claimed:
        terms = terms_for.get((item.assignment_id, item.question_id))
        if terms:
            item = replace(item, question=item.question.with_class_terms(terms))
        out.append(item)
    return out


def _class_essays(session: Session, assignment_id: int, question_id: int,
                  own: set[int]) -> list[dict[str, int]]:
    rows = session.execute(
        select(Essay.owner_id, Essay.batch_id, Result.terms)
        .join(Result, and_(Result.essay_id == Essay.id,
                           Result.rubric_version_id == Essay.rubric_version_id))
        .where(Essay.assignment_id == assignment_id, Essay.question_id == question_id,
               Essay.status == "done", Result.terms.is_not(None), Essay.id.not_in(own))
        .order_by(Essay.id.desc()).limit(CLASS_ESSAYS * 3))
    seen: set[int] = set()
    essays = []
    for owner_id, batch_id, terms in rows:
        if batch_id is None:  # a draft: only each student's newest
            if owner_id in seen:
                continue
            seen.add(owner_id)
        essays.append(terms)
        if len(essays) == CLASS_ESSAYS:
            break
    return essays


def release(sessions: sessionmaker, essay_ids: Sequence[int], token: str) -> list[int]:
    """Give back essays this message holds, without charging the attempt; commits.

    Used to split a chunk so that each essay is graded alone: after a chunk ran out of time,
    or when its essays were already tried once (a worker died on the chunk, maybe because of
    one of them)."""
    with sessions() as session:
        released = list(session.scalars(
            update(Essay).where(Essay.id.in_(essay_ids), Essay.status == "running",
                                Essay.claim_token == token)
            .values(status="queued", attempts=Essay.attempts - 1, claim_token=None,
                    enqueued_at=utcnow())
            .returning(Essay.id)))
        session.commit()
    return sorted(released)


def grade(claimed: Sequence[_Claimed], versions: dict[int, RubricVersion],
          engine_for: EngineFor,
          calibrations: dict[int, AppliedCalibration | None] | None = None) -> list[_Outcome]:
    outcomes: list[_Outcome] = []
    by_version: dict[int, list[_Claimed]] = {}
    for item in claimed:
        by_version.setdefault(item.rubric_version_id, []).append(item)
    for version_id, items in by_version.items():
        engine = engine_for(versions[version_id])
        calibration = (calibrations or {}).get(version_id)
        try:
            outcomes.extend(_grade_together(engine, items, calibration))
        except SoftTimeLimitExceeded:
            raise  # the task splits the chunk; this is not the engine's fault
        except Exception:
            log.exception("a chunk of %d essays broke the engine; grading them one by one",
                          len(items))
            outcomes.extend(_grade_alone(engine, item, calibration) for item in items)
    return outcomes


def _grade_together(engine: Engine, items: Sequence[_Claimed],
                    calibration: AppliedCalibration | None) -> list[_Outcome]:
    outcomes = []
    started = time.perf_counter()
    inputs = (EssayInput(str(item.id), item.text, item.question) for item in items)
    for item, (source, analysis, error) in zip(items, engine.analyse_many(inputs), strict=True):
        result = engine.result(source, analysis, calibration) if analysis is not None else None
        now = time.perf_counter()
        terms = class_terms_of(analysis.scored, (f.code for f in analysis.integrity.flags)) \
            if analysis is not None else None
        outcomes.append(_Outcome(item.id, result, error, round((now - started) * 1000), terms))
        started = now
    return outcomes


def _grade_alone(engine: Engine, item: _Claimed,
                 calibration: AppliedCalibration | None) -> _Outcome:
    started = time.perf_counter()
    try:
        return _grade_together(engine, [item], calibration)[0]
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:
        log.exception("essay %s broke the engine", item.id)
        return _Outcome(item.id, None, f"the grader failed on this essay ({type(exc).__name__}); "
                                       f"it has been logged for the developers",
                        round((time.perf_counter() - started) * 1000))


def write(session: Session, outcomes: Sequence[_Outcome], claimed: Sequence[_Claimed],
          token: str, report: ChunkReport) -> None:
    """Store results and final statuses for the essays this message still holds; commits.

    Idempotent: one result per essay and rubric version, whoever writes first."""
    versions = {item.id: item.rubric_version_id for item in claimed}
    ids = [o.essay_id for o in outcomes]
    held = {e.id: e for e in session.scalars(select(Essay).where(
        Essay.id.in_(ids), Essay.status == "running", Essay.claim_token == token))}
    stored = {tuple(row) for row in session.execute(
        select(Result.essay_id, Result.rubric_version_id).where(Result.essay_id.in_(ids)))}
    new = [(o.essay_id, versions[o.essay_id], o) for o in outcomes
           if o.essay_id in held and o.result is not None
           and (o.essay_id, versions[o.essay_id]) not in stored]
    unstorable = _insert_results(session, new)
    now = utcnow()
    for outcome in outcomes:
        essay = held.get(outcome.essay_id)
        if essay is None:
            report.skipped.append(outcome.essay_id)  # finished, or taken over after a stall
            continue
        error = outcome.error if outcome.result is None else unstorable.get(essay.id)
        essay.status = "failed" if error else "done"
        essay.error, essay.finished_at, essay.claim_token = error, now, None
        (report.failed if error else report.graded).append(essay.id)
    session.commit()


def _result_row(essay_id: int, version_id: int, outcome: _Outcome) -> Result:
    """The stored row of a result, as the engine scored it (a calibration included)."""
    result = outcome.result
    used = result.calibration
    return Result(
        essay_id=essay_id, rubric_version_id=version_id, overall_score=result.overall_score,
        overall_level=result.overall_level, confidence=result.overall_confidence,
        flags=list(result.flag_codes), document=result.to_dict(),
        engine_version=result.engine_version, pipeline=result.pipeline,
        grading_ms=outcome.elapsed_ms,
        calibration_id=used.id if used is not None and used.scores else None,
        calibrated_scores=used.scores if used is not None else None, terms=outcome.terms,
        criteria=[ResultCriterion(criterion=c.id, level=c.level, score=c.score,
                                  confidence=c.confidence) for c in result.criteria])


def _insert_results(session: Session,
                    new: list[tuple[int, int, _Outcome]]) -> dict[int, str]:
    """Insert the chunk's results together, or one by one if that fails; returns the essays
    whose result could not be stored, with the reason. A result another delivery stored first
    counts as stored."""
    try:
        with session.begin_nested():
            session.add_all([_result_row(*item) for item in new])
        return {}
    except SQLAlchemyError:
        pass
    unstorable = {}
    for essay_id, version_id, outcome in new:
        try:
            with session.begin_nested():
                session.add(_result_row(essay_id, version_id, outcome))
        except IntegrityError:
            log.info("result for essay %s already stored by another delivery", essay_id)
        except SQLAlchemyError as exc:
            log.exception("could not store the result of essay %s", essay_id)
            unstorable[essay_id] = (f"the result could not be stored "
                                    f"({type(exc).__name__}); it has been logged")
    return unstorable


def grade_chunk(sessions: sessionmaker, essay_ids: Sequence[int], engine_for: EngineFor,
                max_attempts: int, token: str, stale_after: float,
                calibration_for: CalibrationFor | None = None) -> ChunkReport:
    """Claim, grade and store a chunk of essays (the grading task's whole job).

    ``token`` identifies the message (its task id); ``stale_after`` is how long an essay may
    run before another message may take it over; ``calibration_for`` finds the calibration
    active for a rubric version (None: grade with the default model only)."""
    report = ChunkReport()
    began = time.perf_counter()
    stale_before = utcnow() - timedelta(seconds=stale_after)
    with sessions() as session:
        claimed = claim(session, essay_ids, max_attempts, token, stale_before, report)
        if not claimed:
            return report
        if len(claimed) > 1 and any(item.attempts > 1 for item in claimed):
            # Tried before and never finished: a worker may have died on one of them.
            report.split = release(sessions, [item.id for item in claimed], token)
            return report
        versions = {v.id: v for v in session.scalars(
            select(RubricVersion).where(RubricVersion.id.in_(
                {c.rubric_version_id for c in claimed})))}
        for version in versions.values():
            _ = version.rubric.slug  # loaded now: the engine may need it after the session ends
        calibrations = {v.id: calibration_for(session, v) for v in versions.values()} \
            if calibration_for is not None else {}
        claimed = with_class_terms(session, claimed)
    claimed_at = time.perf_counter()
    outcomes = grade(claimed, versions, engine_for, calibrations)
    graded_at = time.perf_counter()
    with sessions() as session:
        write(session, outcomes, claimed, token, report)
    # Where a chunk's time goes: the claim and the write are the service's cost over the engine.
    log.info("chunk of %d essays: claim %.0f ms, grading %.0f ms, write %.0f ms", len(claimed),
             (claimed_at - began) * 1000, (graded_at - claimed_at) * 1000,
             (time.perf_counter() - graded_at) * 1000)
    return report


def fail_for_time(sessions: sessionmaker, essay_id: int, token: str,
                  limit_seconds: float) -> None:
    """An essay that alone took longer than the time limit fails with that reason; commits."""
    with sessions() as session:
        session.execute(
            update(Essay).where(Essay.id == essay_id, Essay.status == "running",
                                Essay.claim_token == token)
            .values(status="failed", finished_at=utcnow(), claim_token=None,
                    error=f"grading took longer than the {limit_seconds:g} s limit; "
                          f"shorten the essay or ask an administrator"))
        session.commit()
