"""The worker's entry point: ``celery -A worker.app worker``.

Builds the Flask app (config, database) and its Celery app, then registers the tasks. The spaCy
pipeline is loaded once per worker process, after the fork, when the process starts.
"""

from __future__ import annotations

from celery.signals import worker_process_init, worker_ready, worker_shutdown

from grader import create_app
from grader.db import database
from worker import broker_guard
from worker.heartbeat import Heartbeat

broker_guard.install()
flask_app = create_app()
celery_app = flask_app.extensions["celery"]
celery_app.conf.include = ["worker.tasks"]
_heartbeat: Heartbeat | None = None


@worker_process_init.connect
def _start_pool_process(**_kwargs: object) -> None:
    from worker.engines import warm_up

    # A pool process is forked from the main one, whose heartbeat holds a pooled connection:
    # forget the inherited connections (without closing them under the parent) and open its own.
    database(flask_app).engine.dispose(close=False)
    warm_up(flask_app)


@worker_ready.connect
def _start_heartbeat(sender: object = None, **_kwargs: object) -> None:
    global _heartbeat
    _heartbeat = Heartbeat(flask_app, getattr(sender, "hostname", None) or "worker")
    _heartbeat.start()


@worker_shutdown.connect
def _stop_heartbeat(**_kwargs: object) -> None:
    if _heartbeat is not None:
        _heartbeat.stop()
