"""Database engine and sessions for the web app, the CLI and the workers.

Data-access code takes a session and never commits: the service layer (grader/services/) owns
each transaction. SQLite gets WAL and a busy timeout so the web process and the workers can
write to one file at the same time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from grader.private_files import private_sqlite

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for work outside a request (CLI, workers); closed on exit, never committed."""
        session = self.sessions()
        try:
            yield session
        finally:
            session.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            private_sqlite(dbapi_connection)

        return engine
    # hide_parameters: a logged database error never quotes essays, hashes or other values.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                         hide_parameters=True)


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    app.extensions["grader.db"] = Database(url)
    app.teardown_appcontext(_close_session)


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["grader.db"]


def get_session() -> Session:
    """The session of the current app context (a request, a CLI command or a task)."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def _close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def _alembic_config(app: Flask | None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = database(app).engine
    return config


def upgrade(app: Flask | None = None, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` on the app's database."""
    from alembic import command

    command.upgrade(_alembic_config(app), revision)


def downgrade(app: Flask | None, revision: str) -> None:
    """Undo the Alembic migrations down to ``revision`` on the app's database."""
    from alembic import command

    command.downgrade(_alembic_config(app), revision)
