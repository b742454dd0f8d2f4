"""After the load: wait for the queue to drain, then account for every accepted essay."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import psycopg


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
