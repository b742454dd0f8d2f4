"""Helpers for the service tests: apps on real databases, real worker processes, polling."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from grader import create_app
from grader.commands.serve import worker_command
from grader.db import database, upgrade
from grader.services.accounts import create_token, ensure_user
from grader.services.rubrics import import_rubric_file
from grader.tables import Essay, Result, WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RUBRIC = ROOT / "rubrics" / "history-argument.yaml"
POSTGRES_ADMIN_URL = os.environ.get("GRADER_TEST_POSTGRES",
                                    "postgresql://postgres@127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("GRADER_TEST_REDIS", "redis://127.0.0.1:6379/14")

# Service settings that make recovery observable in seconds instead of minutes.
FAST_RECOVERY = {
    "GRADER_SWEEP_INTERVAL": "1",
    "GRADER_RESEND_UNSENT_AFTER": "2",
    "GRADER_REQUEUE_QUEUED_AFTER": "20",
    "GRADER_REQUEUE_RUNNING_AFTER": "6",
    "GRADER_TASK_SOFT_LIMIT": "60",
    "GRADER_TASK_HARD_LIMIT": "90",
    "GRADER_BROKER_TIMEOUT": "1",
}


def service_env(instance: Path, database_url: str | None = None,
                broker_url: str | None = None, **extra: str) -> dict[str, str]:
    """Environment for an app or worker process: its instance folder, database and broker."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")}
    env.update(FAST_RECOVERY)
    env["GRADER_INSTANCE_PATH"] = str(instance)
    env["GRADER_SECRET_KEY"] = "test-secret"
    if database_url:
        env["DATABASE_URL"] = database_url
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    env.update(extra)
    return env


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def make_app(env: dict[str, str]) -> Flask:
    """A migrated app with the default rubric, built from ``env`` as production builds it."""
    with environment(env):
        app = create_app({"TESTING": True})
    upgrade(app)
    with database(app).session() as session:
        import_rubric_file(session, DEFAULT_RUBRIC)
    return app


def token_for(app: Flask, email: str, role: str) -> dict[str, str]:
    """Authorization headers for a (new or existing) account."""
    with database(app).session() as session:
        user = ensure_user(session, email, role)
        return {"Authorization": f"Bearer {create_token(session, user)}"}


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the machine's server; dropped afterwards."""
    import psycopg

    name = f"grader_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


class WorkerProcess:
    """A real Celery worker (``celery -A worker.app:celery_app worker``) in its own group."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 2,
                 beat: bool = True) -> None:
        self.log = log
        command = worker_command(concurrency, beat=beat)
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=self._log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: no clean-up of any kind."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_file.close()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def wait_for(condition: Callable[[], Any], timeout: float, what: str,
             interval: float = 0.25, on_timeout: Callable[[], str] | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    detail = on_timeout() if on_timeout else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{detail}")


def worker_alive(app: Flask, pid: int | None = None) -> bool:
    with database(app).session() as session:
        rows = session.scalars(select(WorkerHeartbeat)).all()
        return any(pid is None or r.pid == pid for r in rows)


def status_counts(app: Flask) -> dict[str, int]:
    with database(app).session() as session:
        return dict(session.execute(select(Essay.status, func.count())
                                    .group_by(Essay.status)).all())


def results_per_essay(app: Flask) -> dict[int, int]:
    with database(app).session() as session:
        return dict(session.execute(select(Result.essay_id, func.count())
                                    .group_by(Result.essay_id)).all())


def python() -> str:
    return sys.executable
