"""One calibrated criterion: a ridge regression on standardised, named features.

Linear on purpose: every prediction is a sum of feature contributions a teacher can read
("more explained evidence", "fewer unsupported claims"), and 30 scored essays are enough to
fit it. scikit-learn's conventions: parameters in ``__init__``, work in ``fit``, fitted
attributes end in ``_``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import RidgeCV

from models.calibration.scale import ScoreScale

# Penalties that shrink the correction to the prior's map nearly to nothing.
CORRECTION_ALPHAS = (300.0, 1000.0, 3000.0, 10000.0)


def _rising_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares intercept and slope of y on x, the slope kept >= 0: a better prior must
    never mean a lower score."""
    if np.ptp(x) < 1e-9:
        return float(np.mean(y)), 0.0
    slope, intercept = np.polyfit(x, y, 1)
    if slope < 0:
        return float(np.mean(y)), 0.0
    return float(intercept), float(slope)


class CalibratedCriterion(RegressorMixin, BaseEstimator):
    """Predicts a teacher's score for one criterion from the engine's features.

    ``alphas``: ridge penalties tried by efficient leave-one-out cross-validation.
    ``scale``: the teacher's scale; inferred from the training scores when None.
    ``centre``: the column holding the quality prior (models/prior/), or None. With it, the
    model starts from a straight, rising map of the prior onto the teacher's scale and the
    ridge learns only a correction to it, shrunk toward none when the essays cannot support
    one (the large penalties): 30 scored essays fit two numbers well, not fifty.
    """

    def __init__(self, alphas: Sequence[float] = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0),
                 scale: ScoreScale | None = None, centre: int | None = None) -> None:
        self.alphas = alphas
        self.scale = scale
        self.centre = centre

    def fit(self, X, y) -> CalibratedCriterion:
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        if len(X) < 5:
            raise ValueError(f"calibration needs at least 5 scored essays, got {len(X)}")
        self.scale_ = self.scale or ScoreScale.infer(y)
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.std_ = np.where(std > 1e-9, std, 1.0)
        self.base_ = (0.0, 0.0)  # the prior's map: intercept, slope
        alphas = tuple(self.alphas)
        if self.centre is not None:
            self.base_ = _rising_line(X[:, self.centre], y)
            y = y - self._base(X)
            alphas = (*alphas, *CORRECTION_ALPHAS)
        ridge = RidgeCV(alphas=alphas).fit((X - self.mean_) / self.std_, y)
        y = y + self._base(X)
        self.coef_ = ridge.coef_
        self.intercept_ = float(ridge.intercept_)
        self.alpha_ = float(ridge.alpha_)
        self.n_features_in_ = X.shape[1]
        # Regression pulls predictions toward the mean, so rounding them would rarely give the
        # top or bottom score. Cut points are placed instead so that the training essays fall
        # on each score in the proportions the teacher gave them.
        fitted = self.predict(X)
        below = [np.mean(self.scale_.index(y) <= i) for i in range(self.scale_.points - 1)]
        self.cuts_ = np.quantile(fitted, below)
        return self

    def _base(self, X: np.ndarray) -> np.ndarray:
        if self.centre is None:
            return np.zeros(len(X))
        intercept, slope = self.base_
        return intercept + slope * X[:, self.centre]

    def predict(self, X) -> np.ndarray:
        """Continuous predictions, clipped to the teacher's range."""
        X = np.asarray(X, dtype=float)
        z = (X - self.mean_) / self.std_
        return np.clip(self._base(X) + z @ self.coef_ + self.intercept_, self.scale_.minimum,
                       self.scale_.maximum)

    def predict_scores(self, X) -> np.ndarray:
        """Predictions on the teacher's scale (whole or half points), through the cut points."""
        steps = np.searchsorted(self.cuts_, self.predict(X), side="left")
        return self.scale_.minimum + self.scale_.step * steps

    def contributions(self, x: Sequence[float], names: Sequence[str],
                      top: int = 3) -> list[tuple[str, float]]:
        """The features that moved this essay's score most, with their signed effect."""
        x = np.asarray(x, dtype=float)
        effect = (x - self.mean_) / self.std_ * self.coef_
        if self.centre is not None:  # the prior's map counts as the prior's own effect
            effect[self.centre] += self.base_[1] * (x[self.centre] - self.mean_[self.centre])
        order = np.argsort(-np.abs(effect))[:top]
        return [(names[i], round(float(effect[i]), 3)) for i in order]
