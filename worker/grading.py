"""Grading a chunk of essays for a worker: claim, grade through the engine, write results.

Three short transactions, with the engine's work outside any of them:
1. claim: pending essays become running and count an attempt (finished ones are skipped, so a
   redelivered message does no harm; an essay past its attempts fails with the reason);
2. grade: the engine grades the chunk through ``nlp.pipe``; an essay that breaks the engine is
   retried alone, so one bad essay never fails its neighbours;
3. write: one result per essay and rubric version (a unique key; an existing result is kept),
   and the essay becomes done or failed with its reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from grader.tables import PENDING, Essay, Result, ResultCriterion, RubricVersion, utcnow
from models.engine import Engine, EssayInput
from models.result import GradeResult

log = logging.getLogger(__name__)

EngineFor = Callable[[RubricVersion], Engine]


@dataclass
class ChunkReport:
    graded: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Claimed:
    id: int
    text: str
    rubric_version_id: int


@dataclass(frozen=True)
class _Outcome:
    essay_id: int
    result: GradeResult | None
    error: str | None
    elapsed_ms: int


def claim(session: Session, essay_ids: Sequence[int], max_attempts: int,
          report: ChunkReport) -> list[_Claimed]:
    """Mark pending essays running; commits. Essays out of attempts fail with the reason."""
    claimed = []
    essays = session.scalars(select(Essay).where(Essay.id.in_(essay_ids)).order_by(Essay.id))
    now = utcnow()
    found = set()
    for essay in essays:
        found.add(essay.id)
        if essay.status not in PENDING:
            report.skipped.append(essay.id)
            continue
        if essay.attempts >= max_attempts:
            essay.status, essay.finished_at = "failed", now
            essay.error = (f"grading stopped before finishing {essay.attempts} times "
                           f"(the worker was killed or ran out of time); a teacher can resubmit it")
            report.failed.append(essay.id)
            continue
        essay.status, essay.started_at, essay.attempts = "running", now, essay.attempts + 1
        claimed.append(_Claimed(essay.id, essay.text, essay.rubric_version_id))
    report.skipped.extend(i for i in essay_ids if i not in found)
    session.commit()
    return claimed


def grade(claimed: Sequence[_Claimed], versions: dict[int, RubricVersion],
          engine_for: EngineFor) -> list[_Outcome]:
    outcomes: list[_Outcome] = []
    by_version: dict[int, list[_Claimed]] = {}
    for item in claimed:
        by_version.setdefault(item.rubric_version_id, []).append(item)
    for version_id, items in by_version.items():
        engine = engine_for(versions[version_id])
        try:
            outcomes.extend(_grade_together(engine, items))
        except SoftTimeLimitExceeded:
            raise  # the task splits the chunk; this is not the engine's fault
        except Exception:
            log.exception("a chunk of %d essays broke the engine; grading them one by one",
                          len(items))
            outcomes.extend(_grade_alone(engine, item) for item in items)
    return outcomes


def _grade_together(engine: Engine, items: Sequence[_Claimed]) -> Iterable[_Outcome]:
    outcomes = []
    started = time.perf_counter()
    inputs = (EssayInput(str(item.id), item.text) for item in items)
    for item, outcome in zip(items, engine.grade_many(inputs), strict=True):
        now = time.perf_counter()
        outcomes.append(_Outcome(item.id, outcome.result, outcome.error,
                                 round((now - started) * 1000)))
        started = now
    return outcomes


def _grade_alone(engine: Engine, item: _Claimed) -> _Outcome:
    started = time.perf_counter()
    try:
        outcome = next(iter(engine.grade_many([EssayInput(str(item.id), item.text)])))
        return _Outcome(item.id, outcome.result, outcome.error,
                        round((time.perf_counter() - started) * 1000))
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:
        log.exception("essay %s broke the engine", item.id)
        return _Outcome(item.id, None, f"the grader failed on this essay ({type(exc).__name__}); "
                                       f"it has been logged for the developers", 0)


def write(session: Session, outcomes: Sequence[_Outcome], claimed: Sequence[_Claimed],
          report: ChunkReport) -> None:
    """Store results and final statuses; commits. Idempotent per essay and rubric version."""
    versions = {item.id: item.rubric_version_id for item in claimed}
    ids = [o.essay_id for o in outcomes]
    essays = {e.id: e for e in session.scalars(select(Essay).where(Essay.id.in_(ids)))}
    stored = {tuple(row) for row in session.execute(
        select(Result.essay_id, Result.rubric_version_id).where(Result.essay_id.in_(ids)))}
    now = utcnow()
    rows = []
    for outcome in outcomes:
        essay = essays.get(outcome.essay_id)
        if essay is None or essay.status == "done":
            report.skipped.append(outcome.essay_id)
            continue
        if outcome.result is None:
            essay.status, essay.error, essay.finished_at = "failed", outcome.error, now
            report.failed.append(essay.id)
            continue
        if (essay.id, versions[essay.id]) not in stored:
            rows.append(_result_row(essay.id, versions[essay.id], outcome))
        essay.status, essay.error, essay.finished_at = "done", None, now
        report.graded.append(essay.id)
    _insert_results(session, rows)
    session.commit()


def _result_row(essay_id: int, version_id: int, outcome: _Outcome) -> Result:
    result = outcome.result
    return Result(
        essay_id=essay_id, rubric_version_id=version_id, overall_score=result.overall_score,
        overall_level=result.overall_level, confidence=result.overall_confidence,
        flags=list(result.flag_codes), document=result.to_dict(),
        engine_version=result.engine_version, pipeline=result.pipeline,
        grading_ms=outcome.elapsed_ms,
        criteria=[ResultCriterion(criterion=c.id, level=c.level, score=c.score,
                                  confidence=c.confidence) for c in result.criteria])


def _insert_results(session: Session, rows: list[Result]) -> None:
    """Insert the chunk's results together; if another delivery got there first, one by one."""
    try:
        with session.begin_nested():
            session.add_all(rows)
        return
    except IntegrityError:
        pass
    for row in rows:
        try:
            with session.begin_nested():
                session.add(_copy(row))
        except IntegrityError:
            # Another delivery of the same message wrote it first: keep that one.
            log.info("result for essay %s already stored by another delivery", row.essay_id)


