"""Teachers' overrides of the grader's levels."""

from __future__ import annotations

from sqlalchemy.orm import Session

from grader.services.rubrics import spec_of
from grader.tables import Essay, Override, Result, User


def final_levels(result: Result | None,
                 overrides: dict[str, Override]) -> dict[str, int] | None:
    """Engine levels with the teacher's overrides applied ("overall" included)."""
    if result is None:
        return None
    levels = {c.criterion: c.level for c in result.criteria}
    levels["overall"] = result.overall_level
    levels.update({criterion: o.level for criterion, o in overrides.items()})
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
