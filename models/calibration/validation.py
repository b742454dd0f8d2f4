"""Cross-validated agreement of a calibration, computed before a model is accepted."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold

from models.calibration.agreement import Agreement, agreement
from models.calibration.estimator import CalibratedCriterion
from models.calibration.scale import ScoreScale


def out_of_fold(X, y, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Each essay's score (on the teacher's scale) from a model fitted without it (k-fold)."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    scale = ScoreScale.infer(y)
    folds = max(2, min(folds, len(y) // 2))
    labels = scale.index(y)
    counts = np.bincount(labels)
    splitter = (StratifiedKFold(folds, shuffle=True, random_state=seed)
                if counts[counts > 0].min() >= folds else KFold(folds, shuffle=True,
                                                                random_state=seed))
    predictions = np.empty(len(y))
    for train, test in splitter.split(X, labels):
        model = CalibratedCriterion(scale=scale).fit(X[train], y[train])
        predictions[test] = model.predict_scores(X[test])
    return predictions


def cross_validated_agreement(X, y, folds: int = 5, seed: int = 0) -> Agreement:
    y = np.asarray(y, dtype=float)
    return agreement(y, out_of_fold(X, y, folds, seed), ScoreScale.infer(y))
