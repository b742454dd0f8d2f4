"""What the argument model reads of each sentence: where it stands, how it opens, what it says.

Argumentative essays are built in a few recurring ways (the thesis ends the introduction and is
restated at the start of the conclusion; a body paragraph's point opens or closes it, its
reasons and examples sit between), and people mark those roles with a small set of words
("firstly", "for example", "therefore", "in my opinion"). Each sentence is described by its
place in the essay and its paragraph, its opening words and discourse marker, its stance and
first-person words, its specifics (numbers, names, examples), its overlap with the question and
with the rest of the essay, and the same cues of its neighbours and of its paragraph's ends.
Every feature is a named number, so the model's weights can be read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from models.document import EssayDoc, Sentence
from models.features.lexicon import CAUSAL, EVALUATIVE, TRANSITIONS, phrase_finder
from models.features.topic import Topic

# Words that mark an opinion or a position taken by the writer.
OPINION_PHRASES = (
    "i think", "i believe", "in my opinion", "i agree", "i disagree", "personally",
    "from my point of view", "in my view", "i strongly", "my opinion", "i would argue",
    "i am convinced", "i feel", "this essay argues", "i argue", "it is clear that",
)
# Words that introduce the other side: a counterclaim.
CONCESSION_OPENINGS = (
    "admittedly", "some people", "some may", "some might", "some argue", "some believe",
    "some claim", "some say", "others argue", "it is true that", "it is undeniable",
    "opponents", "critics", "on the other hand", "although", "though", "while", "granted",
    "of course", "it could be argued", "it can be argued", "one might", "many people",
)
EXAMPLE_PHRASES = ("for example", "for instance", "such as", "e.g.", "to illustrate",
                   "as an example", "a good example")
_EXAMPLE = phrase_finder(EXAMPLE_PHRASES)
_OPINION = phrase_finder(OPINION_PHRASES)
MODALS = frozenset("should must can will would could may might ought need".split())
FIRST_PERSON = frozenset("i my me we our us".split())
BACK_REFERENCE = frozenset("this these that those such it they".split())
CONTEXT_CUES = ("example", "opinion", "conclusion_marker", "because", "number",
                "first_person", "concession")


# Markers by their first word, longest first, so a sentence is checked in one lookup.
_MARKERS: dict[str, list[tuple[str, str]]] = {}
for _marker, _kind in sorted(TRANSITIONS.items(), key=lambda mk: (-len(mk[0]), mk[0])):
    _MARKERS.setdefault(_marker.split()[0], []).append((f" {_marker} ", _kind))


def marker_kind(sentence: Sentence) -> str:
    """The kind of discourse marker the sentence opens with ("none" without one)."""
    cached = sentence.memo.get("marker_kind")
    if cached is None:
        words = sentence.opening_words
        opening = sentence.lead
        cached = next((kind for marker, kind in _MARKERS.get(words[0] if words else "", ())
                       if opening.startswith(marker)), "none")
        sentence.memo["marker_kind"] = cached
    return cached


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


_CONCESSIONS = tuple(f" {p} " for p in CONCESSION_OPENINGS)


def _cues(sentence: Sentence) -> tuple[float, ...]:
    """The sentence's CONTEXT_CUES, in that order."""
    text = sentence.lower_text
    return (
        float(_EXAMPLE.search(text) is not None),
        float(_OPINION.search(text) is not None),
        float(marker_kind(sentence) == "conclusion"),
        float(" because " in text or " since " in text or " as a result " in text),
        float(sentence.has_number),
        float(not FIRST_PERSON.isdisjoint(sentence.words)),
        float(sentence.lead.startswith(_CONCESSIONS)),
    )


@dataclass(frozen=True)
class Section:
    """A part of the essay: the introduction, a body paragraph or the conclusion."""

    place: str  # "intro", "body" or "conclusion"
    sentences: tuple[int, ...]


MIN_SENTENCE_WORDS = 4  # a split the parser made ("There fore") is no sentence of its own


