"""Files of the instance folder are the service's alone: the folder 0700, the SQLite database
and broker files 0600 (SQLite gives a database's -wal and -shm files its own mode), the secret
key created 0600 in one step."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

FOLDER_MODE, FILE_MODE = 0o700, 0o600


def private_folder(path: Path) -> None:
    """Create the folder owner-only, or make an existing one so (left as it is when another
    user owns it, e.g. a mounted volume: its owner sets it)."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    with contextlib.suppress(PermissionError):
        path.chmod(FOLDER_MODE)


def private_sqlite(dbapi_connection) -> None:
    """Make a SQLite connection's database files owner-only (called as it connects)."""
    cursor = dbapi_connection.cursor()
    try:
        files = [row[2] for row in cursor.execute("PRAGMA database_list") if row[2]]
    finally:
        cursor.close()
    for name in files:
        for path in (name, f"{name}-wal", f"{name}-shm"):
            with contextlib.suppress(FileNotFoundError, PermissionError):
                os.chmod(path, FILE_MODE)


def secret_in(folder: Path, name: str = "secret_key") -> str:
    """A secret kept in ``folder``, created owner-only in one step (never readable by others
    for an instant); another process that created it first wins, and both read the same."""
    path = folder / name
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()
