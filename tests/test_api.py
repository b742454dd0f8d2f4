"""The JSON API on a real app (SQLite, embedded broker), graded by the worker's own code."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select, text

from grader.db import database
from grader.tables import Essay
from tests.conftest import ESSAYS
from tests.documents import make_docx, make_pdf, make_zip, rewrite_pdf

STRONG = (ESSAYS / "strong.txt").read_text(encoding="utf-8")
NARRATIVE = (ESSAYS / "narrative.txt").read_text(encoding="utf-8")
OPINION = (ESSAYS / "opinion.txt").read_text(encoding="utf-8")
OFF_TOPIC = (ESSAYS / "off_topic.txt").read_text(encoding="utf-8")
EXEMPLAR = (ESSAYS.parent.parent / "rubrics" / "exemplars" / "stalin-industrialisation.txt"
            ).read_text(encoding="utf-8")


def submit(client, headers, body_text=STRONG, **extra):
    return client.post("/api/v1/essays", json={"text": body_text, **extra}, headers=headers)


def upload(client, headers, files: dict[str, bytes], **form):
    data = {**form, "files": [(io.BytesIO(content), name) for name, content in files.items()]}
    return client.post("/api/v1/batches", data=data, headers=headers,
                       content_type="multipart/form-data")


def test_the_openapi_document_describes_every_api_route(client, service_app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)  # a valid OpenAPI 3 document, or this raises
    batch_get = spec["paths"]["/api/v1/batches/{batch_id}"]["get"]
    assert {"name": "essays", "in": "query"}.items() <= batch_get["parameters"][0].items()
    error = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]
    assert error["schema"]["$ref"].endswith("/ErrorOut")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    documented = {path.replace("{", "<").replace("}", ">") for path in spec["paths"]}
    routes = {re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"<\1>", rule.rule)
              for rule in service_app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and not rule.rule.endswith("openapi.json")}
    routes |= {"/healthz"}
    assert routes == documented
    post = spec["paths"]["/api/v1/essays"]["post"]
    assert {"application/json", "multipart/form-data"} <= set(post["requestBody"]["content"])
    assert "202" in post["responses"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer grd_not-a-real-token"},
                                     {"Authorization": "Basic dXNlcjpwYXNz"}])
def test_requests_without_a_valid_token_get_a_json_401(client, headers):
    response = client.get("/api/v1/essays", headers=headers)
    assert response.status_code == 401
    assert response.is_json and "token" in response.get_json()["error"]["message"]
    # Authentication comes before the body is looked at: nothing about the fields leaks.
    override = client.post("/api/v1/essays/1/overrides", json={}, headers=headers)
    assert override.status_code == 401 and "fields" not in override.get_json()["error"]


def test_ids_out_of_range_are_simply_not_found(client, accounts):
    for url in ("/api/v1/essays/99999999999999999999", "/api/v1/batches/99999999999999999999",
                "/api/v1/essays/9223372036854775807"):
        response = client.get(url, headers=accounts["admin"])
        assert response.status_code == 404 and response.is_json


def test_a_draft_is_accepted_queued_graded_and_its_feedback_points_into_its_text(
        client, accounts, service_app, grade_pending):
    response = submit(client, accounts["student"], label="My draft")
    assert response.status_code == 202
    body = response.get_json()
    assert response.headers["Location"] == body["url"]
    assert body["essay"]["status"] == "queued" and body["essay"]["label"] == "My draft"
    with database(service_app).session() as session:
        essay = session.get(Essay, body["essay"]["id"])
        assert essay.enqueued_at is not None  # the message reached the (embedded) broker

    report = grade_pending(service_app)
    assert report.graded == [body["essay"]["id"]]
    essay = client.get(body["url"], headers=accounts["student"]).get_json()
    assert essay["status"] == "done" and essay["attempts"] == 1
    result = essay["result"]
    assert set(essay["levels"]) == {"thesis", "evidence", "structure", "language", "overall"}
    assert essay["overall_level"] == result["overall"]["level"]
    quoted = [s for c in result["criteria"] for item in c["feedback"] for s in item["sentences"]]
    assert quoted
    for sentence in quoted:
        assert essay["text"][sentence["start"]:sentence["end"]] == sentence["text"]


def test_the_broker_file_is_separate_and_holds_the_sent_message(client, accounts, service_app):
    from sqlalchemy import create_engine

    from grader.embedded_broker import sqlalchemy_url
    from grader.queueing import celery

    submit(client, accounts["student"])
    broker = create_engine(sqlalchemy_url(celery(service_app).conf.broker_url))
    with broker.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM kombu_message")).scalar()
    broker.dispose()
    assert count == 1


@pytest.mark.parametrize(("payload", "expected"), [
    ({"text": ""}, "empty"),
    ({"text": "   \n\n  "}, "empty"),
    ({"text": "war " * 20_001}, "limit is 20,000"),
    ({"label": "no text"}, "not a valid draft"),
    ({"text": 42}, "not a valid draft"),
])
def test_unusable_drafts_get_a_422_with_the_reason(client, accounts, payload, expected):
    response = client.post("/api/v1/essays", json=payload, headers=accounts["student"])
    assert response.status_code == 422
    assert expected in response.get_json()["error"]["message"]


def test_a_body_that_is_neither_json_nor_a_form_is_a_400(client, accounts):
    response = client.post("/api/v1/essays", data=b"\x00\x01", headers=accounts["student"],
                           content_type="application/octet-stream")
    assert response.status_code == 400 and response.is_json


def test_a_draft_can_be_a_docx_file_and_a_pdf_without_text_is_refused(client, accounts):
    docx = make_docx(STRONG.split("\n\n"))
    response = client.post("/api/v1/essays", headers=accounts["student"],
                           data={"file": (io.BytesIO(docx), "draft.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 202
    assert response.get_json()["essay"]["label"] == "draft"
    assert "Five-Year Plan" in response.get_json()["essay"]["text"]
    scan = make_pdf([""])
    response = client.post("/api/v1/essays", headers=accounts["student"],
                           data={"file": (io.BytesIO(scan), "scan.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "no text" in response.get_json()["error"]["message"]


def test_a_batch_of_mixed_files_accounts_for_every_file_and_exports_csv(
        client, accounts, service_app, grade_pending):
    roster = io.StringIO()
    writer = csv.writer(roster)
    writer.writerow(["Student", "Essay"])
    writer.writerow(["=HYPERLINK(\"http://evil\")", EXEMPLAR])
    writer.writerow(["Blank Row", ""])
    files = {
        "alice.txt": STRONG.encode("utf-8"),
        "bob.docx": make_docx(NARRATIVE.split("\n\n")),
        "carol.pdf": make_pdf([p for p in OPINION.split("\n\n") if p.strip()][:3]),
        "roster.csv": roster.getvalue().encode("utf-8"),
        "more.zip": make_zip({"dave.txt": OFF_TOPIC.encode("utf-8"),
                              "inner.zip": make_zip({"x.txt": b"x"}),
                              "tool.exe": b"MZ\x00\x00"}),
        "alice-again.txt": ("  " + STRONG.replace("\n\n", "\n\n\n")).encode("utf-8"),
        "locked.pdf": rewrite_pdf(make_pdf([STRONG[:800]]), user_password="pw"),
        "scan.pdf": make_pdf([""]),
        "old.doc": b"\xd0\xcf\x11\xe0 not really word",
    }
    response = upload(client, accounts["teacher"], files, title="9B: Stalin essays")
    assert response.status_code == 202
    batch = response.get_json()["batch"]
    report = batch["report"]
    problems = {p["name"]: p["message"] for p in report["problems"]}
    assert set(problems) == {"roster.csv row 3", "more.zip/inner.zip", "more.zip/tool.exe",
                             "locked.pdf", "scan.pdf", "old.doc"}
    assert "empty" in problems["roster.csv row 3"]
    assert "archives inside archives" in problems["more.zip/inner.zip"]
    assert "password" in problems["locked.pdf"] and ".docx" in problems["old.doc"]
    labels = sorted(e["label"] for e in batch["essays"])
    assert labels == sorted(["alice", "bob", "carol", "=HYPERLINK(\"http://evil\")", "dave",
                             "alice-again"])
    assert report["duplicates"] == [{"name": "alice-again.txt", "duplicate_of": "alice.txt"}]
    assert batch["counts"]["queued"] == 6 and batch["complete"] is False
    assert batch["completed_at"] is None
    polled = client.get(batch["url"] + "?essays=false", headers=accounts["teacher"]).get_json()
    assert "essays" not in polled and polled["counts"] == batch["counts"]

    before = datetime.now(UTC)
    grade_pending(service_app)
    status = client.get(batch["url"], headers=accounts["teacher"]).get_json()
    assert status["complete"] is True and status["counts"]["done"] == 6
    assert status["progress"] == 1.0
    completed = datetime.fromisoformat(status["completed_at"].replace("Z", "+00:00"))
    assert before <= completed <= datetime.now(UTC)
    assert client.get(batch["url"] + "?essays=maybe", headers=accounts["teacher"]
                      ).status_code == 422
    duplicate = next(e for e in status["essays"] if e["label"] == "alice-again")
    original = next(e for e in status["essays"] if e["label"] == "alice")
    assert duplicate["duplicate_of"] == original["id"]

    exported = client.get(status["results_csv"], headers=accounts["teacher"])
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert len(rows) == 6
    assert {"thesis", "evidence", "structure", "language", "overall", "flags"} <= set(rows[0])
    evil = next(r for r in rows if "HYPERLINK" in r["label"])
    assert evil["label"].startswith("'=")
    by_label = {r["label"]: r for r in rows}
    assert by_label["alice"]["overall"] == str(original["overall_level"])


def test_a_batch_of_no_readable_essay_is_complete_when_made(client, accounts):
    response = upload(client, accounts["teacher"], {"old.doc": b"\xd0\xcf\x11\xe0 not word"})
    batch = client.get(response.get_json()["batch"]["url"] + "?essays=false",
                       headers=accounts["teacher"]).get_json()
    assert batch["total"] == 0 and batch["complete"] is True
    assert batch["completed_at"] == batch["created_at"]


def test_every_query_is_scoped_to_its_caller(client, accounts, service_app):
    mine = submit(client, accounts["student"]).get_json()["essay"]
    batch = upload(client, accounts["teacher"], {"a.txt": STRONG.encode()}).get_json()["batch"]
    assert client.get(mine["url"], headers=accounts["student2"]).status_code == 404
    assert client.get(mine["url"], headers=accounts["teacher"]).status_code == 404
    assert client.get(mine["url"], headers=accounts["admin"]).status_code == 200
    assert client.get(batch["url"], headers=accounts["teacher2"]).status_code == 404
    assert client.get(batch["results_csv"], headers=accounts["teacher2"]).status_code == 404
    assert client.get(batch["url"], headers=accounts["student"]).status_code == 404
    assert [e["id"] for e in client.get("/api/v1/essays",
                                        headers=accounts["student2"]).get_json()] == []
    assert client.get("/api/v1/batches", headers=accounts["teacher2"]).get_json() == []
    admin_sees = {e["id"] for e in client.get("/api/v1/essays",
                                              headers=accounts["admin"]).get_json()}
    assert mine["id"] in admin_sees and len(admin_sees) == 2
    response = upload(client, accounts["student"], {"a.txt": STRONG.encode()})
    assert response.status_code == 403 and "teacher" in response.get_json()["error"]["message"]


def test_a_teachers_override_replaces_the_level_everywhere(client, accounts, service_app,
                                                            grade_pending):
    batch = upload(client, accounts["teacher"], {"a.txt": NARRATIVE.encode()}).get_json()["batch"]
    grade_pending(service_app)
    essay = client.get(batch["url"], headers=accounts["teacher"]).get_json()["essays"][0]
    engine_level = essay["levels"]["thesis"]
    new_level = 4 if engine_level != 4 else 1
    url = f"{essay['url']}/overrides"
    response = client.post(url, json={"criterion": "thesis", "level": new_level,
                                      "comment": "Clear claim in paragraph 2."},
                           headers=accounts["teacher"])
    assert response.status_code == 201
    body = response.get_json()
    assert body["levels"]["thesis"] == new_level
    assert body["result"]["criteria"][0]["level"] == engine_level  # the engine's view is kept
    assert body["overrides"][0]["comment"] == "Clear claim in paragraph 2."
    rows = list(csv.DictReader(io.StringIO(
        client.get(batch["results_csv"], headers=accounts["teacher"]).get_data(as_text=True))))
    assert rows[0]["thesis"] == str(new_level) and rows[0]["overridden"] == "thesis"
    bad = client.post(url, json={"criterion": "handwriting", "level": 2},
                      headers=accounts["teacher"])
    assert bad.status_code == 422 and "criterion must be one of" in bad.get_json()["error"][
        "message"]
    assert client.post(url, json={"criterion": "thesis", "level": 9},
                       headers=accounts["teacher"]).status_code == 422
    assert client.post(url, json={"criterion": "thesis", "level": 2},
                       headers=accounts["student"]).status_code == 403


def test_unknown_routes_wrong_methods_and_oversize_uploads_are_json(client, accounts,
                                                                    service_app):
    missing = client.get("/api/v1/nothing-here", headers=accounts["student"])
    assert missing.status_code == 404 and missing.is_json
    wrong = client.delete("/api/v1/essays", headers=accounts["student"])
    assert wrong.status_code == 405 and wrong.is_json
    service_app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    big = upload(client, accounts["teacher"], {"big.txt": b"word " * 300_000})
    assert big.status_code == 413
    assert "larger than the 1 MB limit" in big.get_json()["error"]["message"]
    service_app.config["GRADER_UPLOAD_MAX_FILE_MB"] = 0.1
    draft = submit(client, accounts["student"], body_text="word " * 40_000)
    assert draft.status_code == 413 and "0.158 MB limit" in draft.get_json()["error"]["message"]


def test_an_unknown_rubric_is_named_with_the_known_ones(client, accounts):
    response = submit(client, accounts["student"], rubric="chemistry")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "chemistry" in error["message"] and error["known_rubrics"] == ["history-argument"]
    rubrics = client.get("/api/v1/rubrics", headers=accounts["student"]).get_json()
    assert rubrics[0]["id"] == "history-argument"
    assert [c["id"] for c in rubrics[0]["criteria"]] == ["thesis", "evidence", "structure",
                                                         "language"]


def test_health_reports_database_broker_and_no_workers_to_an_administrator(client, accounts):
    response = client.get("/healthz", headers=accounts["admin"])
    assert response.status_code == 200
    health = response.get_json()
    assert health["database"]["ok"] and health["broker"]["ok"]
    assert health["workers"] == {"ok": False, "alive": 0, "names": []}
    assert health["status"] == "degraded"


@pytest.mark.parametrize("who", [None, "student", "teacher", "bad token"])
def test_health_without_an_administrator_says_only_up_or_down(client, accounts, who):
    """/healthz without a token listed worker hostnames, PIDs and queue depths."""
    headers = {"bad token": {"Authorization": "Bearer nope"}}.get(who) or accounts.get(who, {})
    for path in ("/healthz", "/api/v1/healthz"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert response.get_json() == {"status": "degraded"}


def test_cli_refuses_a_weak_password_without_creating_the_account_and_lists_accounts(
        runner, service_app, monkeypatch):
    """`grader user create … --password` with a password that failed validation still created
    the account, with no password."""
    monkeypatch.setenv("GRADER_NEW_PASSWORD", "short")
    refused = runner.invoke(args=["user", "create", "weak@school.example", "--role", "teacher",
                                  "--password"])
    assert refused.exit_code == 2 and "at least 12 characters" in refused.output
    listed = runner.invoke(args=["user", "list"])
    assert listed.exit_code == 0 and "weak@school.example" not in listed.output

    monkeypatch.setenv("GRADER_NEW_PASSWORD", "a long enough password")
    created = runner.invoke(args=["user", "create", "weak@school.example", "--role", "teacher",
                                  "--password"])
    assert created.exit_code == 0 and "password set" in created.output
    rows = [line.split("\t") for line in
            runner.invoke(args=["user", "list", "--role", "teacher"]).output.splitlines()]
    assert ["weak@school.example", "teacher", "weak", "password", "enabled"] in rows
    assert all(row[1] == "teacher" for row in rows)


@pytest.mark.parametrize(("password", "says"), [
    ("aaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess'),
    ("password1234", "This is a very common password"),
    ("qwertyuiopas", "too easy to guess"),
    ("iloveyou2024", "too easy to guess"),
    ("guessable@school.example", "too easy to guess"),  # the account's own email
    ("x" * 257, "at most 256 characters"),
])
def test_common_breached_and_guessable_passwords_are_refused_offline(runner, service_app,
                                                                     monkeypatch, password, says):
    """'aaaaaaaaaa' was an accepted password."""
    monkeypatch.setenv("GRADER_NEW_PASSWORD", password)
    refused = runner.invoke(args=["user", "create", "guessable@school.example", "--role",
                                  "teacher", "--password"])
    assert refused.exit_code == 2 and says in refused.output, refused.output


def test_cli_creates_tokens_and_imports_rubrics(runner, service_app, tmp_path):
    created = runner.invoke(args=["token", "create", "new@school.example", "--role", "teacher"])
    assert created.exit_code == 0 and created.stdout.startswith("grd_")
    assert "expires in 180 days" in created.stderr
    token = created.stdout.strip()
    client = service_app.test_client()
    assert client.get("/api/v1/essays",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200
    unknown = runner.invoke(args=["token", "create", "nobody@school.example"])
    assert unknown.exit_code == 2 and "pass --role" in unknown.output
    again = runner.invoke(args=["rubric", "import", "rubrics/history-argument.yaml"])
    assert "unchanged" in again.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [oops\n", encoding="utf-8")
    failed = runner.invoke(args=["rubric", "import", str(bad)])
    assert failed.exit_code == 2 and "valid YAML" in failed.output


def test_every_kind_of_bad_upload_is_named_and_the_rest_accepted(client, accounts,
                                                                 service_app):
    service_app.config.update(GRADER_UPLOAD_MAX_FILES=9, GRADER_UPLOAD_MAX_FILE_MB=0.5)
    bomb = make_zip({"bomb.txt": b"0" * 2_000_000})
    files = {
        "good.txt": STRONG.encode("utf-8"),
        "bomb.zip": bomb,
        "huge.txt": b"history " * 80_000,
        "latin.txt": "Caf\xe9 \x81\x8d".encode("latin-1") + b"\x00\x00",
        "empty.txt": b"   \n",
        "locked.pdf": rewrite_pdf(make_pdf([STRONG[:800]]), user_password="pw"),
        "scan.pdf": make_pdf([""]),
        "nested.zip": make_zip({"inner.zip": make_zip({"a.txt": b"a"})}),
        "copy.txt": STRONG.upper().encode("utf-8"),
        "one-too-many.txt": NARRATIVE.encode("utf-8"),
    }
    response = upload(client, accounts["teacher"], files)
    assert response.status_code == 202
    batch = response.get_json()["batch"]
    problems = {p["name"]: p["message"] for p in batch["report"]["problems"]}
    assert "expands too much" in problems["bomb.zip/bomb.txt"]
    assert "the limit is 500 KB per file" in problems["huge.txt"]
    assert "binary" in problems["latin.txt"] and "empty" in problems["empty.txt"]
    assert "password" in problems["locked.pdf"] and "no text layer" in problems["scan.pdf"]
    assert "archives inside archives" in problems["nested.zip/inner.zip"]
    assert "limit is 9" in problems["one-too-many.txt"]
    assert [e["label"] for e in batch["essays"]] == ["good", "copy"]
    assert batch["report"]["duplicates"] == [{"name": "copy.txt", "duplicate_of": "good.txt"}]
    assert len(problems) + len(batch["essays"]) == len(files)


def test_revoked_tokens_and_disabled_accounts_stop_working_at_once(runner, service_app):
    token = runner.invoke(args=["token", "create", "leak@school.example", "--role", "student"]
                          ).stdout.strip()
    client = service_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/essays", headers=headers).status_code == 200
    revoked = runner.invoke(args=["token", "revoke", "leak@school.example"])
    assert revoked.exit_code == 0 and "1 token(s) revoked" in revoked.output
    assert client.get("/api/v1/essays", headers=headers).status_code == 401
    fresh = {"Authorization": "Bearer " + runner.invoke(
        args=["token", "create", "leak@school.example"]).stdout.strip()}
    assert client.get("/api/v1/essays", headers=fresh).status_code == 200
    assert runner.invoke(args=["user", "disable", "leak@school.example"]).exit_code == 0
    assert client.get("/api/v1/essays", headers=fresh).status_code == 401
    assert runner.invoke(args=["user", "enable", "leak@school.example"]).exit_code == 0
    assert client.get("/api/v1/essays", headers=fresh).status_code == 200
    missing = runner.invoke(args=["token", "revoke", "nobody@school.example"])
    assert missing.exit_code == 2 and "no account" in missing.output


def test_tokens_expire_after_their_days_and_zero_days_never(runner, service_app):
    from grader.db import database
    from grader.tables import ApiToken, utcnow

    client = service_app.test_client()
    short = runner.invoke(args=["token", "create", "old@school.example", "--role", "teacher",
                                "--days", "1"])
    forever = runner.invoke(args=["token", "create", "old@school.example", "--days", "0"])
    assert "expires in 1 days" in short.stderr and "never expires" in forever.stderr
    headers = {name: {"Authorization": f"Bearer {result.stdout.strip()}"}
               for name, result in (("short", short), ("forever", forever))}
    assert client.get("/api/v1/essays", headers=headers["short"]).status_code == 200
    with database(service_app).session() as session:
        rows = {row.expires_at is None: row for row in session.scalars(select(ApiToken))}
        assert 0 < (rows[False].expires_at.replace(tzinfo=None)
                    - utcnow().replace(tzinfo=None)).total_seconds() <= 86400
        rows[False].expires_at = utcnow() - timedelta(seconds=1)  # a day has passed
        session.commit()
    expired = client.get("/api/v1/essays", headers=headers["short"])
    assert expired.status_code == 401 and "token" in expired.json["error"]["message"]
    assert client.get("/api/v1/essays", headers=headers["forever"]).status_code == 200
    for days in ("-1", "3651"):
        refused = runner.invoke(args=["token", "create", "old@school.example", "--days", days])
        assert refused.exit_code == 2
    assert "expired" in expired.json["error"]["message"]


def test_failed_essays_can_be_retried_once_and_are_then_graded_once(client, accounts,
                                                                    service_app, grade_pending):
    from grader.db import database
    from tests.service_support import results_per_essay
    from worker.grading import grade_chunk

    class CrashingEngine:  # a passing fault: the engine dies on every essay, once
        def analyse_many(self, inputs):
            raise RuntimeError("the machine ran out of memory")

    draft = client.post("/api/v1/essays", json={"text": STRONG}, headers=accounts["student"])
    batch = upload(client, accounts["teacher"], {"a.txt": NARRATIVE.encode(),
                                                 "b.txt": OPINION.encode()}).get_json()
    ids = [draft.get_json()["essay"]["id"]] + [e["id"] for e in batch["batch"]["essays"]]
    report = grade_chunk(database(service_app).sessions, ids, lambda version: CrashingEngine(),
                         3, "crash", stale_after=600)
    assert sorted(report.failed) == sorted(ids)
    failed = client.get(draft.get_json()["url"], headers=accounts["student"]).get_json()
    assert failed["status"] == "failed" and "RuntimeError" in failed["error"]

    essay_retry = f"/api/v1/essays/{ids[0]}/retry"
    again = client.post(essay_retry, headers=accounts["student"])
    assert again.status_code == 202 and again.get_json()["status"] == "queued"
    assert again.get_json()["essay"]["error"] is None
    assert client.post(essay_retry, headers=accounts["student"]).status_code == 409
    batch_retry = batch["url"] + "/retry"
    requeued = client.post(batch_retry, headers=accounts["teacher"])
    assert requeued.status_code == 202 and requeued.get_json()["requeued"] == ids[1:]
    assert requeued.get_json()["batch"]["counts"]["queued"] == 2
    twice = client.post(batch_retry, headers=accounts["teacher"])
    assert twice.status_code == 409 and "nothing to retry" in twice.get_json()["error"]["message"]

    grade_pending(service_app)
    assert results_per_essay(service_app) == {i: 1 for i in ids}
    done = client.get(draft.get_json()["url"], headers=accounts["student"]).get_json()
    assert done["status"] == "done" and done["result"]["criteria"]
    assert client.post(essay_retry, headers=accounts["student"]).status_code == 409


def test_an_idempotency_key_makes_a_repeated_submission_return_the_first(client, accounts,
                                                                         service_app):
    key = {"Idempotency-Key": "7f1c2a9e-draft-1"}
    first = client.post("/api/v1/essays", json={"text": STRONG},
                        headers={**accounts["student"], **key})
    again = client.post("/api/v1/essays", json={"text": STRONG},
                        headers={**accounts["student"], **key})
    assert first.status_code == again.status_code == 202
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["essay"]["id"] == first.get_json()["essay"]["id"]
    # The same key with another text is refused, not answered with the first essay.
    reused = client.post("/api/v1/essays", json={"text": NARRATIVE},
                         headers={**accounts["student"], **key})
    assert reused.status_code == 422 and "another essay" in reused.get_json()["error"]["message"]
    # The key is the caller's own: another student's same key is another essay.
    other = client.post("/api/v1/essays", json={"text": STRONG},
                        headers={**accounts["student2"], **key})
    assert other.get_json()["essay"]["id"] != first.get_json()["essay"]["id"]

    files = {"a.txt": NARRATIVE.encode(), "b.txt": OPINION.encode()}
    batch_key = {"Idempotency-Key": "upload-9B-monday"}
    batches = [upload(client, {**accounts["teacher"], **batch_key}, files) for _ in range(2)]
    assert [b.status_code for b in batches] == [202, 202]
    assert batches[1].headers["Idempotent-Replayed"] == "true"
    assert batches[0].get_json()["batch"]["id"] == batches[1].get_json()["batch"]["id"]
    assert batches[1].get_json()["batch"]["total"] == 2
    with database(service_app).session() as session:
        assert session.scalar(select(func.count()).select_from(Essay)) == 4

    for bad in ("", "x" * 101, "bad key", "naïve"):
        refused = client.post("/api/v1/essays", json={"text": STRONG},
                              headers={**accounts["student"], "Idempotency-Key": bad})
        assert refused.status_code == 400 and "Idempotency-Key" in refused.get_json()[
            "error"]["message"]


@pytest.mark.parametrize("kind", ["draft", "batch"])
def test_two_racing_requests_with_one_key_store_one_submission(service_app, monkeypatch, kind):
    """The other request commits between this one's look-up and its commit: the unique key
    refuses the second insert (at the flush, for a batch), and this request answers with the
    other's submission instead of failing."""
    from grader.ingest.limits import IngestLimits
    from grader.services import submissions
    from grader.services.accounts import ensure_user
    from grader.tables import Batch, RubricVersion, User

    def submit(session, owner, version):
        if kind == "draft":
            return submissions.submit_text(session, owner, version, STRONG, idempotency_key="k")
        return submissions.submit_upload(session, owner, version, [("a.txt", STRONG.encode())],
                                         "race", IngestLimits(), idempotency_key="k")

    counted = submissions.count_submission
    raced = []

    def count_while_another_commits(session, owner):
        counted(session, owner)
        if not raced:
            raced.append(True)
            with database(service_app).session() as other:
                raced.append(submit(other, other.get(User, owner.id),
                                    other.scalars(select(RubricVersion)).first()).id)

    monkeypatch.setattr(submissions, "count_submission", count_while_another_commits)
    with service_app.app_context(), database(service_app).session() as session:
        owner = ensure_user(session, "racer@school.example", "teacher")
        version = session.scalars(select(RubricVersion)).first()
        with pytest.raises(submissions.AlreadySubmitted) as replay:
            submit(session, owner, version)
        assert replay.value.earlier.id == raced[1]
        assert session.scalar(select(func.count()).select_from(Essay)) == 1
        assert session.scalar(select(func.count()).select_from(Batch)) == (kind == "batch")


