"""The JSON API under /api/v1, documented by the OpenAPI document flask-smorest generates from
these views and schemas (served at /api/v1/openapi.json)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from grader import API_VERSION
from grader.api.schemas import ErrorOut


class GraderApi(Api):
    # Document the error shape grader/errors.py really sends.
    ERROR_SCHEMA = ErrorOut


api = GraderApi()


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Grader")
    app.config.setdefault("API_VERSION", API_VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Grades history essays against a rubric. Authenticate with "
                                "'Authorization: Bearer <token>' ('grader token create')."},
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    })
    api.init_app(app)
    from grader.api import assignments, batches, calibrations, essays, health, rubrics

    for module in (essays, batches, assignments, rubrics, calibrations, health):
        api.register_blueprint(module.blp)
