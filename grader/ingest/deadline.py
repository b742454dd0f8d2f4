"""A time bound on reading one document, so a file built to be slow fails alone, in seconds.

pypdf and python-docx cannot be asked to stop, so the bound is an interval timer whose signal
raises inside the parser. Signals reach only the main thread: elsewhere (a web thread reading a
file itself) the bound is the process's, which the isolated reader provides. A long-lived host
process's signal state is not ours to trust either (the full test run once lost the alarm), so
the web app relies on the isolated reader's fresh child, where it holds.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TooSlow(BaseException):
    """Raised inside a parser whose time is up. A BaseException, so the parsers' broad
    ``except Exception`` (which turns their many errors into "unreadable") lets it through."""


@contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    """Raise TooSlow in the block once ``seconds`` have passed (a no-op off the main thread)."""
    if seconds <= 0:
        raise TooSlow
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, expire)
    # A library may have blocked the signal in this thread (the mask is inherited by threads,
    # forks and exec'd children): unblocked for the block, as it was afterwards.
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGALRM, previous)