def sections(essay: EssayDoc) -> list[Section]:
    """The essay's introduction, body paragraphs and conclusion. An essay written as one block
    is read as its writer would have paragraphed it: its opening sentences (a quarter, at
    most three) introduce it, a closing run from a conclusion marker in its last third
    concludes it, the rest is its body."""
    paragraphs = [p.sentences for p in essay.paragraphs]
    if len(paragraphs) >= 3:
        return [Section("intro", paragraphs[0]), *(Section("body", p) for p in paragraphs[1:-1]),
                Section("conclusion", paragraphs[-1])]
    if len(paragraphs) == 2:
        return [Section("intro", paragraphs[0]), Section("body", paragraphs[1])]
    if not paragraphs:
        return []
    ids = list(paragraphs[0])
    intro = 0
    if len(ids) >= 4:  # the opening sentences: a quarter, at most three that are sentences
        wanted, whole = max(1, min(3, math.ceil(len(ids) / 4))), 0
        while intro < len(ids) and whole < wanted:
            whole += essay.sentence(ids[intro]).n_words >= MIN_SENTENCE_WORDS
            intro += 1
    closing = len(ids)
    for position in range(len(ids) - 1, max(intro, len(ids) * 2 // 3) - 1, -1):
        if marker_kind(essay.sentence(ids[position])) == "conclusion":
            closing = position
            break
    parts = [Section("intro", tuple(ids[:intro])), Section("body", tuple(ids[intro:closing])),
             Section("conclusion", tuple(ids[closing:]))]
    return [part for part in parts if part.sentences]


# The numeric features, a column each (the rest are indicators: a name whose value is 1).
_SLOT_PARAGRAPH = tuple(f"{slot}_x_{what}" for slot in ("first", "middle", "last")
                        for what in ("ends_with_consequence", "opens_in_sequence"))
NUMERIC = (
    "relative_position", "paragraph_sentences", "essay_paragraphs", "words_log", "modals",
    "evaluative", "causal", "proper_nouns", "past_tense", "subordinate", "question_mark",
    "back_reference", "question_overlap", "question_words", "overlap_elsewhere",
    "overlap_intro_last", "centrality", "paragraph_ends_with_consequence",
    "paragraph_opens_in_sequence", *CONTEXT_CUES,
    *(f"{side}_{cue}" for side in ("previous", "next") for cue in CONTEXT_CUES),
    *_SLOT_PARAGRAPH,
)
# Features compared with the rest of the sentence's section: a paragraph's point is the
# sentence most like the others (central), most general and most tied to the question.
RELATIVE = ("words_log", "proper_nouns", "question_overlap", "overlap_elsewhere",
            "overlap_intro_last", "modals", "evaluative", "number", "first_person", "example",
            "opinion", "centrality", "past_tense")
COLUMNS = (*NUMERIC, *(f"relative_{name}" for name in RELATIVE),
           *(f"highest_{name}" for name in RELATIVE))
_RELATIVE_COLUMNS = [NUMERIC.index(name) for name in RELATIVE]
_SLOT_PARAGRAPH_AT = {name: k for k, name in enumerate(_SLOT_PARAGRAPH)}


LEMMA = "lemma="  # the indicator of a lemma the sentence uses: "lemma=famine"


@dataclass(frozen=True)
class SentenceFeatures:
    """An essay's sentence features: the numeric ones as a matrix (a row per sentence, a
    column per name in COLUMNS) and, per sentence, its indicators (its place, markers and
    opening words by name, and the lemmas it uses), each worth 1. Read as a whole, the model
    scores an essay in one product; ``rows`` names every value, for fitting and reading."""

    numeric: np.ndarray
    indicators: tuple[tuple[str, ...], ...]
    lemmas: tuple[frozenset[str], ...]

    def __len__(self) -> int:
        return len(self.indicators)

    def rows(self) -> list[dict[str, float]]:
        """One dict of named values per sentence."""
        return [{**dict.fromkeys(names, 1.0), **dict.fromkeys((LEMMA + w for w in words), 1.0),
                 **dict(zip(COLUMNS, values, strict=True))}
                for names, words, values in zip(self.indicators, self.lemmas,
                                                self.numeric.tolist(), strict=True)]

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, float]]) -> SentenceFeatures:
        """Named values back into columns and indicators (a value missing from a row is 0)."""
        numeric = np.array([[row.get(name, 0.0) for name in COLUMNS] for row in rows],
                           dtype=float).reshape(len(rows), len(COLUMNS))
        columns = set(COLUMNS)
        named = [{n: v for n, v in row.items() if n not in columns} for row in rows]
        odd = [{n: v for n, v in row.items() if v not in (0.0, 1.0)} for row in named]
        if any(odd):
            raise ValueError(f"indicator features are 0 or 1: {odd}")
        return cls(numeric,
                   tuple(tuple(n for n, v in row.items() if v and not n.startswith(LEMMA))
                         for row in named),
                   tuple(frozenset(n[len(LEMMA):] for n, v in row.items()
                                   if v and n.startswith(LEMMA)) for row in named))


