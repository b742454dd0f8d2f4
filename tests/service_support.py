"""Helpers for the service tests: apps on real databases, real worker processes, polling."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from grader import create_app
from grader.commands.serve import web_command, worker_command
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


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (for a server a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    """Whether a GET of ``url`` answers 200 within 2 s."""
    import requests

    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


class ProcessGroup:
    """A service process started in its own process group, logging to a file."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=self._log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        """SIGKILL the process and its children at once: no clean-up of any kind."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_file.close()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class WorkerProcess(ProcessGroup):
    """A real Celery worker (``celery -A worker.app:celery_app worker``) and its pool."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 2,
                 beat: bool = True) -> None:
        super().__init__(worker_command(concurrency, beat=beat), env, log)


class WebProcess(ProcessGroup):
    """The web app as production runs it: gunicorn (``web_command``) and its workers."""

    def __init__(self, env: dict[str, str], port: int, log: Path, processes: int = 2) -> None:
        super().__init__(web_command("127.0.0.1", port, processes), env, log)
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    def healthy(self) -> bool:
        return answers(f"{self.base}/healthz")

    def reload(self) -> None:
        """SIGHUP: gunicorn starts new workers and lets the old ones finish their requests
        (what a deploy does)."""
        self.process.send_signal(signal.SIGHUP)


@dataclass(frozen=True)
class FaultOutcome:
    """What became of the essays accepted around a fault."""

    accepted: int
    graded_once: int
    failed_with_reason: int
    stored_twice: int
    lost: int
    started_again: int
    """Claimed by a second message after the fault (work redone, one result kept): expected
    after a worker dies mid-chunk, never a second result."""

    @property
    def survived(self) -> bool:
        return self.accepted > 0 and self.lost == 0 and self.stored_twice == 0 and \
            self.graded_once + self.failed_with_reason == self.accepted


def fault_outcome(app: Flask, essay_ids: Iterable[int]) -> FaultOutcome:
    """Each accepted essay must end graded once (one result) or failed with a reason; anything
    else (still queued, no result, two results, a failure without a reason) is lost or doubled.
    The database's unique (essay, rubric version) on results is what makes "stored twice" 0;
    "started again" shows how often that guarantee was needed."""
    ids = set(essay_ids)
    with database(app).session() as session:
        rows = session.execute(select(Essay.id, Essay.status, Essay.error, Essay.attempts)
                               .where(Essay.id.in_(ids))).all()
    results = results_per_essay(app)
    once = sum(1 for i, status, _, _ in rows if status == "done" and results.get(i) == 1)
    failed = sum(1 for i, status, error, _ in rows
                 if status == "failed" and error and not results.get(i))
    twice = sum(1 for i in ids if results.get(i, 0) > 1)
    again = sum(1 for *_, attempts in rows if attempts > 1)
    return FaultOutcome(len(ids), once, failed, twice, len(ids) - once - failed - twice, again)


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
