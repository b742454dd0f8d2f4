"""The analysed essay: sentences and paragraphs with character offsets, detached from spaCy.

Features read these plain snapshots instead of spaCy objects, so each token's attributes are
read from the Doc once and every feature module stays cheap and easy to test.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import partial
from itertools import compress
from operator import itemgetter
from typing import Any, Generic, NamedTuple, TypeVar

import numpy as np
from spacy.attrs import (
    DEP,
    IDX,
    IS_ALPHA,
    IS_SPACE,
    IS_STOP,
    LEMMA,
    LIKE_NUM,
    LOWER,
    ORTH,
    POS,
    SENT_START,
    TAG,
)
from spacy.parts_of_speech import IDS as _POS_IDS
from spacy.strings import StringStore, get_string_id
from spacy.tokens import Doc

from models.memo import Memo
from models.text import PreparedText, count_words

CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "ADV"})
FINITE_TAGS = frozenset({"VBD", "VBP", "VBZ", "MD"})
SUBORDINATE_DEPS = frozenset({"advcl", "ccomp", "relcl", "acl", "mark", "xcomp", "csubj"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
# Participles that are never also a simple past ("written", "taken", "begun", "done"): after a
# noun they start a reduced clause ("The letters written by Lenin."), not a sentence's verb.
_PARTICIPLE_ONLY = re.compile(r"(?:en|wn|rn|ne|un|ung|unk)$")
_AUXILIARY_LEMMAS = frozenset({"be", "have", "get"})
_ALPHANUMERIC_RUNS = re.compile(r"[a-z0-9]+")


_V = TypeVar("_V")


class unlocked_cached_property(Generic[_V]):
    """``functools.cached_property`` without its lock: Python 3.11 takes a lock on every first
    read, and sentences' properties are first read tens of thousands of times per hundred
    essays (Python 3.12 dropped the lock). The properties are pure, so two threads reading
    one at once would only both compute the same value."""

    def __init__(self, func: Callable[[Any], _V]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> _V:
        if instance is None:
            return self  # type: ignore[return-value]
        value = instance.__dict__[self.name] = self.func(instance)
        return value


class Token(NamedTuple):
    """One token's attributes, read from the Doc once (a tuple: cheap to build by thousands)."""

    text: str
    lower: str
    lemma: str
    pos: str
    tag: str
    dep: str
    start: int
    is_stop: bool
    is_alpha: bool
    like_num: bool


def token_column(name: str) -> Callable[[Token], Any]:
    """A getter of one attribute of a Token, for ``map`` over many tokens (no Python loop)."""
    return itemgetter(Token._fields.index(name))


