"""Composing feedback items: each one quotes the sentences it is about and says what to do.

Each criterion composes its own (models/criteria/); items are chosen from the features in a
fixed order of priority, so the same essay always gets the same comments, and a criterion gets
at most two strengths and four improvements. This module holds what they share, and the
comments flags impose on every criterion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from models.document import EssayDoc
from models.features.by_name import BuiltinFeatures
from models.features.topic import Topic
from models.result import FeedbackItem, SentenceRef, quote
from models.rubric import Rubric

MAX_STRENGTHS = 2
MAX_IMPROVEMENTS = 4
_UNREADABLE = frozenset({"word_salad", "gibberish"})
# A quoted sentence keeps its own full stop, question or exclamation mark: the wording's full
# stop after the closing quotation mark would be a second one (“… permanent.”.).
_CLOSING_MARKS = ("”", "’", '"', "'")
# (Not after "…": a quotation cut short ends in one, and the full stop is then the comment's.)
_DOUBLE_STOP = re.compile(r"([.!?])([”’\"']+)\.")


def tidy(message: str) -> str:
    """The message without a full stop doubling a quoted sentence's own."""
    if not any(mark + "." in message for mark in _CLOSING_MARKS):  # most messages: no regex
        return message
    return _DOUBLE_STOP.sub(r"\1\2", message)


class _Fields(dict):
    def __missing__(self, key: str) -> str:  # a rubric may leave a placeholder unused
        return "{" + key + "}"


@dataclass
class FeedbackContext(BuiltinFeatures):
    """What a criterion's comments are made from: the essay as scored, the rubric's wording,
    every criterion's features (by name), the question's topic and the essay's flags."""

    essay: EssayDoc
    rubric: Rubric
    features: Mapping[str, Any]
    topic: Topic
    flags: frozenset[str] = field(default_factory=frozenset)

    def opener(self, index: int) -> int:
        """The sentence that introduces the quotation ``index`` continues, else ``index``."""
        mark = self.evidence.sentences.get(index) if self.evidence is not None else None
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
                            tidy(wording.message.format_map(values)),
                            tidy(wording.next_step.format_map(values)), refs)


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
    from models.criteria import registered
    from models.scoring.caps import caps

    if ctx.flags & _UNREADABLE:
        return ()
    off_topic = caps().get("off_topic", ())
    if "off_topic" in ctx.flags and criterion_id in off_topic:
        first = next(c for c in criteria if c in off_topic)
        return tuple(off_topic_feedback(ctx)) if criterion_id == first else ()
    return tuple(registered()[criterion_id].feedback(ctx))
