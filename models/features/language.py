"""Language and conventions: spelling, sentence construction and variety, readability."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain

import numpy as np

from models.document import EssayDoc, Sentence
from models.features import spelling
from models.features.topic import Topic
from models.memo import Memo

LONG_SENTENCE_WORDS = 50
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_MATTR_WINDOW = 50


@dataclass(frozen=True)
class Misspelling:
    sentence: int
    word: str
    start: int


@dataclass(frozen=True)
class LanguageFeatures:
    misspellings: tuple[Misspelling, ...]
    spelling_rate: float  # misspelled words per 100 words
    mean_sentence_words: float
    sentence_length_sd: float
    long_sentences: tuple[int, ...]
    fragments: tuple[int, ...]
    lowercase_starts: tuple[int, ...]
    repeated_opener: tuple[str, tuple[int, ...]] | None
    opener_variety: float
    complex_share: float
    readability_grade: float  # Flesch-Kincaid grade level
    lexical_diversity: float  # moving-average type-token ratio

    @property
    def flawed_sentences(self) -> frozenset[int]:
        """The sentences with a slip these features find (a misspelling, a run-on length, a
        fragment, a lowercase start): none of them is held up as an example of good writing."""
        return frozenset((*(m.sentence for m in self.misspellings), *self.long_sentences,
                          *self.fragments, *self.lowercase_starts))


def syllables(word: str) -> int:
    """Vowel groups, less a silent final e: good enough for a readability grade."""
    word = word.lower()
    count = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(count, 1)


# Each word's syllables, by word: every word of every essay is counted.
_SYLLABLES: Memo[str, int] = Memo(syllables, 65536)


def _misspellings(sentence: Sentence, topic_words: frozenset[str]) -> list[Misspelling]:
    # Most sentences hold no unknown word: look at their tokens only when one does.
    if all(map(spelling.KNOWN.__getitem__, sentence.words)):
        return []
    out = []
    for position, token in enumerate(sentence.tokens):
        # Capitals mark names, except on a sentence's first word; but a capitalised word with
        # letters English does not use ("Brüning", "Göring") is a foreign name anywhere.
        capitalised = token.text[0].isupper()
        if (not token.is_alpha or token.pos == "PROPN" or len(token.text) <= 2
                or (capitalised and (position > 0 or not token.text.isascii()))
                or token.lower in topic_words or token.text.isupper()):
            continue
        if not spelling.is_known(token.lower):
            out.append(Misspelling(sentence.index, token.text, token.start))
    return out


def _mattr(words: list[str]) -> float:
    """Moving-average type-token ratio: distinct words per window of _MATTR_WINDOW words,
    averaged over every window. Each step's change in distinct words is read off where each
    word occurs next and last (the word leaving is gone unless it recurs inside the window;
    the word entering is new unless it occurred inside it), with no loop over the words."""
    if not words:
        return 0.0
    if len(words) <= _MATTR_WINDOW:
        return len(set(words)) / len(words)
    n = len(words)
    # One id per distinct word (its first position), without sorting the strings.
    first: dict[str, int] = {}
    ids = np.fromiter(map(first.setdefault, words, range(n)), dtype=np.intp, count=n)
    positions = np.arange(n)
    order = np.lexsort((positions, ids))  # each word's occurrences, in order
    same = ids[order][1:] == ids[order][:-1]
    previous = np.full(n, -1)
    following = np.full(n, n)
    previous[order[1:][same]] = order[:-1][same]
    following[order[:-1][same]] = order[1:][same]
    entering = positions[_MATTR_WINDOW:]
    leaving = entering - _MATTR_WINDOW
    change = (previous[entering] < leaving).astype(np.int64) - (following[leaving] > entering)
    ratios = np.cumsum(np.concatenate(([len(set(words[:_MATTR_WINDOW]))], change)))
    return float(np.mean(ratios)) / _MATTR_WINDOW


def extract_language(essay: EssayDoc, topic: Topic) -> LanguageFeatures:
    """Language features; spelling suggestions are left to feedback, which shows only a few."""
    topic_words = frozenset(w for t in topic.key_terms for f in t.word_forms
                            for w in f if w.isalpha())
    sentences = [s for s in essay.sentences if not s.truncated] or list(essay.sentences)
    if not sentences:  # every sentence was dropped (repeats, stuffing): nothing to judge
        return LanguageFeatures(
            misspellings=(), spelling_rate=0.0, mean_sentence_words=0.0, sentence_length_sd=0.0,
            long_sentences=(), fragments=(), lowercase_starts=(), repeated_opener=None,
            opener_variety=0.0, complex_share=0.0, readability_grade=0.0, lexical_diversity=0.0)
    misspellings: list[Misspelling] = []
    for sentence in essay.sentences:
        misspellings.extend(_misspellings(sentence, topic_words))
    words = max(essay.scored_word_count, 1)
    lengths = np.array([s.n_words for s in sentences], dtype=float)
    openers: dict[str, list[int]] = {}
    for s in sentences:
        first = s.words[0] if s.words else ""
        openers.setdefault(first, []).append(s.index)
    # What a student reads as "sentences that begin with …": those they began after a full
    # stop, not splits the parser made inside a run-on ("… alone so I just stayed inside").
    begun = {word: [i for i in ids if essay.sentence(i).after_stop]
             for word, ids in openers.items()}
    top = max(begun.items(), key=lambda kv: (len(kv[1]), kv[0]))
    repeated = (top[0], tuple(top[1])) if len(top[1]) >= 3 and len(top[1]) > \
        0.3 * len(sentences) else None
    all_words = list(chain.from_iterable(s.words for s in essay.sentences))
    syllable_count = sum(map(_SYLLABLES.__getitem__, all_words))
    grade = 0.39 * (len(all_words) / max(len(essay.sentences), 1)) + \
        11.8 * (syllable_count / max(len(all_words), 1)) - 15.59
    return LanguageFeatures(
        misspellings=tuple(misspellings),
        spelling_rate=round(100.0 * len(misspellings) / words, 3),
        mean_sentence_words=round(float(lengths.mean()), 2),
        sentence_length_sd=round(float(lengths.std()), 2),
        long_sentences=tuple(s.index for s in sentences if s.n_words > LONG_SENTENCE_WORDS),
        fragments=tuple(s.index for s in sentences
                        if not s.has_main_verb and s.n_words >= 3
                        and not s.text.rstrip().endswith(("”", '"'))),
        lowercase_starts=tuple(s.index for s in sentences
                               if s.tokens[0].text[:1].islower() and s.tokens[0].is_alpha
                               and s.after_stop),
        repeated_opener=repeated,
        opener_variety=round(len(openers) / len(sentences), 4),
        complex_share=round(sum(s.has_subordinate_clause for s in sentences) / len(sentences), 4),
        readability_grade=round(grade, 2),
        lexical_diversity=round(_mattr(all_words), 4),
    )


def unknown_word_share(essay: EssayDoc) -> float:
    """Share of ordinary lowercase words the dictionary does not know (gibberish detector)."""
    ordinary = [t.lower for s in essay.sentences for t in s.tokens
                if t.is_alpha and t.pos != "PROPN" and t.text.islower()]
    return (len(ordinary) - sum(map(spelling.KNOWN.__getitem__, ordinary))) / max(len(ordinary), 1)
