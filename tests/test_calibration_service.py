"""Calibration in the service: requests checked by the API, models fitted by the worker's code,
activated and rolled back by an admin, and used (and recorded) when essays are graded.

The worker's own functions run here in-process; tests/test_service_processes.py runs the same
flow through a real Celery worker.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from grader.db import database
from grader.services.sweeper import sweep
from grader.signing import sign, verified
from grader.tables import Calibration, Essay, Result, utcnow
from models.calibration.model import CalibrationModel
from tests.planted import planted_set, scored_csv
from worker.calibrating import run_calibration


def request_csv(client, headers, data: bytes, scores=("teacher score=overall",),
                text_column="essay", rubric="history-argument"):
    form = {"file": (io.BytesIO(data), "scores.csv"), "text_column": text_column,
            "score": list(scores)}
    return client.post(f"/api/v1/rubrics/{rubric}/calibrations", data=form, headers=headers,
                       content_type="multipart/form-data")


@pytest.fixture(scope="module")
def planted():
    return planted_set(40)


@pytest.fixture
def ready(client, accounts, service_app, grade_pending, planted):
    """A ready calibration (overall, on a 2-8 scale) requested by the teacher."""
    texts, levels = planted
    response = request_csv(client, accounts["teacher"], scored_csv(texts, levels))
    assert response.status_code == 202, response.get_json()
    assert response.headers["Location"] == response.get_json()["url"]
    calibration = response.get_json()["calibration"]
    assert calibration["status"] == "queued" and calibration["essays"] == 40
    assert grade_pending.calibrate(service_app) == {calibration["id"]: "ready"}
    return calibration


def test_a_calibration_is_fitted_and_reports_cross_validated_agreement(client, accounts,
                                                                       ready):
    body = client.get(ready["url"], headers=accounts["teacher"]).get_json()
    assert body["status"] == "ready" and body["error"] is None and not body["active"]
    report = body["report"]
    assert report["folds"] == 5 and report["trained_on"] == 40 and report["left_out"] == 0
    [overall] = report["targets"]
    assert overall["criterion"] == "overall" and overall["column"] == "teacher score"
    assert overall["labels"] == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]  # the teacher's scale
    assert overall["qwk"] > 0.6  # the planted signal is learnt
    assert sum(map(sum, overall["confusion"])) == 40


def test_only_an_admin_activates_and_grading_then_uses_and_records_the_model(
        client, accounts, service_app, grade_pending, ready):
    assert client.post(ready["activate_url"], headers=accounts["teacher"]).status_code == 403
    activated = client.post(ready["activate_url"], headers=accounts["admin"])
    assert activated.status_code == 200 and activated.get_json()["active"] is True
    rubrics = client.get("/api/v1/rubrics", headers=accounts["student"]).get_json()
    assert rubrics[0]["calibration"] == ready["id"]

    texts, levels = planted_set(8, seed=21)
    ids = [client.post("/api/v1/essays", json={"text": t}, headers=accounts["student"])
           .get_json()["essay"]["id"] for t in texts]
    grade_pending(service_app)
    scored = []
    for essay_id in ids:
        body = client.get(f"/api/v1/essays/{essay_id}", headers=accounts["student"]).get_json()
        assert body["status"] == "done"
        assert body["calibration"]["id"] == ready["id"]
        score = body["calibration"]["scores"]["overall"]
        assert score in range(2, 9)
        assert body["result"]["calibration"]["id"] == ready["id"]
        scored.append(score)
    weak = [s for s, level in zip(scored, levels, strict=True) if level == 1]
    strong = [s for s, level in zip(scored, levels, strict=True) if level == 4]
    assert max(weak) < min(strong)  # unseen essays are ranked by the planted signal

    # 2-8 is not the rubric's 1-4 scale, so the engine's levels stand beside the scores.
    with database(service_app).session() as session:
        rows = session.scalars(select(Result).where(Result.essay_id.in_(ids))).all()
        assert {r.calibration_id for r in rows} == {ready["id"]}
        assert all(1 <= r.overall_level <= 4 for r in rows)


def test_rollback_returns_to_the_model_active_before(client, accounts, service_app,
                                                     grade_pending, planted, ready):
    admin = accounts["admin"]
    texts, levels = planted
    second = request_csv(client, accounts["teacher2"], scored_csv(texts, levels)).get_json()
    grade_pending.calibrate(service_app)
    assert client.post(ready["activate_url"], headers=admin).get_json()["active"]
    second_url = second["calibration"]["activate_url"]
    assert client.post(second_url, headers=admin).get_json()["active"]
    assert not client.get(ready["url"], headers=admin).get_json()["active"]

    rollback = "/api/v1/rubrics/history-argument/calibrations/rollback"
    assert client.post(rollback, headers=accounts["teacher"]).status_code == 403
    back = client.post(rollback, headers=admin)
    assert back.status_code == 200 and back.get_json()["active"]["id"] == ready["id"]
    assert client.post(rollback, headers=admin).get_json() == {"active": None}
    missing = client.post(rollback, headers=admin)
    assert missing.status_code == 409 and "default model" in missing.get_json()["error"][
        "message"]

    essay = client.post("/api/v1/essays", json={"text": texts[0]}, headers=accounts["student"])
    grade_pending(service_app)
    body = client.get(essay.get_json()["url"], headers=accounts["student"]).get_json()
    assert body["status"] == "done" and body["calibration"] is None
    assert "calibration" not in body["result"]


def test_requests_that_cannot_be_calibrated_get_a_clear_422(client, accounts, planted):
    texts, levels = planted
    teacher = accounts["teacher"]
    data = scored_csv(texts, levels)

    def message(response) -> str:
        assert response.status_code == 422, response.get_json()
        return response.get_json()["error"]["message"]

    no_text = request_csv(client, teacher, data, text_column="text")
    assert "no column named 'text'" in message(no_text)
    assert "'grade'" in message(request_csv(client, teacher, data, scores=("grade=overall",)))
    assert "'voice'" in message(request_csv(client, teacher, data, scores=("teacher score=voice",)))
    assert "COLUMN=CRITERION" in message(request_csv(client, teacher, data, scores=("overall",)))
    few = scored_csv(texts[:9], levels[:9])
    assert "9 scored essays" in message(request_csv(client, teacher, few))
    sparse = scored_csv(texts, levels, blank_every=2)  # 20 scored of 40 is enough
    assert request_csv(client, teacher, sparse).status_code == 202
    same = scored_csv(texts[:12], [2] * 12)
    assert "same score" in message(request_csv(client, teacher, same))
    bad = data.replace(b",8\r\n", b",eight\r\n", 1)
    assert "'eight', not a score" in message(request_csv(client, teacher, bad))
    third = data.replace(b",8\r\n", b",7.3\r\n", 1)
    assert "whole or half points" in message(request_csv(client, teacher, third))
    assert "multipart form" in message(client.post(
        "/api/v1/rubrics/history-argument/calibrations", json={"source": "csv"},
        headers=teacher))
    missing = request_csv(client, teacher, data, rubric="no-such-rubric")
    assert "no rubric 'no-such-rubric'" in message(missing)


def test_students_cannot_calibrate_and_teachers_see_only_their_own(client, accounts, ready):
    assert request_csv(client, accounts["student"], b"essay\n").status_code == 403
    assert client.get(ready["url"], headers=accounts["student"]).status_code == 403
    assert client.get(ready["url"], headers=accounts["teacher2"]).status_code == 404
    assert client.get(ready["url"], headers=accounts["admin"]).status_code == 200
    listing = "/api/v1/rubrics/history-argument/calibrations"
    assert [c["id"] for c in client.get(listing, headers=accounts["teacher"]).get_json()] == [
        ready["id"]]
    assert client.get(listing, headers=accounts["teacher2"]).get_json() == []
    assert client.post(ready["activate_url"], headers=accounts["teacher2"]).status_code == 403


def test_a_calibration_not_ready_cannot_be_activated(client, accounts, planted):
    texts, levels = planted
    queued = request_csv(client, accounts["admin"], scored_csv(texts, levels)).get_json()
    response = client.post(queued["calibration"]["activate_url"], headers=accounts["admin"])
    assert response.status_code == 409
    assert "only a ready calibration" in response.get_json()["error"]["message"]


def test_teachers_overrides_are_a_calibration_source(client, accounts, service_app,
                                                     grade_pending):
    teacher = accounts["teacher"]
    source = {"source": "overrides"}
    url = "/api/v1/rubrics/history-argument/calibrations"
    empty = client.post(url, json=source, headers=teacher)
    assert empty.status_code == 422 and "override" in empty.get_json()["error"]["message"]

    texts, levels = planted_set(16, seed=11)
    # Half were graded against a question: each is read against its own again.
    stalin = "How successful was Stalin's industrialisation of the Soviet Union?"
    ids = [client.post("/api/v1/essays", json={"text": t, "question": stalin if i % 2 else None},
                       headers=teacher).get_json()["essay"]["id"] for i, t in enumerate(texts)]
    grade_pending(service_app)
    for essay_id, level in zip(ids, levels, strict=True):
        response = client.post(f"/api/v1/essays/{essay_id}/overrides",
                               json={"criterion": "evidence", "level": level},
                               headers=teacher)
        assert response.status_code == 201, response.get_json()
    # Another teacher has reviewed nothing: their overrides are their own.
    assert client.post(url, json=source, headers=accounts["teacher2"]).status_code == 422

    response = client.post(url, json=source, headers=teacher)
    assert response.status_code == 202, response.get_json()
    calibration = response.get_json()["calibration"]
    assert calibration["source"] == "overrides" and calibration["essays"] == 16
    with database(service_app).session() as session:
        training = session.get(Calibration, calibration["id"]).training
    # Only the overridden criterion is a target: the others would just learn the grader.
    assert list(training["targets"]) == ["evidence"]
    assert training["targets"]["evidence"]["scores"] == [float(v) for v in levels]
    assert [q and q["text"] for q in training["questions"]] == [
        stalin if i % 2 else None for i in range(16)]
    assert grade_pending.calibrate(service_app) == {calibration["id"]: "ready"}

    # Fitted on the rubric's own levels, its levels replace the engine's, wording and all.
    activated = client.post(calibration["activate_url"], headers=accounts["admin"])
    assert activated.status_code == 200, activated.get_json()
    fresh, _ = planted_set(4, seed=5)
    new_ids = [client.post("/api/v1/essays", json={"text": t}, headers=accounts["student"])
               .get_json()["essay"]["id"] for t in fresh]
    grade_pending(service_app)
    rubric = client.get("/api/v1/rubrics", headers=teacher).get_json()[0]
    descriptors = {c["id"]: c["descriptors"] for c in rubric["criteria"]}["evidence"]
    for essay_id in new_ids:
        body = client.get(f"/api/v1/essays/{essay_id}", headers=accounts["student"]).get_json()
        level = body["calibration"]["scores"]["evidence"]
        assert body["levels"]["evidence"] == level
        [evidence] = [c for c in body["result"]["criteria"] if c["id"] == "evidence"]
        assert evidence["level"] == level and evidence["label"] == rubric["levels"][str(
            round(level))] and evidence["descriptor"] == descriptors[str(round(level))]
        assert set(body["result"]["calibration"]["default_levels"]) == {"evidence"}


def test_a_calibration_is_fitted_once_and_fails_with_a_reason(client, accounts, service_app,
                                                              grade_pending, planted):
    texts, levels = planted
    queued = request_csv(client, accounts["teacher"], scored_csv(texts, levels)).get_json()
    calibration_id = queued["calibration"]["id"]
    sessions = database(service_app).sessions
    engine_for = grade_pending.engine_for

    def run(token: str) -> str:
        return run_calibration(sessions, calibration_id, engine_for, token, max_attempts=3,
                               stale_after=600, time_limit=600,
                               secret_key=service_app.config["SECRET_KEY"])

    with sessions() as session:  # another message holds it, and is not stale
        session.execute(update(Calibration).values(status="running", claim_token="other",
                                                   started_at=Calibration.created_at))
        session.commit()
    assert run("mine") == "skipped"
    with sessions() as session:  # its holder died three times
        session.execute(update(Calibration).values(status="queued", attempts=3))
        session.commit()
    assert run("mine") == "failed"
    failed = client.get(queued["url"], headers=accounts["teacher"]).get_json()
    assert failed["status"] == "failed" and "3 times" in failed["error"]

    with sessions() as session:  # nothing in it can be analysed: the engine says so
        session.execute(update(Calibration).values(
            status="queued", attempts=0, claim_token=None,
            training={"texts": ["\x00\x01\x02 \x03"] * 12,
                      "targets": {"overall": {"column": "s", "scores": [1, 2] * 6}}}))
        session.commit()
    assert run("mine") == "failed"
    failed = client.get(queued["url"], headers=accounts["teacher"]).get_json()
    assert failed["error"] == "none of the essays could be analysed"
    assert run("again") == "skipped"  # finished: a duplicate message leaves it alone


def test_an_unusable_model_leaves_grading_to_the_default_model(client, accounts, service_app,
                                                               grade_pending, ready):
    from worker import engines

    client.post(ready["activate_url"], headers=accounts["admin"])
    key = service_app.config["SECRET_KEY"]

    with database(service_app).session() as session:
        original = verified(session.get(Calibration, ready["id"]).model, key)

    def store(change) -> None:
        with database(service_app).session() as session:
            calibration = session.get(Calibration, ready["id"])
            calibration.model = change(CalibrationModel.from_bytes(original))
            session.commit()
        engines._calibrations.clear()  # as a worker started afterwards would

    def grade_one() -> dict:
        texts, _ = planted_set(4, seed=3)
        response = client.post("/api/v1/essays", json={"text": texts[0]},
                               headers=accounts["student"])
        grade_pending(service_app)
        return client.get(response.get_json()["url"], headers=accounts["student"]).get_json()

    def older(model):  # as if the libraries were upgraded after it was activated
        model.versions = {**model.versions, "scikit-learn": "0.1"}
        return sign(model.to_bytes(), key)

    for change in (older, lambda model: model.to_bytes()):  # then: not signed by a worker
        store(change)
        body = grade_one()
        assert body["status"] == "done" and body["calibration"] is None
        assert "could not be used" in body["result"]["calibration"]["error"]
        assert "scikit-learn" not in body["result"]["calibration"]["error"]  # details: the log


def test_a_model_made_by_other_versions_cannot_be_activated(client, accounts, service_app,
                                                            ready):
    with database(service_app).session() as session:
        calibration = session.get(Calibration, ready["id"])
        calibration.versions = {**calibration.versions, "engine": "0.0.1"}
        session.commit()
    body = client.get(ready["url"], headers=accounts["admin"]).get_json()
    assert body["usable"] is False
    response = client.post(ready["activate_url"], headers=accounts["admin"])
    assert response.status_code == 409 and "engine 0.0.1" in response.get_json()["error"][
        "message"]


def test_one_calibration_at_a_time_per_user(client, accounts, planted):
    texts, levels = planted
    assert request_csv(client, accounts["teacher"], scored_csv(texts, levels)).status_code == 202
    again = request_csv(client, accounts["teacher"], scored_csv(texts, levels))
    assert again.status_code == 409 and "still queued" in again.get_json()["error"]["message"]
    assert request_csv(client, accounts["teacher2"], scored_csv(texts, levels)).status_code == 202


def test_the_results_csv_carries_the_calibrated_scores(client, accounts, service_app,
                                                       grade_pending, ready):
    client.post(ready["activate_url"], headers=accounts["admin"])
    texts, _ = planted_set(4, seed=9)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["essay"], *([t] for t in texts)])
    batch = client.post("/api/v1/batches", data={"files": [(io.BytesIO(
        buffer.getvalue().encode()), "class.csv")]}, headers=accounts["teacher"],
        content_type="multipart/form-data").get_json()["batch"]
    grade_pending(service_app)
    exported = client.get(batch["results_csv"], headers=accounts["teacher"])
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert len(rows) == 4
    assert all(float(r["calibrated_overall"]) in range(2, 9) for r in rows)
    assert {r["calibration"] for r in rows} == {str(ready["id"])}


def test_the_sweeper_resends_stranded_calibrations(client, accounts, service_app, planted):
    texts, levels = planted
    ids = [request_csv(client, accounts[who], scored_csv(texts, levels))
           .get_json()["calibration"]["id"] for who in ("teacher", "teacher2", "admin")]
    long_ago = utcnow() - timedelta(hours=2)
    with database(service_app).session() as session:
        # 0: never reached the broker; 1: its worker died while fitting it; 2: just sent.
        session.execute(update(Calibration).where(Calibration.id == ids[0])
                        .values(enqueued_at=None, created_at=long_ago))
        session.execute(update(Calibration).where(Calibration.id == ids[1])
                        .values(status="running", started_at=long_ago, attempts=1,
                                claim_token="dead-worker"))
        session.commit()
    with service_app.app_context(), database(service_app).session() as session:
        assert sweep(session, service_app).calibrations == 2
        state = {c.id: c for c in session.scalars(select(Calibration))}
        assert all(state[i].status == "queued" and state[i].enqueued_at for i in ids)
        assert (state[ids[1]].attempts, state[ids[1]].claim_token) == (1, None)
        assert sweep(session, service_app).calibrations == 0


def test_the_calibration_page_lists_the_essays_to_review_first(client, accounts, service_app,
                                                               grade_pending):
    from tests.pages_support import make_school, sign_in

    make_school(service_app)  # the same accounts, with passwords for the pages
    teacher = accounts["teacher"]
    texts, _ = planted_set(16, seed=3)
    ids = [client.post("/api/v1/essays", json={"text": t}, headers=teacher)
           .get_json()["essay"]["id"] for t in texts]
    grade_pending(service_app)
    reviewed = ids[:2]
    for essay_id in reviewed:
        assert client.post(f"/api/v1/essays/{essay_id}/overrides",
                           json={"criterion": "evidence", "level": 2},
                           headers=teacher).status_code == 201
    sign_in(client, "teacher")
    page = client.get("/admin/rubrics/history-argument/calibrations").get_data(as_text=True)
    assert "Review these 14 first" in page  # fewer than 20 left: all of them, in an order
    listed = [int(n) for n in re.findall(r'href="/essays/(\d+)"', page)]
    assert sorted(listed) == sorted(ids[2:]) and not set(reviewed) & set(listed)
    with database(service_app).session() as session:
        from grader import queries
        from grader.services.calibrations import essays_to_review_first
        from grader.tables import User

        version = queries.rubric_by_slug(session, "history-argument").active_version
        me = session.scalar(select(User).where(User.email == "teacher@school.example"))
        other = session.scalar(select(User).where(User.email == "teacher2@school.example"))
        first = essays_to_review_first(session, me, version, 4)
        assert len(first) == 4 and {e.id for e in first} <= set(ids[2:])
        # Spread over the grader's range (one from each quarter of it), not four alike.
        scores = {e.id: e.result.document["overall"]["uncapped_score"] for e in session.scalars(
            select(Essay).where(Essay.id.in_(ids[2:])))}
        chosen = [scores[e.id] for e in first]
        spread = max(scores.values()) - min(scores.values())
        assert max(chosen) - min(chosen) >= spread / 2
        assert essays_to_review_first(session, other, version, 4) == []  # not theirs
