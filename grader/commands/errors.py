"""Exit statuses and one-line errors for the ``grader`` commands."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from models.errors import GraderError


def fail(message: str, code: int = 2) -> int:
    print(f"grader: error: {message}", file=sys.stderr)
    return code


def exit_status(command: Callable) -> Callable:
    """Make a command's returned int its exit status, and a GraderError one line and status 2.

    Click discards return values when it runs standalone, so a failure must leave by Exit.
    """
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            status = command(*args, **kwargs)
        except GraderError as exc:
            status = fail(str(exc))
        if status:
            raise click.exceptions.Exit(status)
        return 0
    return wrapper
