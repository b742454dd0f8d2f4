"""The worker's grading command and the sweeper, on a real app and database, in this process."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text, update

from grader import embedded_broker
from grader.db import database
from grader.embedded_broker import sqlalchemy_url
from grader.queueing import celery
from grader.services.rubrics import spec_of
from grader.services.sweeper import sweep
from grader.tables import Essay, utcnow
from models.engine import Engine
from tests.conftest import ESSAYS
from tests.service_support import results_per_essay
from worker.grading import (
    ChunkReport,
    _insert_results,
    claim,
    grade,
    grade_chunk,
    write,
)

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


def essays(app) -> dict[int, Essay]:
    with database(app).session() as session:
        return {e.id: e for e in session.scalars(select(Essay))}


def set_essays(app, ids, **values) -> None:
    with database(app).session() as session:
        session.execute(update(Essay).where(Essay.id.in_(ids)).values(**values))
        session.commit()


def test_a_redelivered_message_grades_nothing_twice(client, accounts, service_app,
                                                    grade_pending):
    ids = submit_three(client, accounts["student"])
    first = grade_pending(service_app)
    assert sorted(first.graded) == ids
    # The same message again, as after a worker died before acknowledging it.
    again = grade_chunk(database(service_app).sessions, ids, grade_pending.engine_for, 3,
                        "test-message", 600)
    assert again.graded == [] and sorted(again.skipped) == ids
    assert results_per_essay(service_app) == {i: 1 for i in ids}
    assert {e.attempts for e in essays(service_app).values()} == {1}


def test_a_duplicate_message_leaves_essays_another_message_holds(client, accounts,
                                                                 service_app, grade_pending):
    ids = submit_three(client, accounts["student"])
    with database(service_app).session() as session:
        held = claim(session, ids, 3, "first", utcnow() - timedelta(minutes=5), ChunkReport())
    assert [c.id for c in held] == ids
    duplicate = grade_pending(service_app, token="second")
    assert duplicate.graded == [] and sorted(duplicate.skipped) == ids
    assert {e.claim_token for e in essays(service_app).values()} == {"first"}
    # A redelivery of the first message (same task id, after its worker died) takes its essays
    # back; tried before, they are released to be graded one by one, the attempt not charged.
    retry = grade_pending(service_app, token="first")
    assert retry.split == ids and retry.graded == []
    assert {(e.status, e.attempts, e.claim_token) for e in essays(service_app).values()} == {
        ("queued", 1, None)}
    for essay_id in ids:
        assert grade_chunk(database(service_app).sessions, [essay_id],
                           grade_pending.engine_for, 3, f"alone-{essay_id}", 600
                           ).graded == [essay_id]
    assert {(e.status, e.claim_token) for e in essays(service_app).values()} == {("done", None)}


def test_an_essay_stalled_past_the_limit_is_taken_over_and_the_old_holder_cannot_finish_it(
        client, accounts, service_app, grade_pending, nlp):
    ids = submit_three(client, accounts["student"])
    with database(service_app).session() as session:
        old = claim(session, ids, 3, "old", utcnow() - timedelta(minutes=5), ChunkReport())
        version = session.get(Essay, ids[0]).rubric_version
        _ = version.rubric.slug
    set_essays(service_app, ids, started_at=utcnow() - timedelta(hours=1))
    # Each was tried once already: the chunk is split for grading one by one.
    taken = grade_pending(service_app, token="new")
    assert taken.split == ids
    for essay_id in ids:
        alone = grade_chunk(database(service_app).sessions, [essay_id],
                            grade_pending.engine_for, 3, f"new-{essay_id}", 600)
        assert alone.graded == [essay_id]
    outcomes = grade(old, {version.id: version}, grade_pending.engine_for)
    report = ChunkReport()
    with database(service_app).session() as session:
        write(session, outcomes, old, "old", report)
    assert sorted(report.skipped) == ids and report.graded == []
    assert results_per_essay(service_app) == {i: 1 for i in ids}
    assert {e.attempts for e in essays(service_app).values()} == {2}


def test_two_deliveries_writing_at_once_keep_one_result(client, accounts, service_app, nlp):
    ids = submit_three(client, accounts["student"])
    with database(service_app).session() as session:
        claimed = claim(session, ids, 3, "m", utcnow() - timedelta(minutes=5), ChunkReport())
        version = session.get(Essay, ids[0]).rubric_version
        _ = version.rubric.slug
    engine = Engine(spec_of(version), nlp=nlp)
    outcomes = grade(claimed, {version.id: version}, lambda _v: engine)
    with database(service_app).session() as session:
        # A delivery that checked before the other's insert landed inserts again.
        assert _insert_results(session, [(o.essay_id, version.id, o)
                                         for o in outcomes]) == {}
        session.commit()
        write(session, outcomes, claimed, "m", ChunkReport())
    assert results_per_essay(service_app) == {i: 1 for i in ids}
    assert {e.status for e in essays(service_app).values()} == {"done"}


def test_an_essay_out_of_attempts_fails_with_the_reason(client, accounts, service_app,
                                                        grade_pending):
    ids = submit_three(client, accounts["student"])
    set_essays(service_app, [ids[1]], attempts=3)
    report = grade_pending(service_app, max_attempts=3)
    assert report.failed == [ids[1]] and sorted(report.graded) == [ids[0], ids[2]]
    essay = client.get(f"/api/v1/essays/{ids[1]}", headers=accounts["student"]).get_json()
    assert essay["status"] == "failed" and "3 times" in essay["error"]


class _BrokenOnMarker(Engine):
    """The real engine, except that it crashes on one essay (as an engine bug would)."""

    def analyse(self, prepared, doc, question=None):
        if "TRIGGER-CRASH" in prepared.text:
            raise RuntimeError("boom")
        return super().analyse(prepared, doc, question)


def test_an_essay_that_breaks_the_engine_fails_alone(client, accounts, service_app, nlp):
    headers = accounts["student"]
    good = client.post("/api/v1/essays", json={"text": STRONG}, headers=headers).get_json()
    bad = client.post("/api/v1/essays", json={"text": NARRATIVE + "\n\nTRIGGER-CRASH here."},
                      headers=headers).get_json()
    ids = [good["essay"]["id"], bad["essay"]["id"]]
    engines: dict[int, Engine] = {}
    report = grade_chunk(database(service_app).sessions, ids,
                         lambda v: engines.setdefault(v.id, _BrokenOnMarker(spec_of(v), nlp=nlp)),
                         3, "m", 600)
    assert report.graded == [ids[0]] and report.failed == [ids[1]]
    failed = client.get(bad["url"], headers=headers).get_json()
    assert failed["status"] == "failed" and "RuntimeError" in failed["error"]
    assert "Traceback" not in failed["error"]


def test_the_sweeper_resends_stranded_essays_and_leaves_fresh_ones(client, accounts,
                                                                   service_app):
    ids = submit_three(client, accounts["student"])
    long_ago = utcnow() - timedelta(hours=1)
    # 0: its message never reached the broker; 1: a worker died while grading it;
    # 2: sent a moment ago, waiting its turn.
    set_essays(service_app, [ids[0]], enqueued_at=None, created_at=long_ago)
    set_essays(service_app, [ids[1]], status="running", started_at=long_ago, attempts=1,
               claim_token="dead-worker")
    before = broker_messages(service_app)
    with service_app.app_context(), database(service_app).session() as session:
        report = sweep(session, service_app)
    assert (report.unsent, report.stalled, report.lost, report.sent) == (1, 1, 0, 2)
    assert broker_messages(service_app) == before + 2
    state = essays(service_app)
    assert state[ids[0]].status == "queued" and state[ids[0]].enqueued_at is not None
    assert (state[ids[1]].status, state[ids[1]].attempts, state[ids[1]].claim_token) == (
        "queued", 1, None)
    with service_app.app_context(), database(service_app).session() as session:
        assert sweep(session, service_app).sent == 0


def test_the_sweeper_purges_messages_the_embedded_broker_delivered(client, accounts,
                                                                   service_app):
    submit_three(client, accounts["student"])
    broker = create_engine(sqlalchemy_url(celery(service_app).conf.broker_url))
    with broker.begin() as connection:  # as kombu marks a message it hands to a worker
        connection.execute(text("UPDATE kombu_message SET visible = :no"), {"no": False})
    broker.dispose()
    with service_app.app_context(), database(service_app).session() as session:
        assert sweep(session, service_app).purged == 3
    assert broker_messages(service_app) == 0


def test_the_embedded_broker_looks_again_at_once_only_while_every_process_is_busy(tmp_path):
    from kombu import Connection, Exchange, Queue

    embedded_broker.register()
    queue = Queue("grader", Exchange("grader"), "grader")
    with Connection(f"{embedded_broker.SCHEME}+sqlite:///{tmp_path / 'broker.sqlite'}") as broker:
        transport = broker.transport
        with broker.Producer() as producer:
            for n in range(2):
                producer.publish({"n": n}, exchange=queue.exchange, routing_key="grader",
                                 declare=[queue])
        taken = []
        channel = broker.default_channel
        channel.basic_qos(prefetch_size=0, prefetch_count=1)
        with broker.Consumer(queue, channel=channel,
                             callbacks=[lambda body, message: taken.append(message)]):
            # A process is free: nothing found means the queues are empty, so it waits the
            # polling interval before asking the database again.
            assert transport.idle_interval() == transport.polling_interval
            broker.drain_events(timeout=1)
            assert [m.payload["n"] for m in taken] == [0]
            # Every process busy: looking again costs no query, so it looks again soon, and
            # takes nothing more until the message is done.
            assert transport.idle_interval() == transport.busy_interval < 0.1
            with pytest.raises(TimeoutError):
                broker.drain_events(timeout=0.05)
            taken[0].ack()
            assert transport.idle_interval() == transport.polling_interval
            broker.drain_events(timeout=1)
            assert [m.payload["n"] for m in taken] == [0, 1]


def test_batches_are_spread_over_workers_and_large_ones_chunked_to_the_maximum():
    from grader.services.submissions import chunk_size_for

    assert chunk_size_for(1, 32) == 1
    assert chunk_size_for(30, 32) == 4  # a small class: 8 messages, every process gets some
    assert chunk_size_for(200, 32) == 25
    assert chunk_size_for(1000, 32) == 32
    assert chunk_size_for(1000, 5) == 5




def test_a_batch_ends_in_smaller_and_smaller_messages_so_the_processes_finish_together():
    from grader.services.submissions import MIN_TAIL_CHUNK, message_chunks

    for count in (1, 9, 30, 57, 62, 200, 500, 1000):
        for max_chunk in (5, 8, 32):
            ids = list(range(100, 100 + count))
            chunks = message_chunks(ids, max_chunk)
            assert [i for chunk in chunks for i in chunk] == ids  # each once, in order
            assert all(0 < len(chunk) <= max_chunk for chunk in chunks)
            sizes = [len(chunk) for chunk in chunks]
            if max_chunk // 2 >= MIN_TAIL_CHUNK and count >= 8 * max_chunk:
                # Full messages, then half, a quarter, ... down to the smallest worth sending.
                assert sizes[0] == max_chunk and sizes[-1] == MIN_TAIL_CHUNK
                assert sizes[-6:] == sorted(sizes[-6:], reverse=True)
    assert [len(c) for c in message_chunks(list(range(500)), 32)] == [32] * 13 + [
        28, 16, 16, 8, 8, 4, 4]
