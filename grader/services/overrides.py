"""Teachers' overrides of the grader's levels."""

from __future__ import annotations

from sqlalchemy.orm import Session

from grader.services.rubrics import spec_of
from grader.tables import Essay, Override, Result, User
from models.scoring.rubric_model import round_half_up


def final_levels(result: Result | None,
                 overrides: dict[str, Override]) -> dict[str, int] | None:
    """Engine levels with the teacher's overrides applied ("overall" included).

    A teacher's level for a criterion moves the overall by that criterion's rubric weight
    times the change (from the engine's overall score, so an essay the teacher agrees with
    keeps the grader's overall); a teacher's overall stands as given."""
    if result is None:
        return None
    engine = {c.criterion: c.level for c in result.criteria}
    levels = {**engine, "overall": result.overall_level}
    levels.update({criterion: o.level for criterion, o in overrides.items()})
    moved = [c for c in overrides if c in engine and levels[c] != engine[c]]
    if moved and "overall" not in overrides:
        spec = spec_of(result.rubric_version)
        weights = {c.id: c.weight for c in spec.criteria}
        score = result.overall_score + sum(weights.get(c, 0.0) * (levels[c] - engine[c])
                                           for c in moved)
        levels["overall"] = min(max(round_half_up(score), spec.min_level), spec.max_level)
    return levels


class OverrideError(ValueError):
    """An override that does not fit the essay's rubric; the message says why."""


def add_override(session: Session, essay: Essay, teacher: User, criterion: str, level: int,
                 comment: str = "") -> Override:
    """Record a teacher's level for one criterion (or "overall"); commits."""
    spec = spec_of(essay.rubric_version)
    allowed = ["overall", *(c.id for c in spec.criteria)]
    if criterion not in allowed:
        raise OverrideError(f"criterion must be one of {', '.join(allowed)}, not {criterion!r}")
    if level not in spec.levels:
        raise OverrideError(f"level must be one of the rubric's levels "
                            f"{min(spec.levels)}-{max(spec.levels)}, not {level}")
    override = Override(essay_id=essay.id, criterion=criterion, level=level,
                        comment=comment.strip(), teacher_id=teacher.id)
    session.add(override)
    session.commit()
    return override
