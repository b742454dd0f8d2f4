"""Rebuild the writing-quality prior from the human-scored corpora.

    .venv/bin/python -m models.prior.training --asap ../shared/data/asap/asap-dev.csv \\
        --ellipse ../shared/data/ellipse/ellipse-dev.csv [--out models/prior/quality-prior.json]

Reads ASAP (Hewlett Foundation 2012, Kaggle competition terms: research and evaluation; with
the ASAP++ trait scores of Kumar et al.) and ELLIPSE (Crossley et al., CC BY-NC-SA 4.0), grades
each essay against its own question, maps the human scores to criteria
(models/prior/targets.py), prints each criterion's leave-one-prompt-out Spearman correlation
beside essay length's, and writes the ridge weights as JSON. bench/cross_prompt.py measures the
prior in full.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from models.calibration.features import PRIOR_PREFIX
from models.prior.corpus import Scored, load_corpora
from models.prior.model import PRIOR_FILE, QualityPrior
from models.prior.targets import CRITERIA, target

DEFAULT_CACHE = Path.home() / ".cache" / "grader-corpus"
ORIGIN = {
    "asap": "ASAP, Hewlett Foundation 2012 (Kaggle competition terms: research and "
            "evaluation), with ASAP++ traits (Kumar et al.)",
    "ellipse": "ELLIPSE, Crossley et al., The Learning Agency Lab (CC BY-NC-SA 4.0)",
    "rebuild": "python -m models.prior.training --asap ../shared/data/asap/asap-dev.csv "
               "--ellipse ../shared/data/ellipse/ellipse-dev.csv",
}


def prompt_of(essay) -> str:
    """The group a prompt-disjoint split keeps together (ELLIPSE's 44 prompts apart)."""
    return essay.group


def targets_of(data: Scored) -> dict[str, list[float | None]]:
    return {c: [target(e, c) for e in data.essays] for c in CRITERIA}


def fit_prior(data: Scored) -> QualityPrior:
    return QualityPrior().fit(data.rows, targets_of(data), [prompt_of(e) for e in data.essays])


def held_out_folds(data: Scored, ellipse_folds: int = 4) -> list[np.ndarray]:
    """Prompt-disjoint folds: each ASAP set alone; ELLIPSE's prompts in ``ellipse_folds``."""
    groups = np.array([prompt_of(e) for e in data.essays])
    folds = [groups == g for g in sorted({g for g in groups if g.startswith("asap")})]
    prompts = sorted({g for g in groups if not g.startswith("asap")})
    for fold in range(ellipse_folds):
        chosen = set(prompts[fold::ellipse_folds])
        folds.append(np.array([g in chosen for g in groups]))
    return [f for f in folds if f.any()]


def with_held_out_prior(data: Scored, ellipse_folds: int = 4) -> list[dict]:
    """The rows with ``prior_<criterion>`` from a prior that never saw the essay's prompt:
    what a benchmark of calibration must use (the shipped prior has seen them all)."""
    rows = [dict(r) for r in data.rows]
    for held in held_out_folds(data, ellipse_folds):
        prior = fit_prior(data.where(~held))
        indices = np.flatnonzero(held)
        shares = prior.predict([rows[i] for i in indices])
        for k, i in enumerate(indices):
            rows[i].update({f"{PRIOR_PREFIX}{c}": float(v[k]) for c, v in shares.items()})
    return rows


def leave_one_prompt_out(data: Scored, groups: Sequence[str]) -> dict[str, list[tuple]]:
    """Per criterion and held-out group: (group, n, Spearman of the prior, of length)."""
    out: dict[str, list[tuple]] = {c: [] for c in CRITERIA}
    names = np.array([prompt_of(e) for e in data.essays])
    for group in groups:
        held = names == group
        prior = fit_prior(data.where(~held))
        test = data.where(held)
        predicted = prior.predict(test.rows)
        for criterion in CRITERIA:
            y = np.array([np.nan if v is None else v for v in targets_of(test)[criterion]])
            keep = ~np.isnan(y)
            if keep.sum() < 20:
                continue
            out[criterion].append((
                group, int(keep.sum()),
                float(spearmanr(predicted[criterion][keep], y[keep]).statistic),
                float(spearmanr(np.array(test.words)[keep], y[keep]).statistic)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asap", type=Path, required=True)
    parser.add_argument("--ellipse", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=PRIOR_FILE)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    data = load_corpora(args.asap, args.ellipse, args.cache, args.processes)
    print(f"{len(data.rows)} essays")
    asap_groups = sorted({e.group for e in data.essays if e.corpus == "asap"})
    print("\nLeave-one-prompt-out (ASAP sets), Spearman with the human score:")
    print("| criterion | prompts | prior (mean) | length (mean) |")
    print("|---|---|---|---|")
    for criterion, rows in leave_one_prompt_out(data, asap_groups).items():
        if rows:
            print(f"| {criterion} | {len(rows)} | {np.mean([r[2] for r in rows]):.3f} | "
                  f"{np.mean([r[3] for r in rows]):.3f} |")
    prior = fit_prior(data)
    args.out.write_text(prior.to_json({**ORIGIN, "essays": len(data.rows)}), encoding="utf-8")
    counts = ", ".join(f"{c}: {n} essays" for c, n in prior.trained_on_.items())
    print(f"\nwrote {args.out} ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
