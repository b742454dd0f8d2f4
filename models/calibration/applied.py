"""A calibration applied to a graded essay: the one place that decides what its scores change.

A calibration fitted on teachers' overrides predicts levels of this very rubric, so its levels
replace the engine's (with their labels and descriptors, and a cap it did not keep removed);
one fitted on a CSV gives scores on the teacher's own scale, which stand beside the engine's
levels. The engine applies it (``Engine.result(..., calibration=...)``), so the CLI, the
service and the benchmarks score an essay the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from models.result import CalibrationUsed, CriterionResult, GradeResult
from models.rubric import Rubric

if TYPE_CHECKING:  # the model module imports the engine, which applies calibrations
    from models.calibration.model import CalibrationModel

log = logging.getLogger(__name__)

OVERRIDES = "overrides"  # a calibration fitted on the rubric's own levels
# What a reader of the result is told; the reason is in the log.
UNUSABLE = "the active calibration could not be used; the default model scored this essay"


@dataclass(frozen=True)
class AppliedCalibration:
    """A calibration to score essays with; ``model`` is None (``error`` says why) when it
    cannot be used, e.g. after a library upgrade: the default model's result then stands."""

    id: int | str
    model: CalibrationModel | None
    error: str | None = None
    source: str = "csv"  # OVERRIDES: fitted on the rubric's own levels

    def levels_replaced(self, rubric: Rubric) -> set[str]:
        """The criteria (and "overall") whose calibrated scores are levels of ``rubric``."""
        if self.model is None or self.source != OVERRIDES:
            return set()
        levels = set(rubric.levels)
        return {criterion for criterion, scale in self.model.scales().items()
                if scale.step == 1 and scale.minimum >= min(levels)
                and scale.maximum <= max(levels)}


def calibrated(result: GradeResult, row: Mapping[str, object], calibration: AppliedCalibration,
               rubric: Rubric) -> GradeResult:
    """``result`` as ``calibration`` scores it (from the essay's feature row)."""
    if calibration.model is None:
        return replace(result, calibration=CalibrationUsed(calibration.id, None, UNUSABLE, {}))
    try:
        predicted = calibration.model.predict([row])
    except Exception:  # the default model's result still stands
        log.exception("calibration %s failed on an essay", calibration.id)
        return replace(result, calibration=CalibrationUsed(calibration.id, None, UNUSABLE, {}))
    scores = {criterion: float(values[0]) for criterion, values in predicted.items()}
    replaced = {c: round(scores[c]) for c in calibration.levels_replaced(rubric)}
    defaults = {c.id: c.level for c in result.criteria} | {"overall": result.overall_level}
    criteria = tuple(_replaced(c, replaced[c.id], rubric) if c.id in replaced else c
                     for c in result.criteria)
    used = CalibrationUsed(calibration.id, scores, None,
                           {c: defaults[c] for c in replaced if c in defaults})
    if "overall" not in replaced:
        return replace(result, criteria=criteria, calibration=used)
    level = replaced["overall"]
    moved = result.overall_capped_by is not None and result.overall_level != level
    return replace(
        result, criteria=criteria, calibration=used, overall_level=level,
        overall_score=scores["overall"], overall_label=rubric.levels[level],
        overall_capped_by=None if moved else result.overall_capped_by,
        overall_cap_reason=None if moved else result.overall_cap_reason)


def _replaced(criterion: CriterionResult, level: int, rubric: Rubric) -> CriterionResult:
    """The criterion at the calibrated level. A capped level the calibration kept stays capped
    (it caps the same flags); one it moved was not capped by it: the calibration, which knows
    the teacher's own essays, did not hold the flag against this essay, and the reason would
    be untrue."""
    descriptors = next(c.descriptors for c in rubric.criteria if c.id == criterion.id)
    moved = criterion.capped_by is not None and criterion.level != level
    return replace(criterion, level=level, label=rubric.levels[level],
                   descriptor=descriptors[level],
                   capped_by=None if moved else criterion.capped_by,
                   cap_reason=None if moved else criterion.cap_reason)
