"""What the class's own scored essays say, as a few named features learnt from the teacher.

* ``content_vocabulary``: a ridge regression on TF-IDF of the essay's words, word pairs and
  part-of-speech pairs ("writes like the essays you scored high"), on the teacher's scale;
* content vector analysis (as e-rater): the cosine of the essay's content-word vector with the
  essays in the top quarter of scores (``content_top_similarity``), and the score of the group
  of essays it is most like (``content_score_point``).

Everything is fitted on the essays the teacher scored, and the training essays themselves get
out-of-sample values (leave-one-out), so the model these features feed does not learn to trust
values that had already seen each essay's own score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator
from sklearn.linear_model import RidgeCV

from models.calibration.vocabulary import TermSpace

CONTENT_FEATURES = ("content_vocabulary", "content_top_similarity", "content_score_point")
MAX_GROUPS = 6  # score groups for content vector analysis (few essays per point otherwise)


def _leave_one_out_cosine(dots: np.ndarray, sums_sq: np.ndarray, own: np.ndarray,
                          own_sq: np.ndarray) -> np.ndarray:
    """Cosine of each vector with a sum of vectors from which its own share ``own`` is taken
    out (``dots``: vector . sum; ``sums_sq``: |sum|^2; ``own_sq``: |vector|^2 when it is in the
    sum, else 0)."""
    numerator = dots - own * own_sq
    denominator_sq = sums_sq - 2 * own * dots + own * own_sq
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = numerator / np.sqrt(np.maximum(denominator_sq, 0.0))
    return np.where(denominator_sq > 1e-12, cosine, 0.0)


def score_groups(y: np.ndarray, max_groups: int = MAX_GROUPS) -> np.ndarray:
    """Group index per essay: its score point, or one of ``max_groups`` quantile bins of the
    scores when the scale has more points than that."""
    points = np.unique(y)
    if len(points) <= max_groups:
        return np.searchsorted(points, y)
    edges = np.unique(np.quantile(y, np.linspace(0, 1, max_groups + 1)[1:-1]))
    return np.searchsorted(edges, y, side="right")


class ContentModel(BaseEstimator):
    """Content features of essays (their ``terms`` counts), learnt from a teacher's scores.

    ``alphas``: ridge penalties for the vocabulary model (chosen by leave-one-out).
    ``top_share``: the share of highest-scored essays that content vector analysis compares to.
    """

    def __init__(self, alphas: Sequence[float] = (0.3, 1.0, 3.0, 10.0, 30.0),
                 top_share: float = 0.25) -> None:
        self.alphas = alphas
        self.top_share = top_share

    def fit(self, X: Sequence[Mapping[str, int]], y) -> ContentModel:
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: Sequence[Mapping[str, int]], y) -> np.ndarray:
        """Fit, and return each training essay's features from a model without it."""
        y = np.asarray(y, dtype=float)
        alphas = tuple(float(a) for a in self.alphas)
        self.style_ = TermSpace("all").fit(X)
        ridge = RidgeCV(alphas=alphas, store_cv_results=True,
                        scoring="neg_mean_squared_error").fit(self.style_.transform(X), y)
        self.coef_, self.intercept_ = ridge.coef_, float(ridge.intercept_)
        vocabulary = ridge.cv_results_[:, alphas.index(ridge.alpha_)]
        self.low_, self.high_ = float(y.min()), float(y.max())

        self.topic_ = TermSpace("topic").fit(X)
        T = self.topic_.transform(X)
        own_sq = np.asarray(T.multiply(T).sum(axis=1)).ravel()
        groups = score_groups(y)
        n_groups = int(groups.max()) + 1
        member = csr_matrix((np.ones(len(y)), (groups, np.arange(len(y)))),
                            shape=(n_groups, len(y)))
        top = y >= np.quantile(y, 1 - self.top_share)
        # Rows: the score groups, then the top essays.
        self.sums_ = csr_matrix(np.vstack([(member @ T).toarray(),
                                           np.asarray(T[top].sum(axis=0))]))
        self.group_scores_ = np.array([y[groups == g].mean() if np.any(groups == g) else np.nan
                                       for g in range(n_groups)])
        self.sums_sq_ = np.asarray(self.sums_.multiply(self.sums_).sum(axis=1)).ravel()
        own = np.zeros((len(y), n_groups + 1))
        own[np.arange(len(y)), groups] = 1.0
        own[:, -1] = top
        dots = (T @ self.sums_.T).toarray()
        cosine = _leave_one_out_cosine(dots, self.sums_sq_, own, own_sq[:, None])
        # A group with no other essay has nothing to compare with.
        alone = np.bincount(groups, minlength=n_groups)[groups] <= 1
        cosine[np.arange(len(y))[alone], groups[alone]] = -1.0
        return self._features(vocabulary, cosine)

    def transform(self, X: Sequence[Mapping[str, int]]) -> np.ndarray:
        vocabulary = self.style_.transform(X) @ self.coef_ + self.intercept_
        T = self.topic_.transform(X)
        dots = (T @ self.sums_.T).toarray()
        with np.errstate(divide="ignore", invalid="ignore"):
            cosine = np.where(self.sums_sq_ > 1e-12, dots / np.sqrt(self.sums_sq_), 0.0)
        return self._features(vocabulary, cosine)

    def _features(self, vocabulary: np.ndarray, cosine: np.ndarray) -> np.ndarray:
        groups = cosine[:, :-1]
        nearest = self.group_scores_[np.argmax(np.where(np.isnan(self.group_scores_), -2.0,
                                                        groups), axis=1)]
        return np.column_stack([np.clip(vocabulary, self.low_, self.high_), cosine[:, -1],
                                nearest])
