"""Load benchmark: the running service under 50 concurrent clients for a bounded time.

Run by hand (it is not a test; a full run takes about 12 minutes):

    .venv/bin/python bench/load.py [--duration 600] [--clients 50] [--web-workers 4]
                                   [--worker-nice N] [--data CSV --text-column COL]
    make bench-load          # the same with the defaults

It starts bench/service.py's "redis" deployment in a temporary folder: gunicorn with
``--web-workers`` processes (4 threads each), one Celery worker with 2 grading processes and
beat, on the machine's Redis (database 12, ``GRADER_BENCH_LOAD_REDIS``, flushed before and
after) and a new PostgreSQL database (``GRADER_BENCH_POSTGRES``; dropped afterwards). With
``--worker-nice N`` the worker runs under ``nice -n N``, so that on a small machine the web
processes win the CPU from grading (default 0: the deployment as documented, everything at the
same priority). ``GRADER_SUBMISSIONS_PER_MINUTE`` is raised to 1,000,000
(a deployment setting; the default, 30 per account, is a limit for people, not for a load
generator). All traffic goes to 127.0.0.1 and stops by itself.

The clients (threads, each with its own API token from ``grader token create``), for
``--duration`` seconds:

* 60% students: submit a 300-500-word draft (``POST /api/v1/essays``), poll it every second
  until graded, read the result, think for 0.5-2 s, and again;
* 24% teachers: upload a CSV of 10-30 essays (``POST /api/v1/batches``), poll the batch every
  2 s until complete, read its detail and ``results.csv``, think for 1-3 s, and again;
* the rest readers: re-read graded essays and batches (detail, CSV) of the others, every
  0.2-0.8 s.

The workers are saturated as long as any grading message waits in Redis: a sampler reads the
queues' lengths every second, and the memory (VmRSS) and CPU time of every process the
deployment started, and the essays' status counts, every 5 s. After ``--duration`` the clients
stop, the benchmark waits (at most ``--drain-timeout`` s) for the accepted essays to be graded,
then checks every one of them in the database.

It prints, as markdown tables: per endpoint requests, errors, requests/s and p50/p95/p99 ms
(and p95 while the workers were saturated); essays graded/s; the queues over time; memory per
process at the start, middle and end of the run; and the targets:

* no 5xx (and no request without a response);
* no lost essay: every accepted essay (drafts and batch essays) done with one result, or
  failed with a reason; none left queued or running;
* status and result reads (the GETs of an essay, a batch and its CSV) p95 < 100 ms while the
  workers are saturated;
* memory flat: no process grows over the second half of the run by more than 5% of its size at
  the middle (or 5 MB, for small processes).

It exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from service import (
    ROOT,
    Deployment,
    deploy,
    draft_texts,
    grader,
    percentile,
    roster,
    status_mb,
    warm_up,
)
from throughput import generate_essays, gradable, read_essays

REDIS_URL = os.environ.get("GRADER_BENCH_LOAD_REDIS", "redis://127.0.0.1:6379/12")
QUEUES = ("drafts", "grader", "calibration")
GRADING_PROCESSES = 2
REQUEST_TIMEOUT = 30.0
STUDENT_POLL, TEACHER_POLL = 1.0, 2.0
STUDENT_THINK, TEACHER_THINK, READER_THINK = (0.5, 2.0), (1.0, 3.0), (0.2, 0.8)
BATCH_SIZE = (10, 30)
DRAFT_WORDS = (300, 500)
DEPTH_EVERY, SLOW_EVERY, ROW_EVERY = 1.0, 5.0, 30.0
READ_P95_TARGET_MS = 100.0
FLAT_PCT, FLAT_MB = 5.0, 5.0

DRAFT = "POST /essays (draft)"
ESSAY_POLL = "GET /essays/{id} (status poll)"
ESSAY_RESULT = "GET /essays/{id} (result)"
UPLOAD = "POST /batches (upload)"
BATCH_POLL = "GET /batches/{id} (status poll)"
BATCH_RESULT = "GET /batches/{id} (result)"
BATCH_CSV = "GET /batches/{id}/results.csv"
ENDPOINTS = (DRAFT, ESSAY_POLL, ESSAY_RESULT, UPLOAD, BATCH_POLL, BATCH_RESULT, BATCH_CSV)
READS = (ESSAY_POLL, ESSAY_RESULT, BATCH_POLL, BATCH_RESULT, BATCH_CSV)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of load")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--worker-nice", type=int, default=0,
                        help="nice value of the Celery worker (0: as the web)")
    parser.add_argument("--drain-timeout", type=float, default=300,
                        help="most seconds to wait for the accepted essays after the load")
    parser.add_argument("--data", type=Path, help="CSV of essays (default: generated)")
    parser.add_argument("--text-column", default="full_text")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.clients < 3 or args.duration <= 0:
        parser.error("at least 3 clients and a positive duration")
    return args


# --- the clients ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    endpoint: str
    start: float  # seconds since the load started
    seconds: float
    status: int  # 0: no response (timeout, connection error)


@dataclass(frozen=True)
class Graded:
    headers: dict[str, str]
    kind: str  # "essay" or "batch"
    id: int


@dataclass
class Run:
    """What the clients share: the calls they made, the essays accepted, what is graded."""

    base: str
    started: float = field(default_factory=time.monotonic)
    stop: threading.Event = field(default_factory=threading.Event)
    calls: list[Call] = field(default_factory=list)
    accepted: dict[int, str] = field(default_factory=dict)  # essay id -> "draft" or "batch"
    graded: list[Graded] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)
    no_response: Counter[str] = field(default_factory=Counter)  # "endpoint: exception"
    retried: Counter[str] = field(default_factory=Counter)  # GETs sent again, by endpoint
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.started

    def call(self, session: requests.Session, endpoint: str, method: str, path: str,
             headers: dict[str, str], **kwargs: object) -> requests.Response | None:
        """One request to this deployment (always 127.0.0.1), timed and recorded.

        A GET whose connection fails is sent once more, as browsers do: the server may close an
        idle keep-alive connection just as the client reuses it. Retries are counted.
        """
        start = self.now()
        response = None
        for attempt in range(2 if method == "GET" else 1):
            try:
                response = session.request(method, self.base + path, headers=headers,
                                            timeout=REQUEST_TIMEOUT, **kwargs)
                break
            except requests.ConnectionError as exc:
                with self.lock:
                    if method == "GET" and attempt == 0:
                        self.retried[endpoint] += 1
                    else:
                        self.no_response[f"{endpoint}: {type(exc).__name__}: {exc}"[:200]] += 1
            except requests.RequestException as exc:
                with self.lock:
                    self.no_response[f"{endpoint}: {type(exc).__name__}"] += 1
                break
        with self.lock:
            self.calls.append(Call(endpoint, start, self.now() - start,
                                   response.status_code if response is not None else 0))
        return response

    def accept(self, ids: Iterable[int], kind: str) -> None:
        with self.lock:
            self.accepted.update(dict.fromkeys(ids, kind))

    def note(self, message: str) -> None:
        with self.lock:
            self.anomalies.append(f"t={self.now():.0f}s {message}")

    def poll(self, session: requests.Session, endpoint: str, path: str,
             headers: dict[str, str], interval: float,
             finished: Callable[[dict], bool]) -> bool:
        """Ask every ``interval`` seconds until ``finished`` (True) or the load stops (False)."""
        while not self.stop.wait(interval):
            response = self.call(session, endpoint, "GET", path, headers)
            if response is not None and response.ok and finished(response.json()):
                return True
        return False


class Client(requests.Session):
    """A client's HTTP session. Like a browser, it drops a keep-alive connection it left idle
    longer than the server keeps one open (gunicorn: 2 s) instead of racing the server's close
    (which would cost a request that was never processed, or a retry)."""

    IDLE = 1.5

    def __init__(self) -> None:
        super().__init__()
        self.last_used = 0.0

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        if time.monotonic() - self.last_used > self.IDLE:
            self.close()
        try:
            return super().request(*args, **kwargs)
        finally:
            self.last_used = time.monotonic()


def guarded(run: Run, client: Callable[..., None], *args: object) -> None:
    """Run a client; an unexpected exception is noted and the client starts over."""
    while not run.stop.is_set():
        try:
            client(run, *args)
            return
        except Exception as exc:  # a client must not die silently mid-run
            run.note(f"{client.__name__} client: {type(exc).__name__}: {exc}"[:300])
            run.stop.wait(1.0)


class Texts:
    """Essays handed out in turn to every client (thread-safe)."""

    def __init__(self, texts: list[str]) -> None:
        self._cycle = itertools.cycle(texts)
        self._lock = threading.Lock()

    def take(self, count: int = 1) -> list[str]:
        with self._lock:
            return list(itertools.islice(self._cycle, count))


def student(run: Run, headers: dict[str, str], drafts: Texts, rng: random.Random) -> None:
    session = Client()
    while not run.stop.is_set():
        response = run.call(session, DRAFT, "POST", "/api/v1/essays", headers,
                            json={"text": drafts.take()[0]})
        if response is None or response.status_code != 202:
            run.stop.wait(1.0)
            continue
        essay_id = response.json()["essay"]["id"]
        run.accept([essay_id], "draft")
        path = f"/api/v1/essays/{essay_id}"
        if not run.poll(session, ESSAY_POLL, path, headers, STUDENT_POLL,
                        lambda e: e["status"] in ("done", "failed")):
            return
        response = run.call(session, ESSAY_RESULT, "GET", path, headers)
        if response is not None and response.ok and response.json()["status"] == "done":
            with run.lock:
                run.graded.append(Graded(headers, "essay", essay_id))
        run.stop.wait(rng.uniform(*STUDENT_THINK))


def teacher(run: Run, headers: dict[str, str], essays: Texts, rng: random.Random) -> None:
    session = Client()
    uploads = 0
    while not run.stop.is_set():
        texts = essays.take(rng.randint(*BATCH_SIZE))
        uploads += 1
        response = run.call(session, UPLOAD, "POST", "/api/v1/batches", headers,
                            files={"files": (f"class-{uploads}.csv", roster(texts, 0))},
                            data={"title": f"load {uploads}"})
        if response is None or response.status_code != 202:
            run.stop.wait(1.0)
            continue
        batch = response.json()["batch"]
        ids = [e["id"] for e in batch["essays"]]
        run.accept(ids, "batch")
        if len(ids) != len(texts) or batch["report"]["problems"]:
            run.note(f"batch {batch['id']}: {len(texts)} rows sent, {len(ids)} essays, "
                     f"problems {batch['report']['problems']}")
        path = f"/api/v1/batches/{batch['id']}"
        if not run.poll(session, BATCH_POLL, path, headers, TEACHER_POLL,
                        lambda b: b["complete"]):
            return
        run.call(session, BATCH_RESULT, "GET", path, headers)
        response = run.call(session, BATCH_CSV, "GET", path + "/results.csv", headers)
        if response is not None and response.ok:
            rows = len(list(csv.reader(io.StringIO(response.text)))) - 1
            if rows != len(ids):
                run.note(f"batch {batch['id']}: results.csv has {rows} rows for {len(ids)}")
            with run.lock:
                run.graded.append(Graded(headers, "batch", batch["id"]))
        run.stop.wait(rng.uniform(*TEACHER_THINK))


def reader(run: Run, rng: random.Random) -> None:
    session = Client()
    while not run.stop.wait(rng.uniform(*READER_THINK)):
        with run.lock:
            item = rng.choice(run.graded) if run.graded else None
        if item is None:
            continue
        if item.kind == "essay":
            run.call(session, ESSAY_RESULT, "GET", f"/api/v1/essays/{item.id}", item.headers)
        elif rng.random() < 0.5:
            run.call(session, BATCH_RESULT, "GET", f"/api/v1/batches/{item.id}", item.headers)
        else:
            run.call(session, BATCH_CSV, "GET", f"/api/v1/batches/{item.id}/results.csv",
                     item.headers)


def client_mix(clients: int) -> tuple[int, int, int]:
    """(students, teachers, readers): 60%, 24% and the rest, at least one of each."""
    students = max(1, round(clients * 0.6))
    teachers = max(1, round(clients * 0.24))
    return students, teachers, max(1, clients - students - teachers)


def tokens(deployment: Deployment, role: str, count: int) -> list[dict[str, str]]:
    """One account and API token per client, made with the CLI as an administrator would."""
    def create(i: int) -> dict[str, str]:
        token = grader(deployment.env, "token", "create", f"load-{role}-{i}@school.example",
                       "--role", role)
        return {"Authorization": "Bearer " + token}

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(create, range(count)))


# --- the sampler ------------------------------------------------------------------------------

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


def _machine_cpu() -> tuple[float, float]:
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


# --- after the load ---------------------------------------------------------------------------

def drain(database_url: str, baseline: int, timeout: float) -> float:
    """Wait until no essay is queued or running (at most ``timeout`` s); seconds waited."""
    started = time.monotonic()
    with psycopg.connect(database_url, autocommit=True) as db:
        while time.monotonic() - started < timeout:
            pending = db.execute("SELECT count(*) FROM essays WHERE id > %s AND status IN "
                                 "('queued', 'running')", (baseline,)).fetchone()[0]
            if not pending:
                break
            time.sleep(1.0)
    return time.monotonic() - started


@dataclass
class Audit:
    accepted: int
    done: int = 0
    failed: int = 0
    lost: list[str] = field(default_factory=list)
    duplicates: int = 0  # essays with more than one result
    regraded: int = 0  # essays started more than once
    unacknowledged: int = 0  # stored, but the client had no 202 for it
    failures: Counter[str] = field(default_factory=Counter)
    finished: list[float] = field(default_factory=list)  # epoch seconds of each done essay


def audit(database_url: str, baseline: int, accepted: dict[int, str]) -> Audit:
    """Every accepted essay, as the database has it."""
    with psycopg.connect(database_url, autocommit=True) as db:
        rows = db.execute(
            "SELECT e.id, e.status, coalesce(e.error, ''), e.attempts, count(r.id), "
            "extract(epoch FROM e.finished_at) FROM essays e "
            "LEFT JOIN results r ON r.essay_id = e.id WHERE e.id > %s "
            "GROUP BY e.id", (baseline,)).fetchall()
    found = {row[0]: row for row in rows}
    out = Audit(len(accepted), unacknowledged=len(set(found) - set(accepted)))
    for essay_id, kind in sorted(accepted.items()):
        row = found.get(essay_id)
        if row is None:
            out.lost.append(f"{kind} {essay_id}: not in the database")
            continue
        _, status, error, attempts, results, finished = row
        out.regraded += attempts > 1
        out.duplicates += results > 1
        if status == "done" and results >= 1:
            out.done += 1
            out.finished.append(float(finished))
        elif status == "failed" and error.strip():
            out.failed += 1
            out.failures[error[:80]] += 1
        else:
            out.lost.append(f"{kind} {essay_id}: {status}, {results} results, error {error!r}")
    return out


# --- the report -------------------------------------------------------------------------------

def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    print()


def _ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:.0f}" if values else "-"


def endpoint_table(run: Run, sampler: Sampler, duration: float) -> dict[str, float | None]:
    """Print the per-endpoint table; return each read endpoint's p95 ms while saturated."""
    by_endpoint: dict[str, list[Call]] = {e: [] for e in ENDPOINTS}
    for call in run.calls:
        by_endpoint.setdefault(call.endpoint, []).append(call)
    rows, saturated_p95 = [], {}
    for endpoint in (*by_endpoint, "all"):
        calls = run.calls if endpoint == "all" else by_endpoint[endpoint]
        ok = [c.seconds for c in calls if 0 < c.status < 400]
        busy = [c.seconds for c in calls if 0 < c.status < 400 and sampler.backlog_at(c.start)]
        client = Counter(c.status for c in calls if 400 <= c.status < 500)
        server = Counter(c.status for c in calls if c.status >= 500)
        if endpoint in READS:
            saturated_p95[endpoint] = percentile(busy, 0.95) * 1000 if busy else None
        rows.append((endpoint, len(calls),
                     ", ".join(f"{n}× {s}" for s, n in sorted(client.items())) or 0,
                     ", ".join(f"{n}× {s}" for s, n in sorted(server.items())) or 0,
                     sum(c.status == 0 for c in calls),
                     f"{len(calls) / duration:.1f}", _ms(ok, 0.5), _ms(ok, 0.95), _ms(ok, 0.99),
                     f"{_ms(busy, 0.95)} ({len(busy)})"))
    table(("endpoint", "requests", "4xx", "5xx", "no response", "req/s", "p50 ms", "p95 ms",
           "p99 ms", "p95 ms while saturated (n)"), rows)
    return saturated_p95


