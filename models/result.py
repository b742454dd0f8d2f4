"""What the engine returns: plain dataclasses with a stable JSON form (``to_dict``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

RESULT_SCHEMA_VERSION = 1
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


@dataclass(frozen=True)
class CriterionResult:
    id: str
    name: str
    weight: float
    level: int
    label: str
    descriptor: str
    score: float  # continuous level before rounding
    confidence: float
    raw: float
    components: dict[str, float]
    capped_by: str | None
    feedback: tuple[FeedbackItem, ...]


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

    def criterion(self, criterion_id: str) -> CriterionResult:
        return next(c for c in self.criteria if c.id == criterion_id)

    @property
    def levels(self) -> dict[str, int]:
        return {c.id: c.level for c in self.criteria}

    @property
    def flag_codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.flags)

    def to_dict(self) -> dict:
        """The documented JSON document (schema_version 1); keys never change meaning."""
        return {
            "schema_version": RESULT_SCHEMA_VERSION,
            "source": self.source,
            "words": self.words,
            "overall": {"score": self.overall_score, "level": self.overall_level,
                        "label": self.overall_label, "confidence": self.overall_confidence},
            "criteria": [asdict(c) for c in self.criteria],
            "flags": [asdict(f) for f in self.flags],
            "sentences": [asdict(s) for s in self.sentences],
            "rubric": {"id": self.rubric_id, "version": self.rubric_version,
                       "digest": self.rubric_digest},
            "engine": {"version": self.engine_version, "pipeline": self.pipeline},
        }


def quote(text: str) -> str:
    """A sentence as quoted inside a comment: whole when short, cut at a word when long."""
    text = " ".join(text.split())
    if len(text) <= QUOTE_LIMIT:
        return text
    cut = text[:QUOTE_LIMIT].rsplit(" ", 1)[0]
    return cut + " …"
