"""Service benchmark: essays through the HTTP API to real workers, against the engine alone.

Run by hand (it is not a test):

    .venv/bin/python bench/service.py [--mode embedded|redis|both] [--essays 1000]
                                      [--drafts 100] [--clients 10] [--data CSV]

For each mode it starts a deployment in a temporary folder, exactly as the README runs it:

* embedded: ``grader serve --workers 2`` (gunicorn + one Celery worker with 2 processes, SQLite,
  the SQLite broker);
* redis: gunicorn, one Celery worker with 2 processes and beat, on the machine's Redis
  (database 13, flushed) and a new PostgreSQL database (dropped afterwards).

Then it measures:

1. end-to-end throughput: N essays uploaded as CSV files (500 rows each) through
   ``POST /api/v1/batches``, timed from the first upload until the server finished the last
   essay (the batches' ``completed_at``), progress polled each second with ``?essays=false``
   as a teacher's progress page polls its counts;
2. engine-only throughput on the same essays, two processes each running
   ``Engine.grade_many`` on half (the same 2 cores the workers have), as in bench/throughput.py;
3. drafts: ``--clients`` threads each submitting ~500-word drafts one after another through
   ``POST /api/v1/essays`` and polling until graded; p50/p95 of submit-to-graded seconds;
4. the peak resident memory (VmHWM) of every worker process;
5. the CPU seconds each kind of process used during the end-to-end run (worker pool and main
   process, web server, Redis, PostgreSQL, this benchmark's client), against what the engine
   alone needs for the same essays: where a service falls short of the engine, this says which
   process took the cores.

Targets: end to end >= 85% of engine-only essays/s; draft p95 < 3 s on Redis, < 5 s embedded;
every worker process < 400 MB.
"""

from __future__ import annotations

import argparse
import csv
import io
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from throughput import generate_essays, gradable, read_essays  # noqa: E402

from grader.commands.serve import web_command, worker_command  # noqa: E402

REDIS_URL = os.environ.get("GRADER_BENCH_REDIS", "redis://127.0.0.1:6379/13")
POSTGRES_ADMIN = os.environ.get("GRADER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1/test")
ROWS_PER_UPLOAD = 500
THROUGHPUT_TARGET = 0.85
P95_TARGET = {"redis": 3.0, "embedded": 5.0}
RSS_TARGET_MB = 400


@dataclass
class Deployment:
    base: str
    env: dict[str, str]
    processes: list[subprocess.Popen]
    headers: dict[str, str] | None = None

    def worker_pids(self) -> list[int]:
        """Every celery process (main and pool) under our process groups."""
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                environ = (proc / "environ").read_bytes()
            except OSError:
                continue
            instance = self.env["GRADER_INSTANCE_PATH"].encode()
            if "celery" in cmdline and " worker" in cmdline and instance in environ:
                pids.append(int(proc.name))
        return pids


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("embedded", "redis", "both"), default="both")
    parser.add_argument("--essays", type=int, default=1000)
    parser.add_argument("--drafts", type=int, default=100, help="drafts for the latency test")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--data", type=Path, help="CSV of essays (default: generated)")
    parser.add_argument("--text-column", default="full_text")
    parser.add_argument("--logs", type=Path,
                        help="copy each deployment's log here (each chunk's claim, grading "
                             "and write times are in the worker's lines)")
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def grader(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], env=env, cwd=ROOT,
                          check=True, capture_output=True, text=True).stdout.strip()