def queue_table(sampler: Sampler, duration: float) -> float:
    """Print the queues every ROW_EVERY seconds; return the share of the load with a backlog."""
    rows = []
    done_before = 0
    edges = [*itertools.takewhile(lambda t: t < sampler.depth[-1][0],
                                  itertools.count(ROW_EVERY, ROW_EVERY)), sampler.depth[-1][0]]
    start = 0.0
    for end in edges:
        window = [d for t, d in sampler.depth if start <= t < end] or [sampler.depth[-1][1]]
        last = window[-1]
        counts = [c for t, c in sampler.counts if t < end] or [{}]
        done = counts[-1].get("done", 0) + counts[-1].get("failed", 0)
        backlog = sum(sum(d[q] for q in QUEUES[:2]) > 0 for d in window) / len(window)
        rows.append((f"{end:.0f}" + (" (drain)" if end > duration + 1 else ""),
                     *(last[q] for q in QUEUES), max(d["drafts"] + d["grader"] for d in window),
                     counts[-1].get("queued", 0), counts[-1].get("running", 0),
                     f"{(done - done_before) / (end - start):.1f}", f"{backlog:.0%}"))
        done_before, start = done, end
    table(("t s", "drafts", "grader", "calibration", "max waiting in window", "essays queued",
           "running", "graded+failed /s in window", "1-s samples with a backlog"), rows)
    during = [d for t, d in sampler.depth if t <= duration]
    return sum(d["drafts"] + d["grader"] > 0 for d in during) / max(1, len(during))


