"""Which human score teaches which criterion, each normalised to [0, 1] on its prompt's range.

The corpora's traits are mapped where they fit: organization and ELLIPSE's cohesion to
structure; content and ideas to evidence (ASAP 3-6's content trait is exactly the use of
evidence from a text); conventions, word choice, sentence fluency, language, style and voice,
and ELLIPSE's analytic scores, to language; the holistic score to overall. The thesis keeps its
own measure (no corpus scores a thesis).
"""

from __future__ import annotations

from models.prior.corpus import Essay

TRAITS: dict[str, dict[str, tuple[str, ...]]] = {
    "overall": {"asap": ("domain1_score",), "ellipse": ("Overall",)},
    "structure": {"asap": ("trait_organization",), "ellipse": ("Cohesion",)},
    "evidence": {"asap": ("trait_content", "trait_ideas", "trait_ideas_content"),
                 "ellipse": ()},
    "language": {"asap": ("trait_conventions", "trait_word_choice", "trait_sentence_fluency",
                          "trait_language", "trait_style", "trait_voice"),
                 "ellipse": ("Syntax", "Vocabulary", "Phraseology", "Grammar", "Conventions")},
}
CRITERIA = tuple(TRAITS)


def normalised(essay: Essay, column: str) -> float | None:
    """A score as a share of its prompt's range (0 the lowest score, 1 the highest)."""
    value = essay.scores.get(column)
    if value is None:
        return None
    low, high = essay.ranges[column]
    return min(max((value - low) / (high - low), 0.0), 1.0)


def target(essay: Essay, criterion: str) -> float | None:
    """The mean of the essay's normalised scores for the traits mapped to ``criterion``."""
    values = [v for c in TRAITS[criterion].get(essay.corpus, ())
              if (v := normalised(essay, c)) is not None]
    return sum(values) / len(values) if values else None
