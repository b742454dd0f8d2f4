"""Data access: queries scoped to their caller. Nothing here commits."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from grader.tables import Batch, Calibration, Essay, Override, Rubric, RubricVersion, User


def sees_everything(user: User) -> bool:
    return user.role == "admin"


def essays_of(user: User) -> Select[tuple[Essay]]:
    query = select(Essay)
    return query if sees_everything(user) else query.where(Essay.owner_id == user.id)


def batches_of(user: User) -> Select[tuple[Batch]]:
    query = select(Batch)
    return query if sees_everything(user) else query.where(Batch.owner_id == user.id)


def calibrations_of(user: User) -> Select[tuple[Calibration]]:
    """Admins see every calibration; a teacher, the ones they asked for."""
    query = select(Calibration)
    return query if sees_everything(user) else query.where(Calibration.created_by_id == user.id)


def calibration_for(session: Session, user: User, calibration_id: int) -> Calibration | None:
    return session.scalar(calibrations_of(user).where(Calibration.id == calibration_id))


def essay_for(session: Session, user: User, essay_id: int) -> Essay | None:
    return session.scalar(essays_of(user).where(Essay.id == essay_id))


def batch_for(session: Session, user: User, batch_id: int) -> Batch | None:
    return session.scalar(batches_of(user).where(Batch.id == batch_id))


def batch_essays_query(batch: Batch) -> Select[tuple[Essay]]:
    return select(Essay).where(Essay.batch_id == batch.id).order_by(Essay.id)


def status_counts(session: Session, batch: Batch) -> dict[str, int]:
    rows = session.execute(select(Essay.status, func.count()).where(Essay.batch_id == batch.id)
                           .group_by(Essay.status))
    counts = {"queued": 0, "running": 0, "done": 0, "failed": 0}
    counts.update({status: count for status, count in rows})
    return counts


def latest_overrides(session: Session, essay_ids: list[int]) -> dict[int, dict[str, Override]]:
    """The newest override per essay and criterion (a later override replaces an earlier one)."""
    out: dict[int, dict[str, Override]] = {}
    if not essay_ids:
        return out
    rows = session.scalars(select(Override).where(Override.essay_id.in_(essay_ids))
                           .order_by(Override.id))
    for override in rows:
        out.setdefault(override.essay_id, {})[override.criterion] = override
    return out


def rubric_by_slug(session: Session, slug: str) -> Rubric | None:
    return session.scalar(select(Rubric).where(Rubric.slug == slug))


def all_rubrics(session: Session) -> list[Rubric]:
    return list(session.scalars(select(Rubric).order_by(Rubric.slug)))


def latest_version(session: Session, rubric: Rubric) -> RubricVersion | None:
    return session.scalar(select(RubricVersion).where(RubricVersion.rubric_id == rubric.id)
                          .order_by(RubricVersion.number.desc()).limit(1))


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
