"""The exemplar-anchored scale: a raw criterion score in [0, 1] mapped onto the rubric's levels.

Without teacher-scored essays the only ground truth is the rubric's exemplars and the levels the
rubric states for them. The scale runs through fixed ends (a raw score of 0 sits half a level
below the lowest level, a raw score of 1 half a level above the highest) and through the
exemplars' (raw score, stated level) points; an isotonic fit keeps it monotone when several
exemplars disagree, and predictions interpolate linearly between the points.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.isotonic import IsotonicRegression
from sklearn.utils.validation import check_is_fitted, validate_data


class ExemplarAnchoredScale(RegressorMixin, BaseEstimator):
    """Maps raw criterion scores to a continuous level, clipped to the rubric's range.

    Parameters
    ----------
    min_level, max_level : the rubric's lowest and highest level.
    end_offset : how far beyond the range raw scores of exactly 0 and 1 land.
    """

    def __init__(self, min_level: int = 1, max_level: int = 4, end_offset: float = 0.5):
        self.min_level = min_level
        self.max_level = max_level
        self.end_offset = end_offset

    def fit(self, X, y):
        X, y = validate_data(self, X, y, ensure_min_samples=1, y_numeric=True)
        if X.shape[1] != 1:
            raise ValueError("ExemplarAnchoredScale takes one raw score per sample")
        raw = np.clip(X[:, 0], 1e-6, 1 - 1e-6)
        knots_x = np.concatenate([[0.0], raw, [1.0]])
        knots_y = np.concatenate([[self.min_level - self.end_offset], np.asarray(y, float),
                                  [self.max_level + self.end_offset]])
        self.isotonic_ = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(
            knots_x, knots_y)
        self.anchor_raw_ = raw.copy()
        self.anchor_levels_ = np.asarray(y, dtype=float).copy()
        return self

    def level_of(self, raw: float) -> float:
        """``predict`` for one raw score, without input validation (the engine's hot path)."""
        if not hasattr(self, "isotonic_"):  # check_is_fitted's test, without its tag lookups
            raise NotFittedError("this ExemplarAnchoredScale is not fitted yet; call fit first")
        level = float(np.interp(min(max(raw, 0.0), 1.0), self.isotonic_.X_thresholds_,
                                self.isotonic_.y_thresholds_))
        return min(max(level, self.min_level), self.max_level)

    def predict(self, X):
        check_is_fitted(self, "isotonic_")
        X = validate_data(self, X, reset=False)
        continuous = self.isotonic_.predict(np.clip(X[:, 0], 0.0, 1.0))
        return np.clip(continuous, self.min_level, self.max_level)
