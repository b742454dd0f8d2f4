"""Rate limits kept in the database, so every web process shares them (no extra server).

Sign-in: failures per account and per client address within a window; once over, even the
right password is refused until the window passes (guessing stops paying). Submissions: per
account per minute, so one account cannot flood the workers.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from grader.errors import ApiError
from grader.tables import RateEvent, User, utcnow


class RateLimited(ApiError):
    """Too many requests of one kind: a 429 with when to try again (JSON or a page alike)."""

    def __init__(self, message: str) -> None:
        super().__init__(429, message)


def recent(session: Session, key: str, window_seconds: float) -> int:
    since = utcnow() - timedelta(seconds=window_seconds)
    return session.scalar(select(func.count()).where(RateEvent.key == key,
                                                     RateEvent.created_at >= since)) or 0


def attempt(session: Session, keys: dict[str, int], window_seconds: float) -> list[int] | None:
    """Record one attempt under each key (key -> allowed attempts in the window) *before* it is
    checked, then check: None when a key is past its limit, this attempt included. Parallel
    attempts each count those recorded before them, so no more than the limit get through
    however many arrive at once (checking first, then recording, let 17 of 60 parallel
    guesses past a limit of 10). Returns the ids to ``forget`` if the attempt succeeds;
    commits."""
    events = [RateEvent(key=key[:300]) for key in keys]
    session.add_all(events)
    session.commit()
    if any(recent(session, key, window_seconds) > limit for key, limit in keys.items()):
        return None
    return [event.id for event in events]


def forget(session: Session, ids: list[int]) -> None:
    """A successful attempt is not held against anyone; commits."""
    session.execute(delete(RateEvent).where(RateEvent.id.in_(ids)))
    session.commit()


def record(session: Session, *keys: str) -> None:
    """Count one event under each key; commits."""
    session.add_all([RateEvent(key=key[:300]) for key in keys])
    session.commit()


def purge(session: Session, older_than_seconds: float = 86_400) -> int:
    """Forget events older than any window; commits. Returns how many."""
    since = utcnow() - timedelta(seconds=older_than_seconds)
    deleted = session.execute(delete(RateEvent).where(RateEvent.created_at < since)).rowcount
    session.commit()
    return deleted or 0


def count_submission(session: Session, owner: User) -> None:
    """Count one submission (a draft or an upload) by ``owner``, or refuse it with 429 when
    they already made GRADER_SUBMISSIONS_PER_MINUTE in the last minute; commits."""
    limit = current_app.config["GRADER_SUBMISSIONS_PER_MINUTE"]
    key = f"submit:{owner.id}"
    if recent(session, key, 60) >= limit:
        raise RateLimited(f"more than {limit} submissions in a minute; wait a minute and "
                          f"send it again (nothing of this one was stored)")
    record(session, key)
