"""``grader db upgrade``: migrate the database (Alembic)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from grader.commands.errors import exit_status


@click.group("db")
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
@exit_status
def upgrade(revision: str) -> int:
    """Create or migrate the tables to the latest schema."""
    from grader.db import upgrade as run_upgrade

    run_upgrade(current_app, revision)
    url = current_app.extensions["grader.db"].engine.url.render_as_string(hide_password=True)
    click.echo(f"database {url} is at revision {revision}")
    return 0
