"""Which essays a teacher should score first, so that few scores teach calibration most.

Calibration starts from the quality prior and learns a correction to it (estimator.py). Scores
teach that correction best when they cover the prior's whole range (a map fitted on essays
that are all middling says nothing about the ends) and when the essays differ from each other
in every other way too (each new kind of essay is a new lesson). So: cut the prior's range into
N bands with the same number of essays in each, and from each band take the essay least like
those already chosen (farthest in the standardised features: a greedy max-min design).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from models.calibration.features import PRIOR_PREFIX

OVERALL_PRIOR = f"{PRIOR_PREFIX}overall"


def suggest(rows: Sequence[Mapping[str, object] | None], count: int,
            names: Sequence[str]) -> list[int]:
    """Indices of ``count`` rows to score first, in the order to score them (None rows, the
    essays that could not be analysed, are never chosen)."""
    usable = [i for i, row in enumerate(rows) if row is not None]
    if count >= len(usable):
        return usable
    X = np.array([[float(rows[i][n]) for n in names] for i in usable], dtype=float)
    std = X.std(axis=0)
    Z = (X - X.mean(axis=0)) / np.where(std > 1e-9, std, 1.0)
    prior = np.array([float(rows[i].get(OVERALL_PRIOR, 0.0)) for i in usable])
    bands = np.array_split(np.argsort(prior, kind="stable"), count)
    chosen: list[int] = []
    # The middle band first: its essay is the one the others are most different from.
    for band in sorted(bands, key=lambda b: abs(float(np.median(prior[b])) - np.median(prior))):
        if not chosen:
            centre = Z[band].mean(axis=0)
            pick = band[int(np.argmin(((Z[band] - centre) ** 2).sum(axis=1)))]
        else:
            distance = ((Z[band][:, None, :] - Z[chosen][None, :, :]) ** 2).sum(axis=2)
            pick = band[int(np.argmax(distance.min(axis=1)))]
        chosen.append(int(pick))
    return [usable[k] for k in chosen]
