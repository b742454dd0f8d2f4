"""Configuration from the environment (``GRADER_*`` plus the conventional ``DATABASE_URL``,
``REDIS_URL`` and ``CELERY_BROKER_URL``).

With nothing set, everything lives in the instance folder: a SQLite database and kombu's
SQLAlchemy transport on a second SQLite file, so a fresh machine needs no servers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEFAULT_RUBRIC_FILE = Path(__file__).resolve().parents[1] / "rubrics" / "history-argument.yaml"


def _number(name: str, default: float, kind: type = float, what: str = "a number") -> Any:
    """A numeric setting; unset or empty means the default."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return kind(value)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be {what}, got {value!r}") from exc


def _int(name: str, default: int) -> int:
    return _number(name, default, int, "a whole number")


def _float(name: str, default: float) -> float:
    return _number(name, default)


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'grader.sqlite'}"
    # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants the psycopg 3 driver.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _broker_url(instance: Path) -> str:
    return (os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
            or f"grader-sqla+sqlite:///{instance / 'broker.sqlite'}")


def from_environment(instance_path: str) -> dict[str, Any]:
    """The app's settings, read once when the app is created."""
    instance = Path(instance_path).resolve()
    broker = _broker_url(instance)
    embedded_broker = broker.startswith(("grader-sqla+", "sqla+"))
    soft_limit = _float("GRADER_TASK_SOFT_LIMIT", 120)
    hard_limit = _float("GRADER_TASK_HARD_LIMIT", soft_limit + 30)
    calibration_soft = _float("GRADER_CALIBRATION_SOFT_LIMIT", 1800)
    calibration_hard = _float("GRADER_CALIBRATION_HARD_LIMIT", calibration_soft + 60)
    return {
        "SECRET_KEY": os.environ.get("GRADER_SECRET_KEY") or os.environ.get("SECRET_KEY"),
        "DATABASE_URL": _database_url(instance),
        "MAX_CONTENT_LENGTH": _int("GRADER_MAX_UPLOAD_MB", 60) * 1024 * 1024,
        # Session cookies only over HTTPS: set to 1 wherever the pages are served over TLS.
        "GRADER_SECURE_COOKIES": os.environ.get("GRADER_SECURE_COOKIES", "0").lower()
        in ("1", "true", "yes"),
        "GRADER_DEFAULT_RUBRIC": os.environ.get("GRADER_DEFAULT_RUBRIC", "history-argument"),
        "GRADER_DEFAULT_RUBRIC_FILE": os.environ.get("GRADER_RUBRIC") or str(DEFAULT_RUBRIC_FILE),
        "GRADER_CHUNK_SIZE": max(1, _int("GRADER_CHUNK_SIZE", 32)),
        "GRADER_MAX_ATTEMPTS": max(1, _int("GRADER_MAX_ATTEMPTS", 3)),
        # An essay whose message never reached the broker is re-sent after this many seconds;
        # one that was sent but not started, or started but not finished, after the longer ones.
        "GRADER_RESEND_UNSENT_AFTER": _float("GRADER_RESEND_UNSENT_AFTER", 15),
        "GRADER_REQUEUE_QUEUED_AFTER": _float("GRADER_REQUEUE_QUEUED_AFTER", 600),
        "GRADER_REQUEUE_RUNNING_AFTER": _float("GRADER_REQUEUE_RUNNING_AFTER", hard_limit + 30),
        "GRADER_SWEEP_INTERVAL": _float("GRADER_SWEEP_INTERVAL", 10),
        "GRADER_UPLOAD_MAX_FILES": _int("GRADER_UPLOAD_MAX_FILES", 500),
        "GRADER_UPLOAD_MAX_FILE_MB": _float("GRADER_UPLOAD_MAX_FILE_MB", 5),
        "GRADER_UPLOAD_MAX_TOTAL_MB": _float("GRADER_UPLOAD_MAX_TOTAL_MB", 50),
        # Uploads are read in a child process bounded in time and memory (beyond the files'
        # own size), so one file built to be expensive fails alone.
        "GRADER_UPLOAD_SECONDS": max(5.0, _float("GRADER_UPLOAD_SECONDS", 60)),
        "GRADER_UPLOAD_MEMORY_MB": max(100.0, _float("GRADER_UPLOAD_MEMORY_MB", 256)),
        # Rate limits: failed sign-ins per account (and per client address, 5 times as many)
        # within the window, and essays submitted per account per minute.
        "GRADER_LOGIN_FAILURES": max(1, _int("GRADER_LOGIN_FAILURES", 10)),
        "GRADER_LOGIN_WINDOW": _float("GRADER_LOGIN_WINDOW", 900),
        "GRADER_SUBMISSIONS_PER_MINUTE": max(1, _int("GRADER_SUBMISSIONS_PER_MINUTE", 30)),
        # Behind a reverse proxy: how many proxies' X-Forwarded-For/-Proto/-Host to trust (0:
        # none; the per-address sign-in limit then keys on the proxy, locking out everyone).
        "GRADER_TRUSTED_PROXIES": min(5, max(0, _int("GRADER_TRUSTED_PROXIES", 0))),
        # The address the service is reached at (https://grader.school.example): only its host
        # is answered, and absolute URLs are built from it, never from another Host header.
        "GRADER_BASE_URL": os.environ.get("GRADER_BASE_URL", "").strip().rstrip("/"),
        # "Remember me" keeps a browser signed in this many days at most (sign-out, a new
        # password or "sign out everywhere" end it sooner).
        "GRADER_REMEMBER_DAYS": min(365, max(1, _int("GRADER_REMEMBER_DAYS", 14))),
        # New API tokens expire after this many days (0: never).
        "GRADER_TOKEN_DAYS": min(3650, max(0, _int("GRADER_TOKEN_DAYS", 180))),
        # Calibration fits a model on a class's scored essays: minutes, not seconds.
        "GRADER_CALIBRATION_MAX_ESSAYS": max(10, _int("GRADER_CALIBRATION_MAX_ESSAYS", 5000)),
        "GRADER_CALIBRATION_SOFT_LIMIT": calibration_soft,
        "GRADER_CALIBRATION_HARD_LIMIT": calibration_hard,
        "GRADER_REQUEUE_CALIBRATION_AFTER": _float("GRADER_REQUEUE_CALIBRATION_AFTER",
                                                   calibration_hard + 30),
        "CELERY": {
            "broker_url": broker,
            "task_ignore_result": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "task_soft_time_limit": soft_limit,
            "task_time_limit": hard_limit,
            "task_annotations": {"grader.calibrate": {"soft_time_limit": calibration_soft,
                                                      "time_limit": calibration_hard}},
            "task_default_queue": "grader",
            "broker_connection_retry_on_startup": True,
            # A submission must not hang when the broker is down: fail fast, the sweeper resends.
            "broker_connection_timeout": _float("GRADER_BROKER_TIMEOUT", 2),
            # The SQL transport hands these to create_engine; Redis reads them itself.
            "broker_transport_options": (
                {} if embedded_broker
                # Redis redelivers an unacknowledged message after this: longer than any task
                # may run, so a running task is never handed to a second worker.
                else {"visibility_timeout": max(hard_limit, calibration_hard) * 2,
                      "socket_timeout": 5,
                      "socket_connect_timeout": 2}),
            # The only schedule is the sweeper's fixed interval: nothing worth persisting, and a
            # schedule file that a killed beat left half-written could stop the next beat.
            "beat_scheduler": "celery.beat:Scheduler",
            "worker_hijack_root_logger": False,
        },
    }
