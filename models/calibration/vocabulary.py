"""Essays as TF-IDF vectors of the term counts in their feature rows, over a class's vocabulary.

Vectors are L2-normalised with sublinear term frequency, so an essay's length does not leak in:
a long essay and a short one saying the same things point the same way.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

KINDS = ("all", "topic")


def is_topic_term(term: str) -> bool:
    """A content word: a single word, not a stop word, at least three letters."""
    return (len(term) >= 3 and " " not in term and not term.startswith("#")
            and term not in ENGLISH_STOP_WORDS)


class TermSpace(TransformerMixin, BaseEstimator):
    """TF-IDF over the terms a class's essays use.

    ``kind``: "all" (words, word pairs and part-of-speech pairs: how an essay is written) or
    "topic" (content words only: what it is about). ``min_df``: a term must occur in this many
    essays (terms one essay uses say nothing about the class). ``max_terms``: the most frequent
    terms kept, which bounds the model's size. ``idf``: weight rare terms up (right for telling
    essays of one class apart; wrong for what they share, where the common terms are the topic).
    """

    def __init__(self, kind: str = "all", min_df: int = 2, max_terms: int = 30_000,
                 idf: bool = True) -> None:
        self.kind = kind
        self.min_df = min_df
        self.max_terms = max_terms
        self.idf = idf

    def _terms(self, counts: Mapping[str, int]) -> Mapping[str, int]:
        if self.kind == "topic":
            return {t: n for t, n in counts.items() if is_topic_term(t)}
        return counts

    def fit(self, X: Sequence[Mapping[str, int]], y=None) -> TermSpace:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        df: Counter[str] = Counter()
        for counts in X:
            df.update(self._terms(counts).keys())
        min_df = min(self.min_df, max(1, len(X) // 2))  # tiny classes keep their terms
        kept = sorted((t for t, n in df.items() if n >= min_df), key=lambda t: (-df[t], t))
        kept = sorted(kept[:self.max_terms])
        self.vocabulary_ = {t: i for i, t in enumerate(kept)}
        n = len(X)
        self.idf_ = (np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in kept])
                     if self.idf else np.ones(len(kept)))
        return self

    def transform(self, X: Sequence[Mapping[str, int]]) -> csr_matrix:
        rows, cols, values = [], [], []
        for r, counts in enumerate(X):
            for term, count in self._terms(counts).items():
                col = self.vocabulary_.get(term)
                if col is not None and count > 0:
                    rows.append(r)
                    cols.append(col)
                    values.append(1.0 + math.log(count))
        matrix = csr_matrix((values, (rows, cols)), shape=(len(X), len(self.vocabulary_)))
        matrix = matrix.multiply(self.idf_).tocsr()
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
        return csr_matrix(matrix.multiply(1.0 / np.maximum(norms, 1e-12)[:, None]))