def _copy(row: Result) -> Result:
    return Result(essay_id=row.essay_id, rubric_version_id=row.rubric_version_id,
                  overall_score=row.overall_score, overall_level=row.overall_level,
                  confidence=row.confidence, flags=row.flags, document=row.document,
                  engine_version=row.engine_version, pipeline=row.pipeline,
                  grading_ms=row.grading_ms,
                  criteria=[ResultCriterion(criterion=c.criterion, level=c.level, score=c.score,
                                            confidence=c.confidence) for c in row.criteria])


def grade_chunk(sessions: sessionmaker, essay_ids: Sequence[int], engine_for: EngineFor,
                max_attempts: int) -> ChunkReport:
    """Claim, grade and store a chunk of essays (the grading task's whole job)."""
    report = ChunkReport()
    with sessions() as session:
        claimed = claim(session, essay_ids, max_attempts, report)
        if not claimed:
            return report
        versions = {v.id: v for v in session.scalars(
            select(RubricVersion).where(RubricVersion.id.in_(
                {c.rubric_version_id for c in claimed})))}
        for version in versions.values():
            _ = version.rubric.slug  # loaded now: the engine may need it after the session ends
    outcomes = grade(claimed, versions, engine_for)
    with sessions() as session:
        write(session, outcomes, claimed, report)
    return report


def fail_for_time(sessions: sessionmaker, essay_id: int, limit_seconds: float) -> None:
    """An essay that alone took longer than the time limit fails with that reason; commits."""
    with sessions() as session:
        essay = session.get(Essay, essay_id)
        if essay is not None and essay.status in PENDING:
            essay.status, essay.finished_at = "failed", utcnow()
            essay.error = (f"grading took longer than the {limit_seconds:g} s limit; "
                           f"shorten the essay or ask an administrator")
            session.commit()
