"""The no-server broker: kombu's SQLAlchemy transport on a SQLite file, tuned for it.

kombu's transport polls every second and passes its options straight to ``create_engine``, so
the polling interval and SQLite's settings cannot be given as options. This subclass sets
them, and registers under its own URL scheme: ``grader-sqla+sqlite:////abs/path/broker.sqlite``.
"""

from __future__ import annotations

from queue import Empty
from time import monotonic, sleep

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import sqlalchemy as kombu_sqla
from sqlalchemy import event

from grader.private_files import private_sqlite

SCHEME = "grader-sqla"


class Channel(kombu_sqla.Channel):
    def _engine_from_config(self):
        engine = super()._engine_from_config()
        if engine.dialect.name == "sqlite":
            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_connection, _record) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.close()
                private_sqlite(dbapi_connection)
        return engine


class Transport(kombu_sqla.Transport):
    Channel = Channel
    # A draft should not wait a second for the worker to notice it.
    polling_interval = 0.1
    # While every worker process is busy (the prefetch limit reached) kombu's poll asks the
    # database nothing, so it can look again this soon: a process that finishes its chunk gets
    # the next message within milliseconds, not half a polling interval (measured: 0.05-0.08 s
    # idle per chunk and process, about 6% of a bulk upload's time; Redis pushes messages and
    # has no such gap).
    busy_interval = 0.005

    def drain_events(self, connection, timeout=None):
        """kombu's loop (``virtual.Transport.drain_events``), sleeping ``busy_interval`` rather
        than ``polling_interval`` while no channel may take a message."""
        started = monotonic()
        while True:
            try:
                self.cycle.get(self._deliver, timeout=timeout)
                return
            except Empty:
                if timeout is not None and monotonic() - started >= timeout:
                    raise TimeoutError() from None  # socket.timeout, as kombu raises
                interval = self.idle_interval()
                sleep(min(interval, timeout) if timeout else interval)

    def idle_interval(self) -> float:
        """How long to wait before polling again after finding nothing to take."""
        consuming = [channel for channel in self.channels if channel._consumers]
        if consuming and not any(channel.qos.can_consume() for channel in consuming):
            return self.busy_interval
        return self.polling_interval


def register() -> None:
    TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")


def is_sql_broker(url: str) -> bool:
    return url.startswith((f"{SCHEME}+", "sqla+"))


def sqlalchemy_url(url: str) -> str:
    return url.split("+", 1)[1]
