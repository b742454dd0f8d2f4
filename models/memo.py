"""A function's results kept by argument, for functions asked about every word of every essay.

``functools.lru_cache`` costs a call and its bookkeeping on every hit; a dict that computes
what it lacks (``__missing__``) costs one lookup, about half as much, and ``map`` can take its
``__getitem__`` straight. Bounded like an lru_cache, but started afresh when full: a worker
meets a few tens of thousands of words, which fit.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


class Memo(dict, Generic[_K, _V]):
    """``function``'s result for each argument asked, computed on first use; at most ``limit``
    are kept. Read it as ``memo[argument]``. The function must be pure: a result is never
    recomputed while kept."""

    def __init__(self, function: Callable[[_K], _V], limit: int) -> None:
        super().__init__()
        self.function = function
        self.limit = limit

    def __missing__(self, key: _K) -> _V:
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.function(key)
        return value
