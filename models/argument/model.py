"""The argument model: one logistic regression per role over the named sentence features,
stored as plain JSON (feature -> weight), so it loads without pickles and scores essays with a
matrix product per essay.

Rebuilt by ``python -m models.argument.training`` from the annotated corpus (see that module
and the README for the data's origin and terms); the file records the library versions and the
cross-validated agreement it was built with.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial
from itertools import chain
from operator import is_not
from pathlib import Path

import numpy as np

from models.argument.features import COLUMNS, LEMMA, SentenceFeatures

MODEL_FILE = Path(__file__).with_name("argument-model.json")
MODEL_FORMAT = 1
# thesis, claim and support are scored on every sentence; "against" on claims only (the
# probability that a claim argues against the essay's thesis: a counterclaim).
LABELS = ("thesis", "claim", "support", "against")


@dataclass(frozen=True)
class LinearRole:
    intercept: float
    weights: Mapping[str, float]

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.intercept + sum(self.weights.get(name, 0.0) * value
                                 for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


_HAS_ROW = partial(is_not, None)


@dataclass(frozen=True)
class ArgumentModel:
    roles: Mapping[str, LinearRole]
    about: Mapping[str, object]  # how and on what it was trained

    @cached_property
    def _stacked(self) -> tuple[list[str], np.ndarray, np.ndarray, dict[str, int], dict[str, int],
                                np.ndarray]:
        """Every role's weights side by side: (labels, intercepts, the numeric columns'
        weights, a row of ``indicators`` by indicator name, the same by lemma, the
        indicators' weights), so an essay is scored for all roles in one product."""
        labels = list(self.roles)
        weights = [self.roles[label].weights for label in labels]
        numeric = np.array([[w.get(name, 0.0) for w in weights] for name in COLUMNS]
                           ).reshape(len(COLUMNS), len(labels))
        names = sorted({n for w in weights for n in w} - set(COLUMNS))
        indicators = np.array([[w.get(name, 0.0) for w in weights] for name in names]
                              ).reshape(len(names), len(labels))
        intercepts = np.array([self.roles[label].intercept for label in labels])
        row_of_name = {n: k for k, n in enumerate(names)}
        row_of_lemma = {n[len(LEMMA):]: k for n, k in row_of_name.items() if n.startswith(LEMMA)}
        return labels, intercepts, numeric, row_of_name, row_of_lemma, indicators

    def probabilities(self, features: SentenceFeatures) -> list[dict[str, float]]:
        """Per sentence, the probability of each label."""
        labels, intercepts, numeric, row_of_name, row_of_lemma, indicators = self._stacked
        z = intercepts + features.numeric @ numeric
        # Each sentence's indicators the model has a weight for, by their rows (in C: a
        # sentence has some 30 names and lemmas to look up).
        name_row, lemma_row = row_of_name.get, row_of_lemma.get
        found = [[*filter(_HAS_ROW, map(name_row, names)),
                  *filter(_HAS_ROW, map(lemma_row, lemmas))]
                 for names, lemmas in zip(features.indicators, features.lemmas, strict=True)]
        rows = np.fromiter(chain.from_iterable(found), dtype=np.intp)
        if len(rows):
            sentence = np.repeat(np.arange(len(found)), [len(k) for k in found])
            # Each sentence's weights added in one fixed order, whatever order its sets gave:
            # the same essay gets the same probabilities to the last bit in every process.
            order = np.lexsort((rows, sentence))
            z += np.column_stack([np.bincount(sentence[order], weights=weights,
                                              minlength=len(found))
                                  for weights in indicators[rows[order]].T]).reshape(z.shape)
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))
        return [dict(zip(labels, r, strict=True)) for r in p.tolist()]

    def to_json(self) -> str:
        return json.dumps({"format": MODEL_FORMAT, "about": self.about,
                           "roles": {label: {"intercept": round(role.intercept, 6),
                                             "weights": {k: round(v, 6) for k, v in
                                                         sorted(role.weights.items())}}
                                     for label, role in self.roles.items()}},
                          indent=1, sort_keys=False)

    @classmethod
    def from_json(cls, text: str) -> ArgumentModel:
        data = json.loads(text)
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"argument model format {data.get('format')}, this grader reads "
                             f"{MODEL_FORMAT}: rebuild it with python -m models.argument.training")
        return cls({label: LinearRole(float(body["intercept"]),
                                      {k: float(v) for k, v in body["weights"].items()})
                    for label, body in data["roles"].items()}, data.get("about", {}))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> ArgumentModel:
    """The shipped model, read once per process."""
    return ArgumentModel.from_json(path.read_text(encoding="utf-8"))
