"""The simulated people: students, teachers and readers, each a thread with its own token,
and the record of every call they make."""

from __future__ import annotations

import csv
import io
import itertools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from service import (
    Deployment,
    grader,
    roster,
)

from loadtest.settings import (
    BATCH_CSV,
    BATCH_POLL,
    BATCH_RESULT,
    BATCH_SIZE,
    DRAFT,
    ESSAY_POLL,
    ESSAY_RESULT,
    READER_THINK,
    REQUEST_TIMEOUT,
    STUDENT_POLL,
    STUDENT_THINK,
    TEACHER_POLL,
    TEACHER_THINK,
    UPLOAD,
)

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


def run_epoch(run: Run) -> float:
    """The wall-clock time at which the load started."""
    return time.time() - (time.monotonic() - run.started)
