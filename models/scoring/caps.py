"""Caps: flags that make an essay unassessable on some criteria, and what a reader is told.

Which criteria a flag caps is each criterion's own declaration (``capped_by``,
models/criteria/). A capped level is never shown as if it were the grader's judgement of the
writing: results carry the flag that capped it (``capped_by``), the reason in words
(``cap_reason``) and the score the essay would have had without the cap (``uncapped_score``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.criteria.base import Criterion

OVERALL_CAPPED_BY = ("word_salad", "gibberish", "off_topic")
# A too-short essay may reach one level above the lowest, no more.
SHORT_CAP = "too_short"
# Ceilings: what a criterion's upper descriptors ask for is missing, so its level may not pass
# the rubric's middle (Criterion.ceiling says when).
THESIS_OUTSIDE_INTRODUCTION = "thesis_outside_introduction"
NO_INTRODUCTION = "no_introduction"

_REASONS = {
    "word_salad": "much of the text is not grammatical English, so it cannot be assessed as "
                  "an essay",
    "gibberish": "most of its words are not English words, so it cannot be assessed (the "
                 "grader reads English only)",
    "off_topic": "the essay seems to answer a different question from the one it was graded "
                 "against",
    SHORT_CAP: "the essay is shorter than the rubric's minimum length",
    THESIS_OUTSIDE_INTRODUCTION: "the introduction does not state a clear claim, which the "
                                 "higher levels ask for",
    NO_INTRODUCTION: "the essay is one block of text, without the introduction the higher "
                     "levels ask the claim to be in",
}


def caps() -> Mapping[str, tuple[str, ...]]:
    """Flag -> the criteria it takes down to the lowest level."""
    from models.criteria import registered

    return _caps_of(tuple(registered().values()))


@lru_cache(maxsize=8)  # worked out once per set of registered criteria: asked per essay
def _caps_of(criteria: tuple[Criterion, ...]) -> Mapping[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for criterion in criteria:
        for flag in criterion.capped_by:
            out.setdefault(flag, []).append(criterion.name)
    return MappingProxyType({flag: tuple(names) for flag, names in out.items()})


def ceilings(row: Mapping[str, float]) -> dict[str, str]:
    """Criterion -> why its level may not pass the rubric's middle, for an essay's features."""
    from models.criteria import registered

    out = {}
    for name, criterion in registered().items():
        reason = criterion.ceiling(row)
        if reason is not None:
            out[name] = reason
    return out


def ceiling_level(min_level: int, max_level: int) -> int:
    """The highest level a ceiling allows: the top of the scale's lower half (2 of 1-4)."""
    return min_level + (max_level - min_level) // 2


def cap_reason(flag: str, level: int, label: str) -> str:
    """'Capped at level 1 (Beginning): the essay seems to answer a different question …'."""
    return f"Capped at level {level} ({label}): {_REASONS.get(flag, flag.replace('_', ' '))}."
