"""Fitting a calibration for a worker: claim it, fit the model, store it with its agreement.

As with grading, three steps with the long work outside any transaction: a compare-and-set
claim under the message's id (a duplicate message leaves it alone; one whose worker died is
taken over once it is stale), the fit, and a write that only the holder can make.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import sessionmaker

from grader.signing import sign
from grader.tables import Calibration, RubricVersion, utcnow
from models.calibration.model import CalibrationModel, calibrate, features_of, library_versions
from models.engine import Engine
from models.errors import CalibrationError
from models.question import Question
from worker.grading import EngineFor

log = logging.getLogger(__name__)
LEFT_OUT_LISTED = 50  # rows named in the report; the count covers the rest


def claim(sessions: sessionmaker, calibration_id: int, token: str, max_attempts: int,
          stale_before: datetime) -> str:
    """Take the calibration for this message ("running"); commits. Out of attempts, it fails
    instead ("failed"); held by another message, or finished, it is left alone ("skipped")."""
    now = utcnow()
    claimable = and_(Calibration.id == calibration_id, or_(
        Calibration.status == "queued",
        and_(Calibration.status == "running",
             or_(Calibration.claim_token == token, Calibration.started_at < stale_before))))
    with sessions() as session:
        exhausted = session.scalar(
            update(Calibration).where(claimable, Calibration.attempts >= max_attempts)
            .values(status="failed", finished_at=now, claim_token=None,
                    error=f"the calibration stopped before finishing {max_attempts} times "
                          f"(the worker was killed or ran out of memory)")
            .returning(Calibration.id))
        taken = session.scalar(
            update(Calibration).where(claimable)
            .values(status="running", started_at=now, attempts=Calibration.attempts + 1,
                    claim_token=token)
            .returning(Calibration.id))
        session.commit()
    return "failed" if exhausted is not None else "running" if taken is not None else "skipped"


def fit(training: dict, engine: Engine, folds: int = 5) -> tuple[CalibrationModel, dict]:
    """The model and its report from a calibration's stored training set: a CSV's essays read
    against the question sent with them (recorded with the model), teachers' reviewed essays
    each against the question it was graded against."""
    texts = training["texts"]
    question = Question.from_dict(training["question"]) if training.get("question") else None
    per_essay = training.get("questions")
    questions = [Question.from_dict(q) if q else None for q in per_essay] \
        if per_essay is not None else question
    rows, errors = features_of(engine, texts, questions)
    targets = {criterion: (target["column"], target["scores"])
               for criterion, target in training["targets"].items()}
    model = calibrate(engine, rows, targets, folds=folds, question=question)
    left_out = [{"essay": number, "reason": error}
                for number, error in enumerate(errors, start=1) if error]
    report = {"folds": folds, "trained_on": model.trained_on, "targets": model.report(),
              "left_out": len(left_out), "left_out_essays": left_out[:LEFT_OUT_LISTED],
              "question": question.text if question is not None else None}
    return model, report


def finish(sessions: sessionmaker, calibration_id: int, token: str, **values: object) -> bool:
    """Store the outcome if this message still holds the calibration; commits."""
    with sessions() as session:
        done = session.scalar(
            update(Calibration).where(Calibration.id == calibration_id,
                                      Calibration.status == "running",
                                      Calibration.claim_token == token)
            .values(finished_at=utcnow(), claim_token=None, **values)
            .returning(Calibration.id))
        session.commit()
    return done is not None


def run_calibration(sessions: sessionmaker, calibration_id: int, engine_for: EngineFor,
                    token: str, max_attempts: int, stale_after: float,
                    time_limit: float, secret_key: str) -> str:
    """Claim, fit and store one calibration (the calibration task's whole job); returns the
    status this message left it in: "ready", "failed", or "skipped" (another message holds it,
    or it is finished). The model is stored signed with ``secret_key`` (grader/signing.py)."""
    stale_before = utcnow() - timedelta(seconds=stale_after)
    claimed = claim(sessions, calibration_id, token, max_attempts, stale_before)
    if claimed != "running":
        return claimed
    with sessions() as session:
        calibration = session.get(Calibration, calibration_id)
        if calibration is None:  # deleted since it was claimed
            return "skipped"
        training = calibration.training
        version = session.scalar(select(RubricVersion).where(
            RubricVersion.id == calibration.rubric_version_id))
        _ = version.rubric.slug  # loaded now: the engine needs it after the session ends
    try:
        model, report = fit(training, engine_for(version))
    except CalibrationError as exc:
        return _failed(sessions, calibration_id, token, str(exc))
    except SoftTimeLimitExceeded:
        return _failed(sessions, calibration_id, token,
                       f"the calibration took longer than the {time_limit:g} s limit; "
                       f"calibrate on fewer essays or ask an administrator")
    except Exception as exc:
        log.exception("calibration %s broke the engine", calibration_id)
        return _failed(sessions, calibration_id, token,
                       f"the grader failed on this calibration ({type(exc).__name__}); it has "
                       f"been logged for the developers")
    stored = finish(sessions, calibration_id, token, status="ready", error=None,
                    model=sign(model.to_bytes(), secret_key), report=report,
                    versions=library_versions())
    return "ready" if stored else "skipped"


def _failed(sessions: sessionmaker, calibration_id: int, token: str, reason: str) -> str:
    stored = finish(sessions, calibration_id, token, status="failed", error=reason)
    return "failed" if stored else "skipped"
