"""Caps: flags that make an essay unassessable on some criteria, and what a reader is told.

A capped level is never shown as if it were the grader's judgement of the writing: results
carry the flag that capped it (``capped_by``), the reason in words (``cap_reason``) and the
score the essay would have had without the cap (``uncapped_score``).
"""

from __future__ import annotations

# Flags that take a criterion down to the lowest level.
CAPS: dict[str, tuple[str, ...]] = {
    "word_salad": ("thesis", "evidence", "structure", "language"),
    "gibberish": ("thesis", "evidence", "structure", "language"),
    "off_topic": ("thesis", "evidence"),
}
OVERALL_CAPPED_BY = ("word_salad", "gibberish", "off_topic")
# A too-short essay may reach one level above the lowest, no more.
SHORT_CAP = "too_short"

_REASONS = {
    "word_salad": "much of the text is not grammatical English, so it cannot be assessed as "
                  "an essay",
    "gibberish": "most of its words are not English words, so it cannot be assessed (the "
                 "grader reads English only)",
    "off_topic": "the essay seems to answer a different question from the one it was graded "
                 "against",
    SHORT_CAP: "the essay is shorter than the rubric's minimum length",
}


def cap_reason(flag: str, level: int, label: str) -> str:
    """'Capped at level 1 (Beginning): the essay seems to answer a different question …'."""
    return f"Capped at level {level} ({label}): {_REASONS.get(flag, flag.replace('_', ' '))}."
