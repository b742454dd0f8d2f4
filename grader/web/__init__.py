"""The HTML pages: sign-in sessions, CSRF on every form, security headers, one blueprint per
area. Pages use the same services and scoped queries as the JSON API; the API itself keeps
bearer tokens (no cookies), so it needs no CSRF token."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response, current_app
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect

from grader.db import get_session
from grader.tables import User

login_manager = LoginManager()
csrf = CSRFProtect()

# Everything the pages load comes from this app: no CDN, no inline script.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                           "script-src 'self'; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")


def as_sentence(message: str) -> str:
    """A service's one-line reason ("the PDF has 101 pages; ...") as a page shows it: a
    sentence with a capital and a full stop."""
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", "?", "!")) else ".")


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The user a session or remember cookie names, if it carries their current session version
    (an old one, or none, from before a sign-out or a new password, is refused)."""
    number, _, version = user_id.partition(".")
    if not (number.isdigit() and version.isdigit()) or len(number) > 12:
        return None
    user = get_session().get(User, int(number))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user and current_user.is_authenticated:
        # A shared school computer: Back after signing out must not show anyone's essays.
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    # Flask's own defaults leave SameSite unset; the cookies are hardened here, always.
    secure = bool(app.config.get("GRADER_SECURE_COOKIES", False))
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=secure, REMEMBER_COOKIE_HTTPONLY=True,
                      REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=secure,
                      REMEMBER_COOKIE_DURATION=timedelta(
                          days=app.config.get("GRADER_REMEMBER_DAYS", 14)))
    # A CSRF token lives as long as the session: a student writing for two hours must not lose
    # the essay to an expired form.
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    # The blueprints registered so far are the JSON API's (grader.api.init_app runs first):
    # bearer tokens, never cookies, so a forged cross-site request carries no credentials.
    for blueprint in list(app.blueprints.values()):
        csrf.exempt(blueprint)
    from grader.web import admin, auth, batches, classes, essays, home, student, teacher

    for module in (auth, home, student, essays, teacher, batches, admin, classes):
        app.register_blueprint(module.bp)
    app.after_request(_security_headers)
