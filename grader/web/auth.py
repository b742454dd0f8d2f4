"""Signing in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from grader.db import get_session
from grader.services.accounts import (
    MIN_PASSWORD_LENGTH,
    AccountError,
    end_sessions,
    set_password,
    user_for_login,
)
from grader.services.ratelimit import attempt, forget
from grader.web import as_sentence

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Keep me signed in on this device")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another one."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//"):
            return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        db = get_session()
        config = current_app.config
        keys = {f"login:{(form.email.data or '').strip().lower()}": config["GRADER_LOGIN_FAILURES"],
                f"login-ip:{request.remote_addr}": 5 * config["GRADER_LOGIN_FAILURES"]}
        counted = attempt(db, keys, config["GRADER_LOGIN_WINDOW"])
        if counted is None:
            flash(f"Too many failed sign-ins; try again in "
                  f"{config['GRADER_LOGIN_WINDOW'] / 60:g} minutes.", "error")
            return render_template("auth/login.html", form=form), 429
        user = user_for_login(db, form.email.data or "", form.password.data or "")
        if user is not None:
            forget(db, counted)
            session.clear()  # nothing of the previous visitor's session carries over
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        flash("That email and password do not match an account.", "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out: this session and every other one of the account end on the server (its
    session version moves on), and the remember cookie is deleted."""
    end_sessions(get_session(), current_user)
    session.clear()
    logout_user()  # after clear(): it marks the remember cookie for deletion
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/sessions", methods=["POST"])
@login_required
def sign_out_everywhere():
    """End every session of the account, here and on other devices."""
    return logout()


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=1024)])
    again = PasswordField("New password again", validators=[DataRequired(), Length(max=1024)])


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        db = get_session()
        config = current_app.config
        # Guessing the current password here is guessing a sign-in: limited the same way.
        counted = attempt(db, {f"password:{current_user.id}": config["GRADER_LOGIN_FAILURES"]},
                          config["GRADER_LOGIN_WINDOW"])
        if counted is None:
            flash(f"Too many wrong passwords; try again in "
                  f"{config['GRADER_LOGIN_WINDOW'] / 60:g} minutes.", "error")
            return render_template("auth/password.html", form=form,
                                   min_length=MIN_PASSWORD_LENGTH), 429
        if user_for_login(db, current_user.email, form.current.data or "") is None:
            flash("The current password is not right.", "error")
        elif form.new.data != form.again.data:
            flash("The two new passwords differ.", "error")
        else:
            forget(db, counted)
            user = current_user._get_current_object()
            try:
                set_password(db, user, form.new.data or "")
            except AccountError as exc:
                flash(as_sentence(str(exc)), "error")
            else:
                # Every other session ended with the old password; this one starts anew.
                session.clear()
                login_user(user)
                flash("Your password is changed; you are signed out everywhere else.", "info")
                return redirect(url_for("home.index"))
    return render_template("auth/password.html", form=form, min_length=MIN_PASSWORD_LENGTH)
