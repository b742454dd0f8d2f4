"""Composing feedback items: each one quotes the sentences it is about and says what to do.

Items are chosen from the features in a fixed order of priority, so the same essay always
gets the same comments; a criterion gets at most two strengths and four improvements.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from models.document import EssayDoc
from models.features import spelling
from models.features.evidence import EvidenceFeatures
from models.features.language import LanguageFeatures
from models.features.structure import StructureFeatures
from models.features.thesis import ThesisFeatures
from models.features.topic import Topic
from models.result import FeedbackItem, SentenceRef, quote
from models.rubric import Rubric
from models.scoring.caps import CAPS

MAX_STRENGTHS = 2
MAX_IMPROVEMENTS = 4


class _Fields(dict):
    def __missing__(self, key: str) -> str:  # a rubric may leave a placeholder unused
        return "{" + key + "}"


@dataclass
class FeedbackContext:
    essay: EssayDoc
    rubric: Rubric
    thesis: ThesisFeatures
    evidence: EvidenceFeatures
    structure: StructureFeatures
    language: LanguageFeatures
    topic: Topic
    flags: frozenset[str] = frozenset()

    def ref(self, index: int) -> SentenceRef:
        s = self.essay.sentence(index)
        return SentenceRef(s.index, s.start, s.end, s.text)

    def item(self, code: str, kind: str, sentences: Iterable[int], **fields: object
             ) -> FeedbackItem:
        refs = tuple(self.ref(i) for i in dict.fromkeys(sentences))
        values = _Fields({k: str(v) for k, v in fields.items()})
        values.setdefault("quote", quote(refs[0].text))
        wording = self.rubric.wording(code)
        return FeedbackItem(code.split(".", 1)[0], code, kind,
                            wording.message.format_map(values),
                            wording.next_step.format_map(values), refs)


def _describe_kinds(kinds: Iterable[str]) -> str:
    names = {"quotation": "a quotation", "date": "a date", "figure": "a figure",
             "name": "named people or places", "source": "a source", "example": "an example"}
    listed = [names[k] for k in kinds if k in names]
    if len(listed) <= 1:
        return listed[0] if listed else "evidence"
    return ", ".join(listed[:-1]) + " and " + listed[-1]


def thesis_feedback(ctx: FeedbackContext) -> list[FeedbackItem]:
    t = ctx.thesis
    items = []
    if t.found and t.in_introduction and t.best is not None:
        problems = []
        if t.best.specific < 0.5:
            problems.append("names few specific people, events or policies")
        if t.best.stance < 0.35:
            problems.append("does not say how far or why")
        if problems:
            items.append(ctx.item("thesis.vague", "improvement", [t.thesis],
                                  problem=" and ".join(problems)))
        else:
            items.append(ctx.item("thesis.strong", "strength", [t.thesis]))
    elif t.late is not None:
        items.append(ctx.item("thesis.late", "improvement", [t.late.sentence],
                              paragraph=ctx.essay.sentence(t.late.sentence).paragraph + 1))
    elif t.best is not None and t.best.announcement:
        items.append(ctx.item("thesis.announcement", "improvement", [t.best.sentence]))
    elif t.best is not None and t.best.question:
        items.append(ctx.item("thesis.question", "improvement", [t.best.sentence]))
    elif t.introduction:
        items.append(ctx.item("thesis.missing", "improvement", [t.introduction[-1]]))
    return items


def evidence_feedback(ctx: FeedbackContext) -> list[FeedbackItem]:
    e = ctx.evidence
    strengths, improvements = [], []
    for index in e.explained[:MAX_STRENGTHS]:
        strengths.append(ctx.item("evidence.strong", "strength", [index],
                                  kinds=_describe_kinds(e.sentences[index].kinds)))
    for index in e.unattributed_quotes[:1]:
        improvements.append(ctx.item("evidence.unattributed_quote", "improvement", [index]))
    for index in e.unexplained[:2]:
        improvements.append(ctx.item("evidence.unexplained", "improvement", [index],
                                     kinds=_describe_kinds(e.sentences[index].kinds)))
    for index in e.unsupported[:2]:
        improvements.append(ctx.item("evidence.unsupported", "improvement", [index]))
    for paragraph in e.thin_paragraphs[:1]:
        first = ctx.essay.paragraphs[paragraph].sentences[0]
        improvements.append(ctx.item("evidence.thin_paragraph", "improvement", [first]))
    # Only the question's own terms (or the teacher's) are named, and only when the essay
    # uses fewer than half of them: a term the question never named is no fault of the essay.
    advisable = ctx.topic.advisable_terms
    used = [t for t in e.key_terms_used if t in advisable]
    missing = [t for t in e.key_terms_missing if t in advisable]
    if missing and len(used) < min(3, math.ceil(len(advisable) / 2)) and ctx.essay.sentences:
        anchor = ctx.thesis.thesis if ctx.thesis.thesis is not None else \
            ctx.essay.sentences[0].index
        improvements.append(ctx.item("evidence.key_terms", "improvement", [anchor],
                                     terms=", ".join(f"“{t}”" for t in missing[:3])))
    return strengths[:MAX_STRENGTHS] + improvements[:MAX_IMPROVEMENTS]


def structure_feedback(ctx: FeedbackContext) -> list[FeedbackItem]:
    s = ctx.structure
    strengths, improvements = [], []
    essay = ctx.essay
    if s.paragraph_count == 1 and s.split_points:
        improvements.append(ctx.item("structure.single_block", "improvement",
                                     list(s.split_points), count=s.sentence_count))
    for m in s.misplaced[:1]:
        improvements.append(ctx.item("structure.misplaced_marker", "improvement", [m.sentence],
                                     marker=m.marker, where=m.where))
    if s.conclusion_paragraph is not None:
        last = essay.paragraphs[s.conclusion_paragraph].sentences
        if s.conclusion_returns:
            strengths.append(ctx.item("structure.conclusion_returns", "strength", [last[0]]))
        elif ctx.thesis.thesis is not None:
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
    elif s.transitions:
        varied = list({t.kind: t for t in s.transitions}.values())[:2]
        strengths.append(ctx.item("structure.transitions_good", "strength",
                                  [t.sentence for t in varied], marker=varied[0].marker))
    for index in s.abrupt[:1]:
        improvements.append(ctx.item("structure.transitions_missing", "improvement", [index]))
    if len(s.paragraph_words) >= 3:
        body = [p.index for p in essay.body_paragraphs]
        words = [s.paragraph_words[i] for i in body]
        average = sum(words) / len(words) if words else 0
        for i, count in zip(body, words, strict=True):
            if average and count < 0.4 * average and count < 60:
                improvements.append(ctx.item(
                    "structure.unbalanced", "improvement", [essay.paragraphs[i].sentences[0]],
                    count=count, words=round(average)))
                break
    return strengths[:MAX_STRENGTHS] + improvements[:MAX_IMPROVEMENTS]


def language_feedback(ctx: FeedbackContext) -> list[FeedbackItem]:
    lang = ctx.language
    strengths, improvements = [], []
    by_sentence: dict[int, list] = {}
    for m in lang.misspellings:
        by_sentence.setdefault(m.sentence, []).append(m)
    for index, misspelled in list(by_sentence.items())[:2]:
        words = ", ".join(f"“{m.word}”" for m in misspelled)
        found = [spelling.suggestion(m.word.lower()) for m in misspelled]
        suggestions = [f"“{s}”" for s in found if s]
        improvements.append(ctx.item(
            "language.spelling", "improvement", [index], words=words,
            suggestions=(" (perhaps " + ", ".join(suggestions) + ")") if suggestions else ""))
    for index in lang.long_sentences[:1]:
        improvements.append(ctx.item("language.long_sentence", "improvement", [index],
                                     count=ctx.essay.sentence(index).n_words))
    for index in lang.fragments[:1]:
        improvements.append(ctx.item("language.fragment", "improvement", [index]))
    for index in lang.lowercase_starts[:1]:
        improvements.append(ctx.item("language.capitalisation", "improvement", [index]))
    if lang.repeated_opener:
        word, sentences = lang.repeated_opener
        improvements.append(ctx.item("language.repetitive_openers", "improvement",
                                     sentences[:3], marker=word.capitalize(),
                                     count=len(sentences)))
    good = [s for s in ctx.essay.sentences
            if s.has_subordinate_clause and 15 <= s.n_words <= 40 and not s.truncated
            and s.index not in by_sentence]
    if good:
        strengths.append(ctx.item("language.variety_good", "strength", [good[0].index]))
    return strengths[:MAX_STRENGTHS] + improvements[:MAX_IMPROVEMENTS]


COMPOSERS = {
    "thesis": thesis_feedback,
    "evidence": evidence_feedback,
    "structure": structure_feedback,
    "language": language_feedback,
}
_UNREADABLE = frozenset({"word_salad", "gibberish"})


def off_topic_feedback(ctx: FeedbackContext) -> list[FeedbackItem]:
    """One plain comment naming the question the essay was graded against."""
    question = ctx.topic.question
    if question is None or not ctx.essay.sentences:
        return []
    return [ctx.item("thesis.off_topic", "improvement", [ctx.essay.sentences[0].index],
                     question=quote(question.text))]


def criterion_feedback(criterion_id: str, ctx: FeedbackContext,
                       criteria: Iterable[str]) -> tuple[FeedbackItem, ...]:
    """A criterion's comments, honest about flags: an unreadable text gets none, and an
    off-topic essay gets one plain comment (on the first criterion the flag caps) instead of
    praise or key-term advice on its thesis and evidence, which would contradict it."""
    if ctx.flags & _UNREADABLE:
        return ()
    if "off_topic" in ctx.flags and criterion_id in CAPS["off_topic"]:
        first = next(c for c in criteria if c in CAPS["off_topic"])
        return tuple(off_topic_feedback(ctx)) if criterion_id == first else ()
    return tuple(COMPOSERS[criterion_id](ctx))
