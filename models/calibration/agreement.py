"""Agreement between two sets of scores on one scale: quadratic weighted kappa, exact and
adjacent agreement (within one step), and the confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from models.calibration.scale import ScoreScale


@dataclass(frozen=True)
class Agreement:
    n: int
    qwk: float
    exact: float
    adjacent: float
    labels: list[float]
    confusion: list[list[int]]  # rows: the teacher's score, columns: the model's

    def to_dict(self) -> dict:
        return {"n": self.n, "qwk": round(self.qwk, 4), "exact": round(self.exact, 4),
                "adjacent": round(self.adjacent, 4), "labels": self.labels,
                "confusion": self.confusion}


def quadratic_weighted_kappa(a: Sequence[int], b: Sequence[int], points: int) -> float:
    """QWK of two integer ratings on 0..points-1 (1.0 when both are constant and equal)."""
    a, b = np.asarray(a), np.asarray(b)
    if np.array_equal(a, b):
        return 1.0
    return float(cohen_kappa_score(a, b, weights="quadratic", labels=list(range(points))))


def agreement(teacher: Sequence[float], model: Sequence[float], scale: ScoreScale) -> Agreement:
    t, m = scale.index(teacher), scale.index(scale.snap(model))
    distance = np.abs(t - m)
    return Agreement(
        n=len(t),
        qwk=quadratic_weighted_kappa(t, m, scale.points),
        exact=float(np.mean(distance == 0)) if len(t) else 0.0,
        adjacent=float(np.mean(distance <= 1)) if len(t) else 0.0,
        labels=scale.labels(),
        confusion=confusion_matrix(t, m, labels=list(range(scale.points))).tolist(),
    )