@dataclass(frozen=True)
class Sentence:
    """One sentence; ``index`` is its position in the whole essay and never changes."""

    index: int
    paragraph: int
    start: int
    end: int
    text: str
    tokens: tuple[Token, ...]
    truncated: bool = False  # touches an elided passage, so it is not a whole sentence
    # Whether the writer began it as a sentence (after a full stop, a question or exclamation
    # mark, or at a paragraph's start), not a split the parser made inside a run-on sentence.
    after_stop: bool = True
    # Per-sentence results of rubric-specific lookups (key terms), filled on first use.
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @unlocked_cached_property
    def spoken_tokens(self) -> tuple[Token, ...]:
        """The tokens but those tagged as space (a stray space inside a line)."""
        return tuple(t for t in self.tokens if t.pos != "SPACE")

    @unlocked_cached_property
    def words(self) -> tuple[str, ...]:
        return tuple(t.lower for t in self.tokens if t.is_alpha)

    @unlocked_cached_property
    def token_lowers(self) -> tuple[str, ...]:
        """Every token lowercase, punctuation included, in order."""
        return tuple(t.lower for t in self.tokens)

    @unlocked_cached_property
    def token_lemmas(self) -> tuple[str, ...]:
        """Every token's lemma, in order."""
        return tuple(t.lemma for t in self.tokens)

    @unlocked_cached_property
    def n_words(self) -> int:
        return len(self.words)

    @unlocked_cached_property
    def lemmas(self) -> tuple[str, ...]:
        return tuple(t.lemma for t in self.tokens if t.is_alpha)

    @unlocked_cached_property
    def content_lemmas(self) -> frozenset[str]:
        return frozenset(
            t.lemma for t in self.tokens if t.is_alpha and not t.is_stop and t.pos in CONTENT_POS
        )

    @unlocked_cached_property
    def stems(self) -> frozenset[str]:
        """Content lemmas cut to five letters, so "succeed", "success" and "successful" meet."""
        return frozenset(lemma[:5] for lemma in self.content_lemmas)

    @unlocked_cached_property
    def lower_text(self) -> str:
        """Lowercase words joined by single spaces, padded, for phrase matching."""
        return " " + " ".join(t.lower for t in self.tokens if t.pos != "SPACE") + " "

    @unlocked_cached_property
    def has_finite_verb(self) -> bool:
        return any(t.tag in FINITE_TAGS or (t.dep == "ROOT" and t.pos in {"VERB", "AUX"})
                   for t in self.tokens)

    @unlocked_cached_property
    def written_words(self) -> int:
        """Words as a person counts them (numbers too), for reported and minimum lengths."""
        return count_words(self.text)

    @unlocked_cached_property
    def has_main_verb(self) -> bool:
        """Whether the sentence is complete: it has a finite verb, or a verb with a subject.

        The tagger often reads a regular past tense as a participle and then parses the clause
        as a noun phrase ("The Townshend Acts of 1767 taxed glass, paint, paper and tea": taxed
        VBN, root Acts). A verb form that can be a simple past, straight after a noun, is read
        as the sentence's verb; only a sentence with no such verb is a fragment.
        """
        if self.has_finite_verb:
            return True
        tokens = self.spoken_tokens
        if any(t.dep in SUBJECT_DEPS for t in tokens) and any(
                t.tag.startswith("VB") and t.tag not in {"VBG", "VB"} for t in tokens):
            return True
        for k, token in enumerate(tokens):
            if token.tag not in {"VBN", "VBD"} or _PARTICIPLE_ONLY.search(token.lower):
                continue
            before = [t for t in tokens[:k] if t.pos != "ADV"]
            by_agent = k + 1 < len(tokens) and tokens[k + 1].lower == "by"
            if before and _ends_noun_phrase(before, by_agent) and not any(
                    t.lemma in _AUXILIARY_LEMMAS and t.pos == "AUX" for t in tokens[:k]):
                return True
        return False

    @unlocked_cached_property
    def has_subordinate_clause(self) -> bool:
        return any(t.dep in SUBORDINATE_DEPS for t in self.tokens)

    @unlocked_cached_property
    def has_number(self) -> bool:
        """Whether a token looks like a number ("1928", "ten", "3.5")."""
        return any(t.like_num for t in self.tokens)

    @unlocked_cached_property
    def n_proper(self) -> int:
        """Proper nouns."""
        return sum(1 for t in self.tokens if t.pos == "PROPN")

    @unlocked_cached_property
    def n_verbs(self) -> int:
        """Verbs and auxiliaries."""
        return sum(1 for t in self.tokens if t.pos in {"VERB", "AUX"})

    @unlocked_cached_property
    def n_past(self) -> int:
        """Verbs in the simple past (tagged VBD)."""
        return sum(1 for t in self.tokens if t.tag == "VBD")

    @unlocked_cached_property
    def fingerprint(self) -> str:
        """Text normalised for spotting repeated sentences."""
        # Its runs of ASCII letters and digits, lowercase, one space between each two.
        return " ".join(_ALPHANUMERIC_RUNS.findall(self.text.lower()))

    @unlocked_cached_property
    def opening_words(self) -> tuple[str, ...]:
        """Its words and numbers in order, lowercase, without punctuation."""
        return tuple(t.lower for t in self.tokens if t.pos not in {"SPACE", "PUNCT"})

    @unlocked_cached_property
    def lead(self) -> str:
        """The first six words, lowercase and padded: where opening markers are looked for
        (``opening(6)``, made once; several features read it)."""
        return self.opening(6)

    def opening(self, n_tokens: int = 4) -> str:
        """The first words, lowercase and padded, for matching sentence-initial markers."""
        return " " + " ".join(self.opening_words[:n_tokens]) + " "


@dataclass(frozen=True)
class ParagraphView:
    index: int
    start: int
    end: int
    sentences: tuple[int, ...]  # indices into EssayDoc.sentences