@contextmanager
def postgres_database():
    import psycopg

    name = f"grader_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://",
                                                       "postgresql+psycopg://") + "/" + name
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def deploy(mode: str, workers: int, folder: Path, web_processes: int = 2,
           redis_url: str = REDIS_URL, worker_nice: int = 0):
    """A running deployment (see the module docstring) in ``folder``; ``worker_nice`` > 0 runs
    the Celery worker at that lower CPU priority. Stops every process it started, drops the
    database and flushes the Redis database on the way out."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env["GRADER_INSTANCE_PATH"] = str(folder / "instance")
    env["GRADER_SECRET_KEY"] = "bench"
    # The benchmark's few accounts submit far faster than any person: no rate limit.
    env["GRADER_SUBMISSIONS_PER_MINUTE"] = "1000000"
    with ExitStack() as stack:
        log = stack.enter_context((folder / f"{mode}.log").open("wb"))
        processes: list[subprocess.Popen] = []
        if mode == "embedded":
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "grader.cli", "serve", "--port", str(port),
                 "--workers", str(workers)], env=env, cwd=ROOT, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True))
        else:
            import redis

            redis.Redis.from_url(redis_url).flushdb()
            stack.callback(lambda: redis.Redis.from_url(redis_url).flushdb())
            env["DATABASE_URL"] = stack.enter_context(postgres_database())
            env["CELERY_BROKER_URL"] = redis_url
            grader(env, "db", "upgrade")
            grader(env, "rubric", "import", str(ROOT / "rubrics" / "history-argument.yaml"))
            nice = ["nice", "-n", str(worker_nice)] if worker_nice else []
            for command in (nice + worker_command(workers, True),
                            web_command("127.0.0.1", port, web_processes)):
                processes.append(subprocess.Popen(command, env=env, cwd=ROOT, stdout=log,
                                                  stderr=subprocess.STDOUT,
                                                  start_new_session=True))
        deployment = Deployment(f"http://127.0.0.1:{port}", env, processes)
        try:
            wait_healthy(deployment, folder / f"{mode}.log")
            deployment.headers = {"Authorization": "Bearer " + grader(
                env, "token", "create", "bench@school.example", "--role", "teacher")}
            yield deployment
        finally:
            for process in processes:
                with_signal(process, signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    with_signal(process, signal.SIGKILL)


def with_signal(process: subprocess.Popen, signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def wait_healthy(deployment: Deployment, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(deployment.base + "/healthz", timeout=2).json()["status"] == "ok":
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"the deployment did not become healthy; see {log}")


def wait_graded(session: requests.Session, url: str, headers: dict[str, str],
                interval: float = 0.05) -> dict:
    while True:
        essay = session.get(url, headers=headers, timeout=30).json()
        if essay["status"] in ("done", "failed"):
            return essay
        time.sleep(interval)


def warm_up(deployment: Deployment, texts: list[str], workers: int) -> None:
    """Grade a few drafts first so every worker process has its engine built."""
    session = requests.Session()
    urls = [session.post(deployment.base + "/api/v1/essays", json={"text": t},
                         headers=deployment.headers, timeout=30).json()["url"]
            for t in texts[: workers * 2]]
    for url in urls:
        wait_graded(session, url, deployment.headers)


def roster(texts: list[str], offset: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "essay"])
    writer.writerows([f"Student {offset + i}", t] for i, t in enumerate(texts))
    return buffer.getvalue().encode("utf-8")


def end_to_end(deployment: Deployment, texts: list[str]) -> tuple[float, int, int]:
    """(seconds, graded, failed) for uploading and grading every essay: from the first upload
    to the moment the server finished the last essay (``completed_at``; a poll only notices
    it up to a second later)."""
    session = requests.Session()
    started = time.time()
    urls = []
    for offset in range(0, len(texts), ROWS_PER_UPLOAD):
        chunk = texts[offset:offset + ROWS_PER_UPLOAD]
        response = session.post(deployment.base + "/api/v1/batches",
                                 files={"files": (f"class-{offset}.csv", roster(chunk, offset))},
                                 data={"title": f"bench {offset}"}, headers=deployment.headers,
                                 timeout=300)
        response.raise_for_status()
        urls.append(response.json()["url"])
        print(f"  upload of {len(chunk)} essays answered {time.time() - started:.2f} s in",
              flush=True)
    pending = set(urls)
    counts: dict[str, dict[str, int]] = {}
    finished: list[float] = []
    while pending:
        time.sleep(1.0)  # as often as a teacher's progress page would ask, for progress only
        for url in list(pending):
            batch = session.get(url, headers=deployment.headers, params={"essays": "false"},
                                timeout=60).json()
            counts[url] = batch["counts"]
            if batch["complete"]:
                pending.discard(url)
                finished.append(datetime.fromisoformat(
                    batch["completed_at"].replace("Z", "+00:00")).timestamp())
    elapsed = max(finished) - started
    done = sum(c["done"] for c in counts.values())
    failed = sum(c["failed"] for c in counts.values())
    return elapsed, done, failed


def drafts(deployment: Deployment, texts: list[str], clients: int) -> list[float]:
    """Submit-to-graded seconds for every draft, ``clients`` submitting at once."""
    latencies: list[float] = []
    lock = threading.Lock()
    queue = list(texts)

    def client() -> None:
        session = requests.Session()
        while True:
            with lock:
                if not queue:
                    return
                text = queue.pop()
            started = time.perf_counter()
            response = session.post(deployment.base + "/api/v1/essays", json={"text": text},
                                    headers=deployment.headers, timeout=60)
            response.raise_for_status()
            wait_graded(session, response.json()["url"], deployment.headers)
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def status_mb(pid: int, key: str) -> float | None:
    """A memory line of /proc/PID/status (VmHWM, VmRSS, ...) in MB; None if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


