"""What errors leave behind: no secret in any log record (failed sign-ins, refused tokens, a
server error's traceback), and a database cut off mid-request answered 503 to retry."""

from __future__ import annotations

import logging

from grader import queries
from tests.pages_support import PASSWORD, csrf_token, make_school, sign_in


def test_passwords_tokens_and_the_secret_key_never_reach_the_logs(client, service_app,
                                                                   accounts, caplog,
                                                                   monkeypatch):
    caplog.set_level(logging.DEBUG)
    make_school(service_app)
    token = accounts["teacher"]["Authorization"].split()[1]
    wrong_password = "Tr0ub4dor&3-not-it"
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": "teacher@school.example", "password": wrong_password,
                                "csrf_token": csrf_token(page)})
    assert sign_in(client, "teacher").status_code == 302
    client.get("/api/v1/essays", headers=accounts["teacher"])
    client.get("/api/v1/essays", headers={"Authorization": f"Bearer {token}x"})
    client.post("/api/v1/essays", json={"text": "too short"}, headers=accounts["teacher"])

    def crash(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(queries, "all_rubrics", crash)
    failed = client.get("/api/v1/rubrics", headers=accounts["teacher"])
    assert failed.status_code == 500 and failed.is_json
    assert "Traceback" not in failed.get_data(as_text=True)
    assert any(r.exc_info for r in caplog.records), "the error's traceback is logged"

    logged = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    for secret in (PASSWORD, wrong_password, token, service_app.config["SECRET_KEY"]):
        assert secret not in logged


def test_a_database_cut_off_mid_request_is_a_503_to_retry_not_a_500(client, service_app,
                                                                      accounts, caplog,
                                                                      monkeypatch):
    """What a request in flight sees while PostgreSQL restarts: the API and the pages answer
    503 with Retry-After, and the log names the error without its SQL or parameters."""
    from sqlalchemy.exc import OperationalError

    make_school(service_app)

    def cut(*args, **kwargs):
        raise OperationalError("SELECT secret_column FROM t WHERE x = %(x)s", {"x": "essay text"},
                               Exception("terminating connection due to administrator command"))

    assert sign_in(client, "teacher").status_code == 302
    monkeypatch.setattr(queries, "all_rubrics", cut)
    for url, headers in (("/api/v1/rubrics", accounts["teacher"]), ("/admin/rubrics", {})):
        response = client.get(url, headers=headers)
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert "retry" in response.get_data(as_text=True)
    assert "database unavailable (Exception) during GET /api/v1/rubrics" in caplog.text
    assert "secret_column" not in caplog.text and "essay text" not in caplog.text


def test_database_errors_that_are_our_fault_stay_500s_with_their_traceback(client, service_app,
                                                                          accounts, caplog,
                                                                          monkeypatch):
    """Only a lost connection is a 503: a missing column (a deployment that skipped
    'grader db upgrade') or a value PostgreSQL refuses other than NUL is a 500, logged."""
    from sqlalchemy.exc import DataError, OperationalError

    errors = iter([
        OperationalError("SELECT x", {}, Exception("no such column: essays.idempotency_key")),
        DataError("SELECT x", {}, Exception("numeric field overflow")),
        DataError("SELECT x", {}, Exception("PostgreSQL text fields cannot contain NUL (0x00) "
                                            "bytes")),
    ])

    def fail(*args, **kwargs):
        raise next(errors)

    monkeypatch.setattr(queries, "all_rubrics", fail)
    statuses = [client.get("/api/v1/rubrics", headers=accounts["teacher"]).status_code
                for _ in range(3)]
    assert statuses == [500, 500, 422]
    assert sum(1 for r in caplog.records if r.exc_info) == 2
