"""Health of the parts an essay passes through: database, broker, workers, and the queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from grader.queueing import celery
from grader.tables import Essay, WorkerHeartbeat, as_utc, utcnow

WORKER_STALE_AFTER = timedelta(seconds=30)


def check(session: Session, app: Flask) -> dict[str, Any]:
    database = _database(session)
    broker = _broker(app)
    workers = _workers(session) if database["ok"] else {"ok": False, "alive": 0, "names": []}
    queue = _queue(session) if database["ok"] else {}
    if not database["ok"]:
        status = "down"
    elif broker["ok"] and workers["ok"]:
        status = "ok"
    else:
        status = "degraded"  # essays are still accepted; they wait in the database
    return {"status": status, "database": database, "broker": broker, "workers": workers,
            "queue": queue}


def _database(session: Session) -> dict[str, Any]:
    try:
        session.execute(text("SELECT 1"))
        return {"ok": True, "dialect": session.get_bind().dialect.name}
    except Exception as exc:
        session.rollback()
        return {"ok": False, "error": type(exc).__name__}


def _broker(app: Flask) -> dict[str, Any]:
    celery_app = celery(app)
    transport = celery_app.conf.broker_url.split(":", 1)[0]
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception as exc:
        return {"ok": False, "transport": transport, "error": type(exc).__name__}


def _workers(session: Session) -> dict[str, Any]:
    cutoff = utcnow() - WORKER_STALE_AFTER
    rows = session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.name))
    alive = [r.name for r in rows if as_utc(r.last_seen) >= cutoff]
    return {"ok": bool(alive), "alive": len(alive), "names": alive}


def _queue(session: Session) -> dict[str, Any]:
    counts = dict(session.execute(select(Essay.status, func.count())
                                  .where(Essay.status.in_(("queued", "running")))
                                  .group_by(Essay.status)).all())
    oldest = session.scalar(select(func.min(Essay.created_at)).where(Essay.status == "queued"))
    waited = (utcnow() - as_utc(oldest)).total_seconds() if oldest else 0.0
    return {"queued": counts.get("queued", 0), "running": counts.get("running", 0),
            "oldest_queued_seconds": round(waited, 1)}
