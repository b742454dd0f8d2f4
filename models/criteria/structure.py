"""Structure and organisation: paragraphs, introduction and conclusion, topic sentences,
transitions and flow (models/features/structure.py; the thesis, its restatement and each
paragraph's point come from the essay's argument)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from models.criteria.base import Criterion, CriterionContext
from models.criteria.registry import criterion
from models.features.structure import StructureFeatures, extract_structure
from models.feedback.compose import MAX_IMPROVEMENTS, MAX_STRENGTHS, FeedbackContext
from models.feedback.wording import Wording
from models.result import FeedbackItem, quote
from models.scoring.raw import RawScore, share, weighted

# Paragraphs an essay of so many words is expected to have (fewer words, fewer paragraphs).
SHORT_WORDS, MEDIUM_WORDS = 150, 300
# Full credit for transitions when this share of sentences has one.
TRANSITION_RATE = 0.25
INTRODUCTION_WITHOUT_THESIS = 0.3  # credit for an introduction when the thesis comes later
ELIDED_CONCLUSION = 0.5  # an excerpt cut before its end: neither credited nor blamed
MISPLACED_PENALTY, REPEATED_PENALTY, DANGLING_PENALTY = 0.1, 0.05, 0.08
WEIGHTS = {"paragraphing": 0.2, "introduction": 0.15, "conclusion": 0.2,
           "topic_sentences": 0.2, "transitions": 0.1, "balance": 0.05, "coherence": 0.1}
# A body paragraph is unbalanced under this share of the average, and under this many words.
UNBALANCED_SHARE, UNBALANCED_WORDS = 0.4, 60


@criterion("structure", after=("thesis", "evidence"))
class Structure(Criterion):
    capped_by = ("word_salad", "gibberish")
    role_labels: ClassVar[Mapping[str, str]] = {"topic_sentence": "Topic sentence",
                                                 "transition": "Transition"}
    wording: ClassVar[Mapping[str, Wording]] = {
        "structure.single_block": Wording(
            "The essay is one block of {count} sentences, so the reader cannot see its stages.",
            "Start a new paragraph at “{quote}”, where the essay turns to a new point, and give "
            "the essay an introduction, body paragraphs and a conclusion."),
        "structure.no_conclusion": Wording(
            "The essay ends with “{quote}”, without a conclusion that sums up your argument.",
            "Add a short final paragraph that answers the question again in the light of your "
            "evidence."),
        "structure.conclusion_drifts": Wording(
            "Your conclusion (“{quote}”) does not return to your thesis (“{thesis}”).",
            "Restate the thesis in new words and say what your evidence has shown about it."),
        "structure.conclusion_returns": Wording(
            "Your conclusion returns to your argument: “{quote}”.",
            "Go one step further and weigh the points you made (which mattered most, and "
            "why)."),
        "structure.topic_sentence": Wording(
            "The paragraph beginning “{quote}” opens with {problem}, not with the point the "
            "paragraph will prove.",
            "Open with a sentence that states the paragraph's point and links it to your "
            "thesis; let the evidence follow."),
        "structure.transitions_good": Wording(
            "Transitions such as “{marker}” in “{quote}” show the reader how your ideas "
            "connect.",
            "Keep using a range of them, especially between paragraphs."),
        "structure.transitions_repeated": Wording(
            "{count} sentences open with “{marker}”, for example “{quote}”.",
            "Vary the links: choose the word that says how the ideas relate (contrast, cause, "
            "addition, time)."),
        "structure.transitions_missing": Wording(
            "“{quote}” changes subject with no link to the sentence before it.",
            "Add a transition or a phrase that connects it to the previous idea."),
        "structure.misplaced_marker": Wording(
            "“{quote}” uses “{marker}” {where}.",
            "Use each signpost where it belongs, so the reader is not misled about where the "
            "essay is."),
        "structure.unbalanced": Wording(
            "The paragraph beginning “{quote}” has {count} words, against an average of "
            "{words}.",
            "Develop it with evidence and explanation, or merge it with a related paragraph."),
    }
    weaknesses: ClassVar[Mapping[str, str]] = {
        "structure.single_block": "No paragraphs",
        "structure.no_conclusion": "No conclusion",
        "structure.conclusion_drifts": "Conclusion does not return to the thesis",
        "structure.topic_sentence": "Paragraphs without a clear topic sentence",
        "structure.transitions_repeated": "The same transition over and over",
        "structure.transitions_missing": "Abrupt changes of subject",
        "structure.misplaced_marker": "Signposts in the wrong place",
        "structure.unbalanced": "Unbalanced paragraphs",
    }

    def features(self, ctx: CriterionContext) -> StructureFeatures:
        return extract_structure(ctx.scored, ctx.features["thesis"], ctx.features["evidence"],
                                 ctx.argument)

    def raw(self, structure: StructureFeatures, ctx: CriterionContext) -> RawScore:
        essay, thesis = ctx.scored, ctx.features["thesis"]
        words = essay.scored_word_count
        expected = 2 if words < SHORT_WORDS else 3 if words < MEDIUM_WORDS else 4
        ok_topics = [t for t in structure.topic_sentences if t.problem is None]
        components = {
            "paragraphing": min(1.0, (structure.paragraph_count - 1) / (expected - 1)),
            "introduction": 1.0 if structure.introduction_has_thesis else
            INTRODUCTION_WITHOUT_THESIS if thesis.found else 0.0,
            "conclusion": structure.conclusion_credit
            if structure.conclusion_paragraph is not None
            else ELIDED_CONCLUSION if essay.elided else structure.closing_credit,
            "topic_sentences": len(ok_topics) / len(structure.topic_sentences)
            if structure.topic_sentences else 0.0,
            "transitions": min(1.0, structure.transition_rate / TRANSITION_RATE)
            * (0.5 + 0.5 * structure.transition_variety),
            "balance": structure.balance,
            "coherence": structure.coherence,
        }
        penalty = MISPLACED_PENALTY * len(structure.misplaced) + (
            REPEATED_PENALTY if structure.repeated_marker else 0.0) + \
            DANGLING_PENALTY * len(structure.dangling)
        components["misplaced"] = float(len(structure.misplaced))
        components["dangling_openings"] = float(len(structure.dangling))
        return weighted(WEIGHTS, components, penalty=penalty)

    def roles(self, structure: StructureFeatures, ctx: CriterionContext
              ) -> Mapping[int, list[str]]:
        roles: dict[int, list[str]] = {}
        for t in structure.topic_sentences:
            roles.setdefault(t.sentence, []).append("topic_sentence")
        for t in structure.transitions:
            roles.setdefault(t.sentence, []).append("transition")
        return roles

    def calibration_features(self, structure: StructureFeatures, ctx: CriterionContext
                             ) -> Mapping[str, float]:
        topic_ok = sum(1 for t in structure.topic_sentences if t.problem is None)
        return {
            "transition_rate": structure.transition_rate,
            "transition_variety": structure.transition_variety,
            "topic_sentence_share": share(topic_ok, max(1, len(structure.topic_sentences))),
            "introduction_has_thesis": float(structure.introduction_has_thesis),
            "conclusion_marker": float(structure.conclusion_marker),
            "conclusion_overlap": structure.conclusion_overlap,
            "balance": structure.balance,
            "coherence": structure.coherence,
            "dangling_share": share(len(structure.dangling), max(1, len(ctx.scored.paragraphs))),
            # The argument's shape: a conclusion that restates the thesis, body paragraphs
            # that each make a point.
            "restated": float(bool(structure.restated)),
            "claimed_paragraph_share": share(len(ctx.argument.claims),
                                             max(1, len(ctx.scored.body_paragraphs))),
        }

    def feedback(self, ctx: FeedbackContext) -> list[FeedbackItem]:
        s = ctx.structure
        strengths, improvements = [], []
        essay = ctx.essay
        if s.paragraph_count == 1 and s.split_points:
            improvements.append(ctx.item("structure.single_block", "improvement",
                                         list(s.split_points), count=s.sentence_count))
        for m in s.misplaced[:1]:
            improvements.append(ctx.item("structure.misplaced_marker", "improvement",
                                         [m.sentence], marker=m.marker, where=m.where))
        # A conclusion can only return to a thesis stated before it: with the claim made first
        # in the conclusion, "returns to your argument" would be false (thesis.late says it).
        stated_first = ctx.thesis.thesis is not None and ctx.thesis.in_introduction
        if s.conclusion_paragraph is not None:
            last = essay.paragraphs[s.conclusion_paragraph].sentences
            if stated_first and s.conclusion_returns:
                said = s.restatement if s.restatement is not None else last[0]
                strengths.append(ctx.item("structure.conclusion_returns", "strength", [said]))
            elif stated_first:
                thesis_text = quote(essay.sentence(ctx.thesis.thesis).text)
                improvements.append(ctx.item("structure.conclusion_drifts", "improvement",
                                             [last[0], ctx.thesis.thesis], thesis=thesis_text))
        elif s.paragraph_count >= 3 and not essay.elided:
            improvements.append(ctx.item("structure.no_conclusion", "improvement",
                                         [essay.sentences[-1].index]))
        for topic in s.topic_sentences:
            if topic.problem is not None:
                improvements.append(ctx.item("structure.topic_sentence", "improvement",
                                             [topic.sentence], problem=topic.problem))
                break
        if s.repeated_marker:
            marker, sentences = s.repeated_marker
            improvements.append(ctx.item("structure.transitions_repeated", "improvement",
                                         sentences[:3], marker=marker, count=len(sentences)))
        else:
            # A sentence with a slip ("also there was propaganda…") is no example to hold up.
            flawed = ctx.language.flawed_sentences if ctx.language is not None else frozenset()
            clean = [t for t in s.transitions if t.sentence not in flawed]
            # Praise the markers that open sentences first: they are the clearest examples.
            openers = [t for t in clean if t.opening] or clean
            varied = list({t.kind: t for t in openers}.values())[:2]
            if varied:
                strengths.append(ctx.item("structure.transitions_good", "strength",
                                          [t.sentence for t in varied], marker=varied[0].marker))
        for index in s.abrupt[:1]:
            improvements.append(ctx.item("structure.transitions_missing", "improvement",
                                         [index]))
        if len(s.paragraph_words) >= 3:
            body = [p.index for p in essay.body_paragraphs]
            words = [s.paragraph_words[i] for i in body]
            average = sum(words) / len(words) if words else 0
            for i, count in zip(body, words, strict=True):
                if average and count < UNBALANCED_SHARE * average and count < UNBALANCED_WORDS:
                    improvements.append(ctx.item(
                        "structure.unbalanced", "improvement",
                        [essay.paragraphs[i].sentences[0]], count=count, words=round(average)))
                    break
        return strengths[:MAX_STRENGTHS] + improvements[:MAX_IMPROVEMENTS]