@dataclass(frozen=True)
class EssayDoc:
    """An essay as the features see it. ``view`` builds a copy without some sentences."""

    text: str
    sentences: tuple[Sentence, ...]
    paragraphs: tuple[ParagraphView, ...]
    word_count: int
    elided: bool = False

    def sentence(self, index: int) -> Sentence:
        return self._by_index[index]

    @unlocked_cached_property
    def _by_index(self) -> dict[int, Sentence]:
        return {s.index: s for s in self.sentences}

    @unlocked_cached_property
    def scored_word_count(self) -> int:
        return sum(s.n_words for s in self.sentences)

    def paragraph_sentences(self, paragraph: ParagraphView) -> list[Sentence]:
        return [self._by_index[i] for i in paragraph.sentences]

    @property
    def body_paragraphs(self) -> tuple[ParagraphView, ...]:
        if len(self.paragraphs) >= 3:
            return self.paragraphs[1:-1]
        return self.paragraphs[1:] if len(self.paragraphs) == 2 else self.paragraphs

    def view(self, drop: set[int] | frozenset[int]) -> EssayDoc:
        """The essay without the given sentences (paragraphs left empty disappear)."""
        if not drop:
            return self
        kept = tuple(s for s in self.sentences if s.index not in drop)
        paragraphs = []
        for p in self.paragraphs:
            remaining = tuple(i for i in p.sentences if i not in drop)
            if remaining:
                paragraphs.append(ParagraphView(len(paragraphs), p.start, p.end, remaining))
        return EssayDoc(
            text=self.text,
            sentences=kept,
            paragraphs=tuple(paragraphs),
            word_count=self.word_count,
            elided=self.elided,
        )


def build_essay(prepared: PreparedText, doc: Doc) -> EssayDoc:
    """Snapshot a parsed Doc into sentences grouped by the paragraphs of ``prepared``."""
    starts = [p.start for p in prepared.paragraphs]
    elision_edges = [(e.start, e.end) for e in prepared.elisions]
    sentences: list[Sentence] = []
    members: dict[int, list[int]] = {}
    columns = _snapshot(doc, prepared.analysis_text)
    for k, (first, count) in enumerate(zip(columns.starts, columns.counts, strict=True)):
        if not count[_WORD]:  # no word, no sentence (whitespace, punctuation)
            continue
        tokens = tuple(columns.tokens[first[_TOKEN]:first[_TOKEN] + count[_TOKEN]])
        start, end = tokens[0].start, tokens[-1].start + len(tokens[-1].text)
        paragraph = max(bisect.bisect_right(starts, start) - 1, 0)
        truncated = any(abs(start - e_end) <= 2 or abs(e_start - end) <= 2 or
                        _touches(start, end, e_start, e_end, prepared.text)
                        for e_start, e_end in elision_edges)
        index = len(sentences)
        sentences.append(_primed(Sentence(index, paragraph, start, end,
                                          prepared.text[start:end], tokens, truncated,
                                          _after_stop(prepared.text, start)),
                                 columns, k))
        members.setdefault(paragraph, []).append(index)
    paragraphs = tuple(
        ParagraphView(new_index, prepared.paragraphs[old].start, prepared.paragraphs[old].end,
                      tuple(members[old]))
        for new_index, old in enumerate(sorted(members))
    )
    # Sentences must name their paragraph by its position among non-empty paragraphs.
    renumber = {old: new for new, old in enumerate(sorted(members))}
    sentences = [
        s if renumber[s.paragraph] == s.paragraph else _with_paragraph(s, renumber[s.paragraph])
        for s in sentences
    ]
    return EssayDoc(prepared.text, tuple(sentences), paragraphs, prepared.word_count,
                    elided=bool(prepared.elisions))


_ATTRS = [LOWER, LEMMA, POS, TAG, DEP, IDX, ORTH, IS_STOP, IS_ALPHA, LIKE_NUM, IS_SPACE,
          SENT_START]


_STRINGS_KEPT = 100_000  # a few MB; a worker meets tens of thousands of words
_STRING_CACHES: dict[int, tuple[StringStore, Memo[int, str], Memo[int, str]]] = {}


def _string_caches(strings: StringStore) -> tuple[Memo[int, str], Memo[int, str]]:
    """(strings, lowercased strings) by hash of a pipeline's StringStore (one per pipeline
    loaded), filled as tokens ask for them: a lookup in the store costs a call per token, and a
    process meets the same few thousand words again and again. (A hash always names the same
    string, so nothing here goes stale.)"""
    cached = _STRING_CACHES.get(id(strings))
    if cached is None or cached[0] is not strings:
        if len(_STRING_CACHES) >= 4:
            _STRING_CACHES.clear()
        cached = _STRING_CACHES[id(strings)] = (
            strings, Memo(strings.__getitem__, _STRINGS_KEPT),
            Memo(lambda key: strings[key].lower(), _STRINGS_KEPT))
    return cached[1], cached[2]


# Whether a part of speech (by its id) is a content one: one lookup per token in numpy.
_IS_CONTENT_POS = np.zeros(max(_POS_IDS.values()) + 1, dtype=bool)
_IS_CONTENT_POS[[_POS_IDS[name] for name in CONTENT_POS]] = True


