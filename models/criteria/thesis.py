"""Thesis: the sentence that takes a position on the question, and how clear and arguable it
is. Which sentence it is comes from the essay's argument (models/argument); how good a claim it
is, from models/features/thesis.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from models.criteria.base import Criterion, CriterionContext
from models.criteria.registry import criterion
from models.document import EssayDoc
from models.features.thesis import (
    THESIS_THRESHOLD,
    ThesisCandidate,
    ThesisFeatures,
    extract_thesis,
)
from models.feedback.compose import FeedbackContext
from models.feedback.wording import Wording
from models.result import FeedbackItem
from models.scoring.caps import NO_INTRODUCTION, THESIS_OUTSIDE_INTRODUCTION
from models.scoring.raw import RawScore

# A thesis outside the introduction (or none) earns this share of its claim's quality.
LATE_PLACEMENT = 0.6
# Below these, a thesis is said to name few specifics, or not to say how far or why.
SPECIFIC_ENOUGH = 0.5
STANCE_ENOUGH = 0.35


@criterion("thesis")
class Thesis(Criterion):
    capped_by = ("word_salad", "gibberish", "off_topic")
    role_labels: ClassVar[Mapping[str, str]] = {"thesis": "Thesis"}
    wording: ClassVar[Mapping[str, Wording]] = {
        "thesis.strong": Wording(
            "“{quote}” is a clear, arguable claim where a reader expects the thesis.",
            "Keep every body paragraph tied to it: open each one with a point that develops "
            "this claim."),
        "thesis.vague": Wording(
            "“{quote}” is the closest thing to a thesis, but it {problem}.",
            "Sharpen it into a claim someone could dispute: say how far, for whom and why."),
        "thesis.announcement": Wording(
            "“{quote}” announces what the essay will do instead of saying what you argue.",
            "Replace it with your answer to the question, in one sentence a historian could "
            "disagree with."),
        "thesis.missing": Wording(
            "Your introduction ends with “{quote}”, which does not take a position on the "
            "question.",
            "Add one sentence at the end of the introduction that answers the question "
            "directly."),
        "thesis.late": Wording(
            "Your clearest claim, “{quote}”, only comes {where}.",
            "Move this claim (or a version of it) to the end of your introduction so the "
            "reader knows your argument from the start."),
        "thesis.question": Wording(
            "“{quote}” asks a question; a thesis answers one.",
            "Turn the question into your answer to it."),
        "thesis.off_topic": Wording(
            "This essay seems to answer a different question from the one it was graded "
            "against: “{question}”. Its thesis and evidence could not be credited against "
            "that question.",
            "Reread the question, answer it directly in your introduction, and choose evidence "
            "that bears on it. If you did answer this question, ask your teacher to check."),
    }
    weaknesses: ClassVar[Mapping[str, str]] = {
        "thesis.vague": "Thesis too vague to argue",
        "thesis.announcement": "Thesis announces instead of arguing",
        "thesis.missing": "No thesis",
        "thesis.late": "Thesis only at the end",
        "thesis.question": "Thesis posed as a question",
        "thesis.off_topic": "Answers a different question",
    }

    def features(self, ctx: CriterionContext) -> ThesisFeatures:
        return extract_thesis(ctx.scored, ctx.topic, ctx.argument)

    def raw(self, features: ThesisFeatures, ctx: CriterionContext) -> RawScore:
        # Placed where a reader expects it, but credited as placed only when it is clear enough
        # to be a thesis: else moving a weak sentence into the opening would pay. Otherwise the
        # essay's best claim wherever it stands counts at the late rate (ThesisFeatures.anywhere).
        placed = placed_thesis(features)
        claim = placed.score if placed is not None else 0.0
        value, placement = claim, 1.0
        anywhere = features.anywhere
        if anywhere is not None and anywhere.score * LATE_PLACEMENT > value:
            value = anywhere.score * LATE_PLACEMENT
            if placed is None:
                claim, placement = anywhere.score, LATE_PLACEMENT
        components = {"claim": round(claim, 4), "placement": placement}
        if placed is not None and anywhere is not None:
            components["claim_elsewhere"] = round(anywhere.score, 4)
        return RawScore(round(value, 4), components)

    def ceiling(self, row: Mapping[str, float]) -> str | None:
        # The upper descriptors put a clear claim in the introduction: an essay of one block
        # has none, and where no sentence of the introduction reads as a clear claim, the
        # essay's claim, however clear, is "hard to find in the introduction" (it is still
        # credited up to there, and its comment says to move it). ``thesis_best`` is the
        # thesis the argument model found in the introduction or, when it found none there,
        # the introduction's best sentence: an introduction whose claim the model misses (the
        # rubric's own exemplar) is not held down for it.
        if row["paragraphs"] < 2:
            return NO_INTRODUCTION
        return None if row["thesis_best"] >= THESIS_THRESHOLD else THESIS_OUTSIDE_INTRODUCTION

    def roles(self, features: ThesisFeatures, ctx: CriterionContext) -> Mapping[int, list[str]]:
        return {features.thesis: ["thesis"]} if features.thesis is not None else {}

    def calibration_features(self, features: ThesisFeatures, ctx: CriterionContext
                             ) -> Mapping[str, float]:
        return {"thesis_found": float(features.found),
                "thesis_best": features.best.score if features.best else 0.0,
                "thesis_late": float(features.late is not None),
                # How surely a person would call it the thesis (0 when none was read).
                "thesis_probability": features.probability or 0.0}

    def feedback(self, ctx: FeedbackContext) -> list[FeedbackItem]:
        t = ctx.thesis
        items = []
        if t.found and t.in_introduction and t.best is not None and not t.sure:
            pass  # found for the scores, but not surely enough to say which sentence it is
        elif t.found and t.in_introduction and t.best is not None:
            problems = []
            if t.best.specific < SPECIFIC_ENOUGH:
                problems.append("names few specific people, events or policies")
            if t.best.stance < STANCE_ENOUGH:
                problems.append("does not say how far or why")
            if problems:
                items.append(ctx.item("thesis.vague", "improvement", [t.thesis],
                                      problem=" and ".join(problems)))
            else:
                items.append(ctx.item("thesis.strong", "strength", [t.thesis]))
        elif t.best is not None and t.best.score >= THESIS_THRESHOLD and (
                t.late is None or t.best.score >= t.late.score):
            # The argument model placed the thesis elsewhere, but the introduction holds a claim
            # as clear as any later one: "your clearest claim only comes in paragraph 5" and
            # "does not take a position" would both be false, and which sentence is the thesis
            # is not sure enough to praise or fault.
            pass
        elif t.late is not None:
            items.append(ctx.item("thesis.late", "improvement", [t.late.sentence],
                                  paragraph=ctx.essay.sentence(t.late.sentence).paragraph + 1,
                                  where=_where_late(ctx.essay, t.late.sentence)))
        elif t.best is not None and t.best.announcement:
            items.append(ctx.item("thesis.announcement", "improvement", [t.best.sentence]))
        elif t.best is not None and t.best.question:
            items.append(ctx.item("thesis.question", "improvement", [t.best.sentence]))
        elif t.introduction:
            items.append(ctx.item("thesis.missing", "improvement", [t.introduction[-1]]))
        return items


def placed_thesis(features: ThesisFeatures) -> ThesisCandidate | None:
    """The thesis when it is where a reader expects it and clear enough to be one."""
    if features.found and features.in_introduction and features.best is not None \
            and features.best.score >= THESIS_THRESHOLD:
        return features.best
    return None


def _where_late(essay: EssayDoc, index: int) -> str:
    """Where a late thesis comes: its paragraph, or in an essay of one paragraph (whose opening
    sentences stand for an introduction) its place among the sentences, never "paragraph 1"."""
    paragraph = essay.sentence(index).paragraph
    if len(essay.paragraphs) >= 2 and paragraph > 0:
        return f"in paragraph {paragraph + 1}"
    position = next(k for k, s in enumerate(essay.sentences) if s.index == index)
    return f"in sentence {position + 1} of {len(essay.sentences)}, after your opening sentences"
