"""/healthz: for load balancers and people. No token needed; it reveals no essays."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from grader import health
from grader.api import schemas
from grader.db import get_session

blp = Blueprint("health", __name__, description="Is the service able to grade?")


@blp.route("/healthz")
@blp.route("/api/v1/healthz", endpoint="healthz_v1")
@blp.response(200, schemas.Health)
@blp.alt_response(503, schema=schemas.Health, description="the database is unreachable")
@blp.doc(security=[])
def healthz():
    """Database, broker and workers (a worker counts if it reported in the last 30 s)."""
    report = health.check(get_session(), current_app)
    return report, 503 if report["status"] == "down" else 200
