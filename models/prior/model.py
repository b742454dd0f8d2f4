"""The writing-quality prior: how good an essay is, per criterion, before any teacher has
scored an essay for its question.

Learnt from human-scored essays on many prompts (ASAP's 8 and ELLIPSE's 44; see
models/prior/training.py) from features that do not depend on the prompt's words: length and
vocabulary, the argument's shape, the evidence, the paragraphs and transitions, the language.
Each criterion's prediction is a share of its scale (0 the lowest score a rater gives, 1 the
highest), which the rubric's exemplars then anchor on the rubric's levels
(models/scoring/anchor.py).

A ridge regression on standardised features, stored as readable JSON (weights by feature
name), with the features' version it was fitted on: an engine whose features mean something
else refuses it. scikit-learn's conventions: parameters in ``__init__``, work in ``fit``,
fitted attributes end in ``_``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import RidgeCV

from models.calibration.features import PRIOR_PREFIX
from models.calibration.versions import FEATURES_VERSION, library_versions
from models.errors import CalibrationError

PRIOR_FILE = Path(__file__).with_name("quality-prior.json")
PRIOR_FORMAT = 1
# Features the prior does not read:
# - those counting the prompt's own words (a prior for any question must not depend on them);
# - the word-salad score, an integrity check read on the whole essay, stuffed lines included
#   (it acts through its cap, as the other flags do);
# - readability, which counts syllables of every word, key terms sprinkled in included, and
#   the share of sentences holding evidence and the count of distinct items, which names
#   sprinkled in raise (the evidence criterion's raw score weighs them against the question);
# - what rests on paragraph breaks, which ASAP's transcription mostly lost: the corpora cannot
#   teach them (the criteria's own raw scores still read them).
NOT_READ = frozenset({
    "topic_share", "key_term_coverage", "raw_thesis", "raw_evidence", "raw_structure",
    "raw_language", "word_salad_score", "readability_grade", "evidence_share",
    "distinct_items_log", "paragraphs",
    "thin_paragraph_share", "balance", "claimed_paragraph_share", "topic_sentence_share",
    "introduction_has_thesis", "conclusion_marker", "conclusion_overlap", "restated"})
# A criterion's level blends the prior with the criterion's own raw score, half each: the
# prior alone orders essays as raters do but cannot see order, paragraphs or the question's
# terms; the raw score alone sees them but orders essays worse than their length does.
PRIOR_SHARE = 0.5
ALPHAS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0)


def prior_feature_names(row: Mapping[str, object]) -> list[str]:
    """The numeric features of a row the prior reads: not the flags (they act through caps),
    not what counts the prompt's words, not a prior itself."""
    return [name for name, value in row.items()
            if isinstance(value, int | float) and not name.startswith(("flag_", PRIOR_PREFIX))
            and name not in NOT_READ]


