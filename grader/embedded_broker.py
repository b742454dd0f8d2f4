"""The no-server broker: kombu's SQLAlchemy transport on a SQLite file, tuned for it.

kombu's transport polls every second and passes its options straight to ``create_engine``, so
the polling interval and SQLite's settings cannot be given as options. This subclass sets
them, and registers under its own URL scheme: ``grader-sqla+sqlite:////abs/path/broker.sqlite``.
"""

from __future__ import annotations

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


def register() -> None:
    TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")


def is_sql_broker(url: str) -> bool:
    return url.startswith((f"{SCHEME}+", "sqla+"))


def sqlalchemy_url(url: str) -> str:
    return url.split("+", 1)[1]
