"""API authentication by bearer token, and role checks.

Every view that returns data goes through ``require_user``; what it then queries is scoped to
that user by grader.queries.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from grader.db import get_session
from grader.errors import ApiError
from grader.services.accounts import user_for_token
from grader.tables import User


def current_user() -> User:
    return g.user


def _authenticate() -> User:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "send an API token as 'Authorization: Bearer <token>' "
                            "(create one with 'grader token create')")
    user = user_for_token(get_session(), token.strip())
    if user is None:
        raise ApiError(401, "the API token is not valid (unknown, expired, revoked or its user "
                            "disabled)")
    return user


def require_user(*roles: str) -> Callable:
    """Authenticate the caller; with ``roles``, also require one of them."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = _authenticate()
            if roles and user.role not in roles:
                raise ApiError(403, f"this needs a {' or '.join(roles)} account; "
                                    f"you are signed in as a {user.role}")
            g.user = user
            return view(*args, **kwargs)
        return wrapper
    return decorate
