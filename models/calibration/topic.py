"""Is an essay about what the class wrote about? Learnt from the class's essays, no scores.

The class's essays show what the prompt is about better than a short prompt does. An essay is
a vector of its content words (sublinear term frequency, unit length). The class's topic is the
sum of its essays' vectors, without IDF (the words most essays share *are* the topic), squared
so its most used words (computers, books, ...) count far more than incidental ones, over its
``top_terms`` most used words. An essay's similarity is its vector's dot product with the
topic's direction; each class essay's own is measured against the class without it, and an
essay is off topic far below the least similar of them (half the 1st percentile: a genuine
essay capped to the bottom costs more agreement than anything else).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from models.calibration.vocabulary import is_topic_term


def _unit_vector(counts: Mapping[str, int]) -> dict[str, float]:
    weights = {t: 1.0 + math.log(n) for t, n in counts.items() if n > 0 and is_topic_term(t)}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


# Under this percentile of the class essays' own similarity, an essay is unusual for the class
# (at the 5th, genuine essays the prompt's words misjudge were capped too often: ASAP 1 QWK 0.79).
UNUSUAL_PERCENTILE = 1.0


class ClassTopic(BaseEstimator):
    """``percentile``: the class essays' similarity taken as the edge of normal;
    ``margin``: an essay is off topic under ``margin`` times that similarity;
    ``top_terms``: how many of the class's most used content words make its topic."""

    MIN_ESSAYS: ClassVar[int] = 10  # fewer essays do not show what is normal

    def __init__(self, percentile: float = 1.0, margin: float = 0.5,
                 top_terms: int = 100) -> None:
        self.percentile = percentile
        self.margin = margin
        self.top_terms = top_terms

    def fit(self, X: Sequence[Mapping[str, int]], y=None) -> ClassTopic:
        vectors = [_unit_vector(counts) for counts in X]
        total: Counter[str] = Counter()
        for v in vectors:
            total.update(v)
        terms = sorted(t for t, _ in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))
                       [:self.top_terms])
        self.terms_ = {t: i for i, t in enumerate(terms)}
        own = self._matrix(vectors)
        summed = np.array([total[t] for t in terms])
        rest = (summed - own) ** 2  # the topic of the class without each essay
        with np.errstate(divide="ignore", invalid="ignore"):
            similarity = np.nan_to_num((own * rest).sum(axis=1) / np.linalg.norm(rest, axis=1))
        weights = summed ** 2
        self.direction_ = weights / max(float(np.linalg.norm(weights)), 1e-12)
        self.similarities_ = np.percentile(similarity, [1, 5, 50])  # for reports
        self.floor_ = float(np.percentile(similarity, self.percentile)) * self.margin
        self.unusual_ = float(np.percentile(similarity, UNUSUAL_PERCENTILE))
        return self

    def _matrix(self, vectors: Sequence[Mapping[str, float]]) -> np.ndarray:
        matrix = np.zeros((len(vectors), len(self.terms_)))
        for r, vector in enumerate(vectors):
            for t, w in vector.items():
                if t in self.terms_:
                    matrix[r, self.terms_[t]] = w
        return matrix

    def similarity(self, X: Sequence[Mapping[str, int]]) -> np.ndarray:
        """How close each essay's content words are to the class's topic."""
        return self._matrix([_unit_vector(counts) for counts in X]) @ self.direction_

    def off_topic(self, terms: Mapping[str, int], prompt_says_off: bool = False) -> bool:
        """Far below every class essay; or, when the prompt's own words also say the essay
        answers another question (the default detector), merely less like the class than
        almost all of its essays: two detectors that agree are wrong far less often than
        either alone, and an essay written for another question must never outscore one
        written for this."""
        similarity = self.similarity([terms])[0]
        return bool(similarity < self.floor_
                    or (prompt_says_off and similarity < self.unusual_))
