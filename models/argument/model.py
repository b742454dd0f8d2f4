"""The argument model: one logistic regression per role over the named sentence features,
stored as plain JSON (feature -> weight), so it loads without pickles and scores essays with a
few dictionary lookups per sentence.

Rebuilt by ``python -m models.argument.training`` from the annotated corpus (see that module
and the README for the data's origin and terms); the file records the library versions and the
cross-validated agreement it was built with.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain, repeat
from pathlib import Path

import numpy as np

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


@dataclass(frozen=True)
class ArgumentModel:
    roles: Mapping[str, LinearRole]
    about: Mapping[str, object]  # how and on what it was trained

    @cached_property
    def _stacked(self) -> tuple[list[str], np.ndarray, dict[str, int], np.ndarray]:
        """Every role's weights side by side (a feature's row of the matrix), so an essay is
        scored for all roles in one product."""
        labels = list(self.roles)
        names = sorted({n for role in self.roles.values() for n in role.weights})
        matrix = np.array([[self.roles[label].weights.get(n, 0.0) for label in labels]
                           for n in names]).reshape(len(names), len(labels))
        intercepts = np.array([self.roles[label].intercept for label in labels])
        return labels, intercepts, {n: k for k, n in enumerate(names)}, matrix

    def probabilities(self, rows: Sequence[Mapping[str, float]]) -> list[dict[str, float]]:
        """Per sentence, the probability of each label."""
        labels, intercepts, column, matrix = self._stacked
        # Every (sentence, feature, value) in one set of arrays, in the rows' order, so that
        # each sentence's sum is taken in the same order as a loop over its features.
        total = sum(map(len, rows))
        columns = np.fromiter(map(column.get, chain.from_iterable(rows), repeat(-1, total)),
                              dtype=np.intp, count=total)
        values = np.fromiter(chain.from_iterable(row.values() for row in rows), dtype=float,
                             count=total)
        row_of = np.repeat(np.arange(len(rows)), [len(row) for row in rows])
        used = (columns >= 0) & (values != 0)
        # Each sentence's intercept, then its features' terms, summed in that order (bincount
        # adds in the order given, as a loop would; np.add.at did the same, slowly).
        ids = np.concatenate((np.arange(len(rows)), row_of[used]))
        terms = np.concatenate((np.tile(intercepts, (len(rows), 1)),
                                matrix[columns[used]] * values[used][:, None]))
        z = np.column_stack([np.bincount(ids, weights=terms[:, k], minlength=len(rows))
                             for k in range(len(labels))]).reshape(len(rows), len(labels))
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
