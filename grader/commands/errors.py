"""Turning expected failures into one ``grader: error:`` line and an exit status."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

from models.errors import GraderError


def fail(message: str, code: int = 2) -> int:
    print(f"grader: error: {message}", file=sys.stderr)
    return code


def one_line_errors(*expected: type[Exception]) -> Callable:
    """Report GraderError (and the ``expected`` kinds) in one line, exit status 2."""
    kinds = (GraderError, *expected)

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return command(*args, **kwargs)
            except kinds as exc:
                return fail(str(exc))
        return wrapper
    return decorate