def test_retries_count_against_the_submission_limit(client, accounts, service_app):
    """An essay that crashes the grader every time cannot be retried without end."""
    from sqlalchemy import update

    service_app.config["GRADER_SUBMISSIONS_PER_MINUTE"] = 2
    url = client.post("/api/v1/essays", json={"text": STRONG},
                      headers=accounts["student"]).get_json()["url"]

    def crash():
        with database(service_app).session() as session:
            session.execute(update(Essay).values(status="failed", error="the grader crashed"))
            session.commit()

    crash()
    assert client.post(url + "/retry", headers=accounts["student"]).status_code == 202
    crash()
    refused = client.post(url + "/retry", headers=accounts["student"])
    assert refused.status_code == 429 and "submissions in a minute" in refused.get_json()[
        "error"]["message"]
    assert client.get(url, headers=accounts["student"]).get_json()["status"] == "failed"


def test_the_instance_folder_and_its_files_are_the_services_alone(tmp_path, monkeypatch):
    """grader.sqlite, its WAL and broker.sqlite were 0644 in a 0755 instance folder, and the
    secret key was written before its chmod."""
    import stat

    from tests.service_support import make_app, service_env, token_for

    env = service_env(tmp_path / "instance")
    env.pop("GRADER_SECRET_KEY")  # the key the instance folder keeps
    app = make_app(env)
    client = app.test_client()
    token = token_for(app, "student@school.example", "student")
    assert client.post("/api/v1/essays", json={"text": "My essay argues that it worked. " * 20},
                       headers=token).status_code == 202  # the broker file is written too
    instance = tmp_path / "instance"

    def mode(path):
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(instance) == 0o700
    files = [p for p in instance.iterdir() if p.is_file()]
    assert {"secret_key", "grader.sqlite", "broker.sqlite"} <= {p.name for p in files}
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


