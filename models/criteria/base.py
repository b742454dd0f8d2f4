"""What a criterion is: one module that reads its features, scores them, marks sentences,
comments, feeds calibration and says which flags cap it.

A criterion registers itself like a spaCy factory (``@criterion("thesis")``), and the engine
loops over the registered ones; adding a criterion (``counterargument``, ``contextualisation``)
is one new module and an entry in a rubric.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from models.argument import Argument
from models.document import EssayDoc
from models.features.integrity import IntegrityReport
from models.features.topic import Topic
from models.scoring.raw import RawScore

if TYPE_CHECKING:
    from models.feedback.compose import FeedbackContext
    from models.feedback.wording import Wording
    from models.result import FeedbackItem


@dataclass(frozen=True)
class CriterionContext:
    """What a criterion may read: the essay (whole and as scored, without repeats and
    stuffing), its question, its argument, the integrity checks, the sentences giving a year
    far outside the period, and the features of the criteria read before it."""

    essay: EssayDoc
    scored: EssayDoc
    topic: Topic
    argument: Argument
    integrity: IntegrityReport
    misdated: frozenset[int] = frozenset()
    features: Mapping[str, Any] = field(default_factory=dict)


class Criterion(ABC):
    """One criterion of a rubric. Subclasses set the class attributes and implement
    ``features``, ``raw`` and ``feedback``; the rest have defaults."""

    name: ClassVar[str] = ""  # its id in rubrics ("thesis"); set by @criterion
    after: ClassVar[tuple[str, ...]] = ()  # criteria whose features it reads
    capped_by: ClassVar[tuple[str, ...]] = ()  # flags that take it to the lowest level
    wording: ClassVar[Mapping[str, Wording]] = {}  # default wording of its comment codes
    weaknesses: ClassVar[Mapping[str, str]] = {}  # its improvement codes in a few words
    role_labels: ClassVar[Mapping[str, str]] = {}  # sentence roles it marks, for the pages
    generic_tips: ClassVar[frozenset[str]] = frozenset()  # codes whose advice is general

    @abstractmethod
    def features(self, ctx: CriterionContext) -> Any:
        """Read the essay (``ctx.scored``) for this criterion."""

    @abstractmethod
    def raw(self, features: Any, ctx: CriterionContext) -> RawScore:
        """A raw score in [0, 1] from named, explainable components."""

    @abstractmethod
    def feedback(self, ctx: FeedbackContext) -> list[FeedbackItem]:
        """Comments, each quoting the sentences it is about."""

    def roles(self, features: Any, ctx: CriterionContext) -> Mapping[int, list[str]]:
        """Sentence index -> the roles this criterion marks it with (highlights)."""
        return {}

    def calibration_features(self, features: Any, ctx: CriterionContext
                             ) -> Mapping[str, float]:
        """Named numbers calibration may fit on (always the same names, in the same order)."""
        return {}

    def ceiling(self, row: Mapping[str, float]) -> str | None:
        """Why this essay's level may not pass the rubric's middle (models/scoring/caps.py),
        read from its feature row: what the upper descriptors ask for is missing. None when
        nothing holds it down."""
        return None