# The kinds of token a sentence's common properties count or list, a column each.
_TOKEN, _WORD, _CONTENT, _SPOKEN, _WORDED, _FINITE, _SUBORDINATE, _NUMBER, _PROPER, _VERB, \
    _PAST = range(11)


class Columns(NamedTuple):
    """A Doc read for its sentences' common properties: each kind of token's strings in order
    across the Doc, and for each sentence (as ``doc.sents`` splits them) where its tokens of
    each kind start in those lists and how many it has (a column per kind: _TOKEN, ...)."""

    tokens: list[Token]  # every token but whitespace
    spoken_tokens: list[Token]  # those not tagged as space either
    token_lowers: list[str]
    token_lemmas: list[str]
    words: list[str]  # alphabetic tokens, lowercase
    lemmas: list[str]  # alphabetic tokens' lemmas
    content_lemmas: list[str]  # alphabetic, not a stop word, a content part of speech
    spoken: list[str]  # lowercase, not whitespace (neither a space token nor tagged as one)
    worded: list[str]  # spoken and not punctuation
    starts: list[list[int]]
    counts: list[list[int]]


def _snapshot(doc: Doc, text: str) -> Columns:
    """The Doc's tokens and their attributes as columns, with its sentences as ``doc.sents``
    splits them, through one array read. ``text`` is the text the Doc was
    parsed from (``doc.text`` rebuilds it token by token).

    Column by column through ``map`` and numpy rather than token by token: this runs on every
    token of every essay, and was a sixth of the engine's own time."""
    array = doc.to_array(_ATTRS)
    if not len(array):
        return Columns([], [], [], [], [], [], [], [], [], [], [])
    last = doc[-1]
    if last.idx + len(last.text_with_ws) != len(text) or \
            text[last.idx:last.idx + len(last.text)] != last.text:
        raise ValueError("the Doc was not parsed from this text")
    if len(array) > 1 and not array[1:, 11].any():
        raise ValueError("the Doc has no sentence boundaries (was it parsed?)")
    names, lemmas = _string_caches(doc.vocab.strings)
    sentence_starts = [0, *(np.flatnonzero(array[1:, 11] == 1) + 1).tolist()]
    n = len(array)
    lower, lemma, pos, tag, dep, idx, orth = array[:, :7].T.tolist()
    stop, alpha, num = array[:, 7:10].astype(bool).T.tolist()
    named = names.__getitem__
    lower_s, lemma_s = list(map(named, lower)), list(map(lemmas.__getitem__, lemma))
    # A token's text is its ORTH string: spaCy's tokenizer never changes the text it splits.
    rows = zip(map(named, orth), lower_s, lemma_s,
               map(named, pos), map(named, tag), map(named, dep), idx, stop, alpha, num,
               strict=True)
    masks = np.empty((n, 11), dtype=bool)
    masks[:, _TOKEN] = token = ~array[:, 10].astype(bool)
    pos_ids = array[:, 2]
    masks[:, _WORD] = word = array[:, 8].astype(bool)
    masks[:, _CONTENT] = word & ~array[:, 7].astype(bool) & _IS_CONTENT_POS[pos_ids]
    masks[:, _SPOKEN] = spoken = token & (pos_ids != _POS_IDS["SPACE"])
    masks[:, _WORDED] = spoken & (pos_ids != _POS_IDS["PUNCT"])
    verb = (pos_ids == _POS_IDS["VERB"]) | (pos_ids == _POS_IDS["AUX"])
    tags, deps = array[:, 3], array[:, 4]
    masks[:, _FINITE] = token & (_any_of(tags, _FINITE_TAG_IDS) | (verb & (deps == _ROOT_ID)))
    masks[:, _SUBORDINATE] = token & _any_of(deps, _SUBORDINATE_DEP_IDS)
    masks[:, _NUMBER] = token & array[:, 9].astype(bool)
    masks[:, _PROPER] = pos_ids == _POS_IDS["PROPN"]
    masks[:, _VERB] = verb
    masks[:, _PAST] = token & (tags == _PAST_ID)
    # Each kind's running count: a sentence's tokens of a kind are the difference at its ends.
    running = np.zeros((n + 1, 11), dtype=np.int64)
    np.cumsum(masks, axis=0, out=running[1:])
    bounds = np.array([*sentence_starts, n])
    at_start = running[bounds[:-1]]
    flags = masks.T.tolist()
    every = list(map(partial(tuple.__new__, Token), rows))
    return Columns(
        list(compress(every, flags[_TOKEN])), list(compress(every, flags[_SPOKEN])),
        list(compress(lower_s, flags[_TOKEN])), list(compress(lemma_s, flags[_TOKEN])),
        list(compress(lower_s, flags[_WORD])), list(compress(lemma_s, flags[_WORD])),
        list(compress(lemma_s, flags[_CONTENT])), list(compress(lower_s, flags[_SPOKEN])),
        list(compress(lower_s, flags[_WORDED])), at_start.tolist(),
        (running[bounds[1:]] - at_start).tolist())


