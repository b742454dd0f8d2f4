"""The printed tables: endpoints, queues over time, memory, targets."""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from service import (
    percentile,
)

from loadtest.audit import Audit
from loadtest.clients import Call, Run, run_epoch
from loadtest.sampling import Process, Sampler
from loadtest.settings import (
    ENDPOINTS,
    FLAT_MB,
    FLAT_PCT,
    QUEUES,
    READ_P95_TARGET_MS,
    READS,
    ROW_EVERY,
    SLOW_EVERY,
)


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


def cpu_seconds(processes: Iterable[Process], duration: float) -> float:
    """CPU seconds these processes used during the load (from the samples)."""
    total = 0.0
    for process in processes:
        during = [s for s in process.samples if s[0] <= duration + 1]
        if len(during) > 1:
            total += during[-1][2] - during[0][2]
    return total
