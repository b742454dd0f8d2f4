"""The ``grader`` command's subcommands, one module per area.

They are registered twice: on the ``grader`` entry point (grader/cli.py), so ``grader --help``
works without building the app, and on ``app.cli`` through ``init_app``, as Flask's tutorial
does, so ``app.test_cli_runner()`` finds them.
"""

from __future__ import annotations

import click
from flask import Flask


def all_commands() -> list[click.Command]:
    from grader.commands import (
        accounts,
        calibration,
        classes,
        database,
        offline,
        rubrics,
        serve,
        sweep,
    )

    return [offline.grade, calibration.calibrate, rubrics.rubric, database.db, accounts.user,
            accounts.token, classes.school_class, classes.assignment, sweep.sweep, serve.serve]


def init_app(app: Flask) -> None:
    for command in all_commands():
        app.cli.add_command(command)