def _median_between(samples: list[tuple[float, float, float]], low: float,
                    high: float) -> float | None:
    values = [rss for t, rss, _ in samples if low <= t <= high]
    return statistics.median(values) if values else None


def memory_table(sampler: Sampler, duration: float) -> list[str]:
    """Print memory per process; return the processes that are not flat."""
    rows, grew = [], []
    order = ("gunicorn master", "gunicorn web worker", "celery main", "celery pool process",
             "celery beat", "other")
    for pid, process in sorted(sampler.processes.items(),
                               key=lambda p: (order.index(p[1].label), p[0])):
        during = [s for s in process.samples if s[0] <= duration + 1]
        if not during:
            continue
        start = during[0][1]
        middle = _median_between(during, 0.4 * duration, 0.6 * duration)
        end = _median_between(during, 0.9 * duration, duration + 1)
        cpu = (during[-1][2] - during[0][2]) / max(1.0, during[-1][0] - during[0][0])
        life = "" if during[0][0] < SLOW_EVERY and during[-1][0] > duration - SLOW_EVERY \
            else f" (seen {during[0][0]:.0f}-{during[-1][0]:.0f} s)"
        if middle is None or end is None:
            growth, flat = "-", "not measured"
            grew.append(f"{process.label} {pid}{life}")
        else:
            allowed = max(FLAT_MB, middle * FLAT_PCT / 100)
            growth = f"{end - middle:+.1f} ({(end - middle) / middle:+.1%})"
            flat = "yes" if end - middle <= allowed else f"NO (> {allowed:.1f} MB)"
            if flat != "yes":
                grew.append(f"{process.label} {pid}")
        rows.append((f"{process.label}{life}", pid, f"{start:.0f}",
                     f"{middle:.0f}" if middle else "-", f"{end:.0f}" if end else "-",
                     f"{max(s[1] for s in during):.0f}", growth, f"{cpu:.0%}", flat))
    table(("process", "pid", "start MB", "middle MB", "end MB", "max MB",
           "growth over 2nd half MB", "CPU (of one core)", "flat"), rows)
    return grew


