"""Rubric files: parsing and validation.

A rubric is YAML (see rubrics/history-argument.yaml). Every problem raises RubricError naming the
file, the field and what was expected, so an administrator can fix it without reading code.

A rubric says how to judge, not what is asked: the question comes with each essay
(models/question.py). Each exemplar records the question it answered, because the exemplar
anchors the quality scale and is analysed against its own question. A rubric may still carry a
question of its own (``question:``), used when an essay comes with none; rubrics written before
questions were separate (a top-level ``prompt`` and ``key_terms``) load with those as that
question.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from models.errors import RubricError
from models.feedback.wording import Wording, default_wording
from models.question import KeyTerm, Question, QuestionError

_TOP_LEVEL = {
    "id", "version", "title", "description", "question", "min_words", "max_words", "levels",
    "criteria", "exemplars",
    "prompt", "key_terms",  # before questions were apart from rubrics: the rubric's question
}
_CRITERION_FIELDS = {"name", "weight", "descriptors", "feedback"}
_EXEMPLAR_FIELDS = {"path", "text", "credit", "levels", "note", "question"}
_QUESTION_FIELDS = {"text", "key_terms", "period", "sources"}

__all__ = ["Criterion", "Exemplar", "KeyTerm", "Rubric", "known_criteria", "load_rubric",
           "parse_rubric"]


def known_criteria() -> tuple[str, ...]:
    """The criteria a rubric may name: every registered one (models/criteria/)."""
    from models.criteria import registered

    return tuple(registered())


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    weight: float
    descriptors: dict[int, str]
    wording: dict[str, Wording]


@dataclass(frozen=True)
class Exemplar:
    text: str
    levels: dict[str, int]
    source: str
    credit: str = ""
    question: Question | None = None  # the question it answered (else the rubric's)


@dataclass(frozen=True)
class Rubric:
    id: str
    version: int
    title: str
    question: Question | None  # the rubric's own question, for essays that come without one
    levels: dict[int, str]
    criteria: tuple[Criterion, ...]
    exemplars: tuple[Exemplar, ...]
    min_words: int
    max_words: int
    source: str
    digest: str

    @property
    def min_level(self) -> int:
        return min(self.levels)

    @property
    def max_level(self) -> int:
        return max(self.levels)

    def exemplar_question(self, exemplar: Exemplar) -> Question | None:
        return exemplar.question or self.question

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    def wording(self, code: str) -> Wording:
        criterion_id = code.split(".", 1)[0]
        for criterion in self.criteria:
            if criterion.id == criterion_id and code in criterion.wording:
                return criterion.wording[code]
        return default_wording()[code]


def load_rubric(path: str | Path) -> Rubric:
    """Read and validate a rubric file; exemplar paths are relative to the file."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RubricError(source, "file", f"a readable rubric file ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RubricError(source, "file", "UTF-8 text") from exc
    return parse_rubric(text, source=source, base_dir=path.parent)


