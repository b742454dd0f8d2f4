"""The service as it runs: real Celery worker processes, real PostgreSQL and Redis (the
machine's servers), a real broker outage, and the embedded default started by ``grader serve``.

Nothing here is faked: workers are ``celery worker`` processes that load spaCy, and killing
one is a SIGKILL to its whole process group.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from tests.conftest import ESSAYS, ROOT
from tests.documents import make_docx, make_pdf, make_zip
from tests.planted import planted_set, scored_csv
from tests.service_support import (
    REDIS_TEST_URL,
    WebProcess,
    WorkerProcess,
    answers,
    fault_outcome,
    flush_redis,
    free_port,
    make_app,
    postgres_database,
    results_per_essay,
    service_env,
    status_counts,
    token_for,
    wait_for,
    worker_alive,
)

STRONG = (ESSAYS / "strong.txt").read_text(encoding="utf-8")
NARRATIVE = (ESSAYS / "narrative.txt").read_text(encoding="utf-8")
OPINION = (ESSAYS / "opinion.txt").read_text(encoding="utf-8")

TOPICS = ["Magnitogorsk", "the Dnieper dam", "the White Sea canal", "Stakhanov", "Gosplan",
          "the kulaks", "the Urals", "the Donbas", "the Turksib railway", "the Shakhty trial"]


def class_essays(count: int) -> list[str]:
    """Distinct, plausible essays (distinct so none is flagged as a duplicate)."""
    out = []
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)]
        out.append(
            f"Stalin's industrialisation, as shown by {topic}, was a success for heavy industry "
            f"but a disaster for ordinary people, and pupil {i} argues this in three steps.\n\n"
            f"First, the First Five-Year Plan of 1928 raised steel output; by 1932 production "
            f"at sites such as {topic} had grown by {150 + i} per cent according to Soviet "
            f"figures. This shows that the state could mobilise resources quickly.\n\n"
            f"However, collectivisation caused famine in 1932-33, and historians estimate that "
            f"millions died. Therefore the human cost undermines the claim of success.\n\n"
            f"In conclusion, industrialisation succeeded in its economic aims but failed the "
            f"people it claimed to serve, which is why essay {i} judges it a limited success.")
    return out


def roster_csv(texts: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "essay"])
    writer.writerows([f"Pupil {i}", text] for i, text in enumerate(texts))
    return buffer.getvalue().encode("utf-8")


def upload(client, headers, files: dict[str, bytes], title: str) -> dict:
    data = {"title": title,
            "files": [(io.BytesIO(content), name) for name, content in files.items()]}
    response = client.post("/api/v1/batches", data=data, headers=headers,
                           content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    return response.get_json()["batch"]


def batch_status(client, headers, batch: dict) -> dict:
    return client.get(batch["url"], headers=headers).get_json()


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """An app on a new PostgreSQL database and Redis, as docker-compose would run it."""
    flush_redis(REDIS_TEST_URL)
    with postgres_database() as database_url:
        instance = tmp_path_factory.mktemp("production")
        env = service_env(instance, database_url=database_url, broker_url=REDIS_TEST_URL)
        app = make_app(env)
        yield app, env, instance
    flush_redis(REDIS_TEST_URL)


def test_a_mixed_batch_is_graded_end_to_end_by_two_worker_processes(production):
    app, env, instance = production
    client = app.test_client()
    teacher = token_for(app, "mixed@school.example", "teacher")
    worker = WorkerProcess(env, instance / "worker-mixed.log", concurrency=2)
    try:
        wait_for(lambda: worker_alive(app, worker.process.pid), 90, "the worker's heartbeat",
                 on_timeout=worker.tail)
        files = {
            "a.txt": STRONG.encode("utf-8"),
            "b.docx": make_docx(NARRATIVE.split("\n\n")),
            "c.pdf": make_pdf([p for p in OPINION.split("\n\n") if p.strip()]),
            "d.csv": roster_csv(class_essays(3)),
            "e.zip": make_zip({"f.txt": class_essays(4)[3].encode("utf-8"),
                               "g.rar": b"Rar!"}),
        }
        batch = upload(client, teacher, files, "mixed")
        assert batch["total"] == 7
        assert [p["name"] for p in batch["report"]["problems"]] == ["e.zip/g.rar"]
        done = wait_for(lambda: (s := batch_status(client, teacher, batch))["complete"] and s,
                        120, "the batch to finish", on_timeout=worker.tail)
        assert done["counts"] == {"queued": 0, "running": 0, "done": 7, "failed": 0}
        assert all(e["overall_level"] in (1, 2, 3, 4) for e in done["essays"])
        admin = token_for(app, "health@school.example", "admin")
        health = client.get("/healthz", headers=admin).get_json()
        assert health["status"] == "ok" and health["database"]["dialect"] == "postgresql"
        assert health["broker"]["transport"] == "redis" and health["workers"]["alive"] == 1
    finally:
        worker.stop()


def test_a_worker_killed_mid_batch_loses_nothing_and_grades_nothing_twice(production, faults):
    app, env, instance = production
    client = app.test_client()
    teacher = token_for(app, "sigkill@school.example", "teacher")
    texts = class_essays(200)
    first = WorkerProcess(env, instance / "worker-first.log", concurrency=2)
    try:
        wait_for(lambda: worker_alive(app, first.process.pid), 90, "the first worker",
                 on_timeout=first.tail)
        batch = upload(client, teacher, {"class.csv": roster_csv(texts)}, "200 essays")
        assert batch["total"] == 200
        wait_for(lambda: batch_status(client, teacher, batch)["counts"]["done"] >= 20, 120,
                 "20 essays graded", interval=0.05, on_timeout=first.tail)
    finally:
        first.kill()
    killed = time.monotonic()
    at_kill = batch_status(client, teacher, batch)["counts"]
    assert at_kill["done"] < 200, "the worker finished before it could be killed"

    second = WorkerProcess(env, instance / "worker-second.log", concurrency=2)
    try:
        done = wait_for(lambda: (s := batch_status(client, teacher, batch))["complete"] and s,
                        240, "the batch to finish after the kill", on_timeout=second.tail)
    finally:
        second.stop()
    outcome = fault_outcome(app, (e["id"] for e in done["essays"]))
    faults.append(("worker SIGKILLed mid-batch", outcome,
                   f"killed at {at_kill['done']} done; a new worker finished the rest in "
                   f"{time.monotonic() - killed:.0f} s"))
    assert done["counts"]["done"] == 200 and done["counts"]["failed"] == 0
    assert outcome.graded_once == 200 and outcome.survived


def test_a_calibration_is_fitted_by_a_real_worker_and_then_scores_new_essays(production):
    app, env, instance = production
    client = app.test_client()
    teacher = token_for(app, "calibrating@school.example", "teacher")
    admin = token_for(app, "calibration-admin@school.example", "admin")
    student = token_for(app, "calibrated@school.example", "student")
    worker = WorkerProcess(env, instance / "worker-calibration.log", concurrency=1)

    def draft(text: str) -> dict:
        response = client.post("/api/v1/essays", json={"text": text}, headers=student)
        url = response.get_json()["url"]
        return wait_for(lambda: (b := client.get(url, headers=student).get_json())["status"]
                        == "done" and b, 90, "the draft to be graded", on_timeout=worker.tail)

    try:
        wait_for(lambda: worker_alive(app, worker.process.pid), 90, "the worker's heartbeat",
                 on_timeout=worker.tail)
        texts, levels = planted_set(40)
        form = {"file": (io.BytesIO(scored_csv(texts, levels)), "term1.csv"),
                "text_column": "essay", "score": ["teacher score=overall"]}
        response = client.post("/api/v1/rubrics/history-argument/calibrations", data=form,
                               headers=teacher, content_type="multipart/form-data")
        assert response.status_code == 202, response.get_json()
        url = response.headers["Location"]
        calibration = wait_for(
            lambda: (c := client.get(url, headers=teacher).get_json())["status"]
            in ("ready", "failed") and c, 180, "the calibration", on_timeout=worker.tail)
        assert calibration["status"] == "ready", calibration["error"]
        [overall] = calibration["report"]["targets"]
        assert overall["n"] == 40 and overall["qwk"] > 0.6
        assert calibration["attempts"] == 1

        assert client.post(calibration["activate_url"], headers=admin).get_json()["active"]
        fresh, fresh_levels = planted_set(8, seed=31)
        weak = draft(fresh[fresh_levels.index(1)])
        strong = draft(fresh[fresh_levels.index(4)])
        assert weak["calibration"]["id"] == strong["calibration"]["id"] == calibration["id"]
        assert weak["calibration"]["scores"]["overall"] < strong["calibration"]["scores"][
            "overall"]

        rollback = client.post("/api/v1/rubrics/history-argument/calibrations/rollback",
                               headers=admin)
        assert rollback.status_code == 200 and rollback.get_json()["active"] is None
        assert draft(fresh[0])["calibration"] is None
    finally:
        worker.stop()


def test_corrupt_and_stray_messages_do_not_stop_the_worker(production, faults):
    """Not JSON, a task no one knows, a task with bad arguments, an id past the integer range:
    each is logged and dropped, and the next real essay is graded by the same worker."""
    import redis

    from grader.queueing import DRAFT_QUEUE, GRADE_TASK, celery

    app, env, instance = production
    client = app.test_client()
    student = token_for(app, "corrupt@school.example", "student")
    worker = WorkerProcess(env, instance / "worker-corrupt.log", concurrency=1)
    try:
        wait_for(lambda: worker_alive(app, worker.process.pid), 90, "the worker's heartbeat",
                 on_timeout=worker.tail)
        broker = redis.Redis.from_url(REDIS_TEST_URL)
        broker.lpush(DRAFT_QUEUE, b"this is not a message {")
        broker.close()
        celery(app).send_task("grader.no_such_task", args=[1], queue=DRAFT_QUEUE)
        celery(app).send_task(GRADE_TASK, args=["not a list of ids"], queue=DRAFT_QUEUE)
        celery(app).send_task(GRADE_TASK, args=[[10**12]], queue=DRAFT_QUEUE)
        response = client.post("/api/v1/essays", json={"text": class_essays(1)[0]},
                               headers=student)
        url = response.get_json()["url"]
        wait_for(lambda: client.get(url, headers=student).get_json()["status"] == "done", 90,
                 "the essay after the corrupt messages", on_timeout=worker.tail)
        assert worker.process.poll() is None
        assert "dropped a broker message that is not valid JSON" in worker.tail(400)
    finally:
        worker.stop()
    outcome = fault_outcome(app, [response.get_json()["essay"]["id"]])
    faults.append(("4 corrupt or stray messages on the queue", outcome,
                   "each dropped and logged; the same worker graded the next essay"))
    assert outcome.graded_once == 1


def test_essays_sent_while_the_broker_is_down_are_graded_when_it_returns(tmp_path, faults):
    port = free_port()
    broker_url = f"redis://127.0.0.1:{port}/0"
    with postgres_database() as database_url:
        env = service_env(tmp_path / "instance", database_url=database_url,
                          broker_url=broker_url)
        app = make_app(env)
        client = app.test_client()
        student = token_for(app, "outage@school.example", "student")
        started = time.monotonic()
        ids = []
        for text in class_essays(3):
            response = client.post("/api/v1/essays", json={"text": text}, headers=student)
            assert response.status_code == 202  # accepted: the essay is safe in the database
            ids.append(response.get_json()["essay"]["id"])
        assert time.monotonic() - started < 30
        assert status_counts(app) == {"queued": 3}
        admin = token_for(app, "health@school.example", "admin")
        assert client.get("/healthz", headers=admin).get_json()["broker"]["ok"] is False

        redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                  "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                                 stdout=subprocess.DEVNULL)
        worker = WorkerProcess(env, tmp_path / "worker.log", concurrency=1)
        back = time.monotonic()
        try:
            wait_for(lambda: status_counts(app) == {"done": 3}, 120,
                     "the essays to be graded after the broker came back",
                     on_timeout=worker.tail)
        finally:
            worker.stop()
            redis.terminate()
            redis.wait(timeout=10)
        outcome = fault_outcome(app, ids)
        faults.append(("broker down when essays were submitted", outcome,
                       f"accepted (202) anyway; sent by the sweeper and graded "
                       f"{time.monotonic() - back:.0f} s after the broker returned"))
        assert results_per_essay(app) == {i: 1 for i in ids}


def _private_redis(port: int, folder: Path) -> subprocess.Popen:
    """A Redis of the test's own (keeping nothing on disk, as the machine's): killing it loses
    every message it held."""
    return subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL)


def test_redis_killed_and_restarted_mid_batch_loses_nothing(tmp_path, faults):
    port = free_port()
    redis = _private_redis(port, tmp_path)
    with postgres_database() as database_url:
        env = service_env(tmp_path / "instance", database_url=database_url,
                          broker_url=f"redis://127.0.0.1:{port}/0")
        app = make_app(env)
        client = app.test_client()
        teacher = token_for(app, "redis-restart@school.example", "teacher")
        worker = WorkerProcess(env, tmp_path / "worker.log", concurrency=2)
        try:
            wait_for(lambda: worker_alive(app, worker.process.pid), 90, "the worker",
                     on_timeout=worker.tail)
            batch = upload(client, teacher, {"class.csv": roster_csv(class_essays(80))}, "80")
            wait_for(lambda: batch_status(client, teacher, batch)["counts"]["done"] >= 10, 120,
                     "10 essays graded", interval=0.05, on_timeout=worker.tail)
            redis.kill()  # every queued message is gone with it
            redis.wait()
            killed = time.monotonic()
            at_kill = batch_status(client, teacher, batch)["counts"]
            time.sleep(3)
            redis = _private_redis(port, tmp_path)
            done = wait_for(lambda: (s := batch_status(client, teacher, batch))["complete"] and s,
                            240, "the batch after Redis came back", on_timeout=worker.tail)
        finally:
            worker.stop()
            redis.terminate()
            redis.wait(timeout=10)
        outcome = fault_outcome(app, (e["id"] for e in done["essays"]))
        faults.append(("Redis killed (queued messages lost) and restarted mid-batch", outcome,
                       f"killed at {at_kill['done']} done; sweeper re-sent the rest, all done "
                       f"{time.monotonic() - killed:.0f} s after the kill"))
        assert at_kill["done"] < 80
        assert done["counts"] == {"queued": 0, "running": 0, "done": 80, "failed": 0}
        assert outcome.graded_once == 80 and outcome.survived


def test_postgresql_restarted_mid_batch_loses_nothing_and_reads_never_fail(production, faults):
    """The machine's PostgreSQL restarted (fast shutdown) under a batch: workers and the web app
    reconnect; every essay is graded exactly once; no status read gets a server error."""
    app, env, instance = production
    client = app.test_client()
    teacher = token_for(app, "pg-restart@school.example", "teacher")
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    worker = WorkerProcess(env, instance / "worker-pg-restart.log", concurrency=2)
    statuses: list[int] = []

    def status() -> dict:
        response = client.get(batch["url"], headers=teacher)
        statuses.append(response.status_code)
        return response.get_json()

    try:
        wait_for(lambda: worker_alive(app, worker.process.pid), 90, "the worker",
                 on_timeout=worker.tail)
        batch = upload(client, teacher, {"class.csv": roster_csv(class_essays(80))}, "80")
        wait_for(lambda: status()["counts"]["done"] >= 10, 120, "10 essays graded",
                 interval=0.05, on_timeout=worker.tail)
        restarted = time.monotonic()
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main",
                        "restart", "-m", "fast"], check=True, timeout=60)
        done = wait_for(lambda: (s := status())["complete"] and s, 240,
                        "the batch after PostgreSQL restarted", on_timeout=worker.tail)
    finally:
        worker.stop()
    outcome = fault_outcome(app, (e["id"] for e in done["essays"]))
    faults.append(("PostgreSQL restarted (fast shutdown) mid-batch", outcome,
                   f"workers and web reconnected; {len(statuses)} status reads, all 200; done "
                   f"{time.monotonic() - restarted:.0f} s after the restart"))
    assert done["counts"] == {"queued": 0, "running": 0, "done": 80, "failed": 0}
    assert set(statuses) == {200}
    assert outcome.graded_once == 80 and outcome.survived


def _post_in_halves(port: int, headers: dict[str, str], body: bytes,
                    between: Callable[[], None]) -> tuple[int | None, object]:
    """POST an upload in two halves, calling ``between`` while the first half is in a web
    worker that is reading the body: (status, JSON body), or (None, the client's error)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=90)
    try:
        connection.putrequest("POST", "/api/v1/batches")
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(body[:len(body) // 2])
        time.sleep(0.5)
        between()
        time.sleep(2)
        connection.send(body[len(body) // 2:])
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    except (OSError, http.client.HTTPException) as exc:
        return None, exc
    finally:
        connection.close()


def test_the_web_app_restarted_or_killed_during_an_upload_loses_nothing(production, faults):
    """A deploy (SIGHUP: new gunicorn workers, the old ones finish) while an upload is on the
    wire: it is accepted. The web app killed outright (SIGKILL) while another is on the wire:
    the client sees the connection cut, nothing of that upload is stored, and its retry after
    the restart is accepted. Every accepted essay is graded once."""
    from urllib3 import encode_multipart_formdata

    from grader.db import database
    from grader.tables import Batch

    app, env, instance = production
    teacher = token_for(app, "web-restart@school.example", "teacher")
    texts = class_essays(80)

    def form(chunk: list[str], title: str) -> tuple[bytes, dict[str, str]]:
        body, content_type = encode_multipart_formdata(
            {"title": title, "files": ("class.csv", roster_csv(chunk), "text/csv")})
        return body, {**teacher, "Content-Type": content_type}

    def batches_titled(title: str) -> int:
        with database(app).session() as session:
            return len(session.scalars(select(Batch).where(Batch.title == title)).all())

    worker = WorkerProcess(env, instance / "worker-web-restart.log", concurrency=2)
    first = web = WebProcess(env, free_port(), instance / "web-1.log")
    try:
        wait_for(web.healthy, 90, "gunicorn to answer", on_timeout=web.tail)
        body, headers = form(texts[:40], "reload")
        status, reloaded = _post_in_halves(web.port, headers, body, web.reload)
        assert status == 202, (reloaded, web.tail())
        assert "Handling signal: hup" in web.tail(200)

        body, headers = form(texts[40:], "killed")
        # With a key, the client may retry blindly: whatever the kill left, one batch results.
        headers["Idempotency-Key"] = "upload-after-the-kill"
        status, cut = _post_in_halves(web.port, headers, body, web.kill)
        assert status is None, f"a killed web app answered {status}"
        assert batches_titled("killed") == 0, "half an upload was stored"
        web = WebProcess(env, free_port(), instance / "web-2.log")
        wait_for(web.healthy, 90, "gunicorn to answer after the kill", on_timeout=web.tail)
        restarted = time.monotonic()
        retry = requests.post(f"{web.base}/api/v1/batches", data=body, headers=headers,
                              timeout=60)
        assert retry.status_code == 202, retry.text
        assert "Idempotent-Replayed" not in retry.headers  # the cut upload left nothing
        replay = requests.post(f"{web.base}/api/v1/batches", data=body, headers=headers,
                               timeout=60)
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.json()["batch"]["id"] == retry.json()["batch"]["id"]
        urls = [reloaded["url"], retry.json()["url"]]
        urls = [url.replace(url.split("/api/")[0], web.base) for url in urls]

        def both_done():
            states = [requests.get(url, headers=teacher, timeout=10).json() for url in urls]
            return all(state["complete"] for state in states) and states

        done = wait_for(both_done, 240, "both uploads graded", on_timeout=worker.tail)
    finally:
        web.stop()
        first.stop()
        worker.stop()
    outcome = fault_outcome(app, (e["id"] for state in done for e in state["essays"]))
    faults.append(("web app reloaded (SIGHUP) during an upload", fault_outcome(
        app, (e["id"] for e in done[0]["essays"])), "the old worker finished the upload: 202"))
    faults.append(("web app SIGKILLed during an upload, then restarted", fault_outcome(
        app, (e["id"] for e in done[1]["essays"])),
        f"client saw {type(cut).__name__}; nothing stored; its retry was accepted and graded "
        f"in {time.monotonic() - restarted:.0f} s"))
    assert outcome.accepted == 80 and outcome.graded_once == 80 and outcome.survived
    logs = "".join(p.read_text(errors="replace") for p in instance.glob("web-*.log"))
    assert "Traceback" not in logs
    assert teacher["Authorization"].split()[1] not in logs + worker.tail(100_000)


def test_the_web_app_killed_after_storing_an_upload_before_answering_loses_nothing(
        tmp_path, faults):
    """The worst moment to die: the upload is committed, its messages not yet sent (the broker
    hangs), no answer sent. The client retries with its Idempotency-Key and gets that upload
    back, not a second one; the sweeper sends its essays; each is graded once."""
    import threading

    from grader.db import database
    from grader.tables import Batch

    blackhole = socket.socket()  # accepts connections, never answers: a hung broker
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(64)
    port = blackhole.getsockname()[1]
    with postgres_database() as database_url:
        env = service_env(tmp_path / "instance", database_url=database_url,
                          broker_url=f"redis://127.0.0.1:{port}/0", GRADER_BROKER_TIMEOUT="20")
        app = make_app(env)
        teacher = token_for(app, "unanswered@school.example", "teacher")
        headers = {**teacher, "Idempotency-Key": "monday-9B"}
        files = {"files": ("class.csv", roster_csv(class_essays(30)), "text/csv")}
        web = WebProcess(env, free_port(), tmp_path / "web-1.log")
        redis, worker, second = None, None, None
        try:
            wait_for(lambda: answers(f"{web.base}/api/v1/openapi.json"), 90, "gunicorn",
                     on_timeout=web.tail)
            outcome: list[object] = []

            def send() -> None:
                try:
                    outcome.append(requests.post(f"{web.base}/api/v1/batches", files=files,
                                                 headers=headers, timeout=120))
                except requests.RequestException as exc:
                    outcome.append(exc)

            client = threading.Thread(target=send)
            client.start()

            def stored() -> bool:
                with database(app).session() as session:
                    return session.scalar(select(Batch.id)) is not None

            wait_for(stored, 60, "the upload to be stored", interval=0.05, on_timeout=web.tail)
            web.kill()
            client.join(timeout=60)
            assert isinstance(outcome[0], requests.RequestException), outcome
            blackhole.close()
            redis = _private_redis(port, tmp_path)
            second = WebProcess(env, free_port(), tmp_path / "web-2.log")
            worker = WorkerProcess(env, tmp_path / "worker.log", concurrency=2)
            wait_for(second.healthy, 90, "gunicorn after the kill", on_timeout=second.tail)
            restarted = time.monotonic()
            retry = requests.post(f"{second.base}/api/v1/batches", files=files,
                                  headers=headers, timeout=60)
            assert retry.status_code == 202 and retry.headers["Idempotent-Replayed"] == "true"
            url = f"{second.base}/api/v1/batches/{retry.json()['batch']['id']}"
            done = wait_for(lambda: (b := requests.get(url, headers=teacher, timeout=10).json())
                            ["complete"] and b, 240, "the upload graded", on_timeout=worker.tail)
        finally:
            for process in (web, second, worker):
                if process is not None:
                    process.stop()
            if redis is not None:
                redis.terminate()
                redis.wait(timeout=10)
            blackhole.close()
        with database(app).session() as session:
            assert len(session.scalars(select(Batch)).all()) == 1
        result = fault_outcome(app, (e["id"] for e in done["essays"]))
        faults.append(("web app SIGKILLed after storing an upload, before answering", result,
                       f"client saw {type(outcome[0]).__name__}; its retry with the same "
                       f"Idempotency-Key got the stored upload back; the sweeper sent it; "
                       f"graded {time.monotonic() - restarted:.0f} s after the restart"))
        assert result.accepted == 30 and result.graded_once == 30 and result.survived


def test_grader_serve_runs_the_embedded_default_with_no_servers(tmp_path):
    port = free_port()
    env = service_env(tmp_path / "instance")
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen([sys.executable, "-m", "grader.cli", "serve", "--port", str(port)],
                             env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def tail() -> str:
        return (tmp_path / "serve.log").read_text(errors="replace")[-3000:]

    def healthy():
        try:
            health = requests.get(f"{base}/healthz", timeout=2).json()
        except requests.RequestException:
            return None
        return health if health["status"] == "ok" else None

    try:
        wait_for(healthy, 120, "grader serve to be healthy", on_timeout=tail)

        def token(email: str, role: str) -> str:
            return subprocess.run([sys.executable, "-m", "grader.cli", "token", "create", email,
                                   "--role", role], env=env, cwd=ROOT, capture_output=True,
                                  text=True, check=True).stdout.strip()

        admin = {"Authorization": f"Bearer {token('admin@school.example', 'admin')}"}
        health = requests.get(f"{base}/healthz", headers=admin, timeout=5).json()
        assert health["database"]["dialect"] == "sqlite"
        assert health["broker"]["transport"] == "grader-sqla+sqlite"
        headers = {"Authorization": f"Bearer {token('kid@school.example', 'student')}"}
        started = time.monotonic()
        accepted = requests.post(f"{base}/api/v1/essays", json={"text": STRONG},
                                 headers=headers, timeout=10)
        assert accepted.status_code == 202
        url = accepted.json()["url"]
        essay = wait_for(lambda: (e := requests.get(url, headers=headers, timeout=5).json())
                         ["status"] == "done" and e, 60, "the draft to be graded",
                         on_timeout=tail)
        elapsed = time.monotonic() - started
        assert any(c["feedback"] for c in essay["result"]["criteria"])
        assert elapsed < 10, f"a draft took {elapsed:.1f} s"
        assert Path(env["GRADER_INSTANCE_PATH"], "grader.sqlite").exists()
        assert Path(env["GRADER_INSTANCE_PATH"], "broker.sqlite").exists()
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        try:
            code = serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            raise
        log.close()
    assert code == 0, tail()


def test_an_essay_over_the_time_limit_fails_alone_on_the_embedded_broker(tmp_path, faults):
    """A chunk that runs out of time is split; only the slow essay fails, with the reason."""
    env = service_env(tmp_path / "instance", GRADER_TASK_SOFT_LIMIT="0.5",
                      GRADER_TASK_HARD_LIMIT="20")
    app = make_app(env)
    client = app.test_client()
    teacher = token_for(app, "slow@school.example", "teacher")
    quick = class_essays(2)
    # ~19,000 words: 2-3 s to grade. Celery checks soft limits about once a second, so the
    # limit fires between 0.5 and 1.5 s: always for this essay, never for a short one.
    slow = "\n\n".join(class_essays(120))
    batch = upload(client, teacher, {"quick-1.txt": quick[0].encode(),
                                     "slow.txt": slow.encode(),
                                     "quick-2.txt": quick[1].encode()}, "time limit")
    worker = WorkerProcess(env, tmp_path / "worker.log", concurrency=1, beat=False)
    try:
        done = wait_for(lambda: (s := batch_status(client, teacher, batch))["complete"] and s,
                        120, "the batch to finish", on_timeout=worker.tail)
        states = {e["label"]: (e["status"], e["error"]) for e in done["essays"]}
        # Retried, it is graded again by the worker, and fails again for the same reason.
        retried = client.post(batch["url"] + "/retry", headers=teacher)
        assert retried.status_code == 202 and len(retried.get_json()["requeued"]) == 1
        again = wait_for(lambda: (s := batch_status(client, teacher, batch))["complete"] and s,
                         120, "the retried essay to finish", on_timeout=worker.tail)
    finally:
        worker.stop()
    outcome = fault_outcome(app, (e["id"] for e in again["essays"]))
    faults.append(("an essay over the task's time limit (0.5 s)", outcome,
                   "the chunk was split; only that essay failed, with the reason; a retry "
                   "failed it again the same way"))
    assert states["quick-1"] == ("done", None) and states["quick-2"] == ("done", None)
    assert states["slow"][0] == "failed" and "longer than the 0.5 s limit" in states["slow"][1]
    assert {e["label"]: (e["status"], e["error"]) for e in again["essays"]} == states
    assert outcome.graded_once == 2 and outcome.failed_with_reason == 1 and outcome.survived
