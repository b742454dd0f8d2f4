"""``grader serve``: the whole service on one machine with no servers to install.

Migrates the database, imports the default rubric, then runs the web app (gunicorn) and a
Celery worker with the sweeper's beat schedule embedded, side by side, until either stops or
the command is interrupted. With DATABASE_URL and REDIS_URL set it runs the same way on
PostgreSQL and Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from grader.commands.errors import exit_status, fail

# A worker on every queue (docker-compose's, the tests'); ``grader serve`` instead runs one on the
# grading queues and one on calibrations alone, so a long fit never holds up a student's draft.
QUEUES = "drafts,grader,calibration"
GRADING_QUEUES = "drafts,grader"
CALIBRATION_QUEUES = "calibration"


def worker_command(concurrency: int, beat: bool, queues: str = QUEUES,
                   name: str = "grader") -> list[str]:
    command = [sys.executable, "-m", "celery", "-A", "worker.app:celery_app", "worker",
               "--queues", queues, "--concurrency", str(concurrency), "--loglevel", "INFO",
               "--hostname", f"{name}-{os.getpid()}@%h", "--without-gossip", "--without-mingle"]
    if beat:
        command += ["--beat"]
    return command


def web_command(host: str, port: int, processes: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}",
            "--workers", str(processes), "--threads", "4", "--access-logfile", "-",
            "grader.wsgi:app"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", "concurrency", default=1, show_default=True,
              type=click.IntRange(min=1), help="grading processes (each loads spaCy)")
@click.option("--web-processes", default=2, show_default=True, type=click.IntRange(min=1))
@with_appcontext
@exit_status
def serve(host: str, port: int, concurrency: int, web_processes: int) -> int:
    """Migrate, import the default rubric, and run the web app, a grading worker (with the
    sweeper's schedule) and a calibration worker together."""
    from grader.db import get_session, upgrade
    from grader.services.rubrics import import_rubric_file
    from models.errors import RubricError

    app = current_app._get_current_object()
    upgrade(app)
    try:
        outcome = import_rubric_file(get_session(), app.config["GRADER_DEFAULT_RUBRIC_FILE"])
    except RubricError as exc:
        return fail(str(exc))
    version = outcome.version
    click.echo(f"rubric '{version.rubric.slug}' version {version.number} is active")
    env = {**os.environ, "GRADER_INSTANCE_PATH": app.instance_path}
    children = [
        subprocess.Popen(worker_command(concurrency, beat=True, queues=GRADING_QUEUES), env=env),
        subprocess.Popen(worker_command(1, beat=False, queues=CALIBRATION_QUEUES,
                                        name="calibrator"), env=env),
        subprocess.Popen(web_command(host, port, web_processes), env=env),
    ]
    click.echo(f"Grader is serving on http://{host}:{port} (Ctrl-C stops it)")
    return _supervise(children)


def _supervise(children: list[subprocess.Popen]) -> int:
    """Wait until a child stops or we are told to stop; then stop the others."""
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    codes = [child.returncode for child in children]
    return 0 if stopping else next((c for c in codes if c), 1)
