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
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadtest.audit import audit, drain
from loadtest.clients import Run, Texts, client_mix, guarded, reader, student, teacher, tokens
from loadtest.report import cpu_seconds, log_errors, report
from loadtest.sampling import Sampler, beat_pids, machine_cpu
from loadtest.settings import BATCH_SIZE, DRAFT_WORDS, GRADING_PROCESSES, REDIS_URL, REQUEST_TIMEOUT
from service import (
    deploy,
    draft_texts,
    warm_up,
)
from throughput import generate_essays, gradable, read_essays


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
        machine_before, client_before = machine_cpu(), time.process_time()
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
        machine_after, client_after = machine_cpu(), time.process_time()
        deployment_cpu = cpu_seconds(sampler.processes.values(), args.duration)
        services = {label: cpu_seconds([p for p in sampler.services.values()
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


if __name__ == "__main__":
    sys.exit(main())
