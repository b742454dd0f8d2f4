"""``grader sweep``: send stranded essays again once, now (beat does it every few seconds)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from grader.commands.errors import exit_status


@click.command("sweep")
@with_appcontext
@exit_status
def sweep() -> int:
    """Re-send essays whose grading message was lost; purge delivered embedded-broker messages."""
    from grader.db import get_session
    from grader.services.sweeper import sweep as run_sweep

    report = run_sweep(get_session(), current_app)
    click.echo(f"unsent {report.unsent}, lost {report.lost}, stalled {report.stalled}: "
               f"sent {report.sent}; purged {report.purged} delivered message(s)")
    return 0
