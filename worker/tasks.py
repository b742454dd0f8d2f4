"""Celery tasks: thin, named, taking ids. The work is in worker.grading and grader.services."""

from __future__ import annotations

import logging
from functools import partial

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app
from sqlalchemy.exc import DBAPIError, OperationalError

from grader.db import database, get_session
from grader.queueing import CALIBRATE_TASK, GRADE_TASK, SWEEP_TASK, send_grading
from grader.services.sweeper import sweep
from worker.calibrating import run_calibration
from worker.engines import calibration_for, engine_for
from worker.grading import fail_for_time, grade_chunk, release

log = logging.getLogger(__name__)


@shared_task(name=GRADE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError,), retry_backoff=2, retry_backoff_max=30,
             retry_jitter=True, max_retries=5)
def grade_essays(self, essay_ids: list[int]) -> dict[str, list[int]]:
    """Grade these essays (skipping any finished or held by another message); store results."""
    config = current_app.config
    sessions = database().sessions
    # Retries and redeliveries keep the task id, so they may take back what this message held.
    token = self.request.id or f"local-{id(self)}"
    try:
        report = grade_chunk(sessions, essay_ids, engine_for, config["GRADER_MAX_ATTEMPTS"],
                             token, config["GRADER_REQUEUE_RUNNING_AFTER"],
                             partial(calibration_for, secret_key=config["SECRET_KEY"]))
    except SoftTimeLimitExceeded:
        if len(essay_ids) > 1:
            # One slow essay must not sink its chunk: send each alone to find the culprit.
            log.warning("chunk %s ran out of time; sending its essays one by one", essay_ids)
            return {"split": _send_alone(release(sessions, essay_ids, token))}
        fail_for_time(sessions, essay_ids[0], token, config["CELERY"]["task_soft_time_limit"])
        return {"failed": list(essay_ids)}
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise self.retry(exc=exc) from exc
        raise
    if report.split:
        log.warning("chunk %s was tried before; sending its essays one by one", essay_ids)
        _send_alone(report.split)
    return {"graded": report.graded, "failed": report.failed, "skipped": report.skipped,
            "split": report.split}


def _send_alone(essay_ids: list[int]) -> list[int]:
    """One message per essay; any the broker refuses stay queued for the sweeper."""
    for essay_id in essay_ids:
        send_grading([essay_id])
    return essay_ids


@shared_task(name=CALIBRATE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError,), retry_backoff=2, retry_backoff_max=30,
             retry_jitter=True, max_retries=5)
def calibrate_rubric(self, calibration_id: int) -> str:
    """Fit a calibration on its stored scored essays; store the model and its agreement."""
    config = current_app.config
    token = self.request.id or f"local-{id(self)}"
    return run_calibration(database().sessions, calibration_id, engine_for, token,
                           config["GRADER_MAX_ATTEMPTS"],
                           config["GRADER_REQUEUE_CALIBRATION_AFTER"],
                           config["GRADER_CALIBRATION_SOFT_LIMIT"], config["SECRET_KEY"])


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep_stale() -> dict[str, int]:
    """Send again essays whose grading message was lost (run every few seconds by beat)."""
    report = sweep(get_session(), current_app)
    if report.sent or report.unsent or report.lost or report.stalled or report.calibrations:
        log.info("sweeper: %s", report)
    return report.__dict__
