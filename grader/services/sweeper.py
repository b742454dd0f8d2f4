"""The sweeper: sends again every essay whose grading message was lost.

An essay can be stranded three ways: its message never reached the broker (broker down at
submission), the message was lost after it was sent (broker restarted, purged), or a worker
died while grading it. The database knows which essays are still pending and since when, so
the sweeper finds them by age and sends them again; attempts are capped by the grading task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from grader.queueing import BATCH_QUEUE, DRAFT_QUEUE, purge_delivered_messages
from grader.services.submissions import dispatch
from grader.tables import Essay, utcnow


@dataclass(frozen=True)
class SweepReport:
    unsent: int
    lost: int
    stalled: int
    sent: int
    purged: int


def sweep(session: Session, app: Flask) -> SweepReport:
    """Find stranded essays, mark them unsent, and send them again; commits."""
    config = app.config
    now = utcnow()
    unsent_before = now - timedelta(seconds=config["GRADER_RESEND_UNSENT_AFTER"])
    queued_before = now - timedelta(seconds=config["GRADER_REQUEUE_QUEUED_AFTER"])
    running_before = now - timedelta(seconds=config["GRADER_REQUEUE_RUNNING_AFTER"])
    stranded = list(session.scalars(select(Essay).where(or_(
        and_(Essay.status == "queued", Essay.enqueued_at.is_(None),
             Essay.created_at < unsent_before),
        and_(Essay.status == "queued", Essay.enqueued_at < queued_before),
        and_(Essay.status == "running", Essay.started_at < running_before),
    )).order_by(Essay.id).limit(5000)))
    counts = {"unsent": 0, "lost": 0, "stalled": 0}
    for essay in stranded:
        kind = ("stalled" if essay.status == "running"
                else "unsent" if essay.enqueued_at is None else "lost")
        counts[kind] += 1
        essay.status, essay.enqueued_at = "queued", None
    session.commit()
    chunk = config["GRADER_CHUNK_SIZE"]
    drafts = [e.id for e in stranded if e.batch_id is None]
    batch = [e.id for e in stranded if e.batch_id is not None]
    sent = dispatch(session, drafts, 1, queue=DRAFT_QUEUE, app=app)
    sent += dispatch(session, batch, chunk, queue=BATCH_QUEUE, app=app)
    return SweepReport(**counts, sent=sent, purged=purge_delivered_messages(app))