CPU_ROLES = ("worker pool", "worker main", "web", "beat", "other", "redis", "postgres",
             "client")


def cpu_seconds(deployment: Deployment) -> dict[str, float]:
    """CPU seconds used so far, by role: the deployment's processes (those in the sessions it
    started), the Redis and PostgreSQL servers, and this benchmark's own process (its upload
    and polling client). A process that has exited is no longer counted."""
    tick = os.sysconf("SC_CLK_TCK")
    sessions = {process.pid for process in deployment.processes}
    seen: dict[int, tuple[int, str, float]] = {}  # pid: (parent, command line, seconds)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()  # from the state on: see proc(5)
        parent, session = int(fields[1]), int(fields[3])
        used = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        if session in sessions:
            seen[int(proc.name)] = (parent, command, used)
        elif name in ("redis-server", "postgres"):
            seen[int(proc.name)] = (parent, name.removesuffix("-server"), used)
    out = dict.fromkeys(CPU_ROLES, 0.0)
    for parent, command, used in seen.values():
        if "celery" in command and " worker" in command:
            role = "worker pool" if "celery" in seen.get(parent, (0, "", 0))[1] else \
                "worker main"
        elif "celery" in command and " beat" in command:
            role = "beat"
        elif "gunicorn" in command or "grader.wsgi" in command:
            role = "web"
        elif command in ("redis", "postgres"):
            role = command
        else:
            role = "other"  # grader serve supervising the embedded deployment, helpers
        out[role] += used
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["client"] = usage.ru_utime + usage.ru_stime
    return out


def peak_rss_mb(pid: int) -> float | None:
    return status_mb(pid, "VmHWM")


def _engine_share(texts: list[str]) -> tuple[int, float]:
    from models.engine import Engine, EssayInput
    from models.rubric import load_rubric

    engine = Engine(load_rubric(ROOT / "rubrics" / "history-argument.yaml"))
    list(engine.grade_many(EssayInput("warm", t) for t in texts[:8]))
    started = time.perf_counter()
    graded = sum(1 for o in engine.grade_many(EssayInput(str(i), t) for i, t in enumerate(texts))
                 if o.result is not None)
    return graded, time.perf_counter() - started


