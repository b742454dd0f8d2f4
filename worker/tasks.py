"""Celery tasks: thin, named, taking ids. The work is in worker.grading and grader.services."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app
from sqlalchemy.exc import DBAPIError, OperationalError

from grader.db import database, get_session
from grader.queueing import GRADE_TASK, SWEEP_TASK, send_grading
from grader.services.sweeper import sweep
from worker.engines import engine_for
from worker.grading import fail_for_time, grade_chunk

log = logging.getLogger(__name__)


@shared_task(name=GRADE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError,), retry_backoff=2, retry_backoff_max=60,
             retry_jitter=True, max_retries=8)
def grade_essays(self, essay_ids: list[int]) -> dict[str, list[int]]:
    """Grade these essays (skipping any already finished) and store their results."""
    try:
        report = grade_chunk(database().sessions, essay_ids, engine_for,
                             current_app.config["GRADER_MAX_ATTEMPTS"])
    except SoftTimeLimitExceeded:
        if len(essay_ids) > 1:
            # One slow essay must not sink its chunk: send each alone to find the culprit.
            log.warning("chunk %s ran out of time; sending its essays one by one", essay_ids)
            for essay_id in essay_ids:
                send_grading([essay_id])
            return {"split": list(essay_ids)}
        fail_for_time(database().sessions, essay_ids[0],
                      current_app.config["CELERY"]["task_soft_time_limit"])
        return {"failed": list(essay_ids)}
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise self.retry(exc=exc) from exc
        raise
    return {"graded": report.graded, "failed": report.failed, "skipped": report.skipped}


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep_stale() -> dict[str, int]:
    """Send again essays whose grading message was lost (run every few seconds by beat)."""
    report = sweep(get_session(), current_app)
    if report.sent or report.unsent or report.lost or report.stalled:
        log.info("sweeper: %s", report)
    return report.__dict__
