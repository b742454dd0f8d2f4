"""The sweeper: sends again every essay whose grading message was lost.

An essay (or a calibration) can be stranded three ways: its message never reached the broker
(broker down at submission), the message was lost after it was sent (broker restarted,
purged), or a worker died while grading it. The database knows which essays are still pending
and since when, so the sweeper finds them by age and sends them again; attempts are capped by
the grading task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from grader.queueing import BATCH_QUEUE, DRAFT_QUEUE, purge_delivered_messages
from grader.services import calibrations
from grader.services.ratelimit import purge
from grader.services.submissions import dispatch
from grader.tables import Calibration, Essay, utcnow


@dataclass(frozen=True)
class SweepReport:
    unsent: int
    lost: int
    stalled: int
    sent: int
    purged: int
    calibrations: int = 0  # calibrations sent again
    forgotten: int = 0  # rate-limit events old enough to drop


def sweep(session: Session, app: Flask) -> SweepReport:
    """Find stranded essays, mark them unsent, and send them again; commits.

    Each reset is a compare-and-set on the condition that found the essay, so an essay a worker
    finished or claimed a moment ago is left alone.
    """
    config = app.config
    now = utcnow()
    unsent_before = now - timedelta(seconds=config["GRADER_RESEND_UNSENT_AFTER"])
    queued_before = now - timedelta(seconds=config["GRADER_REQUEUE_QUEUED_AFTER"])
    running_before = now - timedelta(seconds=config["GRADER_REQUEUE_RUNNING_AFTER"])
    unsent = session.execute(select(Essay.id, Essay.batch_id).where(
        Essay.status == "queued", Essay.enqueued_at.is_(None),
        Essay.created_at < unsent_before)).all()
    lost = session.execute(update(Essay).where(
        Essay.status == "queued", Essay.enqueued_at < queued_before)
        .values(enqueued_at=None).returning(Essay.id, Essay.batch_id)).all()
    stalled = session.execute(update(Essay).where(
        Essay.status == "running", Essay.started_at < running_before)
        .values(status="queued", enqueued_at=None, claim_token=None)
        .returning(Essay.id, Essay.batch_id)).all()
    session.commit()
    stranded = sorted({*unsent, *lost, *stalled})
    drafts = [essay_id for essay_id, batch_id in stranded if batch_id is None]
    batch = [essay_id for essay_id, batch_id in stranded if batch_id is not None]
    sent = dispatch(session, drafts, 1, queue=DRAFT_QUEUE, app=app)
    sent += dispatch(session, batch, config["GRADER_CHUNK_SIZE"], queue=BATCH_QUEUE, app=app)
    return SweepReport(unsent=len(unsent), lost=len(lost), stalled=len(stalled), sent=sent,
                       purged=purge_delivered_messages(app),
                       calibrations=sweep_calibrations(session, app),
                       forgotten=purge(session))


def sweep_calibrations(session: Session, app: Flask) -> int:
    """The same three cases for calibrations, which may run far longer than a grading chunk;
    commits. Returns how many were sent again (attempts are capped by the calibration task)."""
    config = app.config
    now = utcnow()
    unsent = session.scalars(select(Calibration.id).where(
        Calibration.status == "queued", Calibration.enqueued_at.is_(None),
        Calibration.created_at < now - timedelta(seconds=config["GRADER_RESEND_UNSENT_AFTER"]))
    ).all()
    # A calibration may wait behind another's whole fit: "lost" only after one could have run.
    waited = timedelta(seconds=config["GRADER_REQUEUE_CALIBRATION_AFTER"])
    lost = session.scalars(update(Calibration).where(
        Calibration.status == "queued", Calibration.enqueued_at < now - waited)
        .values(enqueued_at=None).returning(Calibration.id)
        .execution_options(synchronize_session=False)).all()
    stalled = session.scalars(update(Calibration).where(
        Calibration.status == "running", Calibration.started_at < now - waited)
        .values(status="queued", enqueued_at=None, claim_token=None)
        .returning(Calibration.id).execution_options(synchronize_session=False)).all()
    session.commit()  # expires every loaded row: nothing stale survives the bulk updates
    return calibrations.send(session, app, sorted({*unsent, *lost, *stalled}))
