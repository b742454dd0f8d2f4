"""Evidence and analysis: dates, figures, quotations, named people and sources, whether each is
explained, and whether each paragraph's point is backed (models/features/evidence.py)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import ClassVar

from models.criteria.base import Criterion, CriterionContext
from models.criteria.registry import criterion
from models.document import EssayDoc
from models.features.evidence import EvidenceFeatures, extract_evidence
from models.feedback.compose import MAX_IMPROVEMENTS, MAX_STRENGTHS, FeedbackContext
from models.feedback.wording import Wording
from models.result import FeedbackItem, and_joined
from models.scoring.raw import RawScore, share, weighted, without

_EVIDENCE_KINDS = frozenset({"quotation", "date", "figure", "source", "name"})
_PRECISE = frozenset({"quotation", "date", "figure", "source"})
# Full credit for density when this share of the body's sentences carries evidence.
DENSE = 0.35
KINDS_FOR_VARIETY = 4  # kinds of evidence (of five) for full credit for variety
ITEMS_FOR_SPECIFICITY = 10  # distinct dates, figures and names for full specificity
TERMS_FOR_COVERAGE = 5  # the question's key terms used for full credit
THIN_PENALTY = 0.1  # taken off per share of body paragraphs without evidence
WEIGHTS = {"density": 0.25, "variety": 0.15, "specificity": 0.15, "analysis": 0.2,
           "support": 0.1, "key_terms": 0.15}
ADVISED_TERMS = 3  # key terms named at most in one comment


@criterion("evidence", after=("thesis",))
class Evidence(Criterion):
    capped_by = ("word_salad", "gibberish", "off_topic")
    role_labels: ClassVar[Mapping[str, str]] = {"evidence": "Evidence", "analysis": "Analysis",
                   "unsupported_claim": "Unsupported claim"}
    wording: ClassVar[Mapping[str, Wording]] = {
        "evidence.strong": Wording(
            "“{quote}” brings in {kinds}, and you go on to explain what it shows.",
            "Use this pattern (evidence, then explanation) in every body paragraph."),
        "evidence.unexplained": Wording(
            "“{quote}” brings in {kinds}, but the essay moves on without explaining what it "
            "shows.",
            "Follow it with a sentence that links it to your argument (“This shows that…”, "
            "“As a result…”)."),
        "evidence.unsupported": Wording(
            "“{quote}” is this paragraph's point, but nothing in the paragraph backs it up "
            "with a date, figure, quotation or named source.",
            "Support it with a specific piece of evidence and explain how it proves the point, "
            "or qualify the claim."),
        "evidence.unattributed_quote": Wording(
            "The quotation in “{quote}” is not attributed to anyone.",
            "Say who said or wrote it, and when, so the reader can judge its weight."),
        "evidence.thin_paragraph": Wording(
            "The paragraph beginning “{quote}” has no specific evidence: no date, figure, "
            "quotation or named source.",
            "Add at least one precise piece of evidence that proves this paragraph's point."),
        "evidence.key_terms": Wording(
            "The essay never mentions {terms}, which are central to this question.",
            "Bring the most relevant of them in where they support your argument, for example "
            "near “{quote}”."),
    }
    weaknesses: ClassVar[Mapping[str, str]] = {
        "evidence.unexplained": "Evidence left unexplained",
        "evidence.unsupported": "Claims without evidence",
        "evidence.unattributed_quote": "Quotations not attributed",
        "evidence.thin_paragraph": "Paragraphs without evidence",
        "evidence.key_terms": "Key terms of the topic missing",
    }

    def features(self, ctx: CriterionContext) -> EvidenceFeatures:
        return extract_evidence(ctx.scored, ctx.topic, ctx.features["thesis"].thesis,
                                ctx.misdated, ctx.argument)

    def raw(self, evidence: EvidenceFeatures, ctx: CriterionContext) -> RawScore:
        essay = ctx.scored
        body = _body_sentences(essay)
        in_body = sum(1 for i in evidence.evidence if i in set(body))
        n_evidence = len(evidence.evidence)
        bodies = max(len(essay.body_paragraphs), 1)
        components = {
            "density": min(1.0, in_body / max(DENSE * len(body), 1.0)),
            "variety": min(1.0, len(set(evidence.kinds_used) & _EVIDENCE_KINDS)
                           / KINDS_FOR_VARIETY),
            "specificity": min(1.0, evidence.distinct_items / ITEMS_FOR_SPECIFICITY),
            "analysis": len(evidence.explained) / n_evidence if n_evidence else 0.0,
            "support": 1.0 - len(evidence.unsupported) / max(len(evidence.claims), 1),
        }
        weights = dict(WEIGHTS)
        terms = len(evidence.key_terms_used) + len(evidence.key_terms_missing)
        if terms:  # up to five of the question's terms; a short question names fewer
            components["key_terms"] = min(1.0, len(evidence.key_terms_used)
                                          / min(TERMS_FOR_COVERAGE, terms))
        else:  # no question, or one that names no terms: judged on the rest alone
            weights = without(weights, "key_terms")
        thin = len(evidence.thin_paragraphs) / bodies
        components["thin_paragraphs"] = thin
        return weighted(weights, components, penalty=THIN_PENALTY * thin)

    def roles(self, evidence: EvidenceFeatures, ctx: CriterionContext
              ) -> Mapping[int, list[str]]:
        roles: dict[int, list[str]] = {}
        for i in evidence.evidence:
            roles.setdefault(i, []).append("evidence")
        for i, mark in evidence.sentences.items():
            if mark.analysis:
                roles.setdefault(i, []).append("analysis")
        for i in evidence.unsupported:
            roles.setdefault(i, []).append("unsupported_claim")
        return roles

    def calibration_features(self, evidence: EvidenceFeatures, ctx: CriterionContext
                             ) -> Mapping[str, float]:
        essay = ctx.scored
        sentences = max(1, len(essay.sentences))
        return {
            "evidence_share": share(len(evidence.evidence), sentences),
            "explained_share": share(len(evidence.explained), max(1, len(evidence.evidence))),
            "unsupported_share": share(len(evidence.unsupported), sentences),
            "claim_share": share(len(evidence.claims), sentences),
            "distinct_items_log": math.log1p(evidence.distinct_items),
            "evidence_kinds": float(len(evidence.kinds_used)),
            "quotations": float(min(len(evidence.quotations), 10)),
            "key_term_coverage": share(len(evidence.key_terms_used),
                                       len(evidence.key_terms_used)
                                       + len(evidence.key_terms_missing)),
            "thin_paragraph_share": share(len(evidence.thin_paragraphs),
                                          max(1, len(essay.body_paragraphs))),
            # Paragraph points the argument finds backed by a reason or example.
            "backed_claim_share": share(
                sum(1 for c in ctx.argument.claims.values() if ctx.argument.backed_by(c)),
                max(1, len(ctx.argument.claims))),
        }

    def feedback(self, ctx: FeedbackContext) -> list[FeedbackItem]:
        e = ctx.evidence
        strengths, improvements = [], []
        # Praise precise evidence (a quotation, date, figure or source, not names alone) where
        # the pattern is meant to be followed, the body paragraphs, before the introduction's
        # context and the conclusion's summary; the thesis is a claim, not a piece of evidence.
        paragraphs = ctx.essay.paragraphs
        intro = set(paragraphs[0].sentences) if len(paragraphs) >= 2 else set()
        summary = set(paragraphs[-1].sentences) if len(paragraphs) >= 3 else set()
        praised = sorted((i for i in e.explained if _PRECISE & set(e.sentences[i].kinds)
                          and i != ctx.thesis.thesis), key=lambda i: i in intro or i in summary)
        for index in praised[:MAX_STRENGTHS]:
            strengths.append(ctx.item("evidence.strong", "strength", [index],
                                      kinds=describe_kinds(e.sentences[index].kinds)))
        for index in e.unattributed_quotes[:1]:
            improvements.append(ctx.item("evidence.unattributed_quote", "improvement", [index]))
        for index in e.unexplained[:2]:
            improvements.append(ctx.item("evidence.unexplained", "improvement", [index],
                                         kinds=describe_kinds(e.sentences[index].kinds)))
        for index in e.unsupported[:2]:
            improvements.append(ctx.item("evidence.unsupported", "improvement", [index]))
        for paragraph in e.thin_paragraphs[:1]:
            first = ctx.essay.paragraphs[paragraph].sentences[0]
            improvements.append(ctx.item("evidence.thin_paragraph", "improvement", [first]))
        # Only the question's own terms (or the teacher's) are named, and only when the essay
        # uses fewer than half of them: a term the question never named is no fault of it.
        advisable = ctx.topic.advisable_terms
        used = [t for t in e.key_terms_used if t in advisable]
        missing = [t for t in e.key_terms_missing if t in advisable]
        if missing and len(used) < min(ADVISED_TERMS, math.ceil(len(advisable) / 2)) \
                and ctx.essay.sentences:
            anchor = ctx.thesis.thesis if ctx.thesis.thesis is not None else \
                ctx.essay.sentences[0].index
            improvements.append(ctx.item(
                "evidence.key_terms", "improvement", [anchor],
                terms=", ".join(f"“{t}”" for t in missing[:ADVISED_TERMS])))
        return strengths[:MAX_STRENGTHS] + improvements[:MAX_IMPROVEMENTS]


def describe_kinds(kinds: Iterable[str]) -> str:
    """"a date, a figure and named people or places"."""
    names = {"quotation": "a quotation", "date": "a date", "figure": "a figure",
             "name": "named people or places", "source": "a source", "example": "an example"}
    return and_joined([names[k] for k in kinds if k in names]) or "evidence"


def _body_sentences(essay: EssayDoc) -> list[int]:
    if len(essay.paragraphs) >= 2:
        intro = set(essay.paragraphs[0].sentences)
        return [s.index for s in essay.sentences if s.index not in intro]
    return [s.index for s in essay.sentences]
