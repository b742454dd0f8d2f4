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
from collections.abc import Sequence
from dataclasses import dataclass

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


def _opening(sentence: Sentence, n_words: int = 3) -> tuple[str, ...]:
    return sentence.opening_words[:n_words]


# Markers by their first word, longest first, so a sentence is checked in one lookup.
_MARKERS: dict[str, list[tuple[str, str]]] = {}
for _marker, _kind in sorted(TRANSITIONS.items(), key=lambda mk: (-len(mk[0]), mk[0])):
    _MARKERS.setdefault(_marker.split()[0], []).append((f" {_marker} ", _kind))


def marker_kind(sentence: Sentence) -> str:
    """The kind of discourse marker the sentence opens with ("none" without one)."""
    cached = sentence.memo.get("marker_kind")
    if cached is None:
        words = _opening(sentence, 6)
        opening = " " + " ".join(words) + " "
        cached = next((kind for marker, kind in _MARKERS.get(words[0] if words else "", ())
                       if opening.startswith(marker)), "none")
        sentence.memo["marker_kind"] = cached
    return cached


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


_CONCESSIONS = tuple(f" {p} " for p in CONCESSION_OPENINGS)


def _cues(sentence: Sentence) -> dict[str, float]:
    text = sentence.lower_text
    return {
        "example": float(_EXAMPLE.search(text) is not None),
        "opinion": float(_OPINION.search(text) is not None),
        "conclusion_marker": float(marker_kind(sentence) == "conclusion"),
        "because": float(" because " in text or " since " in text or " as a result " in text),
        "number": float(any(t.like_num for t in sentence.tokens)),
        "first_person": float(not FIRST_PERSON.isdisjoint(sentence.words)),
        "concession": float(sentence.opening(6).startswith(_CONCESSIONS)),
    }


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


_NEIGHBOUR_KEYS = {name: tuple(f"{name}_{cue}" for cue in CONTEXT_CUES)
                   for name in ("previous", "next")}


def _token_counts(sentence: Sentence) -> tuple[int, int, int, int]:
    """(modal verbs, proper nouns, past-tense verbs, verbs) of a sentence, in one pass."""
    modals = proper = past = verbs = 0
    for t in sentence.tokens:
        if t.lower in MODALS:
            modals += 1
        pos = t.pos
        if pos == "PROPN":
            proper += 1
        elif pos == "VERB" or pos == "AUX":
            verbs += 1
        if t.tag == "VBD":
            past += 1
    return modals, proper, past, verbs


def sentence_features(essay: EssayDoc, topic: Topic) -> list[dict[str, float]]:
    """One feature dict per sentence of the essay, in order."""
    sentences = list(essay.sentences)
    parts = sections(essay)
    section_of = {i: part for part in parts for i in part.sentences}
    n_paragraphs = len(parts)
    lemmas = {s.index: s.content_lemmas for s in sentences}
    cues = {s.index: _cues(s) for s in sentences}
    kinds = {s.index: marker_kind(s) for s in sentences}
    intro_last = parts[0].sentences[-1] if parts and parts[0].place == "intro" else None
    question = topic.prompt_lemmas | topic.key_term_lemmas
    # The content words of every sentence outside each part, for overlap_elsewhere.
    elsewhere_of = {id(part): [lemmas[i] for other in parts if other is not part
                               for i in other.sentences] for part in parts}
    centrality = {i: value for part in parts for i, value in
                  zip(part.sentences, _centralities([lemmas[i] for i in part.sentences]),
                      strict=True)}
    rows: list[dict[str, float]] = []
    for position, sentence in enumerate(sentences):
        part = section_of[sentence.index]
        members: Sequence[int] = part.sentences
        k, n = members.index(sentence.index), len(members)
        place = part.place
        slot = "first" if k == 0 else "last" if k == n - 1 else "middle"
        own = lemmas[sentence.index]
        elsewhere = elsewhere_of[id(part)]
        words = _opening(sentence, 3)
        lemma_set = set(sentence.lemmas)
        modals, proper, past, verbs = _token_counts(sentence)
        kind = kinds[sentence.index]
        # max(len(own & o)) / len(own) is max(len(own & o) / len(own)): one division.
        overlap_elsewhere = (_share(max(map(len, map(own.__and__, elsewhere))), len(own))
                             if elsewhere else 0.0)
        row: dict[str, float] = {
            f"place={place}": 1.0, f"slot={slot}": 1.0, f"place_slot={place}_{slot}": 1.0,
            "relative_position": _share(k, n - 1), "paragraph_sentences": min(n, 8) / 8,
            "essay_paragraphs": min(n_paragraphs, 7) / 7,
            "words_log": math.log1p(sentence.n_words),
            "modals": float(modals),
            "evaluative": float(len(EVALUATIVE.intersection(lemma_set))),
            "causal": float(len(CAUSAL.intersection(lemma_set))),
            "proper_nouns": min(proper, 5) / 5,
            "past_tense": _share(past, max(1, verbs)),
            "subordinate": float(sentence.has_subordinate_clause),
            "question_mark": float(sentence.text.rstrip("”\"' ").endswith("?")),
            "back_reference": float(bool(words) and words[0] in BACK_REFERENCE),
            "question_overlap": _share(len(own & question), max(1, len(question))),
            "question_words": float(min(len(own & question), 5)),
            "overlap_elsewhere": overlap_elsewhere,
            "overlap_intro_last": _share(len(own & lemmas[intro_last]), len(own))
            if intro_last is not None and place != "intro" else 0.0,
            f"marker={kind}": 1.0,
            f"slot_marker={slot}_{kind}": 1.0,
        }
        row.update(cues[sentence.index])
        for n_words in (1, 2, 3):
            row[f"opens={' '.join(words[:n_words])}"] = 1.0
        for lemma in lemma_set:
            row[f"lemma={lemma}"] = 1.0
        for offset, name in ((-1, "previous"), (1, "next")):
            j = position + offset
            neighbour = sentences[j] if 0 <= j < len(sentences) else None
            if neighbour is None or section_of[neighbour.index] is not part:
                row[f"{name}=none"] = 1.0
                continue
            neighbour_cues = cues[neighbour.index]
            row.update(zip(_NEIGHBOUR_KEYS[name], map(neighbour_cues.__getitem__, CONTEXT_CUES),
                           strict=True))
            row[f"{name}_marker={kinds[neighbour.index]}"] = 1.0
        # A paragraph that ends "Therefore, …" usually states its point there, not first.
        last, first = members[-1], members[0]
        ends_with_point = kinds[last] in {"consequence", "conclusion"}
        opens_in_sequence = kinds[first] in {"sequence", "addition"}
        row["paragraph_ends_with_consequence"] = float(ends_with_point)
        row["paragraph_opens_in_sequence"] = float(opens_in_sequence)
        row[f"{slot}_x_ends_with_consequence"] = float(ends_with_point)
        row[f"{slot}_x_opens_in_sequence"] = float(opens_in_sequence)
        row["centrality"] = centrality[sentence.index]
        rows.append(row)
    _relative_to_section(rows, [section_of[s.index] for s in sentences])
    return rows


