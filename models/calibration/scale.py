"""A teacher's score scale: integers or half points, on any range."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ScoreScale:
    minimum: float
    maximum: float
    step: float  # 1 for whole points, 0.5 for half points

    @classmethod
    def infer(cls, scores: Sequence[float]) -> ScoreScale:
        """The scale the scores were given on: their range, in halves if any is a half."""
        values = np.asarray(scores, dtype=float)
        if values.size == 0:
            raise ValueError("no scores to infer a scale from")
        if np.any(np.abs(values * 2 - np.round(values * 2)) > 1e-9):
            raise ValueError("scores must be whole or half points")
        step = 0.5 if np.any(np.abs(values - np.round(values)) > 1e-9) else 1.0
        return cls(float(values.min()), float(values.max()), step)

    @property
    def points(self) -> int:
        return round((self.maximum - self.minimum) / self.step) + 1

    def snap(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """Continuous predictions to the nearest point of the scale, clipped to its range."""
        values = np.asarray(values, dtype=float)
        snapped = np.round((values - self.minimum) / self.step) * self.step + self.minimum
        return np.clip(snapped, self.minimum, self.maximum)

    def index(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """0-based positions on the scale (for kappa and confusion matrices)."""
        values = np.asarray(values, dtype=float)
        return np.round((values - self.minimum) / self.step).astype(int)

    def labels(self) -> list[float]:
        return [self.minimum + i * self.step for i in range(self.points)]
