"""The registered criteria, as spaCy registers pipeline factories: by name, with a decorator.

    @criterion("contextualisation", after=("evidence",))
    class Contextualisation(Criterion): ...
"""

from __future__ import annotations

from collections.abc import Callable

from models.criteria.base import Criterion

_REGISTRY: dict[str, Criterion] = {}
_ORDERED: list[dict[str, Criterion]] = []  # the order, worked out once per registration


def criterion(name: str, after: tuple[str, ...] = ()) -> Callable[[type[Criterion]],
                                                                  type[Criterion]]:
    """Register a criterion class under ``name``; ``after`` names the criteria whose features
    it reads (they are always read first)."""
    def register(cls: type[Criterion]) -> type[Criterion]:
        cls.name, cls.after = name, after
        _REGISTRY[name] = cls()
        _ORDERED.clear()
        return cls
    return register


def registered() -> dict[str, Criterion]:
    """Every criterion, each after those it reads (otherwise in the order registered)."""
    if not _ORDERED:
        _ORDERED.append(_ordered())
    return dict(_ORDERED[0])  # a copy: a caller may not reorder the registry


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
    _ORDERED.clear()
