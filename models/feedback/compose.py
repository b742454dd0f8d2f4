"""Composing feedback items: each one quotes the sentences it is about and says what to do.

Items are chosen from the features in a fixed order of priority, so the same essay always
gets the same comments; a criterion gets at most two strengths and four improvements.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from models.document import FINITE_TAGS, EssayDoc, Sentence
from models.features import spelling
from models.features.evidence import EvidenceFeatures, in_quotation
from models.features.language import LanguageFeatures
from models.features.lexicon import INFORMAL_PHRASES
from models.features.structure import StructureFeatures
from models.features.thesis import ThesisFeatures
from models.features.topic import Topic
from models.feedback.wording import GENERIC_TIPS
from models.result import FeedbackItem, SentenceRef, quote
from models.rubric import Rubric
from models.scoring.caps import CAPS

MAX_STRENGTHS = 2
MAX_IMPROVEMENTS = 4
# A sentence praised as well built: long enough to hold several ideas, short enough to follow.
WELL_BUILT_WORDS = (15, 40)
_FINITE_CLAUSES = frozenset({"advcl", "relcl", "ccomp", "csubj"})
_PRECISE = frozenset({"quotation", "date", "figure", "source"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "expl"})
_NEGATIVES = frozenset({"nothing", "nobody", "none", "never", "no", "nowhere"})
# An essay whose language is this error-prone gets no praise for a well-built sentence: in it
# the praise would be doubtful, and none is better than a doubtful one.
PRAISE_MAX_SPELLING_RATE = 2.0  # misspellings per 100 words


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

    def opener(self, index: int) -> int:
        """The sentence that introduces the quotation ``index`` continues, else ``index``."""
        mark = self.evidence.sentences.get(index)
        return mark.part_of if mark is not None and mark.part_of is not None else index

    def ref(self, index: int) -> SentenceRef:
        s = self.essay.sentence(index)
        return SentenceRef(s.index, s.start, s.end, s.text)

    def item(self, code: str, kind: str, sentences: Iterable[int], **fields: object
             ) -> FeedbackItem:
        # A sentence that only continues a quotation is quoted as the sentence introducing it:
        # a comment never quotes a fragment from inside a quotation (“Nothing.”).
        refs = tuple(self.ref(i) for i in dict.fromkeys(self.opener(i) for i in sentences))
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
    if t.found and t.in_introduction and t.best is not None and not t.sure:
        pass  # found for the scores, but not surely enough to say which sentence it is
    elif t.found and t.in_introduction and t.best is not None:
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
                              paragraph=ctx.essay.sentence(t.late.sentence).paragraph + 1,
                              where=_where_late(ctx.essay, t.late.sentence)))
    elif t.best is not None and t.best.announcement:
        items.append(ctx.item("thesis.announcement", "improvement", [t.best.sentence]))
    elif t.best is not None and t.best.question:
        items.append(ctx.item("thesis.question", "improvement", [t.best.sentence]))
    elif t.introduction:
        items.append(ctx.item("thesis.missing", "improvement", [t.introduction[-1]]))
    return items


def _where_late(essay: EssayDoc, index: int) -> str:
    """Where a late thesis comes: its paragraph, or in an essay of one paragraph (whose opening
    sentences stand for an introduction) its place among the sentences, never "paragraph 1"."""
    paragraph = essay.sentence(index).paragraph
    if len(essay.paragraphs) >= 2 and paragraph > 0:
        return f"in paragraph {paragraph + 1}"
    position = next(k for k, s in enumerate(essay.sentences) if s.index == index)
    return f"in sentence {position + 1} of {len(essay.sentences)}, after your opening sentences"


def evidence_feedback(ctx: FeedbackContext) -> list[FeedbackItem]:
    e = ctx.evidence
    strengths, improvements = [], []
    # Praise precise evidence (a quotation, date, figure or source, not names alone) where the
    # pattern is meant to be followed, the body paragraphs, before the introduction's context
    # and the conclusion's summary; the thesis is a claim, not a piece of evidence.
    paragraphs = ctx.essay.paragraphs
    intro = set(paragraphs[0].sentences) if len(paragraphs) >= 2 else set()
    summary = set(paragraphs[-1].sentences) if len(paragraphs) >= 3 else set()
    praised = sorted((i for i in e.explained if _PRECISE & set(e.sentences[i].kinds)
                      and i != ctx.thesis.thesis), key=lambda i: i in intro or i in summary)
    for index in praised[:MAX_STRENGTHS]:
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
            said = s.restatement if s.restatement is not None else last[0]
            strengths.append(ctx.item("structure.conclusion_returns", "strength", [said]))
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
        # Praise the markers that open sentences first: they are the clearest examples.
        openers = [t for t in s.transitions if t.opening] or list(s.transitions)
        varied = list({t.kind: t for t in openers}.values())[:2]
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


def _run_on(sentence: Sentence) -> bool:
    """Three or more main clauses strung together, two joined by a bare comma ("…it was very
    good, i think"), or two with nothing between them ("I was on the bench I was the worst")."""
    tokens = [t for t in sentence.tokens if t.pos != "SPACE"]
    clauses = sum(1 for t in tokens if t.dep in {"ROOT", "conj"} and t.tag in FINITE_TAGS)
    splice = any(a.text == "," and b.dep == "nsubj" and b.tag == "PRP"
                 for a, b in pairwise(tokens))
    subjects = [k for k, t in enumerate(tokens) if t.dep in _SUBJECTS]
    fused = any(not any(t.pos in {"PUNCT", "CCONJ", "SCONJ"} or t.dep == "mark"
                        or t.tag in {"WDT", "WP", "WP$", "WRB"}
                        for t in tokens[a + 1:b])
                for a, b in pairwise(subjects) if b - a > 2)
    return clauses >= 3 or splice or fused


def _main_clause(sentence: Sentence) -> bool:
    """Whether the sentence has a main clause of its own: a verb at its root with a subject
    before it, not the verb of a clause that "when" or "because" opens ("One day when we were
    fishing … and it was not going very well.")."""
    tokens = [t for t in sentence.tokens if t.pos != "SPACE"]
    root = next((k for k, t in enumerate(tokens) if t.dep == "ROOT"), None)
    if root is None or tokens[root].pos not in {"VERB", "AUX"}:
        return False
    if not any(t.dep in _SUBJECTS | {"csubj"} for t in tokens[:root]):
        return False
    return all(any(t.text == "," for t in tokens[k:root]) for k in range(root)
               if tokens[k].dep == "mark" or tokens[k].tag == "WRB")


def _well_built(sentence: Sentence, ctx: FeedbackContext, flawed: set[int]) -> bool:
    """Whether a sentence deserves praise as well built: no slip of any kind (spelling,
    capitals, a lowercase "i", a run-on, informal wording), none of it quoted or anonymised,
    a statement with a main clause of its own, and genuinely complex (a finite subordinate
    clause, at a readable length)."""
    mark = ctx.evidence.sentences.get(sentence.index)
    low, high = WELL_BUILT_WORDS
    text = sentence.text.rstrip("”\"’' ")
    return (not sentence.truncated and sentence.index not in flawed
            and low <= sentence.n_words <= high
            and sentence.text[:1].isupper() and text.endswith(".") and "@" not in text
            and (mark is None or (mark.part_of is None and "quotation" not in mark.kinds))
            and any(t.dep in _FINITE_CLAUSES for t in sentence.tokens)
            and not any(t.text == "i" for t in sentence.tokens)
            and not _double_negative(sentence)
            and not any(f" {p} " in sentence.lower_text for p in INFORMAL_PHRASES)
            and not _run_on(sentence) and _main_clause(sentence))


def _double_negative(sentence: Sentence) -> bool:
    """ "I didn't say nothing": a negated verb followed by another negative."""
    words = [t.lower for t in sentence.tokens]
    negated = [k for k, w in enumerate(words) if w in {"n't", "not"}]
    return bool(negated) and any(w in _NEGATIVES for w in words[negated[0] + 1:])


def _one_generic_tip(items: list[FeedbackItem]) -> list[FeedbackItem]:
    """At most one item whose next step is general advice; one that answers a problem found
    in the essay (improvements come after strengths, so they are tried first) is kept."""
    generic = [item for item in items if item.code in GENERIC_TIPS]
    if len(generic) <= 1:
        return items
    keep = next((i for i in generic if i.kind == "improvement"), generic[0])
    return [item for item in items if item.code not in GENERIC_TIPS or item is keep]


def language_feedback(ctx: FeedbackContext) -> list[FeedbackItem]:
    lang = ctx.language
    strengths, improvements = [], []
    quotations = ctx.evidence.quotations
    # Quoted words are not the student's: their spelling is not theirs to correct, and a
    # sentence inside a quotation is not theirs to judge.
    own = {s.index for s in ctx.essay.sentences if ctx.opener(s.index) == s.index}
    by_sentence: dict[int, list] = {}
    for m in lang.misspellings:
        if m.sentence in own and not in_quotation(m.start, quotations):
            by_sentence.setdefault(m.sentence, []).append(m)
    for index, misspelled in list(by_sentence.items())[:2]:
        words = ", ".join(f"“{m.word}”" for m in misspelled)
        found = [spelling.suggestion(m.word.lower()) for m in misspelled]
        suggestions = [f"“{s}”" for s in found if s]
        improvements.append(ctx.item(
            "language.spelling", "improvement", [index], words=words,
            suggestions=(" (perhaps " + ", ".join(suggestions) + ")") if suggestions else ""))
    for index in [i for i in lang.long_sentences if i in own][:1]:
        improvements.append(ctx.item("language.long_sentence", "improvement", [index],
                                     count=ctx.essay.sentence(index).n_words))
    for index in [i for i in lang.fragments if i in own][:1]:
        improvements.append(ctx.item("language.fragment", "improvement", [index]))
    for index in [i for i in lang.lowercase_starts if i in own][:1]:
        improvements.append(ctx.item("language.capitalisation", "improvement", [index]))
    if lang.repeated_opener:
        word, sentences = lang.repeated_opener
        improvements.append(ctx.item("language.repetitive_openers", "improvement",
                                     sentences[:3], marker=word.capitalize(),
                                     count=len(sentences)))
    # Praise only a sentence beyond doubt: none is better than a doubtful one.
    flawed = {m.sentence for m in lang.misspellings} | set(lang.long_sentences) | set(
        lang.fragments) | set(lang.lowercase_starts)
    careful = lang.spelling_rate <= PRAISE_MAX_SPELLING_RATE and len(lang.lowercase_starts) <= 1
    good = next((s for s in ctx.essay.sentences if _well_built(s, ctx, flawed)), None) \
        if careful else None
    if good is not None:
        strengths.append(ctx.item("language.variety_good", "strength", [good.index]))
    return _one_generic_tip(strengths[:MAX_STRENGTHS] + improvements[:MAX_IMPROVEMENTS])


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