def sentence_features(essay: EssayDoc, topic: Topic) -> SentenceFeatures:
    """The features of every sentence of the essay, in order."""
    sentences = essay.sentences
    parts = sections(essay)
    n_paragraphs = min(len(parts), 7) / 7
    own_lemmas = [s.content_lemmas for s in sentences]
    cues = [_cues(s) for s in sentences]
    kinds = [marker_kind(s) for s in sentences]
    row_of = {s.index: k for k, s in enumerate(sentences)}
    intro_last = parts[0].sentences[-1] if parts and parts[0].place == "intro" else None
    question = topic.prompt_lemmas | topic.key_term_lemmas
    question_size = max(1, len(question))
    # How many content words each pair of sentences shares, for the overlaps and centrality.
    shared = _shared(own_lemmas)
    part_rows = [[row_of[i] for i in part.sentences] for part in parts]
    # The most words a sentence shares with one outside its part (-1: no sentence outside).
    part_of_row = np.zeros(len(sentences), dtype=int)
    for number, rows in enumerate(part_rows):
        part_of_row[rows] = number
    outside = np.where(part_of_row[:, None] != part_of_row[None, :], shared, -1.0)
    best_elsewhere = outside.max(axis=1).astype(int).tolist() if len(sentences) else []
    with_intro_last = (shared[:, row_of[intro_last]].astype(int).tolist()
                       if intro_last is not None else [])
    part_of = part_of_row.tolist()
    jaccard = _jaccard(shared)
    no_cues = (0.0,) * len(CONTEXT_CUES)
    numeric: list[tuple[float, ...]] = [()] * len(sentences)
    indicators: list[tuple[str, ...]] = [()] * len(sentences)
    used: list[frozenset[str]] = [frozenset()] * len(sentences)
    for number, (part, rows) in enumerate(zip(parts, part_rows, strict=True)):
        n, place = len(rows), part.place
        centrality = _centralities(jaccard, rows)
        # A paragraph that ends "Therefore, …" usually states its point there, not first.
        ends_with_point = float(kinds[rows[-1]] in {"consequence", "conclusion"})
        opens_in_sequence = float(kinds[rows[0]] in {"sequence", "addition"})
        in_part = (min(n, 8) / 8, n_paragraphs)
        for k, position in enumerate(rows):
            sentence = sentences[position]
            slot = "first" if k == 0 else "last" if k == n - 1 else "middle"
            own = own_lemmas[position]
            words = sentence.opening_words[:3]
            lemma_set = frozenset(sentence.lemmas)
            kind = kinds[position]
            in_question = len(own & question)
            names = [*_place_names(place, slot, kind), *_opening_names(words)]
            sides = []
            for j, side in ((position - 1, "previous"), (position + 1, "next")):
                if 0 <= j < len(sentences) and part_of[j] == number:
                    names.append(_neighbour_name(side, kinds[j]))
                    sides.append(cues[j])
                else:
                    names.append(f"{side}=none")
                    sides.append(no_cues)
            # Numbers and truth values, in NUMERIC's order (the matrix makes them floats).
            numeric[position] = (
                _share(k, n - 1), *in_part, math.log1p(sentence.n_words),
                sum(map(MODALS.__contains__, sentence.words)),
                len(EVALUATIVE.intersection(lemma_set)), len(CAUSAL.intersection(lemma_set)),
                min(sentence.n_proper, 5) / 5, _share(sentence.n_past, max(1, sentence.n_verbs)),
                sentence.has_subordinate_clause, sentence.text.rstrip("”\"' ").endswith("?"),
                bool(words) and words[0] in BACK_REFERENCE,
                in_question / question_size, min(in_question, 5),
                # The most words shared with one sentence, over its own.
                _share(best_elsewhere[position], len(own))
                if best_elsewhere[position] >= 0 else 0.0,
                _share(with_intro_last[position], len(own))
                if intro_last is not None and place != "intro" else 0.0,
                centrality[k], ends_with_point, opens_in_sequence,
                *cues[position], *sides[0], *sides[1],
                *_by_slot(slot, ends_with_point, opens_in_sequence))
            indicators[position] = tuple(names)
            used[position] = lemma_set
    return SentenceFeatures(_with_relative(np.array(numeric, dtype=float).reshape(
        len(numeric), len(NUMERIC)), [len(part.sentences) for part in parts]),
        tuple(indicators), tuple(used))


