"""The engine's analysis as a fixed vector of named, explainable features.

Every feature is computed on the essay as scored, i.e. without repeated or stuffed sentences,
so padding an essay cannot move it; and every one has a reading a teacher would recognise
("share of evidence sentences that are explained", "transitions per sentence").

The row also carries the essay's term counts (``TERMS``, not a number, so never a regression
feature by itself): calibration learns from them what the class's essays at each score say
(models/calibration/content.py), fitted on the teacher's essays only.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from itertools import pairwise
from typing import TYPE_CHECKING

from models.calibration.versions import FEATURES_VERSION
from models.criteria import registered
from models.document import EssayDoc
from models.features.topic import Topic

if TYPE_CHECKING:  # the engine reads these features for its prior
    from models.engine import Analysis

__all__ = ["FEATURES_VERSION", "FLAG_CODES", "PRIOR_PREFIX", "TERMS", "essay_features",
           "numeric_features", "row_flags"]

TERMS = "terms"  # the row's term counts: {term: count}
PRIOR_PREFIX = "prior_"  # a row's quality prior for a criterion: prior_<criterion>
FLAG_CODES = ("word_salad", "gibberish", "off_topic", "too_short", "repeated_text",
              "keyword_stuffing", "off_topic_part")


_LONG_WORD = 7  # letters: a word this long or longer counts as long


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def term_counts(essay: EssayDoc) -> dict[str, int]:
    """Lowercase words and within-sentence word pairs, plus part-of-speech pairs ("#NOUN VERB",
    a trace of syntax), of the scored essay: what the class's content models compare."""
    counts: Counter[str] = Counter()
    for sentence in essay.sentences:
        words = sentence.words
        tags = [t.pos for t in sentence.spoken_tokens]
        counts.update(words)
        counts.update(f"{a} {b}" for a, b in pairwise(words))
        counts.update(f"#{a} {b}" for a, b in pairwise(tags))
    return dict(counts)


def plain_words(essay: EssayDoc, topic: Topic) -> list[str]:
    """The essay's words (alphabetic tokens), lowercase, without the question's key terms."""
    key_words = {w for term in topic.key_terms for form in term.word_forms for w in form}
    key_lemmas = topic.key_term_lemmas
    words: list[str] = []
    for s in essay.sentences:
        if key_words.isdisjoint(s.words) and key_lemmas.isdisjoint(s.lemmas):  # most
            words += s.words
        else:
            words += [word for word, lemma in zip(s.words, s.lemmas, strict=True)
                      if word not in key_words and lemma not in key_lemmas]
    return words


def row_flags(row: Mapping[str, object]) -> set[str]:
    """The integrity flags a feature row records (``flag_<code>`` set)."""
    return {name.removeprefix("flag_") for name, value in row.items()
            if name.startswith("flag_") and value}


def essay_features(a: Analysis) -> dict[str, float | dict[str, int]]:
    """Named features of one analysed essay (always the same names, in the same order), with
    the quality prior's prediction per criterion (``prior_<criterion>``) and its term counts
    under ``TERMS``: what calibration learns from."""
    features: dict[str, float | dict[str, int]] = dict(a.numeric or numeric_features(a))
    features.update({f"{PRIOR_PREFIX}{c}": value for c, value in a.prior.items()})
    features[TERMS] = term_counts(a.scored)
    return features


def numeric_features(a: Analysis) -> dict[str, float]:
    """The essay's own measures, each criterion's (models/criteria/), the integrity checks',
    the raw scores and the flags: what the quality prior reads."""
    essay = a.scored
    # Length and vocabulary leave out the question's key terms: names sprinkled into an essay
    # must not make it look longer or richer (the key terms count in the evidence instead).
    vocabulary = plain_words(essay, a.topic)
    key_words = sum(s.n_words for s in essay.sentences) - len(vocabulary)
    words = max(0, essay.scored_word_count - key_words)
    commas = sum(s.token_lowers.count(",") for s in essay.sentences)
    lengths = list(map(len, vocabulary))
    features: dict[str, float] = {
        "words_log": math.log1p(words),
        # vocabulary: longer, rarer and more varied words
        "distinct_words_log": math.log1p(len(set(vocabulary))),
        "mean_word_length": (sum(lengths) / len(vocabulary)) if vocabulary else 0.0,
        "long_word_share": _share(sum(map(_LONG_WORD.__le__, lengths)), len(vocabulary)),
        "comma_rate": _share(commas, max(1, words)),
        "sentences_log": math.log1p(len(essay.sentences)),
        "paragraphs": float(min(len(essay.paragraphs), 8)),
    }
    context = a.context
    for name, criterion in registered().items():
        features.update(criterion.calibration_features(a.features[name], context))
    features["word_salad_score"] = a.integrity.word_salad_score
    features["topic_share"] = a.integrity.topic_share
    for criterion, raw in a.raw.items():
        features[f"raw_{criterion}"] = raw.value
    for code in FLAG_CODES:
        features[f"flag_{code}"] = float(a.integrity.has(code))
    return features