# Tags and dependency labels by their ids (a string's id is its hash in every StringStore), so
# their masks are a few array comparisons, not a lookup per token.
_FINITE_TAG_IDS = tuple(get_string_id(tag) for tag in sorted(FINITE_TAGS))
_SUBORDINATE_DEP_IDS = tuple(get_string_id(dep) for dep in sorted(SUBORDINATE_DEPS))
_ROOT_ID, _PAST_ID = get_string_id("ROOT"), get_string_id("VBD")


def _any_of(column: np.ndarray, ids: tuple[int, ...]) -> np.ndarray:
    """Whether each value of the column is one of the ids."""
    found = column == ids[0]
    for other in ids[1:]:
        found |= column == other
    return found


def _primed(sentence: Sentence, columns: Columns, k: int) -> Sentence:
    """The sentence (the Doc's ``k``-th) with the properties every feature reads cut from the
    Doc's columns, where a generator over its Tokens ran in Python, property by property."""
    start, count = columns.starts[k], columns.counts[k]

    def run(listed: list[str], kind: int) -> list[str]:
        return listed[start[kind]:start[kind] + count[kind]]

    words = tuple(run(columns.words, _WORD))
    sentence.__dict__.update(
        spoken_tokens=tuple(run(columns.spoken_tokens, _SPOKEN)),
        token_lowers=tuple(run(columns.token_lowers, _TOKEN)),
        token_lemmas=tuple(run(columns.token_lemmas, _TOKEN)),
        words=words, n_words=len(words), lemmas=tuple(run(columns.lemmas, _WORD)),
        content_lemmas=frozenset(run(columns.content_lemmas, _CONTENT)),
        lower_text=" " + " ".join(run(columns.spoken, _SPOKEN)) + " ",
        opening_words=tuple(run(columns.worded, _WORDED)),
        has_finite_verb=count[_FINITE] > 0, has_subordinate_clause=count[_SUBORDINATE] > 0,
        has_number=count[_NUMBER] > 0, n_proper=count[_PROPER], n_verbs=count[_VERB],
        n_past=count[_PAST])
    return sentence


def _touches(start: int, end: int, e_start: int, e_end: int, text: str) -> bool:
    """True when only whitespace separates the sentence from the elided passage."""
    if end <= e_start:
        return not text[end:e_start].strip()
    if start >= e_end:
        return not text[e_end:start].strip()
    return True


def _with_paragraph(sentence: Sentence, paragraph: int) -> Sentence:
    moved = Sentence(sentence.index, paragraph, sentence.start, sentence.end, sentence.text,
                     sentence.tokens, sentence.truncated, sentence.after_stop)  # fresh memo
    moved.__dict__.update({name: value for name, value in sentence.__dict__.items()
                           if name not in _FIELDS})  # its computed properties
    return moved


def _ends_noun_phrase(tokens: list[Token], by_agent: bool = False) -> bool:
    """Whether the tokens end with a noun phrase's head: a noun, name, pronoun or number, or an
    adjective standing for one after a determiner ("each side's fear of the other made …"),
    unless the verb after it takes an agent ("The poor affected by the famine." is a
    fragment)."""
    last = tokens[-1]
    return last.pos in {"NOUN", "PROPN", "PRON", "NUM"} or (
        last.pos == "ADJ" and len(tokens) > 1 and tokens[-2].pos == "DET" and not by_agent)


_FIELDS = frozenset(f.name for f in fields(Sentence))
_OPENING_MARKS = " \t\"“‘'(["
_STOPS = ".!?…:;"


def _after_stop(text: str, start: int) -> bool:
    """Whether what comes before ``start`` ends a sentence or a paragraph (or the text)."""
    position = start
    while position > 0 and text[position - 1] in _OPENING_MARKS:
        position -= 1
    while position > 0 and text[position - 1] in "\"”’')]":  # a quotation closed before
        position -= 1
    return position == 0 or text[position - 1] in _STOPS or text[position - 1] == "\n"
