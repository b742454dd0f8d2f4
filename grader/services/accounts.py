"""Users and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from grader import queries
from grader.tables import ROLES, ApiToken, User, as_utc, utcnow

TOKEN_PREFIX = "grd_"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
MIN_PASSWORD_STRENGTH = 3
"""zxcvbn's score (0-4): 3 means about 10^8 guesses or more, out of reach of an online attack
that the sign-in limit slows, and of the common and breached passwords in its lists."""
_STRENGTH_CHECKED = 100
"""zxcvbn's matching grows faster than the password; the first 100 characters decide."""
# Checked against when the email is unknown, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not a password of anyone's")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def ensure_user(session: Session, email: str, role: str, name: str = "",
                password: str | None = None) -> User:
    """The user with this email, created with ``role`` if new, with ``password`` set when
    given; commits once. Everything is checked first: a password that fails creates nothing."""
    email = email.strip()
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if password is not None:
        check_password(password, email=email)
    user = queries.user_by_email(session, email)
    if user is None:
        user = User(email=email, role=role, name=name or email.split("@")[0])
        session.add(user)
    elif user.role != role:
        raise AccountError(f"{email} already exists as a {user.role}")
    if password is not None:
        user.password_hash = generate_password_hash(password)
    session.commit()
    return user


def check_password(password: str, user: User | None = None, email: str = "") -> None:
    """Raise AccountError saying why ``password`` may not be used: too short or long, or easy to
    guess (a common or breached password, a keyboard pattern, a repeat, the account's own
    name or email), checked offline by zxcvbn's frequency lists."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"a password may have at most {MAX_PASSWORD_LENGTH} characters")
    email = user.email if user is not None else email
    names = [email, email.split("@")[0], user.name if user is not None else "", "grader"]
    verdict = zxcvbn(password[:_STRENGTH_CHECKED], user_inputs=[n for n in names if n])
    if verdict["score"] < MIN_PASSWORD_STRENGTH:
        warning = verdict["feedback"]["warning"] or "It would be easy to guess."
        raise AccountError(f"that password is too easy to guess. {warning.rstrip('.')}. "
                           "Try a few unrelated words, or a longer phrase of your own.")


def set_password(session: Session, user: User, password: str) -> None:
    """Store a salted hash (scrypt) of a new password, ending every session of the account
    (signed in with the old one); commits."""
    check_password(password, user)
    user.password_hash = generate_password_hash(password)
    user.session_version = (user.session_version or 0) + 1
    session.commit()


def end_sessions(session: Session, user: User) -> None:
    """End every session and remember cookie of the account, wherever it is signed in;
    commits."""
    user.session_version = (user.session_version or 0) + 1
    session.commit()


def user_for_login(session: Session, email: str, password: str) -> User | None:
    """The active account with this email and password, or None (which one was wrong is not
    said, and an unknown email costs as much time as a wrong password)."""
    user = queries.user_by_email(session, email) if len(email) <= 254 else None
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    matches = check_password_hash(stored, password[:1024])
    if user is None or not user.password_hash or not matches or not user.active:
        return None
    return user


MAX_TOKEN_DAYS = 3650


def create_token(session: Session, user: User, name: str = "", days: int | None = None) -> str:
    """A new API token for ``user``, expiring after ``days`` (default: GRADER_TOKEN_DAYS, or 180
    outside an app; 0: never); commits. Only its hash is stored, so show it once."""
    if days is None:
        days = current_app.config["GRADER_TOKEN_DAYS"] if has_app_context() else 180
    if not 0 <= days <= MAX_TOKEN_DAYS:
        raise AccountError(f"a token lives 0 (for ever) to {MAX_TOKEN_DAYS} days, not {days}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=days) if days > 0 else None
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name=name,
                         expires_at=expires))
    session.commit()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a live (unrevoked, unexpired) token belongs to, or None; records when
    the token was last used."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token),
                                                ApiToken.revoked_at.is_(None)))
    now = utcnow()
    if row is None or not row.user.active or (
            row.expires_at is not None and as_utc(row.expires_at) <= now):
        return None
    last = row.last_used_at
    # Write at most once a minute per token: every request writing would serialise on SQLite.
    if last is None or (now - as_utc(last)).total_seconds() > 60:
        row.last_used_at = now
        session.commit()
    return row.user


def revoke_tokens(session: Session, user: User) -> int:
    """Revoke every live token of ``user``; commits. Returns how many."""
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                    ApiToken.revoked_at.is_(None))).all()
    for row in tokens:
        row.revoked_at = utcnow()
    session.commit()
    return len(tokens)


def set_active(session: Session, user: User, active: bool) -> None:
    """Enable or disable an account (a disabled account's tokens stop working); commits."""
    user.active = active
    session.commit()
