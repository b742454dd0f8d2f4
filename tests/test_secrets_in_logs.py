"""No secret reaches the logs: passwords, API tokens and the secret key stay out of every log
record, including failed sign-ins, refused tokens and the traceback of a server error."""

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
