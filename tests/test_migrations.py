"""Migrations keep the data they find: SQLite rebuilds a table to alter it, and with foreign
keys on, dropping the old copy would cascade-delete every essay and result behind it."""

from __future__ import annotations

import io
from contextlib import ExitStack

import pytest
from sqlalchemy import select, text

from grader.db import database, downgrade, upgrade
from grader.services.questions import spec_of_question
from grader.services.rubrics import import_rubric, read_rubric_file
from grader.tables import Assignment, Essay, Question
from tests.conftest import DEFAULT_RUBRIC, ESSAYS
from tests.pages_support import make_school
from tests.service_support import make_app, postgres_database, service_env, token_for

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


LEGACY_HEAD = """\
prompt: >-
  How successful was Stalin's industrialisation of the Soviet Union? Assess its aims, methods and
  results, using evidence from the period.
key_terms:
  - term: Stalin
  - term: Five-Year Plan
    aliases: [five year plan, five-year plans]
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_question_a_rubric_carried_becomes_its_assignments_and_essays_question(
        tmp_path, backend):
    """Before questions were apart from rubrics, the rubric's prompt was every essay's question.
    Upgrading gives it to the assignments and essays that were graded against it."""
    with ExitStack() as stack:
        url = stack.enter_context(postgres_database()) if backend == "postgresql" else None
        app = make_app(service_env(tmp_path / "instance", url))
        school = make_school(app)
        student = token_for(app, "student@school.example", "student")
        client = app.test_client()
        strong = (ESSAYS / "strong.txt").read_text(encoding="utf-8")
        essay = client.post("/api/v1/essays", json={"text": strong},
                            headers=student).get_json()["essay"]["id"]
        default = DEFAULT_RUBRIC.read_text(encoding="utf-8")
        legacy = default.replace("min_words:", LEGACY_HEAD + "min_words:", 1)
        with database(app).session() as session:  # stored with today's tables, then the
            exemplars = read_rubric_file(DEFAULT_RUBRIC)[1]  # schema taken back to 0006
            version = import_rubric(session, legacy, exemplars, source="legacy").version
            session.execute(text("UPDATE essays SET rubric_version_id = :v WHERE id = :e"),
                            {"v": version.id, "e": essay})
            session.commit()
        downgrade(app, "0006")
        upgrade(app)
        with database(app).session() as session:
            [question] = session.scalars(select(Question)).all()
            assert question.text.startswith("How successful was Stalin's industrialisation")
            assert question.owner_id is None and question.period is None
            assert question.key_terms == [
                {"term": "Stalin", "aliases": []},
                {"term": "Five-Year Plan", "aliases": ["five year plan", "five-year plans"]}]
            spec = spec_of_question(question)
            assert question.digest == spec.digest and spec.key_terms[1].aliases
            for assignment_id in (school.assignment_id, school.other_assignment_id):
                assert session.get(Assignment, assignment_id).question_id == question.id
            assert session.get(Essay, essay).question_id == question.id
            assert session.execute(text("SELECT count(*) FROM results WHERE terms IS NOT NULL")
                                   ).scalar_one() == 0
        downgrade(app, "0006")  # and back: the columns and the table go, the rows stay
        upgrade(app)
        with database(app).session() as session:
            assert session.get(Essay, essay) is not None
            assert len(session.scalars(select(Question)).all()) == 1
