"""The rubric model: raw scores to levels on the rubric's scale, anchored on its exemplars."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models.rubric import Rubric
from models.scoring.anchor import ExemplarAnchoredScale
from models.scoring.caps import OVERALL_CAPPED_BY, SHORT_CAP, caps, ceiling_level

__all__ = ["OVERALL_CAPPED_BY", "LevelScore", "OverallScore", "RubricModel"]


@dataclass(frozen=True)
class LevelScore:
    level: int
    continuous: float  # the score that gave the level (the cap's level when capped)
    confidence: float
    capped_by: str | None
    uncapped: float  # the scale's score before any cap


@dataclass(frozen=True)
class OverallScore:
    score: float  # on the rubric's scale; the lowest level when capped
    level: int
    confidence: float
    capped_by: str | None
    uncapped: float


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


class RubricModel:
    """Holds one fitted ExemplarAnchoredScale per criterion of a rubric, and one for the
    overall when the quality prior judges the whole essay."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        self.scales_: dict[str, ExemplarAnchoredScale] = {}
        self.overall_scale_: ExemplarAnchoredScale | None = None

    def fit(self, exemplar_raw: list[dict[str, float]],
            exemplar_overall: list[float] | None = None) -> RubricModel:
        """``exemplar_raw[k][criterion]`` is exemplar k's raw score on that criterion;
        ``exemplar_overall[k]`` its whole-essay quality (the prior's holistic share), if any.

        The overall scale is anchored where the rubric puts each exemplar overall: the
        weighted mean of its stated levels."""
        if not exemplar_raw:
            raise ValueError(f"{self.rubric.source}: the rubric needs at least one exemplar to "
                             "anchor its scale")
        for criterion in self.rubric.criteria:
            raw = np.array([[r[criterion.id]] for r in exemplar_raw])
            levels = np.array([e.levels[criterion.id] for e in self.rubric.exemplars])
            self.scales_[criterion.id] = ExemplarAnchoredScale(
                self.rubric.min_level, self.rubric.max_level).fit(raw, levels)
        if exemplar_overall is not None:
            stated = np.array([sum(c.weight * e.levels[c.id] for c in self.rubric.criteria)
                               for e in self.rubric.exemplars])
            self.overall_scale_ = ExemplarAnchoredScale(
                self.rubric.min_level, self.rubric.max_level).fit(
                    np.array(exemplar_overall)[:, None], stated)
        return self

    def score(self, raw: dict[str, float], flags: set[str],
              ceilings: dict[str, str] | None = None) -> dict[str, LevelScore]:
        """Each criterion's level: its scale's, then the flags' caps, then ``ceilings``
        (criterion -> reason its level may not pass the middle; models/scoring/caps.py)."""
        out = {}
        capping = caps()
        ceilings = ceilings or {}
        middle = ceiling_level(self.rubric.min_level, self.rubric.max_level)
        for criterion in self.rubric.criteria:
            uncapped = self.scales_[criterion.id].level_of(raw[criterion.id])
            level = round_half_up(uncapped)
            continuous = uncapped
            # Half a level either side of a boundary is a coin toss; the middle is certain.
            confidence = 0.5 + (0.5 - abs(uncapped - level))
            capped_by = None
            for flag in sorted(flags):
                if criterion.id in capping.get(flag, ()):
                    capped_by = flag
                    level = self.rubric.min_level
                    continuous = float(level)
                    confidence = 0.9
                    break
            if capped_by is None and SHORT_CAP in flags and level > self.rubric.min_level + 1:
                capped_by, level = SHORT_CAP, self.rubric.min_level + 1
                continuous = float(level)
            if capped_by is None and criterion.id in ceilings and level > middle:
                capped_by, level, continuous = ceilings[criterion.id], middle, float(middle)
            if flags & {"repeated_text", "keyword_stuffing"}:
                confidence *= 0.8
            out[criterion.id] = LevelScore(level, round(continuous, 3), round(confidence, 3),
                                           capped_by, round(uncapped, 3))
        return out

    def overall(self, levels: dict[str, LevelScore], flags: set[str],
                quality: float | None = None) -> OverallScore:
        """The overall score, its level and a confidence, all on the rubric's scale.

        With the prior's holistic judgement (``quality``, a share of the scale) it is that
        judgement on the rubric's scale: measured across prompts, it orders essays as raters do
        better than any weighting of the criteria's levels (bench/cross_prompt.py). Without
        it, the rubric's weighted mean of the levels.
        """
        if quality is not None and self.overall_scale_ is not None:
            score = uncapped = self.overall_scale_.level_of(quality)
            if SHORT_CAP in flags:  # as each criterion: at most one level above the lowest
                score = min(score, self.rubric.min_level + 1)
        else:
            score = sum(c.weight * levels[c.id].level for c in self.rubric.criteria)
            uncapped = sum(c.weight * round_half_up(levels[c.id].uncapped)
                           for c in self.rubric.criteria)
        confidence = sum(c.weight * levels[c.id].confidence for c in self.rubric.criteria)
        capped_by = next((f for f in OVERALL_CAPPED_BY if f in flags), None)
        if capped_by is not None:
            score = float(self.rubric.min_level)
        return OverallScore(round(score, 2), round_half_up(score), round(confidence, 3),
                            capped_by, round(uncapped, 2))
