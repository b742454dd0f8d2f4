"""One calibrated criterion from feature rows: the engine's named features plus the content
features learnt from the teacher's essays (models/calibration/content.py), into one ridge;
with enough essays, blended with gradient-boosted trees on the same features.

The ridge carries the explanation (each feature's signed contribution); the trees add what a
straight line misses (length that stops paying, features that matter only together), shown as
one more named contribution. Everything is fitted inside ``fit``, on the essays it is given
only, so cross-validation that calls ``fit`` per fold stays honest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import cross_val_predict
from threadpoolctl import threadpool_limits

from models.calibration.content import CONTENT_FEATURES, ContentModel
from models.calibration.estimator import CalibratedCriterion
from models.calibration.features import TERMS
from models.calibration.scale import ScoreScale

Row = Mapping[str, object]
# Below this many scored essays, content features are noise the ridge cannot tell from signal
# (measured: with 30 essays they cost agreement on most rows, 0.1 QWK on ELLIPSE's 44 prompts).
MIN_CONTENT_ESSAYS = 50
MIN_BOOST_ESSAYS = 300  # trees need many essays; below this the ridge alone is steadier
BOOST_NAME = "feature interactions (boosted trees)"


class EssayScorer(RegressorMixin, BaseEstimator):
    """Predicts a teacher's score for one criterion from feature rows.

    ``names``: the row's numeric features to use. ``scale``: the teacher's scale (inferred
    when None). ``content``: add the content features (needs the rows' term counts and at
    least ``MIN_CONTENT_ESSAYS`` essays). ``boost``: the trees' share of the prediction from
    ``MIN_BOOST_ESSAYS`` essays (0: the ridge alone). ``prior``: the feature holding the
    criterion's quality prior; the ridge then learns a correction to it (None, or a name not
    among ``names``: a ridge from nothing).
    """

    def __init__(self, names: Sequence[str], scale: ScoreScale | None = None,
                 content: bool = True, boost: float = 0.3, prior: str | None = None) -> None:
        self.names = names
        self.scale = scale
        self.content = content
        self.boost = boost
        self.prior = prior

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
        centre = list(self.names).index(self.prior) if self.prior in self.names else None
        self.criterion_ = CalibratedCriterion(scale=self.scale, centre=centre).fit(X, y)
        self.trees_ = None
        if self.boost > 0 and len(y) >= MIN_BOOST_ESSAYS:
            trees = HistGradientBoostingRegressor(max_iter=300, learning_rate=0.05,
                                                  max_leaf_nodes=15, min_samples_leaf=20,
                                                  l2_regularization=1.0, random_state=0)
            # One thread: the machine's cores serve essays; oversubscribed, trees crawl.
            with threadpool_limits(1):
                # Cut points from held-out tree predictions: fitted ones are overconfident.
                held_out = cross_val_predict(trees, X, y, cv=5)
                self.trees_ = trees.fit(X, y)
            scale = self.criterion_.scale_
            blended = self._blend(self.criterion_.predict(X), held_out)
            below = [np.mean(scale.index(y) <= i) for i in range(scale.points - 1)]
            self.cuts_ = np.quantile(blended, below)
        return self

    def _blend(self, ridge: np.ndarray, trees: np.ndarray) -> np.ndarray:
        scale = self.criterion_.scale_
        return np.clip(ridge + self.boost * (trees - ridge), scale.minimum, scale.maximum)

    def _trees(self, X: np.ndarray) -> np.ndarray:
        with threadpool_limits(1):
            return self.trees_.predict(X)

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
        X = self._matrix(rows)
        ridge = self.criterion_.predict(X)
        return ridge if self.trees_ is None else self._blend(ridge, self._trees(X))

    def predict_scores(self, rows: Sequence[Row]) -> np.ndarray:
        """Predictions on the teacher's scale."""
        if self.trees_ is None:
            return self.criterion_.predict_scores(self._matrix(rows))
        scale = self.criterion_.scale_
        steps = np.searchsorted(self.cuts_, self.predict(rows), side="left")
        return scale.minimum + scale.step * steps

    def contributions(self, row: Row, top: int = 3) -> list[tuple[str, float]]:
        """The features that moved this essay's score most, with their signed effect (the
        trees' adjustment to the ridge counts as one more, named ``BOOST_NAME``)."""
        x = self._matrix([row])
        effects = self.criterion_.contributions(x[0], self.feature_names_,
                                                len(self.feature_names_))
        if self.trees_ is not None:
            ridge = self.criterion_.predict(x)
            effects.append((BOOST_NAME, round(float(
                self._blend(ridge, self._trees(x))[0] - ridge[0]), 3)))
        return sorted(effects, key=lambda item: -abs(item[1]))[:top]
