"""The registered criteria, as spaCy registers pipeline factories: by name, with a decorator.

    @criterion("contextualisation", after=("evidence",))
    class Contextualisation(Criterion): ...
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from models.criteria.base import Criterion

_REGISTRY: dict[str, Criterion] = {}


def criterion(name: str, after: tuple[str, ...] = ()) -> Callable[[type[Criterion]],
                                                                  type[Criterion]]:
    """Register a criterion class under ``name``; ``after`` names the criteria whose features
    it reads (they are always read first)."""
    def register(cls: type[Criterion]) -> type[Criterion]:
        cls.name, cls.after = name, after
        _REGISTRY[name] = cls()
        _ordered.cache_clear()
        return cls
    return register


def registered() -> dict[str, Criterion]:
    """Every criterion, each after those it reads (otherwise in the order registered)."""
    return dict(_ordered())  # a copy: a caller may not reorder the registry


@cache  # worked out once per registration: the engine asks for every essay
def _ordered() -> dict[str, Criterion]:
    ordered: dict[str, Criterion] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name not in _REGISTRY:
            raise ValueError(f"criterion {path[-1]!r} reads {name!r}, which is not registered")
        if name in path:
            raise ValueError(f"criteria read each other in a circle: {' -> '.join(path)}")
        for dependency in _REGISTRY[name].after:
            visit(dependency, (*path, name))
        ordered[name] = _REGISTRY[name]

    for name in list(_REGISTRY):
        visit(name, ())
    return ordered


def unregister(name: str) -> None:
    """Take a criterion out again (for tests that register their own)."""
    _REGISTRY.pop(name, None)
    _ordered.cache_clear()
