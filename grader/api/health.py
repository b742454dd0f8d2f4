"""/healthz: for load balancers and people. Without a token it says only whether the service is
up; the details (database, broker, worker hostnames, queue depth) are for administrators."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from flask_smorest import Blueprint

from grader import health
from grader.api import schemas
from grader.db import get_session
from grader.services.accounts import user_for_token

blp = Blueprint("health", __name__, description="Is the service able to grade?")


@blp.route("/healthz")
@blp.route("/api/v1/healthz", endpoint="healthz_v1")
@blp.response(200, schemas.Health)
@blp.alt_response(503, schema=schemas.Health, description="the database is unreachable")
@blp.doc(security=[])
def healthz():
    """"ok", "degraded" (essays wait: no broker or no live worker) or "down" (no database).

    With an administrator's token (or signed in as one), also the database, broker, workers
    (a worker counts if it reported in the last 30 s) and the queue; never for a request that
    could not prove it, since hostnames, PIDs and queue depth help an attacker time one."""
    report = health.check(get_session(), current_app)
    if report["status"] == "down":  # no database: no token can be checked, nor need be
        return {"status": "down"}, 503
    return (report if _administrator() else {"status": report["status"]}), 200


def _administrator() -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        user = user_for_token(get_session(), token.strip())
    else:
        user = current_user if current_user.is_authenticated else None
    return user is not None and user.role == "admin"
