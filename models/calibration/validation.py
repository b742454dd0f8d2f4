"""Cross-validated agreement of a calibration, computed before a model is accepted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold

from models.calibration.scale import ScoreScale
from models.calibration.scorer import EssayScorer


def splits(y, folds: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """k folds, stratified by score when every score has enough essays for it."""
    y = np.asarray(y, dtype=float)
    labels = ScoreScale.infer(y).index(y)
    counts = np.bincount(labels)
    splitter = (StratifiedKFold(folds, shuffle=True, random_state=seed)
                if counts[counts > 0].min() >= folds else KFold(folds, shuffle=True,
                                                                random_state=seed))
    return list(splitter.split(np.zeros(len(y)), labels))


def out_of_fold(rows: Sequence[Mapping[str, object]], y, names: Sequence[str], folds: int = 5,
                seed: int = 0, prior: str | None = None) -> np.ndarray:
    """Each essay's score (on the teacher's scale) from a model fitted without it (k-fold);
    everything learnt from scores, content models included, is refitted per fold."""
    y = np.asarray(y, dtype=float)
    scale = ScoreScale.infer(y)
    predictions = np.empty(len(y))
    for train, test in splits(y, max(2, min(folds, len(y) // 2)), seed):
        model = EssayScorer(names, scale=scale, prior=prior).fit([rows[i] for i in train], y[train])
        predictions[test] = model.predict_scores([rows[i] for i in test])
    return predictions
