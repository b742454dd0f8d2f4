"""What the engine returns: plain dataclasses with a stable JSON form (``to_dict``)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields, is_dataclass
from functools import cache

# 2: results name the question they were graded against (``question``); a capped criterion's
# ``score`` is the score that gave its level, the scale's own under ``uncapped_score``.
RESULT_SCHEMA_VERSION = 2
QUOTE_LIMIT = 240


@dataclass(frozen=True)
class SentenceRef:
    """A sentence of the essay: character offsets into the submitted text, and its words."""

    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class FeedbackItem:
    criterion: str
    code: str
    kind: str  # "strength" or "improvement"
    message: str
    next_step: str
    sentences: tuple[SentenceRef, ...]
    # Who may read it: "everyone", or "teachers" while its kind's measured precision is under
    # the bar (models/feedback/precision.py); the precision itself, None when not measured.
    audience: str = "everyone"
    precision: float | None = None


@dataclass(frozen=True)
class CriterionResult:
    id: str
    name: str
    weight: float
    level: int
    label: str
    descriptor: str
    score: float  # the continuous score that gave the level (the cap's level when capped)
    confidence: float
    raw: float
    components: dict[str, float]
    capped_by: str | None
    feedback: tuple[FeedbackItem, ...]
    uncapped_score: float = 0.0  # the scale's score before any cap
    cap_reason: str | None = None  # in words, when capped
    # The quality prior's share of the scale that placed the level (models/prior/); None when
    # the level comes from ``raw`` (a criterion no corpus scores, such as the thesis).
    prior: float | None = None


@dataclass(frozen=True)
class FlagResult:
    code: str
    message: str
    sentences: tuple[SentenceRef, ...]


@dataclass(frozen=True)
class SentenceRoles:
    index: int
    paragraph: int
    start: int
    end: int
    roles: tuple[str, ...]
    # The sentence this one backs in the argument (a support's point, a point's thesis).
    backs: int | None = None
    # Those of its roles only teachers see, marked "check": not yet reliable enough for
    # students (models/feedback/precision.py).
    check: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeyTermUsed:
    term: str
    source: str  # "teacher", "question" (read off its text) or "class" (the class's essays)


@dataclass(frozen=True)
class QuestionUsed:
    """The question an essay was graded against, as the engine read it."""

    text: str
    key_terms: tuple[KeyTermUsed, ...]
    period: str | None
    period_source: str | None  # "given", or "question" (the years its text names)
    source: str  # "given" (with the essay) or "rubric" (the rubric's own question)
    topic_judged: bool  # False when the question gives nothing to judge the topic by
    not_judged_because: str | None = None  # why, when it is not

    def to_dict(self) -> dict:
        return {"text": self.text, "key_terms": [plain(t) for t in self.key_terms],
                "period": self.period, "period_source": self.period_source,
                "source": self.source, "topic_judged": self.topic_judged,
                "not_judged_because": self.not_judged_because}


@dataclass(frozen=True)
class CalibrationUsed:
    """The calibration that scored an essay (models/calibration/applied.py)."""

    id: int | str
    scores: dict[str, float] | None  # on the teacher's scale; None: it could not be used
    error: str | None
    # The engine's own levels, where the calibrated ones replace them.
    default_levels: dict[str, int]


@dataclass(frozen=True)
class GradeResult:
    source: str
    words: int
    overall_score: float
    overall_level: int
    overall_label: str
    overall_confidence: float
    criteria: tuple[CriterionResult, ...]
    flags: tuple[FlagResult, ...]
    sentences: tuple[SentenceRoles, ...]
    rubric_id: str
    rubric_version: int
    rubric_digest: str
    engine_version: str
    pipeline: str
    question: QuestionUsed | None = None  # None: graded without a question (topic not judged)
    overall_capped_by: str | None = None
    overall_cap_reason: str | None = None
    overall_uncapped_score: float | None = None
    prior_version: str | None = None  # the quality prior that placed the levels
    calibration: CalibrationUsed | None = None  # None: the default model alone

    def criterion(self, criterion_id: str) -> CriterionResult:
        return next(c for c in self.criteria if c.id == criterion_id)

    @property
    def levels(self) -> dict[str, int]:
        return {c.id: c.level for c in self.criteria}

    @property
    def flag_codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.flags)

    @property
    def feedback(self) -> tuple[FeedbackItem, ...]:
        return tuple(item for c in self.criteria for item in c.feedback)

    def to_dict(self) -> dict:
        """The documented JSON document (schema_version 2); keys never change meaning."""
        document = {
            "schema_version": RESULT_SCHEMA_VERSION,
            "source": self.source,
            "words": self.words,
            "question": self.question.to_dict() if self.question else None,
            "overall": {"score": self.overall_score, "level": self.overall_level,
                        "label": self.overall_label, "confidence": self.overall_confidence,
                        "capped_by": self.overall_capped_by,
                        "cap_reason": self.overall_cap_reason,
                        "uncapped_score": self.overall_uncapped_score},
            "criteria": [plain(c) for c in self.criteria],
            "flags": [plain(f) for f in self.flags],
            "sentences": [plain(s) for s in self.sentences],
            "rubric": {"id": self.rubric_id, "version": self.rubric_version,
                       "digest": self.rubric_digest},
            "engine": {"version": self.engine_version, "pipeline": self.pipeline,
                       "prior": self.prior_version},
        }
        if self.calibration is not None:
            document["calibration"] = plain(self.calibration)
        return document


_ATOMS = frozenset({str, int, float, bool, type(None)})


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def plain(value: object) -> object:
    """``dataclasses.asdict`` for results, without deep-copying every string and number:
    asdict was a fifth of a worker's cost of storing a chunk's results."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is tuple or kind is list:
        return kind(map(plain, value))
    if kind is dict:
        return {plain(k): plain(v) for k, v in value.items()}
    if is_dataclass(value):
        return {name: plain(getattr(value, name)) for name in _field_names(kind)}
    return copy.deepcopy(value)


def and_joined(items: list[str]) -> str:
    """Several things named as a sentence names them: "a, b and c" ("" for none)."""
    return " and ".join(filter(None, (", ".join(items[:-1]), *items[-1:])))


def quote(text: str) -> str:
    """A sentence as quoted inside a comment: whole when short, cut at a word when long."""
    text = " ".join(text.split())
    if len(text) <= QUOTE_LIMIT:
        return text
    cut = text[:QUOTE_LIMIT].rsplit(" ", 1)[0]
    return cut + " …"