def engine_only(texts: list[str], processes: int) -> float:
    """Essays/s of ``processes`` engine processes grading shares of the texts at once."""
    shares = [texts[i::processes] for i in range(processes)]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.map(_engine_share, shares)
    graded = sum(g for g, _ in results)
    return graded / max(seconds for _, seconds in results)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def draft_texts(count: int, words: tuple[int, int] = (450, 550)) -> list[str]:
    """~500-word drafts (distinct recombinations of the sample essays)."""
    out = []
    seed = 1
    while len(out) < count:
        for text in generate_essays(50, seed=seed):
            if words[0] <= len(text.split()) <= words[1]:
                out.append(text)
        seed += 1
    return out[:count]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    texts = (read_essays(args.data, args.text_column, args.essays) if args.data
             else generate_essays(args.essays))
    texts, dropped = gradable(texts, 20_000)
    drafts_in = draft_texts(args.drafts)
    print(f"{len(texts)} essays ({dropped} ungradable dropped), mean "
          f"{statistics.mean(len(t.split()) for t in texts):.0f} words; {len(drafts_in)} "
          f"drafts of ~500 words from {args.clients} clients; {args.workers} worker processes; "
          f"{os.cpu_count()} cores")
    print("engine only: measuring ...", flush=True)
    reference = engine_only(texts, args.workers)
    rows = []
    cpu: dict[str, dict[str, float]] = {}
    modes = ("embedded", "redis") if args.mode == "both" else (args.mode,)
    for mode in modes:
        with tempfile.TemporaryDirectory(prefix=f"grader-bench-{mode}-") as folder, \
                deploy(mode, args.workers, Path(folder)) as deployment:
            print(f"{mode}: deployed at {deployment.base}; grading ...", flush=True)
            warm_up(deployment, drafts_in, args.workers)
            before = cpu_seconds(deployment)
            seconds, done, failed = end_to_end(deployment, texts)
            after = cpu_seconds(deployment)
            cpu[mode] = {role: after[role] - before[role] for role in CPU_ROLES}
            latencies = drafts(deployment, drafts_in, args.clients)
            rss = [m for m in (peak_rss_mb(p) for p in deployment.worker_pids()) if m]
            rows.append((mode, seconds, done, failed, latencies, rss))
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                shutil.copy(Path(folder) / f"{mode}.log", args.logs / f"{mode}.log")
    print()
    print(f"| deployment | essays | failed | seconds | essays/s | engine-only essays/s "
          f"({args.workers} procs) | ratio (target >= {THROUGHPUT_TARGET:.0%}) | draft p50 s "
          f"| draft p95 s (target) | worker peak RSS MB (target < {RSS_TARGET_MB}) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for mode, seconds, done, failed, latencies, rss in rows:
        rate = done / seconds
        ratio = rate / reference
        p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        ok = ("ok" if ratio >= THROUGHPUT_TARGET else "MISSED",
              "ok" if p95 < P95_TARGET[mode] else "MISSED",
              "ok" if rss and max(rss) < RSS_TARGET_MB else "MISSED")
        print(f"| {mode} | {done} | {failed} | {seconds:.1f} | {rate:.1f} | {reference:.1f} | "
              f"{ratio:.0%} {ok[0]} | {p50:.2f} | {p95:.2f} (< {P95_TARGET[mode]:g}) {ok[1]} | "
              f"{', '.join(f'{m:.0f}' for m in sorted(rss))} {ok[2]} |")
    print("\nCPU seconds during the end-to-end run, by process (the engine alone would need "
          f"{len(texts) / reference * args.workers:.1f}):")
    print(f"| deployment | {' | '.join(CPU_ROLES)} | total | of {args.workers} cores' "
          "wall time |")
    print("|---|" + "---|" * (len(CPU_ROLES) + 2))
    for mode, seconds, *_ in rows:
        used = cpu[mode]
        print(f"| {mode} | {' | '.join(f'{used[r]:.1f}' for r in CPU_ROLES)} | "
              f"{sum(used.values()):.1f} | {sum(used.values()) / (seconds * args.workers):.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