def test_behind_a_proxy_the_sign_in_limit_keys_on_the_client_and_hosts_are_checked(
        tmp_path):
    """Behind the recommended reverse proxy, 50 failures on any emails locked the whole school
    out (every request came from the proxy's address); absolute URLs came from the Host
    header."""
    from tests.pages_support import csrf_token
    from tests.service_support import make_app, service_env, token_for

    app = make_app(service_env(tmp_path / "instance", GRADER_TRUSTED_PROXIES="1",
                               GRADER_BASE_URL="https://grader.school.example",
                               GRADER_LOGIN_FAILURES="2"))
    host = {"base_url": "https://grader.school.example"}

    def sign_in(address: str, email: str) -> int:
        client = app.test_client()
        page = client.get("/login", **host).get_data(as_text=True)
        return client.post("/login", **host, headers={
            "X-Forwarded-For": address, "Referer": "https://grader.school.example/login"}, data={
            "email": email, "password": "wrong password", "csrf_token": csrf_token(page)}
        ).status_code

    # 5 x 2 failures from one address, each on another email: that address is stopped ...
    answers = [sign_in("203.0.113.7", f"n{k}@school.example") for k in range(11)]
    assert answers[:10] == [401] * 10 and answers[10] == 429
    assert sign_in("198.51.100.9", "someone@school.example") == 401  # ... no one else is
    evil = app.test_client().get("/login", base_url="https://evil.example")
    assert evil.status_code == 400
    token = token_for(app, "teacher@school.example", "teacher")
    accepted = app.test_client().post("/api/v1/essays", **host, headers=token, json={
        "text": "My essay argues that it worked. " * 20})
    assert accepted.get_json()["url"].startswith("https://grader.school.example/api/v1/")
