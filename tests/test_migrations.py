"""Migrations keep the data they find: SQLite rebuilds a table to alter it, and with foreign
keys on, dropping the old copy would cascade-delete every essay and result behind it."""

from __future__ import annotations

import io

from sqlalchemy import text

from grader.db import database, downgrade, upgrade
from tests.conftest import ESSAYS
from tests.service_support import make_app, service_env, token_for

TABLES = ("users", "api_tokens", "rubric_versions", "batches", "essays", "results",
          "result_criteria", "overrides")


def _counts(app) -> dict[str, int]:
    with database(app).engine.connect() as connection:
        return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in TABLES}


def test_downgrading_and_upgrading_a_populated_sqlite_database_loses_no_row(tmp_path,
                                                                            grade_pending):
    app = make_app(service_env(tmp_path / "instance"))
    client = app.test_client()
    student = token_for(app, "kept@school.example", "student")
    teacher = token_for(app, "keeper@school.example", "teacher")
    strong = (ESSAYS / "strong.txt").read_text(encoding="utf-8")
    narrative = (ESSAYS / "narrative.txt").read_text(encoding="utf-8")
    assert client.post("/api/v1/essays", json={"text": strong}, headers={
        **student, "Idempotency-Key": "k1"}).status_code == 202
    batch = client.post("/api/v1/batches", headers=teacher, content_type="multipart/form-data",
                        data={"files": [(io.BytesIO(narrative.encode()), "n.txt")]})
    assert batch.status_code == 202
    grade_pending(app)
    essay = batch.get_json()["batch"]["essays"][0]["id"]
    assert client.post(f"/api/v1/essays/{essay}/overrides", headers=teacher, json={
        "criterion": "thesis", "level": 2, "comment": "kept"}).status_code == 201
    before = _counts(app)
    assert before["results"] == 2 and before["result_criteria"] > 0 and before["overrides"] == 1

    downgrade(app, "0004")  # back past this session's two table rebuilds
    assert _counts(app) == before
    upgrade(app)
    assert _counts(app) == before
    with database(app).engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        # Tokens from before expiry existed are given the default life, not eternity.
        assert connection.exec_driver_sql(
            "SELECT count(*) FROM api_tokens WHERE expires_at IS NULL").scalar_one() == 0
    assert client.get(f"/api/v1/essays/{essay}", headers=teacher).get_json()["status"] == "done"
