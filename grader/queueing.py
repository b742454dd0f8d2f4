"""The Celery app, wired to the Flask app as in Flask's Celery example, and sending tasks.

The web process only sends messages, by task name: it never imports the worker's code. Every
essay is in the database before its message is sent, so a message that cannot be sent (broker
down) loses nothing: the essay keeps ``enqueued_at`` NULL and the sweeper sends it later.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from celery import Celery, Task
from flask import Flask, current_app

from grader import embedded_broker

GRADE_TASK = "grader.grade_essays"
SWEEP_TASK = "grader.sweep_stale"
CALIBRATE_TASK = "grader.calibrate"
# Students' drafts have their own queue so a class's bulk upload does not hold them up.
DRAFT_QUEUE = "drafts"
BATCH_QUEUE = "grader"
# Calibrations take minutes: their own queue, so they never hold up grading.
CALIBRATION_QUEUE = "calibration"

log = logging.getLogger(__name__)


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    embedded_broker.register()
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    interval = app.config["GRADER_SWEEP_INTERVAL"]
    celery_app.conf.beat_schedule = {
        # On the drafts queue, which no bulk upload backs up; a sweep not run within its
        # interval is dropped, since the next one does the same work.
        "sweep-stale-essays": {"task": SWEEP_TASK, "schedule": interval,
                               "options": {"queue": DRAFT_QUEUE, "expires": interval}},
    }
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def celery(app: Flask | None = None) -> Celery:
    return (app or current_app).extensions["celery"]


def send_grading(essay_ids: Sequence[int], queue: str = BATCH_QUEUE,
                 app: Flask | None = None) -> bool:
    """Send one grading message for these essays; False (logged) when the broker is unreachable."""
    try:
        celery(app).send_task(GRADE_TASK, args=[list(essay_ids)], queue=queue,
                              retry=True, retry_policy={"max_retries": 1, "interval_start": 0.2})
    except Exception as exc:  # kombu raises many kinds; any of them means "not sent"
        log.warning("could not send essays %s to the broker: %s", list(essay_ids), exc)
        return False
    return True


def send_calibration(calibration_id: int, app: Flask | None = None) -> bool:
    """Send a calibration's message on its own queue; False (logged) when the broker is
    unreachable: the sweeper sends it later. Its long time limits are the task's own
    (``task_annotations`` in the config), whoever sends it."""
    try:
        celery(app).send_task(CALIBRATE_TASK, args=[calibration_id], queue=CALIBRATION_QUEUE,
                              retry=True, retry_policy={"max_retries": 1, "interval_start": 0.2})
    except Exception as exc:  # kombu raises many kinds; any of them means "not sent"
        log.warning("could not send calibration %s to the broker: %s", calibration_id, exc)
        return False
    return True


def purge_delivered_messages(app: Flask | None = None) -> int:
    """Delete messages the embedded (SQLAlchemy) broker has handed out; returns how many.

    kombu's SQLAlchemy transport keeps every delivered message with visible = false, so the
    broker file would grow forever. Redis needs nothing of the sort.
    """
    url = celery(app).conf.broker_url
    if not embedded_broker.is_sql_broker(url):
        return 0
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(embedded_broker.sqlalchemy_url(url))
    try:
        if "kombu_message" not in inspect(engine).get_table_names():
            return 0
        with engine.begin() as connection:
            return connection.execute(
                text("DELETE FROM kombu_message WHERE visible = :no"), {"no": False}).rowcount
    finally:
        engine.dispose()
