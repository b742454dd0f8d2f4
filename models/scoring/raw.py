"""Raw criterion scores: numbers in [0, 1], each a weighted sum of named, explainable parts.

Each criterion computes its own (models/criteria/); this module holds what they share.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawScore:
    value: float
    components: dict[str, float]


def without(weights: dict[str, float], name: str) -> dict[str, float]:
    """The weights without one component, the others scaled to the same total."""
    rest = {k: v for k, v in weights.items() if k != name}
    total = sum(rest.values())
    return {k: v * sum(weights.values()) / total for k, v in rest.items()}


def weighted(weights: dict[str, float], components: dict[str, float],
             penalty: float = 0.0) -> RawScore:
    """The weighted sum less a penalty, kept within [0, 1]; every component is reported."""
    value = sum(weights[name] * components[name] for name in weights) - penalty
    rounded = {name: round(v, 4) for name, v in components.items()}
    return RawScore(round(min(max(value, 0.0), 1.0), 4), rounded)


def share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0
