"""The worker's heartbeat row, written every few seconds from its main process."""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask
from sqlalchemy import delete

from grader.db import database
from grader.tables import WorkerHeartbeat, utcnow

INTERVAL_SECONDS = 5.0
log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, app: Flask, name: str) -> None:
        self.app, self.name = app, name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="grader-heartbeat", daemon=True)

    def start(self) -> None:
        self._beat(first=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        try:
            with database(self.app).session() as session:
                session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == self.name))
                session.commit()
        except Exception as exc:  # shutting down: the row simply goes stale
            log.warning("could not remove heartbeat %s: %s", self.name, exc)

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL_SECONDS):
            self._beat()

    def _beat(self, first: bool = False) -> None:
        try:
            with database(self.app).session() as session:
                row = session.get(WorkerHeartbeat, self.name)
                now = utcnow()
                if row is None:
                    session.add(WorkerHeartbeat(name=self.name, pid=os.getpid(),
                                                started_at=now, last_seen=now))
                else:
                    row.last_seen, row.pid = now, os.getpid()
                    if first:
                        row.started_at = now
                session.commit()
        except Exception as exc:  # a database blip must not kill the worker
            log.warning("heartbeat failed: %s", exc)
