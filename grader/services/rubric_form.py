"""A rubric as a form: title, level names, criteria with weights and level descriptors, and
the levels each exemplar is stated at. The form edits the rubric's YAML (what it does not
show, such as feedback wording or word limits, is kept as it was), and the result is saved
through the same validation and versioning as YAML written by hand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from models.criteria import registered
from models.errors import RubricError


@dataclass(frozen=True)
class CriterionFields:
    id: str
    name: str
    weight: float
    descriptors: dict[int, str]


@dataclass(frozen=True)
class ExemplarFields:
    path: str
    levels: dict[str, int]


@dataclass(frozen=True)
class RubricFields:
    id: str
    title: str
    levels: dict[int, str]
    criteria: list[CriterionFields]
    exemplars: list[ExemplarFields]
    addable: list[str] = field(default_factory=list)  # criteria the engine has, not used yet


def _data(yaml_text: str) -> dict:
    try:
        data = yaml.safe_load(yaml_text)
    except yaml.YAMLError as exc:
        raise RubricError("the rubric", "YAML", f"valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise RubricError("the rubric", "YAML", "a mapping of fields")
    return data


def rubric_fields(yaml_text: str) -> RubricFields:
    """What the form shows of a rubric's YAML."""
    data = _data(yaml_text)
    levels = {int(k): str(v) for k, v in (data.get("levels") or {}).items()}
    criteria = [CriterionFields(cid, str(body.get("name", cid)), float(body.get("weight", 0)),
                                {int(k): str(v) for k, v in
                                 (body.get("descriptors") or {}).items()})
                for cid, body in (data.get("criteria") or {}).items()]
    exemplars = [ExemplarFields(str(e.get("path", "")),
                                {str(k): int(v) for k, v in (e.get("levels") or {}).items()})
                 for e in data.get("exemplars") or []]
    used = {c.id for c in criteria}
    return RubricFields(str(data.get("id", "")), str(data.get("title", "")), levels, criteria,
                        exemplars,
                        [name for name in registered() if name not in used])


def yaml_from_form(yaml_text: str, form: Mapping[str, str]) -> str:
    """The rubric's YAML with the form's fields applied:

    ``id`` (a new rubric's); ``title``; ``level-N`` (a level's name); per criterion
    ``criterion-ID-name``, ``criterion-ID-weight``, ``criterion-ID-level-N`` (descriptors) and
    ``criterion-ID-remove``;
    ``new-criterion`` (an engine criterion to add, with ``new-criterion-name``,
    ``new-criterion-weight`` and ``new-criterion-level-N``); per exemplar K ``exemplar-K-ID``
    (its stated level on criterion ID). A new criterion's level on each exemplar is taken from
    ``exemplar-K-new``. ``new-exemplar`` (the path of an essay uploaded with the form) adds an
    exemplar at ``new-exemplar-ID`` levels, answering ``new-exemplar-question`` if given.
    Validation is the rubric parser's, when the text is saved."""
    data = _data(yaml_text)
    if form.get("id"):  # a new rubric's id (an existing one keeps its own)
        data["id"] = form["id"].strip()
    if "title" in form:
        data["title"] = form["title"].strip()
    levels = {int(k): v for k, v in (data.get("levels") or {}).items()}
    for number in list(levels):
        if f"level-{number}" in form:
            levels[number] = form[f"level-{number}"].strip()
    data["levels"] = levels
    criteria = dict(data.get("criteria") or {})
    for cid in list(criteria):
        if form.get(f"criterion-{cid}-remove"):
            del criteria[cid]
            continue
        criteria[cid] = _criterion(dict(criteria[cid] or {}), form, f"criterion-{cid}", levels)
    added = (form.get("new-criterion") or "").strip()
    if added:
        criteria[added] = _criterion({}, form, "new-criterion", levels)
    data["criteria"] = criteria
    exemplars = []
    for k, exemplar in enumerate(data.get("exemplars") or []):
        stated = {cid: level for cid, level in (exemplar.get("levels") or {}).items()
                  if cid in criteria}
        for cid in criteria:
            value = form.get(f"exemplar-{k}-{cid}") or (
                form.get(f"exemplar-{k}-new") if cid == added else None)
            if value:
                stated[cid] = _number(value, f"exemplar {k + 1}'s level for {cid}")
        exemplars.append({**exemplar, "levels": stated})
    added_exemplar = (form.get("new-exemplar") or "").strip()
    if added_exemplar:  # an essay uploaded with the form, at the levels the form states
        exemplar = {"path": added_exemplar,
                    "levels": {cid: _number(form.get(f"new-exemplar-{cid}") or "",
                                            f"the new exemplar's level for {cid}")
                               for cid in criteria}}
        if (form.get("new-exemplar-question") or "").strip():
            exemplar["question"] = form["new-exemplar-question"].strip()
        exemplars.append(exemplar)
    if exemplars:
        data["exemplars"] = exemplars
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=96)


def _criterion(body: dict, form: Mapping[str, str], prefix: str,
               levels: Mapping[int, str]) -> dict:
    if f"{prefix}-name" in form:
        body["name"] = form[f"{prefix}-name"].strip()
    if f"{prefix}-weight" in form:
        body["weight"] = _number(form[f"{prefix}-weight"], f"{prefix}'s weight", float)
    descriptors = {int(k): v for k, v in (body.get("descriptors") or {}).items()}
    for number in levels:
        if f"{prefix}-level-{number}" in form:
            descriptors[number] = form[f"{prefix}-level-{number}"].strip()
    body["descriptors"] = descriptors
    return body


def _number(value: str, what: str, kind: type = int) -> int | float:
    try:
        return kind(value.strip())
    except ValueError as exc:
        raise RubricError("the rubric", what, "a number") from exc