# Features compared with the rest of the sentence's section: a paragraph's point is the
# sentence most like the others (central), most general and most tied to the question.
RELATIVE = ("words_log", "proper_nouns", "question_overlap", "overlap_elsewhere",
            "overlap_intro_last", "modals", "evaluative", "number", "first_person", "example",
            "opinion", "centrality", "past_tense")


_RELATIVE_KEYS = tuple((name, f"relative_{name}", f"highest_{name}") for name in RELATIVE)


_FEW_SENTENCES = 8


def _centralities(sets: Sequence[frozenset[str]]) -> list[float]:
    """Each set's mean word overlap (Jaccard) with the others of its section: a long section
    (an essay written as one block has dozens of sentences) in one matrix product rather than
    comparing each pair twice; a paragraph's few sentences pair by pair."""
    if len(sets) < 2:
        return [0.0] * len(sets)
    if len(sets) <= _FEW_SENTENCES:  # a paragraph's few sentences: cheaper without numpy
        sizes = [len(words) for words in sets]
        shares = [[len(a & b) for b in sets] for a in sets]
        return [sum(shares[k][j] / max(1, sizes[k] + sizes[j] - shares[k][j])
                    for j in range(len(sets)) if j != k) / (len(sets) - 1)
                for k in range(len(sets))]
    vocabulary: dict[str, int] = {}
    columns = [[vocabulary.setdefault(w, len(vocabulary)) for w in words] for words in sets]
    members = np.zeros((len(sets), max(len(vocabulary), 1)), dtype=np.int64)
    for row, used in enumerate(columns):
        members[row, used] = 1
    shared = members @ members.T
    sizes = np.diagonal(shared)
    jaccard = (shared / np.maximum(1, sizes[:, None] + sizes[None, :] - shared)).tolist()
    # Summed in order, as sum() over the others would: the same float to the last bit.
    return [sum(row[:k] + row[k + 1:]) / (len(sets) - 1) for k, row in enumerate(jaccard)]


def _relative_to_section(rows: list[dict[str, float]], parts: Sequence[Section]) -> None:
    by_part: dict[int, list[int]] = {}
    for position, part in enumerate(parts):
        by_part.setdefault(id(part), []).append(position)
    for positions in by_part.values():
        for name, relative, highest in _RELATIVE_KEYS:
            values = [rows[k].get(name, 0.0) for k in positions]
            mean = sum(values) / len(values)
            top = max(values)
            several = len(values) > 1
            for k, value in zip(positions, values, strict=True):
                row = rows[k]
                row[relative] = value - mean
                row[highest] = float(value == top and several)
