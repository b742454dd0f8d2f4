"""Rubric versions: import from files, validate, activate, and load for grading."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from grader import queries
from grader.tables import Rubric, RubricVersion, User
from models.errors import RubricError
from models.rubric import Rubric as RubricSpec
from models.rubric import exemplar_paths, parse_rubric


@dataclass(frozen=True)
class ImportOutcome:
    version: RubricVersion
    created: bool


def read_rubric_file(path: str | Path) -> tuple[str, dict[str, str]]:
    """A rubric file's YAML and the exemplar essays it names, read from beside it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(str(path), "file", f"a readable UTF-8 rubric file ({exc})") from exc
    exemplars = {}
    for relative in exemplar_paths(text):
        try:
            exemplars[relative] = (path.parent / relative).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # parse_rubric names the missing exemplar with its field
    return text, exemplars


_parsed: dict[tuple[str, str, int], RubricSpec] = {}


def spec_of(version: RubricVersion) -> RubricSpec:
    """The engine's rubric for a stored version (exemplars come from the database).

    Parsed once per process: a version never changes, and its digest covers YAML and exemplars.
    """
    key = (version.digest, version.rubric.slug, version.number)
    if key not in _parsed:
        _parsed[key] = parse_rubric(version.yaml_text,
                                    source=f"{version.rubric.slug} v{version.number}",
                                    files=version.exemplars)
    return _parsed[key]


def _digest(yaml_text: str, exemplars: dict[str, str]) -> str:
    payload = json.dumps({"yaml": yaml_text, "exemplars": exemplars}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def can_edit_rubric(user: User, rubric: Rubric | None) -> bool:
    """Administrators edit every rubric; a teacher writes new ones and edits their own."""
    if user.role == "admin":
        return True
    return user.role == "teacher" and (rubric is None or rubric.owner_id == user.id)


def import_rubric(session: Session, yaml_text: str, exemplars: dict[str, str],
                  source: str, author: User | None = None, activate: bool = True,
                  owner: User | None = None) -> ImportOutcome:
    """Store a validated rubric as a new version (or find the identical latest one) and commit;
    a new rubric belongs to ``owner`` (None: the school's).

    Raises RubricError (nothing stored) when the YAML does not validate.
    """
    spec = parse_rubric(yaml_text, source=source, files=exemplars)
    digest = _digest(yaml_text, exemplars)
    try:
        rubric = queries.rubric_by_slug(session, spec.id)
        if rubric is None:
            rubric = Rubric(slug=spec.id, title=spec.title,
                            owner_id=owner.id if owner is not None else None)
            session.add(rubric)
            session.flush()
        latest = queries.latest_version(session, rubric)
        created = latest is None or latest.digest != digest
        version = latest
        if created:
            version = RubricVersion(rubric=rubric, number=(latest.number + 1) if latest else 1,
                                    yaml_text=yaml_text, exemplars=dict(exemplars), digest=digest,
                                    created_by_id=author.id if author else None)
            session.add(version)
            session.flush()
        rubric.title = spec.title
        if activate or rubric.active_version_id is None:
            rubric.active_version = version
        session.commit()
    except Exception:
        session.rollback()
        raise
    return ImportOutcome(version, created)


def import_rubric_file(session: Session, path: str | Path,
                       author: User | None = None) -> ImportOutcome:
    text, exemplars = read_rubric_file(path)
    return import_rubric(session, text, exemplars, source=str(path), author=author)