class QualityPrior(BaseEstimator):
    """One ridge per criterion from named features to a share of the criterion's scale,
    learnt within prompts.

    ``alphas``: ridge penalties tried by leave-one-out cross-validation.
    """

    def __init__(self, alphas: Sequence[float] = ALPHAS) -> None:
        self.alphas = alphas

    def fit(self, rows: Sequence[Mapping[str, object]],
            targets: Mapping[str, Sequence[float | None]],
            prompts: Sequence[str]) -> QualityPrior:
        """``targets[criterion][i]``: row i's score as a share of its scale, None if unscored;
        ``prompts[i]``: the question row i answered.

        The weights are learnt within prompts (features and scores taken from their prompt's
        mean): prompts differ in length and in how hard their raters mark, and pooled across
        them, "longer" would mostly mean "a set of long essays". The intercept is the mean
        score over all prompts; the rubric's exemplars place the scale for a new question.
        """
        self.feature_names_ = prior_feature_names(rows[0])
        X = self._matrix(rows)
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.std_ = np.where(std > 1e-9, std, 1.0)
        Z = (X - self.mean_) / self.std_
        prompts = np.asarray(prompts)
        self.coef_: dict[str, np.ndarray] = {}
        self.intercept_: dict[str, float] = {}
        self.trained_on_: dict[str, int] = {}
        self.alpha_: dict[str, float] = {}
        for criterion, values in targets.items():
            y = np.array([np.nan if v is None else v for v in values], dtype=float)
            keep = ~np.isnan(y)
            z, target, groups = Z[keep], y[keep], prompts[keep]
            ridge = RidgeCV(alphas=tuple(self.alphas), fit_intercept=False).fit(
                _within(z, groups), _within(target[:, None], groups)[:, 0])
            # A mean over rows would weigh prompts by their size; what matters is a prompt.
            self.coef_[criterion] = ridge.coef_
            self.intercept_[criterion] = float(np.mean([
                np.mean(target[groups == g] - z[groups == g] @ ridge.coef_)
                for g in np.unique(groups)]))
            self.alpha_[criterion] = float(ridge.alpha_)
            self.trained_on_[criterion] = int(keep.sum())
        self.features_version_ = FEATURES_VERSION
        return self

    def _matrix(self, rows: Sequence[Mapping[str, object]]) -> np.ndarray:
        try:
            return np.array([[float(row[n]) for n in self.feature_names_] for row in rows],
                            dtype=float)
        except KeyError as exc:
            raise CalibrationError(f"the quality prior reads feature {exc}, which this engine "
                                   "does not compute; rebuild it (models/prior/training.py)"
                                   ) from exc

    @classmethod
    def empty(cls) -> QualityPrior:
        """A prior that knows no criterion: every level comes from the criteria's raw scores
        (what the corpora's features are computed with, so no prior leaks into them)."""
        prior = cls()
        prior.feature_names_, prior.mean_, prior.std_ = [], np.zeros(0), np.ones(0)
        prior.coef_, prior.intercept_, prior.trained_on_ = {}, {}, {}
        prior.features_version_, prior.created_ = FEATURES_VERSION, "none"
        return prior

    @property
    def criteria(self) -> list[str]:
        return list(self.coef_)

    def predict(self, rows: Sequence[Mapping[str, object]]) -> dict[str, np.ndarray]:
        """Per criterion, each row's predicted share of the scale, within [0, 1]."""
        Z = (self._matrix(rows) - self.mean_) / self.std_
        return {c: np.clip(Z @ coef + self.intercept_[c], 0.0, 1.0)
                for c, coef in self.coef_.items()}

    def predict_one(self, row: Mapping[str, object]) -> dict[str, float]:
        """``predict`` for one row, without numpy's overhead per call (the engine's path)."""
        z = [(float(row[n]) - m) / s for n, m, s in zip(
            self.feature_names_, self._mean, self._std, strict=True)]
        return {c: min(max(sum(a * b for a, b in zip(z, coef, strict=True))
                           + self.intercept_[c], 0.0), 1.0)
                for c, coef in self._coef.items()}

    @property
    def _mean(self) -> list[float]:
        return self.__dict__.setdefault("_mean_list", [float(v) for v in self.mean_])

    @property
    def _std(self) -> list[float]:
        return self.__dict__.setdefault("_std_list", [float(v) for v in self.std_])

    @property
    def _coef(self) -> dict[str, list[float]]:
        return self.__dict__.setdefault("_coef_lists", {
            c: [float(v) for v in coef] for c, coef in self.coef_.items()})

    @property
    def version(self) -> str:
        """What a result records of the prior that scored it."""
        return f"quality-prior/{self.created_}"

    def to_json(self, origin: Mapping[str, object] | None = None) -> str:
        self.__dict__.setdefault("created_", datetime.now(UTC).isoformat(timespec="seconds"))
        return json.dumps({
            "format": PRIOR_FORMAT, "features_version": self.features_version_,
            "created": self.created_, "versions": library_versions(),
            "origin": dict(origin or {}), "alphas": list(self.alphas),
            "features": {n: {"mean": round(float(m), 6), "std": round(float(s), 6)}
                         for n, m, s in zip(self.feature_names_, self.mean_, self.std_,
                                            strict=True)},
            "criteria": {c: {"intercept": round(self.intercept_[c], 6),
                             "trained_on": self.trained_on_[c],
                             "weights": {n: round(float(w), 6) for n, w in zip(
                                 self.feature_names_, coef, strict=True)}}
                         for c, coef in self.coef_.items()},
        }, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "prior") -> QualityPrior:
        data = json.loads(text)
        if data.get("format") != PRIOR_FORMAT:
            raise CalibrationError(f"{source}: prior format {data.get('format')}, this grader "
                                   f"reads {PRIOR_FORMAT}; rebuild it")
        if data.get("features_version") != FEATURES_VERSION:
            raise CalibrationError(
                f"{source}: fitted on features version {data.get('features_version')}, this "
                f"engine computes version {FEATURES_VERSION}; rebuild it with "
                "'python -m models.prior.training'")
        prior = cls(alphas=tuple(data["alphas"]))
        prior.feature_names_ = list(data["features"])
        prior.mean_ = np.array([f["mean"] for f in data["features"].values()])
        prior.std_ = np.array([f["std"] for f in data["features"].values()])
        prior.coef_ = {c: np.array([body["weights"][n] for n in prior.feature_names_])
                       for c, body in data["criteria"].items()}
        prior.intercept_ = {c: float(body["intercept"]) for c, body in data["criteria"].items()}
        prior.trained_on_ = {c: int(body["trained_on"]) for c, body in data["criteria"].items()}
        prior.features_version_ = data["features_version"]
        prior.created_ = data["created"]
        return prior


def _within(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each row less its group's mean."""
    out = values.astype(float).copy()
    for group in np.unique(groups):
        rows = groups == group
        out[rows] -= out[rows].mean(axis=0)
    return out


@lru_cache(maxsize=4)
def load_prior(path: Path = PRIOR_FILE) -> QualityPrior:
    """The shipped prior (read once per process)."""
    return QualityPrior.from_json(path.read_text(encoding="utf-8"), str(path))
