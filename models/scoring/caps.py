"""Caps: flags that make an essay unassessable on some criteria, and what a reader is told.

Which criteria a flag caps is each criterion's own declaration (``capped_by``,
models/criteria/). A capped level is never shown as if it were the grader's judgement of the
writing: results carry the flag that capped it (``capped_by``), the reason in words
(``cap_reason``) and the score the essay would have had without the cap (``uncapped_score``).
"""

from __future__ import annotations

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


def caps() -> dict[str, tuple[str, ...]]:
    """Flag -> the criteria it takes down to the lowest level."""
    from models.criteria import registered

    out: dict[str, list[str]] = {}
    for name, criterion in registered().items():
        for flag in criterion.capped_by:
            out.setdefault(flag, []).append(name)
    return {flag: tuple(names) for flag, names in out.items()}


def cap_reason(flag: str, level: int, label: str) -> str:
    """'Capped at level 1 (Beginning): the essay seems to answer a different question …'."""
    return f"Capped at level {level} ({label}): {_REASONS.get(flag, flag.replace('_', ' '))}."
