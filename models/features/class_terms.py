"""Words a class's own essays share: once enough of a class has written on a question, the
words most of them use say what the question is about better than its few words do.

The service stores each graded essay's content words (``essay_terms``) and, for an assignment
with at least ``MIN_ESSAYS`` graded essays, adds the words at least half of them use
(``class_key_terms``) to the question (``Question.class_terms``). They widen what counts as on
topic and as the question's vocabulary; comments never name them (they are what the class
wrote, not what the question asked for). Essays flagged off the question or unreadable add no
words (``class_terms_of``): a class's uploads mostly on another question must not make that
question's words look on this one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from models.document import EssayDoc
from models.features.lexicon import GENERIC_LEMMAS, MONTHS, NUMBER_WORDS, QUESTION_WORDS

MIN_ESSAYS = 10  # fewer essays do not show what a class shares
SHARE = 0.5  # a class term is used by at least this share of the class's essays
MAX_TERMS = 15
KEPT_PER_ESSAY = 80  # an essay's most used content words, as stored with its result
_POS = frozenset({"NOUN", "PROPN"})
# Words of dates, quantities and essays themselves: every class shares them, whatever it studies.
_NOT_TOPICAL = GENERIC_LEMMAS | QUESTION_WORDS | MONTHS | NUMBER_WORDS | frozenset(
    "cent percent per conclusion introduction paragraph argument example".split())


# Written on another question, or not readable English (why: the module's docstring).
NOT_THE_CLASS_TOPIC = frozenset({"off_topic", "gibberish", "word_salad"})


def class_terms_of(essay: EssayDoc, flags: Iterable[str]) -> dict[str, int] | None:
    """What an essay adds to its class's terms (``essay_terms``): nothing if it is flagged
    off its question or unreadable."""
    return None if NOT_THE_CLASS_TOPIC.intersection(flags) else essay_terms(essay)


def essay_terms(essay: EssayDoc) -> dict[str, int]:
    """The essay's most used content nouns and names (lemmas) with their counts."""
    counts: Counter[str] = Counter(
        t.lemma for s in essay.sentences for t in s.tokens
        if t.pos in _POS and t.is_alpha and not t.is_stop and len(t.text) > 2
        and t.lemma not in _NOT_TOPICAL)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:KEPT_PER_ESSAY])


def class_key_terms(essays: Iterable[Mapping[str, int]], min_essays: int = MIN_ESSAYS,
                    share: float = SHARE, limit: int = MAX_TERMS) -> list[str]:
    """The words at least ``share`` of the essays use, most shared first; none for a class
    of fewer than ``min_essays`` essays."""
    documents: Counter[str] = Counter()
    total = 0
    for terms in essays:
        total += 1
        documents.update(t for t, n in terms.items() if n > 0)
    if total < min_essays:
        return []
    shared = [(n, t) for t, n in documents.items() if n >= share * total]
    return [t for _, t in sorted(shared, key=lambda nt: (-nt[0], nt[1]))[:limit]]
