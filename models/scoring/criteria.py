"""Raw criterion scores in [0, 1], each a weighted sum of named, explainable components."""

from __future__ import annotations

from dataclasses import dataclass

from models.document import EssayDoc
from models.features.evidence import EvidenceFeatures
from models.features.language import LanguageFeatures
from models.features.structure import StructureFeatures
from models.features.thesis import ThesisFeatures

_EVIDENCE_KINDS = frozenset({"quotation", "date", "figure", "source", "name"})


@dataclass(frozen=True)
class RawScore:
    value: float
    components: dict[str, float]


def _without(weights: dict[str, float], name: str) -> dict[str, float]:
    """The weights without one component, the others scaled to the same total."""
    rest = {k: v for k, v in weights.items() if k != name}
    total = sum(rest.values())
    return {k: v * sum(weights.values()) / total for k, v in rest.items()}


def _weighted(weights: dict[str, float], components: dict[str, float],
              penalty: float = 0.0) -> RawScore:
    value = sum(weights[name] * components[name] for name in weights) - penalty
    rounded = {name: round(v, 4) for name, v in components.items()}
    return RawScore(round(min(max(value, 0.0), 1.0), 4), rounded)


def thesis_raw(thesis: ThesisFeatures) -> RawScore:
    if thesis.found and thesis.in_introduction and thesis.best is not None:
        claim, placement = thesis.best.score, 1.0
    elif thesis.late is not None:
        claim, placement = thesis.late.score, 0.6
    else:
        claim, placement = (thesis.best.score if thesis.best else 0.0), 0.6
    return RawScore(round(claim * placement, 4),
                    {"claim": round(claim, 4), "placement": placement})


def _body_sentences(essay: EssayDoc) -> list[int]:
    if len(essay.paragraphs) >= 2:
        intro = set(essay.paragraphs[0].sentences)
        return [s.index for s in essay.sentences if s.index not in intro]
    return [s.index for s in essay.sentences]


def evidence_raw(evidence: EvidenceFeatures, essay: EssayDoc) -> RawScore:
    body = _body_sentences(essay)
    in_body = sum(1 for i in evidence.evidence if i in set(body))
    n_evidence = len(evidence.evidence)
    bodies = max(len(essay.body_paragraphs), 1)
    components = {
        "density": min(1.0, in_body / max(0.35 * len(body), 1.0)),
        "variety": min(1.0, len(set(evidence.kinds_used) & _EVIDENCE_KINDS) / 4),
        "specificity": min(1.0, evidence.distinct_items / 10),
        "analysis": len(evidence.explained) / n_evidence if n_evidence else 0.0,
        "support": 1.0 - len(evidence.unsupported) / max(len(evidence.claims), 1),
    }
    weights = {"density": 0.25, "variety": 0.15, "specificity": 0.15, "analysis": 0.2,
               "support": 0.1, "key_terms": 0.15}
    terms = len(evidence.key_terms_used) + len(evidence.key_terms_missing)
    if terms:  # up to five of the question's terms; a short question names fewer
        components["key_terms"] = min(1.0, len(evidence.key_terms_used) / min(5, terms))
    else:  # no question, or one that names no terms: judged on the rest alone
        weights = _without(weights, "key_terms")
    thin = len(evidence.thin_paragraphs) / bodies
    components["thin_paragraphs"] = thin
    return _weighted(weights, components, penalty=0.1 * thin)


def structure_raw(structure: StructureFeatures, thesis: ThesisFeatures,
                  essay: EssayDoc) -> RawScore:
    words = essay.scored_word_count
    expected = 2 if words < 150 else 3 if words < 300 else 4
    paragraphs = structure.paragraph_count
    ok_topics = [t for t in structure.topic_sentences if t.problem is None]
    components = {
        "paragraphing": min(1.0, (paragraphs - 1) / (expected - 1)),
        "introduction": 1.0 if structure.introduction_has_thesis else
        0.3 if thesis.found else 0.0,
        # An excerpt cut before its ending is neither credited nor blamed for a conclusion.
        "conclusion": structure.conclusion_credit if structure.conclusion_paragraph is not None
        else 0.5 if essay.elided else structure.closing_credit,
        "topic_sentences": len(ok_topics) / len(structure.topic_sentences)
        if structure.topic_sentences else 0.0,
        "transitions": min(1.0, structure.transition_rate / 0.25)
        * (0.5 + 0.5 * structure.transition_variety),
        "balance": structure.balance,
        "coherence": structure.coherence,
    }
    weights = {"paragraphing": 0.2, "introduction": 0.15, "conclusion": 0.2,
               "topic_sentences": 0.2, "transitions": 0.1, "balance": 0.05, "coherence": 0.1}
    penalty = 0.1 * len(structure.misplaced) + (0.05 if structure.repeated_marker else 0.0) \
        + 0.08 * len(structure.dangling)
    components["misplaced"] = float(len(structure.misplaced))
    components["dangling_openings"] = float(len(structure.dangling))
    return _weighted(weights, components, penalty=penalty)


def language_raw(language: LanguageFeatures, essay: EssayDoc) -> RawScore:
    sentences = max(len(essay.sentences), 1)
    slips = len(language.long_sentences) + len(language.fragments) + len(
        language.lowercase_starts)
    grade = language.readability_grade
    readability = 1.0 if 8 <= grade <= 16 else max(0.0, 1 - (8 - grade) / 6) if grade < 8 else \
        max(0.0, 1 - (grade - 16) / 8)
    mean = max(language.mean_sentence_words, 1.0)
    components = {
        "spelling": 1.0 - min(1.0, language.spelling_rate / 4),
        "construction": 1.0 - min(1.0, 2 * slips / sentences),
        "variety": 0.5 * min(1.0, language.sentence_length_sd / (0.45 * mean))
        + 0.5 * language.opener_variety,
        "complexity": min(1.0, language.complex_share / 0.5),
        "readability": readability,
        "vocabulary": min(1.0, max(0.0, (language.lexical_diversity - 0.55) / 0.25)),
    }
    weights = {"spelling": 0.35, "construction": 0.2, "variety": 0.15, "complexity": 0.1,
               "readability": 0.1, "vocabulary": 0.1}
    return _weighted(weights, components)
