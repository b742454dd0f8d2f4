"""One calibrated criterion from feature rows: the engine's named features plus the content
features learnt from the teacher's essays (models/calibration/content.py), into one ridge.

The content features are fitted inside ``fit``, on the essays it is given only, so
cross-validation that calls ``fit`` per fold stays honest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from models.calibration.content import CONTENT_FEATURES, ContentModel
from models.calibration.estimator import CalibratedCriterion
from models.calibration.features import TERMS
from models.calibration.scale import ScoreScale

Row = Mapping[str, object]
# Below this many scored essays, content features are noise the ridge cannot tell from signal
# (measured: with 30 essays they cost agreement on most rows, 0.1 QWK on ELLIPSE's 44 prompts).
MIN_CONTENT_ESSAYS = 50


class EssayScorer(RegressorMixin, BaseEstimator):
    """Predicts a teacher's score for one criterion from feature rows.

    ``names``: the row's numeric features to use. ``scale``: the teacher's scale (inferred
    when None). ``content``: add the content features (needs the rows' term counts and at
    least ``MIN_CONTENT_ESSAYS`` essays).
    """

    def __init__(self, names: Sequence[str], scale: ScoreScale | None = None,
                 content: bool = True) -> None:
        self.names = names
        self.scale = scale
        self.content = content

    def _numeric(self, rows: Sequence[Row]) -> np.ndarray:
        return np.array([[float(row[n]) for n in self.names] for row in rows], dtype=float)

    def fit(self, rows: Sequence[Row], y) -> EssayScorer:
        y = np.asarray(y, dtype=float)
        X = self._numeric(rows)
        self.feature_names_ = list(self.names)
        self.content_ = None
        if (self.content and len(rows) >= MIN_CONTENT_ESSAYS
                and all(TERMS in row for row in rows)):
            self.content_ = ContentModel()
            X = np.hstack([X, self.content_.fit_transform([row[TERMS] for row in rows], y)])
            self.feature_names_ += list(CONTENT_FEATURES)
        self.criterion_ = CalibratedCriterion(scale=self.scale).fit(X, y)
        return self

    def _matrix(self, rows: Sequence[Row]) -> np.ndarray:
        X = self._numeric(rows)
        if self.content_ is not None:
            X = np.hstack([X, self.content_.transform([row[TERMS] for row in rows])])
        return X

    @property
    def scale_(self) -> ScoreScale:
        return self.criterion_.scale_

    def predict(self, rows: Sequence[Row]) -> np.ndarray:
        """Continuous predictions, clipped to the teacher's range."""
        return self.criterion_.predict(self._matrix(rows))

    def predict_scores(self, rows: Sequence[Row]) -> np.ndarray:
        """Predictions on the teacher's scale."""
        return self.criterion_.predict_scores(self._matrix(rows))

    def contributions(self, row: Row, top: int = 3) -> list[tuple[str, float]]:
        """The features that moved this essay's score most, with their signed effect."""
        return self.criterion_.contributions(self._matrix([row])[0], self.feature_names_, top)
