"""The worker's grading command and the sweeper, on a real app and database, in this process."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine, func, select, text, update

from grader.db import database
from grader.embedded_broker import sqlalchemy_url
from grader.queueing import celery
from grader.services.rubrics import spec_of
from grader.services.sweeper import sweep
from grader.tables import Essay, Result, utcnow
from models.engine import Engine
from tests.conftest import ESSAYS
from worker.grading import grade_chunk, write

STRONG = (ESSAYS / "strong.txt").read_text(encoding="utf-8")
NARRATIVE = (ESSAYS / "narrative.txt").read_text(encoding="utf-8")


def submit_three(client, headers) -> list[int]:
    texts = [STRONG, NARRATIVE, STRONG.replace("Stalin", "Stalin himself", 1)]
    return [client.post("/api/v1/essays", json={"text": t}, headers=headers)
            .get_json()["essay"]["id"] for t in texts]


def broker_messages(app) -> int:
    broker = create_engine(sqlalchemy_url(celery(app).conf.broker_url))
    try:
        with broker.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM kombu_message "
                                           "WHERE visible = :yes"), {"yes": True}).scalar()
    finally:
        broker.dispose()


def test_a_redelivered_message_grades_nothing_twice(client, accounts, service_app,
                                                    grade_pending, nlp):
    ids = submit_three(client, accounts["student"])
    first = grade_pending(service_app)
    assert sorted(first.graded) == ids
    # The same message again, as after a worker died before acknowledging it.
    engines: dict[int, Engine] = {}
    again = grade_chunk(database(service_app).sessions, ids,
                        lambda v: engines.setdefault(v.id, Engine(spec_of(v), nlp=nlp)), 3)
    assert again.graded == [] and sorted(again.skipped) == ids
    with database(service_app).session() as session:
        counts = dict(session.execute(select(Result.essay_id, func.count())
                                      .group_by(Result.essay_id)).all())
        assert counts == {i: 1 for i in ids}
        assert {e.attempts for e in session.scalars(select(Essay))} == {1}


def test_two_deliveries_writing_at_once_keep_one_result(client, accounts, service_app, nlp):
    from worker.grading import ChunkReport, _Claimed, _insert_results, _result_row, grade

    ids = submit_three(client, accounts["student"])
    with database(service_app).session() as session:
        claimed = [_Claimed(e.id, e.text, e.rubric_version_id)
                   for e in session.scalars(select(Essay).order_by(Essay.id))]
        version = session.get(Essay, ids[0]).rubric_version
        _ = version.rubric.slug
    engine = Engine(spec_of(version), nlp=nlp)
    outcomes = grade(claimed, {version.id: version}, lambda _v: engine)
    for _ in range(2):  # both deliveries finish grading before either writes
        with database(service_app).session() as session:
            session.execute(update(Essay).values(status="running"))
            session.commit()
            write(session, outcomes, claimed, ChunkReport())
    with database(service_app).session() as session:
        # A delivery that checked before the other's insert landed tries to insert again.
        _insert_results(session, [_result_row(o.essay_id, version.id, o) for o in outcomes])
        session.commit()
    with database(service_app).session() as session:
        assert session.scalar(select(func.count()).select_from(Result)) == 3
        assert {e.status for e in session.scalars(select(Essay))} == {"done"}


def test_an_essay_out_of_attempts_fails_with_the_reason(client, accounts, service_app,
                                                        grade_pending):
    ids = submit_three(client, accounts["student"])
    with database(service_app).session() as session:
        session.execute(update(Essay).where(Essay.id == ids[1])
                        .values(status="running", attempts=3))
        session.commit()
    report = grade_pending(service_app, max_attempts=3)
    assert report.failed == [ids[1]] and sorted(report.graded) == [ids[0], ids[2]]
    essay = client.get(f"/api/v1/essays/{ids[1]}", headers=accounts["student"]).get_json()
    assert essay["status"] == "failed" and "3 times" in essay["error"]


class _BrokenOnMarker(Engine):
    """The real engine, except that it crashes on one essay (as an engine bug would)."""

    def analyse(self, prepared, doc):
        if "TRIGGER-CRASH" in prepared.text:
            raise RuntimeError("boom")
        return super().analyse(prepared, doc)


def test_an_essay_that_breaks_the_engine_fails_alone(client, accounts, service_app, nlp):
    headers = accounts["student"]
    good = client.post("/api/v1/essays", json={"text": STRONG}, headers=headers).get_json()
    bad = client.post("/api/v1/essays", json={"text": NARRATIVE + "\n\nTRIGGER-CRASH here."},
                      headers=headers).get_json()
    ids = [good["essay"]["id"], bad["essay"]["id"]]
    engines: dict[int, Engine] = {}
    report = grade_chunk(database(service_app).sessions, ids,
                         lambda v: engines.setdefault(v.id, _BrokenOnMarker(spec_of(v), nlp=nlp)),
                         3)
    assert report.graded == [ids[0]] and report.failed == [ids[1]]
    failed = client.get(bad["url"], headers=headers).get_json()
    assert failed["status"] == "failed" and "RuntimeError" in failed["error"]
    assert "Traceback" not in failed["error"]


def test_the_sweeper_resends_stranded_essays_and_leaves_fresh_ones(client, accounts,
                                                                   service_app):
    ids = submit_three(client, accounts["student"])
    long_ago = utcnow() - timedelta(hours=1)
    with database(service_app).session() as session:
        # 0: its message never reached the broker; 1: a worker died while grading it;
        # 2: sent a moment ago, waiting its turn.
        session.execute(update(Essay).where(Essay.id == ids[0])
                        .values(enqueued_at=None, created_at=long_ago))
        session.execute(update(Essay).where(Essay.id == ids[1])
                        .values(status="running", started_at=long_ago, attempts=1))
        session.commit()
    before = broker_messages(service_app)
    with service_app.app_context(), database(service_app).session() as session:
        report = sweep(session, service_app)
    assert (report.unsent, report.stalled, report.lost, report.sent) == (1, 1, 0, 2)
    assert broker_messages(service_app) == before + 2
    with database(service_app).session() as session:
        essays = {e.id: e for e in session.scalars(select(Essay))}
        assert essays[ids[0]].status == "queued" and essays[ids[0]].enqueued_at is not None
        assert essays[ids[1]].status == "queued" and essays[ids[1]].attempts == 1
    with service_app.app_context(), database(service_app).session() as session:
        assert sweep(session, service_app).sent == 0


def test_batches_are_spread_over_workers_and_large_ones_chunked_to_the_maximum():
    from grader.services.submissions import chunk_size_for

    assert chunk_size_for(1, 32) == 1
    assert chunk_size_for(30, 32) == 4  # a small class: 8 messages, every process gets some
    assert chunk_size_for(200, 32) == 25
    assert chunk_size_for(1000, 32) == 32
    assert chunk_size_for(1000, 5) == 5
