"""Errors with a message, never a traceback: JSON for the API, an HTML page for the pages."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, render_template, request
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the API reports to its caller with ``status`` and ``message``."""

    def __init__(self, status: int, message: str, **details: object) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details


_HEADINGS = {400: "That request could not be read", 401: "Please sign in",
             403: "That page is not for your account", 404: "Nothing here",
             405: "That is not allowed here", 413: "That file is too large",
             500: "Something went wrong on our side", 503: "Back in a moment"}
# Seconds a client is asked to wait when the database is unreachable (e.g. restarting).
DATABASE_RETRY_AFTER = 5


# What drivers say when a connection is lost or the database is busy, not when a query is wrong.
_TRANSIENT = ("database is locked", "terminating connection", "server closed the connection",
              "connection is closed", "could not connect", "connection refused",
              "the database system is", "connection timed out", "ssl syscall",
              "connection reset", "server conn crashed")


def connection_lost(exc: OperationalError | InterfaceError) -> bool:
    """Whether a database error is the connection lost (or SQLite busy), worth retrying."""
    if getattr(exc, "connection_invalidated", False):
        return True
    message = str(getattr(exc, "orig", None) or exc).lower()
    return any(marker in message for marker in _TRANSIENT)


def _for_pages() -> bool:
    """Pages (not the API, health checks or the API's documents) get HTML errors."""
    return not request.path.startswith(("/api/", "/healthz"))


def error_body(status: int, message: str, **details: object):
    if _for_pages():
        heading = _HEADINGS.get(status, "Something went wrong")
        return render_template("error.html", status=status, heading=heading,
                               message=message), status
    body = {"error": {"status": status, "message": message, **details}}
    return jsonify(body), status


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_body(exc.status, exc.message, **exc.details)

    @app.errorhandler(SecurityError)
    def _untrusted_host(exc: SecurityError):
        # A Host outside GRADER_BASE_URL's: no page can be built for it (its links would name
        # that host), so a plain answer.
        return Response(f"{exc.description}\n", status=400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        # flask-smorest/webargs put field-by-field validation messages in exc.data.
        data = getattr(exc, "data", None) or {}
        details = {"fields": data["messages"]} if "messages" in data else {}
        message = exc.description or exc.name
        if exc.code == 413:
            limit = request.max_content_length or app.config.get("MAX_CONTENT_LENGTH") or 0
            message = f"the request is larger than the {limit / 1_048_576:.3g} MB limit"
        return error_body(exc.code or 500, message, **details)

    @app.errorhandler(RecursionError)
    def _too_deep(exc: RecursionError):
        # Python's JSON parser recurses once per nesting level: a body of 100,000 '[' is an
        # attack, not a server fault.
        if request.is_json:
            return error_body(400, "the JSON body is nested too deeply")
        return _unexpected(exc)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(exc: OperationalError | InterfaceError):
        # A restart or failover cuts the connections of requests in flight: a moment's
        # unavailability (503, retry). Anything else of this class (a missing table or column,
        # bad SQL) is a fault of ours and a 500 with its traceback.
        if not connection_lost(exc):
            return _unexpected(exc)
        log.warning("database unavailable (%s) during %s %s",
                    type(getattr(exc, "orig", None) or exc).__name__, request.method,
                    request.path)
        if _for_pages():
            # The page must not load the signed-in user from the database that just failed.
            g._login_user = app.login_manager.anonymous_user()
        response = app.make_response(error_body(
            503, "the database is unavailable for a moment; retry in a few seconds (a "
                 "submission retried with the same Idempotency-Key is never made twice)"))
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response

    @app.errorhandler(DataError)
    def _unstorable(exc: DataError):
        # PostgreSQL refuses a NUL character in text that SQLite takes (a label, a title, a
        # comment, a rubric id looked up): the request's to fix. Any other DataError is ours.
        if "nul" not in str(getattr(exc, "orig", exc)).lower():
            return _unexpected(exc)
        log.warning("a NUL character in %s %s refused by the database", request.method,
                    request.path)
        return error_body(422, "the request holds a NUL character, which cannot be stored; "
                               "remove it and try again")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_body(500, InternalServerError.description)
