"""``grader rubric check|import|list``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from grader.commands.errors import exit_status


@click.group("rubric")
def rubric() -> None:
    """Check rubric files, import them into the service, list them."""


@rubric.command("check")
@click.argument("path", type=click.Path(path_type=Path))
@exit_status
def check(path: Path) -> int:
    """Validate a rubric file (no database needed)."""
    from models.rubric import load_rubric

    spec = load_rubric(path)
    criteria = ", ".join(c.id for c in spec.criteria)
    own = f"its own question: {spec.question.text}" if spec.question else "no question of its own"
    click.echo(f"{path}: ok: rubric '{spec.id}' v{spec.version}, levels "
               f"{spec.min_level}-{spec.max_level}, criteria {criteria}, "
               f"{len(spec.exemplars)} exemplar(s); {own}")
    return 0


@rubric.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@with_appcontext
@exit_status
def import_(paths: tuple[Path, ...]) -> int:
    """Store rubric files (with their exemplars) as new active versions if they changed."""
    from grader.commands.errors import fail
    from grader.db import get_session
    from grader.services.rubrics import import_rubric_file
    from models.errors import RubricError

    status = 0
    for path in paths:
        try:
            outcome = import_rubric_file(get_session(), path)
        except RubricError as exc:
            status = fail(str(exc))
            continue
        version = outcome.version
        state = "imported as" if outcome.created else "unchanged, still"
        click.echo(f"{path}: {state} '{version.rubric.slug}' version {version.number} (active)")
    return status


@rubric.command("list")
@with_appcontext
@exit_status
def list_() -> int:
    """The rubrics in the database and their active versions."""
    from grader import queries
    from grader.db import get_session

    for row in queries.all_rubrics(get_session()):
        active = row.active_version.number if row.active_version else "none"
        click.echo(f"{row.slug}\tactive version {active}\t{row.title}")
    return 0