@lru_cache(maxsize=64)
def _by_slot(slot: str, ends_with_point: float, opens_in_sequence: float
             ) -> tuple[float, ...]:
    """The _SLOT_PARAGRAPH columns: the paragraph's two cues in the sentence's slot only."""
    values = [0.0] * len(_SLOT_PARAGRAPH)
    values[_SLOT_PARAGRAPH_AT[f"{slot}_x_ends_with_consequence"]] = ends_with_point
    values[_SLOT_PARAGRAPH_AT[f"{slot}_x_opens_in_sequence"]] = opens_in_sequence
    return tuple(values)


# The indicators' names, made once per combination: the same few hundred recur sentence after
# sentence.
@lru_cache(maxsize=1024)
def _place_names(place: str, slot: str, kind: str) -> tuple[str, ...]:
    return (f"place={place}", f"slot={slot}", f"place_slot={place}_{slot}", f"marker={kind}",
            f"slot_marker={slot}_{kind}")


@lru_cache(maxsize=16384)
def _opening_names(words: tuple[str, ...]) -> tuple[str, ...]:
    """The names of the sentence's first one, two and three words (once each)."""
    return tuple(dict.fromkeys(f"opens={' '.join(words[:n_words])}" for n_words in (1, 2, 3)))


@lru_cache(maxsize=256)
def _neighbour_name(side: str, kind: str) -> str:
    return f"{side}_marker={kind}"


def _shared(sets: Sequence[frozenset[str]]) -> np.ndarray:
    """How many words each pair of sets shares (on the diagonal: each set's size), in one
    matrix product (floats holding whole numbers, so the product runs in BLAS)."""
    vocabulary: dict[str, int] = {}
    columns = [[vocabulary.setdefault(w, len(vocabulary)) for w in words] for words in sets]
    members = np.zeros((len(sets), max(len(vocabulary), 1)))
    members[np.repeat(np.arange(len(sets)), [len(c) for c in columns]),
            [k for c in columns for k in c]] = 1.0
    return members @ members.T


def _jaccard(shared: np.ndarray) -> list[list[float]]:
    """Each pair of sets' Jaccard overlap, from the words each pair shares (``_shared``)."""
    sizes = np.diagonal(shared)
    return (shared / np.maximum(1, sizes[:, None] + sizes[None, :] - shared)).tolist()


def _centralities(jaccard: list[list[float]], rows: Sequence[int]) -> list[float]:
    """Each sentence's mean word overlap (Jaccard) with the others of its section, the
    sentences at ``rows`` of the essay's ``_jaccard`` matrix."""
    n = len(rows)
    if n < 2:
        return [0.0] * n
    first = rows[0]
    if rows[-1] - first == n - 1:  # a section's sentences follow one another: slices
        ends = [(jaccard[i], i - first) for i in rows]
        # Summed in order, as sum() over the others would: the same float to the last bit.
        return [sum(row[first:first + k] + row[first + k + 1:first + n]) / (n - 1)
                for row, k in ends]
    return [sum(jaccard[i][j] for j in rows if j != i) / (n - 1) for i in rows]


def _with_relative(numeric: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """The numeric columns, then each RELATIVE one less its section's mean, then whether it
    is the section's highest (in a section of more than one sentence). ``sizes``: how many
    sentences each section has; a section's sentences follow one another in the essay."""
    # In rows (C order), so that a column's sum runs row after row as sum() would (numpy sums
    # a contiguous column pairwise, another last bit, which moves the model's training).
    values = np.ascontiguousarray(numeric[:, _RELATIVE_COLUMNS])
    if not len(values):
        return np.hstack((numeric, values, values))
    counts = np.array(sizes)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    sums = np.array([values[start:start + count].sum(axis=0)
                     for start, count in zip(starts.tolist(), sizes, strict=True)])
    mean = np.repeat(sums / counts[:, None], counts, axis=0)
    top = np.repeat(np.maximum.reduceat(values, starts, axis=0), counts, axis=0)
    several = np.repeat(counts > 1, counts)[:, None]
    return np.hstack((numeric, values - mean, ((values == top) & several).astype(float)))
