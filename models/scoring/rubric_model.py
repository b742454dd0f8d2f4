"""The rubric model: raw scores to levels on the rubric's scale, anchored on its exemplars."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models.rubric import Rubric
from models.scoring.anchor import ExemplarAnchoredScale

# Flags that make an essay unassessable on some criteria, and the level cap they impose.
CAPS = {
    "word_salad": ("thesis", "evidence", "structure", "language"),
    "gibberish": ("thesis", "evidence", "structure", "language"),
    "off_topic": ("thesis", "evidence"),
}
OVERALL_CAPPED_BY = ("word_salad", "gibberish", "off_topic")


@dataclass(frozen=True)
class LevelScore:
    level: int
    continuous: float
    confidence: float
    capped_by: str | None


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


class RubricModel:
    """Holds one fitted ExemplarAnchoredScale per criterion of a rubric."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        self.scales_: dict[str, ExemplarAnchoredScale] = {}

    def fit(self, exemplar_raw: list[dict[str, float]]) -> RubricModel:
        """``exemplar_raw[k][criterion]`` is exemplar k's raw score on that criterion."""
        if not exemplar_raw:
            raise ValueError(f"{self.rubric.source}: the rubric needs at least one exemplar to "
                             "anchor its scale")
        for criterion in self.rubric.criteria:
            raw = np.array([[r[criterion.id]] for r in exemplar_raw])
            levels = np.array([e.levels[criterion.id] for e in self.rubric.exemplars])
            self.scales_[criterion.id] = ExemplarAnchoredScale(
                self.rubric.min_level, self.rubric.max_level).fit(raw, levels)
        return self

    def score(self, raw: dict[str, float], flags: set[str]) -> dict[str, LevelScore]:
        out = {}
        for criterion in self.rubric.criteria:
            continuous = self.scales_[criterion.id].level_of(raw[criterion.id])
            level = round_half_up(continuous)
            # Half a level either side of a boundary is a coin toss; the middle is certain.
            confidence = 0.5 + (0.5 - abs(continuous - level))
            capped_by = None
            for flag in sorted(flags):
                if criterion.id in CAPS.get(flag, ()):
                    capped_by = flag
                    level = self.rubric.min_level
                    confidence = 0.9
                    break
            if capped_by is None and "too_short" in flags and level > self.rubric.min_level + 1:
                capped_by, level = "too_short", self.rubric.min_level + 1
            if flags & {"repeated_text", "keyword_stuffing"}:
                confidence *= 0.8
            out[criterion.id] = LevelScore(level, round(continuous, 3), round(confidence, 3),
                                           capped_by)
        return out

    def overall(self, levels: dict[str, LevelScore], flags: set[str]) -> tuple[float, int, float]:
        """Weighted score, its level and a confidence, all on the rubric's scale."""
        score = sum(c.weight * levels[c.id].level for c in self.rubric.criteria)
        confidence = sum(c.weight * levels[c.id].confidence for c in self.rubric.criteria)
        if flags & set(OVERALL_CAPPED_BY):
            score = float(self.rubric.min_level)
        return round(score, 2), round_half_up(score), round(confidence, 3)