def parse_rubric(text: str, source: str = "<rubric>", base_dir: Path | None = None,
                 files: Mapping[str, str] | None = None) -> Rubric:
    """Validate rubric YAML text.

    Exemplar paths are looked up in ``files`` (path as written -> text) when given, as for a
    rubric stored in the database with its exemplars; otherwise they are read from ``base_dir``.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "document"
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise RubricError(source, where, f"valid YAML ({problem})") from exc
    checker = _Checker(source)
    mapping = checker.mapping(data, "(top level)")
    checker.known_fields(mapping, _TOP_LEVEL, "(top level)")
    rubric_id = checker.string(mapping, "id")
    levels = _levels(checker, mapping.get("levels"))
    criteria = _criteria(checker, mapping.get("criteria"), levels)
    criterion_ids = [c.id for c in criteria]
    min_words = checker.integer(mapping, "min_words", default=150, minimum=1)
    max_words = checker.integer(mapping, "max_words", default=20_000, minimum=min_words)
    return Rubric(
        id=rubric_id,
        version=checker.integer(mapping, "version", default=1, minimum=1),
        title=checker.string(mapping, "title", default=rubric_id),
        question=_rubric_question(checker, mapping),
        levels=levels,
        criteria=criteria,
        exemplars=_exemplars(checker, mapping.get("exemplars", []), criterion_ids, levels,
                             base_dir, files),
        min_words=min_words,
        max_words=max_words,
        source=source,
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, expected: str) -> RubricError:
        return RubricError(self.source, field, expected)

    def mapping(self, value: Any, field: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(field, f"a mapping, got {_kind(value)}")
        return value

    def known_fields(self, mapping: dict, allowed: set[str], field: str) -> None:
        unknown = sorted(str(k) for k in mapping if k not in allowed)
        if unknown:
            prefix = "" if field == "(top level)" else f"{field}."
            raise self.fail(f"{prefix}{unknown[0]}",
                            f"a known field (one of: {', '.join(sorted(allowed))})")

    def string(self, mapping: dict, key: str, field: str | None = None,
               default: str | None = None) -> str:
        field = field or key
        if key not in mapping and default is not None:
            return default
        value = mapping.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, f"a non-empty string, got {_kind(value)}")
        return value.strip()

    def integer(self, mapping: dict, key: str, default: int, minimum: int) -> int:
        value = mapping.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(key, f"a whole number of at least {minimum}, got {value!r}")
        return value


def _levels(checker: _Checker, value: Any) -> dict[int, str]:
    levels = checker.mapping(value, "levels")
    out: dict[int, str] = {}
    for key, label in levels.items():
        if isinstance(key, bool) or not isinstance(key, int):
            raise checker.fail(f"levels.{key}", "a whole-number level such as 1, 2, 3, 4")
        if not isinstance(label, str) or not label.strip():
            raise checker.fail(f"levels.{key}", "a label such as 'Proficient'")
        out[key] = label.strip()
    keys = sorted(out)
    if len(keys) < 2 or keys != list(range(keys[0], keys[0] + len(keys))):
        raise checker.fail("levels", f"at least two consecutive whole-number levels, got {keys}")
    return out


def _criteria(checker: _Checker, value: Any, levels: dict[int, str]) -> tuple[Criterion, ...]:
    criteria = checker.mapping(value, "criteria")
    if not criteria:
        raise checker.fail("criteria", f"at least one of: {', '.join(known_criteria())}")
    out = []
    for criterion_id, body in criteria.items():
        field = f"criteria.{criterion_id}"
        if criterion_id not in known_criteria():
            raise checker.fail(field, f"a known criterion (one of: "
                                      f"{', '.join(known_criteria())})")
        body = checker.mapping(body, field)
        checker.known_fields(body, _CRITERION_FIELDS, field)
        weight = body.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            raise checker.fail(f"{field}.weight", f"a positive number, got {weight!r}")
        descriptors = checker.mapping(body.get("descriptors"), f"{field}.descriptors")
        for level in levels:
            text = descriptors.get(level)
            if not isinstance(text, str) or not text.strip():
                raise checker.fail(f"{field}.descriptors.{level}",
                                   f"a descriptor for level {level} ({levels[level]})")
        extra = sorted(str(k) for k in descriptors if k not in levels)
        if extra:
            raise checker.fail(f"{field}.descriptors.{extra[0]}",
                               f"one of the rubric's levels {sorted(levels)}")
        out.append(Criterion(
            id=criterion_id,
            name=checker.string(body, "name", f"{field}.name"),
            weight=float(weight),
            descriptors={level: descriptors[level].strip() for level in levels},
            wording=_wording(checker, body.get("feedback", {}), criterion_id, field),
        ))
    total = sum(c.weight for c in out)
    return tuple(
        Criterion(c.id, c.name, c.weight / total, c.descriptors, c.wording) for c in out
    )


def _wording(checker: _Checker, value: Any, criterion_id: str, field: str) -> dict[str, Wording]:
    feedback = checker.mapping(value, f"{field}.feedback")
    defaults = default_wording()
    known = sorted(code for code in defaults if code.startswith(f"{criterion_id}."))
    out = {}
    for code, body in feedback.items():
        where = f"{field}.feedback.{code}"
        if code not in known:
            raise checker.fail(where, f"a feedback code of this criterion (one of: "
                                      f"{', '.join(known)})")
        body = checker.mapping(body, where)
        checker.known_fields(body, {"message", "next_step"}, where)
        default = defaults[code]
        out[code] = Wording(
            message=checker.string(body, "message", f"{where}.message", default.message),
            next_step=checker.string(body, "next_step", f"{where}.next_step",
                                     default.next_step),
        )
    return out


def _rubric_question(checker: _Checker, mapping: dict) -> Question | None:
    """The rubric's own question: ``question:``, or an older rubric's ``prompt`` and
    ``key_terms``."""
    if "question" in mapping:
        for legacy in ("prompt", "key_terms"):
            if legacy in mapping:
                raise checker.fail(legacy, "no field of its own: put it under 'question' "
                                           "(text, key_terms)")
        return _question(checker, mapping["question"], "question")
    if "prompt" not in mapping and "key_terms" not in mapping:
        return None
    prompt = checker.string(mapping, "prompt", default="")
    terms = _key_terms(checker, mapping.get("key_terms", []), "key_terms")
    if not prompt:
        raise checker.fail("prompt", "the question's text, with the key terms (or neither)")
    return Question(" ".join(prompt.split()), terms)


def _question(checker: _Checker, value: Any, field: str) -> Question:
    """A question as text, or as a mapping of text, key_terms, period and sources."""
    if isinstance(value, str):
        value = {"text": value}
    body = checker.mapping(value, field)
    checker.known_fields(body, _QUESTION_FIELDS, field)
    text = checker.string(body, "text", f"{field}.text")
    terms = _key_terms(checker, body.get("key_terms", []), f"{field}.key_terms")
    period = body.get("period")
    if period is not None and not isinstance(period, str | int):
        raise checker.fail(f"{field}.period", f"a year or a range such as 1933-1939, got "
                                              f"{_kind(period)}")
    sources = body.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(x, str) for x in sources):
        raise checker.fail(f"{field}.sources", "a list of source texts")
    try:
        return Question.build(text, terms, str(period) if period is not None else None,
                              sources)
    except QuestionError as exc:
        raise checker.fail(field, f"a usable question ({exc})") from exc


def _key_terms(checker: _Checker, value: Any, where: str) -> tuple[KeyTerm, ...]:
    if not isinstance(value, list):
        raise checker.fail(where, f"a list of terms, got {_kind(value)}")
    out = []
    for i, item in enumerate(value):
        field = f"{where}[{i}]"
        if isinstance(item, str) and item.strip():
            out.append(KeyTerm(item.strip()))
            continue
        body = checker.mapping(item, field)
        checker.known_fields(body, {"term", "aliases"}, field)
        aliases = body.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip()
                                                    for a in aliases):
            raise checker.fail(f"{field}.aliases", "a list of non-empty strings")
        out.append(KeyTerm(checker.string(body, "term", f"{field}.term"),
                           tuple(a.strip() for a in aliases)))
    return tuple(out)


def _exemplars(checker: _Checker, value: Any, criterion_ids: list[str], levels: dict[int, str],
               base_dir: Path | None, files: Mapping[str, str] | None) -> tuple[Exemplar, ...]:
    if not isinstance(value, list):
        raise checker.fail("exemplars", f"a list of exemplars, got {_kind(value)}")
    out = []
    for i, item in enumerate(value):
        field = f"exemplars[{i}]"
        body = checker.mapping(item, field)
        checker.known_fields(body, _EXEMPLAR_FIELDS, field)
        if "text" in body:
            text, source = checker.string(body, "text", f"{field}.text"), f"{field}.text"
        else:
            relative = checker.string(body, "path", f"{field}.path")
            if files is not None:
                if relative not in files:
                    raise checker.fail(f"{field}.path", f"an exemplar stored with the rubric "
                                                        f"(have: {', '.join(files) or 'none'})")
                out.append(_exemplar(checker, body, field, files[relative], relative,
                                     criterion_ids, levels))
                continue
            path = (base_dir or Path.cwd()) / relative
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise checker.fail(f"{field}.path",
                                   f"a readable UTF-8 essay file (could not read {path})") from exc
            source = str(path)
        out.append(_exemplar(checker, body, field, text, source, criterion_ids, levels))
    return tuple(out)


def exemplar_paths(text: str) -> list[str]:
    """The exemplar file paths a rubric's YAML names (for storing them beside the rubric)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    items = data.get("exemplars") if isinstance(data, dict) else None
    return [item["path"] for item in items or []
            if isinstance(item, dict) and isinstance(item.get("path"), str) and "text" not in item]


def _exemplar(checker: _Checker, body: dict, field: str, text: str, source: str,
              criterion_ids: list[str], levels: dict[int, str]) -> Exemplar:
    stated = checker.mapping(body.get("levels"), f"{field}.levels")
    for key in stated:
        if key not in criterion_ids:
            raise checker.fail(f"{field}.levels.{key}",
                               f"a criterion of this rubric ({', '.join(criterion_ids)})")
    for criterion_id in criterion_ids:
        level = stated.get(criterion_id)
        if level not in levels or isinstance(level, bool):
            raise checker.fail(f"{field}.levels.{criterion_id}",
                               f"one of the rubric's levels {sorted(levels)}")
    credit = body.get("credit", "")
    question = _question(checker, body["question"], f"{field}.question") \
        if "question" in body else None
    return Exemplar(text=text, levels=dict(stated), source=source,
                    credit=credit.strip() if isinstance(credit, str) else "", question=question)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "true/false",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)
