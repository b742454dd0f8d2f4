"""The sampler: queue depths every second, memory and CPU of every process every few seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
from service import (
    ROOT,
    Deployment,
    status_mb,
)

from loadtest.clients import Run
from loadtest.settings import DEPTH_EVERY, QUEUES, REDIS_URL, SLOW_EVERY


@dataclass
class Process:
    label: str
    samples: list[tuple[float, float, float]] = field(default_factory=list)  # t, RSS MB, CPU s


def _stat(pid: int) -> tuple[int, int, float] | None:
    """(ppid, process group, CPU seconds) of a process, None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), int(fields[2]), (int(fields[11]) + int(fields[12])) / _TICKS


_TICKS = os.sysconf("SC_CLK_TCK")


def pool_pids(deployment: Deployment) -> set[int]:
    """The worker's pool processes, as Celery itself reports them (``inspect stats``); the
    worker's other child is the embedded beat (without setproctitle they look alike)."""
    command = [sys.executable, "-m", "celery", "-A", "worker.app:celery_app", "inspect",
               "stats", "--json", "--timeout", "3"]
    out = subprocess.run(command, env=deployment.env, cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    try:
        replies = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        print(f"could not ask the worker for its pool: {out.stderr.strip()[-300:]}")
        return set()
    return {pid for stats in replies.values() for pid in stats["pool"]["processes"]}


def beat_pids(deployment: Deployment) -> set[int]:
    """The Celery worker's children that are not in its pool (the embedded beat)."""
    pool = pool_pids(deployment)
    worker = deployment.processes[0].pid
    if not pool:
        return set()
    return {pid for pid in map(int, filter(str.isdigit, os.listdir("/proc")))
            if pid not in pool and (_stat(pid) or (0,))[0] == worker}


def deployment_processes(deployment: Deployment,
                         beat: set[int]) -> dict[int, tuple[str, float, float]]:
    """pid -> (label, RSS MB, CPU s) of every process in the deployment's process groups."""
    worker, web = (p.pid for p in deployment.processes)
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        stat = _stat(pid)
        rss = status_mb(pid, "VmRSS")
        if stat is None or rss is None or stat[1] not in (worker, web):
            continue
        ppid = stat[0]
        if pid == web:
            label = "gunicorn master"
        elif ppid == web:
            label = "gunicorn web worker"
        elif pid == worker:
            label = "celery main"
        elif ppid == worker:
            label = "celery beat" if pid in beat else "celery pool process"
        else:
            label = "other"
        out[pid] = (label, rss, stat[2])
    return out


def service_cpu(database: str) -> dict[int, tuple[str, float]]:
    """pid -> (label, CPU s) of the PostgreSQL backends serving ``database`` and of Redis."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        label = ("postgres" if cmdline.startswith("postgres:") and f" {database} " in cmdline
                 else "redis" if cmdline.startswith("redis-server") else None)
        stat = _stat(int(entry.name)) if label else None
        if label and stat:
            out[int(entry.name)] = (label, stat[2])
    return out


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class Sampler(threading.Thread):
    """Queue lengths every second; memory, CPU and essay counts every 5 s."""

    def __init__(self, run: Run, deployment: Deployment, database_url: str, baseline: int,
                 beat: set[int]) -> None:
        super().__init__(daemon=True)
        self.run_state = run
        self.deployment = deployment
        self.beat = beat
        self.redis = redis.Redis.from_url(REDIS_URL)
        self.database_url = database_url
        self.baseline = baseline
        self.done = threading.Event()
        self.depth: list[tuple[float, dict[str, int]]] = []
        self._times: list[float] = []
        self.counts: list[tuple[float, dict[str, int]]] = []
        self.processes: dict[int, Process] = {}
        self.services: dict[int, Process] = {}  # PostgreSQL backends and Redis: CPU only
        self.database = database_url.rsplit("/", 1)[1]
        self.errors: Counter[str] = Counter()

    def run(self) -> None:
        next_slow = 0.0
        while not self.done.is_set():
            now = self.run_state.now()
            try:
                with self.redis.pipeline() as pipe:
                    for queue in QUEUES:
                        pipe.llen(queue)
                    lengths = pipe.execute()
                self.depth.append((now, dict(zip(QUEUES, lengths, strict=True))))
            except redis.RedisError as exc:
                self.errors[f"redis: {exc}"] += 1
            if now >= next_slow:
                next_slow += SLOW_EVERY
                self._slow(now)
            self.done.wait(max(0.0, DEPTH_EVERY - (self.run_state.now() - now)))
        if self._db is not None:
            self._db.close()

    _db: psycopg.Connection | None = None

    def _slow(self, now: float) -> None:
        for pid, (label, rss, cpu) in deployment_processes(self.deployment,
                                                           self.beat).items():
            process = self.processes.setdefault(pid, Process(label))
            process.label = label
            process.samples.append((now, rss, cpu))
        for pid, (label, cpu) in service_cpu(self.database).items():
            self.services.setdefault(pid, Process(label)).samples.append((now, 0.0, cpu))
        try:  # a new connection after an error: PostgreSQL may have been restarted
            if self._db is None or self._db.closed:
                self._db = psycopg.connect(self.database_url, autocommit=True, connect_timeout=5)
            rows = self._db.execute("SELECT status, count(*) FROM essays WHERE id > %s "
                                    "GROUP BY status", (self.baseline,)).fetchall()
            self.counts.append((now, dict(rows)))
        except psycopg.Error as exc:
            self.errors[f"postgres: {exc}".strip()[:200]] += 1
            if self._db is not None:
                self._db.close()
                self._db = None

    def backlog_at(self, t: float) -> bool:
        """Whether grading messages waited in Redis at the samples either side of ``t``."""
        if len(self._times) != len(self.depth):
            self._times = [s[0] for s in self.depth]
        i = bisect_right(self._times, t)
        if i == 0 or i >= len(self.depth):
            return False
        return all(sum(self.depth[j][1][q] for q in QUEUES[:2]) > 0 for j in (i - 1, i))