def report(args: argparse.Namespace, run: Run, sampler: Sampler, result: Audit,
           drained: float, cpu: dict[str, float]) -> int:
    duration = args.duration
    print("## Requests per endpoint (latencies of the answered ones, status < 400; saturated: a "
          "grading message waited in Redis at the 1-s samples either side of the request)\n")
    saturated_p95 = endpoint_table(run, sampler, duration)
    in_load = [t for t in result.finished if t <= run_epoch(run) + duration]
    print(f"Essays accepted: {result.accepted} ({sum(k == 'draft' for k in run.accepted.values())}"
          f" drafts, {sum(k == 'batch' for k in run.accepted.values())} in batches); graded "
          f"during the load {len(in_load)} ({len(in_load) / duration:.1f} essays/s), in all "
          f"{result.done} done and {result.failed} failed; drained in {drained:.0f} s.\n")
    print("## Queues over time (Redis LLEN at the end of each window; essays from the "
          "database)\n")
    backlog_share = queue_table(sampler, duration)
    print(f"Workers saturated (a grading message waiting in Redis) in {backlog_share:.0%} of the "
          f"1-s samples during the load.\n")
    print(f"## Memory (VmRSS) per process; flat = growth over the second half <= max("
          f"{FLAT_MB:g} MB, {FLAT_PCT:g}% of the middle)\n")
    grew = memory_table(sampler, duration)
    rest = cpu["machine"] - sum(cpu[k] for k in ("deployment", "postgres", "redis", "client"))
    print(f"CPU during the load, share of {os.cpu_count()} cores: whole machine "
          f"{cpu['machine']:.0%} = the deployment (table above) {cpu['deployment']:.0%} + the "
          f"PostgreSQL backends of its database {cpu['postgres']:.0%} + Redis {cpu['redis']:.0%} "
          f"+ this load generator {cpu['client']:.0%} + everything else {rest:.0%} (PostgreSQL's "
          f"own background processes, the kernel, other work on the machine).\n")
    failed = Counter(int(c.start // 10) * 10 for c in run.calls
                     if c.status == 0 or c.status >= 500)
    if failed:
        print("5xx and requests without a response, by 10-s window of the load: "
              + ", ".join(f"t={t}-{t + 10} s: {n}" for t, n in sorted(failed.items())))
    for key, count in run.no_response.most_common(10):
        print(f"no response ({count}×): {key}")
    print("GETs sent once more after their connection failed (a keep-alive connection the "
          "server had just closed): " + (", ".join(f"{e} {n}" for e, n in run.retried.items())
                                         or "none"))
    for line in run.anomalies[:20]:
        print(f"anomaly: {line}")
    for message, count in sampler.errors.most_common(5):
        print(f"sampler error ({count}×): {message}")
    for reason, count in result.failures.most_common(5):
        print(f"failed essays ({count}×): {reason}")
    print(f"Audit: {result.accepted} accepted, {result.done} done with a result, {result.failed} "
          f"failed with a reason, {len(result.lost)} lost, {result.duplicates} with more than one "
          f"result, {result.regraded} started more than once, {result.unacknowledged} stored "
          f"without a 202 reaching the client.")
    for line in result.lost[:10]:
        print(f"lost: {line}")
    print()

    errors_5xx = sum(c.status >= 500 for c in run.calls)
    no_response = sum(c.status == 0 for c in run.calls)
    slow = [e for e, p in saturated_p95.items() if p is None or p >= READ_P95_TARGET_MS]
    targets = {
        "no 5xx": (errors_5xx == 0 and no_response == 0,
                   f"{errors_5xx} 5xx, {no_response} without a response"),
        "no lost essay": (not result.lost and result.accepted > 0,
                          f"{len(result.lost)} of {result.accepted}"),
        f"status/result p95 < {READ_P95_TARGET_MS:g} ms while saturated": (
            not slow and backlog_share > 0,
            ", ".join(f"{e} {p:.0f} ms" if p is not None else f"{e} not measured"
                      for e, p in saturated_p95.items())),
        "memory flat": (not grew, ", ".join(grew) or "every process"),
    }
    print("## Targets\n")
    print("; ".join(f"{name}: {'ok' if ok else 'MISSED'} ({detail})"
                    for name, (ok, detail) in targets.items()))
    return 0 if all(ok for ok, _ in targets.values()) else 1


def run_epoch(run: Run) -> float:
    """The wall-clock time at which the load started."""
    return time.time() - (time.monotonic() - run.started)


# --- main -------------------------------------------------------------------------------------

def essay_pools(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """(drafts of 300-500 words, batch essays): generated, or from ``--data``."""
    if args.data:
        texts, _ = gradable(read_essays(args.data, args.text_column, 5000), 20_000)
        drafts = [t for t in texts if DRAFT_WORDS[0] <= len(t.split()) <= DRAFT_WORDS[1]]
        if not texts:
            raise SystemExit(f"{args.data}: no gradable essay")
        return drafts or texts, texts
    drafts = draft_texts(600, DRAFT_WORDS)
    texts, _ = gradable(generate_essays(3000, seed=args.seed + 1), 20_000)
    return drafts, texts


def _terminate(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)  # unwind: stop the deployment, drop the database
    drafts, essays = essay_pools(args)
    students, teachers, readers = client_mix(args.clients)
    rng = random.Random(args.seed)
    print(f"# Load benchmark: {args.clients} clients ({students} students, {teachers} teachers, "
          f"{readers} readers) for {args.duration:g} s; gunicorn {args.web_workers} processes x 4 "
          f"threads; Celery worker with {GRADING_PROCESSES} grading processes at nice "
          f"{args.worker_nice}; Redis + PostgreSQL; {os.cpu_count()} cores; load average "
          f"{os.getloadavg()[0]:.2f} before the start; essays "
          f"{'from ' + str(args.data) if args.data else 'generated'} ({len(drafts)} drafts of "
          f"{DRAFT_WORDS[0]}-{DRAFT_WORDS[1]} words, {len(essays)} for batches of "
          f"{BATCH_SIZE[0]}-{BATCH_SIZE[1]}); GRADER_SUBMISSIONS_PER_MINUTE raised to 1000000\n",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="grader-bench-load-") as folder, \
            deploy("redis", GRADING_PROCESSES, Path(folder), web_processes=args.web_workers,
                   redis_url=REDIS_URL, worker_nice=args.worker_nice) as deployment:
        database_url = deployment.env["DATABASE_URL"].replace("+psycopg", "")
        warm_up(deployment, drafts, GRADING_PROCESSES)
        headers = {"student": tokens(deployment, "student", students),
                   "teacher": tokens(deployment, "teacher", teachers)}
        with psycopg.connect(database_url) as db:
            baseline = db.execute("SELECT coalesce(max(id), 0) FROM essays").fetchone()[0]
        beat = beat_pids(deployment)
        print(f"deployed at {deployment.base}, warmed up, {students + teachers} tokens; "
              f"load starts", flush=True)

        run = Run(deployment.base)
        sampler = Sampler(run, deployment, database_url, baseline, beat)
        draft_pool, batch_pool = Texts(drafts), Texts(essays)
        threads = [threading.Thread(target=guarded, daemon=True, args=(
                       run, student, h, draft_pool, random.Random(rng.random())))
                   for h in headers["student"]]
        threads += [threading.Thread(target=guarded, daemon=True, args=(
                        run, teacher, h, batch_pool, random.Random(rng.random())))
                    for h in headers["teacher"]]
        threads += [threading.Thread(target=guarded, daemon=True,
                                     args=(run, reader, random.Random(rng.random())))
                    for _ in range(readers)]
        machine_before, client_before = _machine_cpu(), time.process_time()
        try:
            sampler.start()
            for thread in threads:
                thread.start()
            while run.now() < args.duration:
                run.stop.wait(min(60.0, args.duration - run.now()))
                depth = sampler.depth[-1][1] if sampler.depth else {}
                print(f"t={run.now():.0f}s: {len(run.calls)} requests, "
                      f"{len(run.accepted)} essays accepted, waiting in Redis {depth}",
                      flush=True)
        finally:
            run.stop.set()
            for thread in threads:
                thread.join(timeout=REQUEST_TIMEOUT + 5)
        machine_after, client_after = _machine_cpu(), time.process_time()
        deployment_cpu = _cpu_seconds(sampler.processes.values(), args.duration)
        services = {label: _cpu_seconds([p for p in sampler.services.values()
                                         if p.label == label], args.duration)
                    for label in ("postgres", "redis")}
        drained = drain(database_url, baseline, args.drain_timeout)
        sampler.done.set()
        sampler.join()
        result = audit(database_url, baseline, run.accepted)
        log_errors(Path(folder) / "redis.log")
        wall = args.duration * (os.cpu_count() or 1)
        cpu = {"machine": (machine_after[0] - machine_before[0])
               / max(1, machine_after[1] - machine_before[1]),
               "deployment": deployment_cpu / wall,
               "postgres": services["postgres"] / wall, "redis": services["redis"] / wall,
               "client": (client_after - client_before) / wall}
        print()
        return report(args, run, sampler, result, drained, cpu)


def log_errors(log: Path, most: int = 8) -> None:
    """What the deployment logged as errors (its log goes with its folder): each traceback's
    exception line and each ERROR/CRITICAL line, counted."""
    lines = log.read_text(errors="replace").splitlines()
    errors: Counter[str] = Counter()
    in_traceback = False
    for line in lines:
        if line.startswith("Traceback"):
            in_traceback = True
        elif in_traceback and line and not line[0].isspace():
            errors["exception: " + line[:200]] += 1
            in_traceback = False
        elif "ERROR" in line or "CRITICAL" in line:
            errors[line.split("]", 1)[-1].strip()[:200]] += 1
    print(f"deployment log: {len(lines)} lines, {sum(errors.values())} errors")
    for message, count in errors.most_common(most):
        print(f"  {count}× {message}")


def _cpu_seconds(processes: Iterable[Process], duration: float) -> float:
    """CPU seconds these processes used during the load (from the samples)."""
    total = 0.0
    for process in processes:
        during = [s for s in process.samples if s[0] <= duration + 1]
        if len(during) > 1:
            total += during[-1][2] - during[0][2]
    return total


if __name__ == "__main__":
    sys.exit(main())
