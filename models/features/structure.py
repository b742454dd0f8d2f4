"""Structure: paragraphs, introduction and conclusion, topic sentences, transitions, flow."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

import numpy as np

from models.argument import Argument
from models.document import EssayDoc, Sentence, Token, token_column
from models.features.chronology import years_in
from models.features.evidence import (
    EvidenceFeatures,
    Quotation,
    first_words,
    in_quotation,
    opens_with_reference,
    own_tokens,
    quotations_in,
)
from models.features.known_names import things_named
from models.features.lexicon import (
    CONCLUSION_MARKERS,
    CONTINUATION_MARKERS,
    LINKING_TRANSITIONS,
    MONTHS,
    OPENING_ONLY,
    phrase_finder,
)
from models.features.thesis import ThesisFeatures
from models.result import quote

# Markers grouped by their first word, longest first, so a sentence is checked in one lookup.
_MARKERS_BY_FIRST_WORD: dict[str, list[str]] = {}
for _marker in sorted(LINKING_TRANSITIONS, key=lambda m: (-len(m), m)):
    _MARKERS_BY_FIRST_WORD.setdefault(_marker.split()[0], []).append(_marker)
_CONCLUSION_OVERLAP = 0.2
# How much likelier the paragraph's point must be than its first sentence to call the first
# sentence no topic sentence.
POINT_MARGIN = 0.2
# Ordinal signposts by the place they claim; "finally" and "lastly" close any sequence.
_ORDINAL_RANK = {"first": 1, "firstly": 1, "second": 2, "secondly": 2, "third": 3,
                 "thirdly": 3, "finally": 9, "lastly": 9}
# Linking adverbs that tie a sentence to the one before from anywhere in its first clause
# ("Gradually, however, that trust…", "The Banking Act then created…"); words that only link
# at the very start ("but", "so", "yet", "still", "first") are not among them.
_LINKING_ADVERBS = frozenset({
    "however", "nevertheless", "nonetheless", "conversely", "instead", "moreover",
    "furthermore", "additionally", "also", "similarly", "likewise", "therefore", "thus",
    "consequently", "hence", "accordingly", "then", "afterwards", "subsequently", "meanwhile",
    "later", "eventually", "finally", "indeed", "ultimately"})
_LINKING_PHRASES = tuple(m for m, kind in LINKING_TRANSITIONS.items()
                         if " " in m and kind != "conclusion" and m not in OPENING_ONLY)
_ANY_LINKING_PHRASE = phrase_finder(_LINKING_PHRASES)
# A clause with none of these words (a phrase's first word, or a linking adverb) links nothing:
# a phrase is found only where its first word is one of the clause's words.
_LINKING_WORDS = frozenset(m.split()[0] for m in _LINKING_PHRASES) | _LINKING_ADVERBS
# Words that point back at the sentence before: a demonstrative anywhere ("this terrible
# slump"), or a third-person pronoun in the first clause ("his administration launched…").
_DEMONSTRATIVES = frozenset({"this", "these", "those", "such"})
_PRONOUNS = frozenset({"he", "she", "it", "they", "him", "her", "them", "his", "its", "their"})
_PLACE_BACK = frozenset({"there", "here"})  # "nobody wanted to work there"
# Signposts that close an essay; "overall" and "ultimately" also open ordinary sentences.
_CLOSING_ONLY = frozenset({"in conclusion", "to conclude", "in summary", "to sum up",
                           "all in all"})
_PREFIXES = ("un", "non", "dis", "re", "in", "im", "de")
_TIME_WORDS = frozenset("""
day days week weeks month months year years decade decades century centuries later earlier
soon afterwards meanwhile then next following previous
""".split()) | frozenset(m for m in MONTHS)
# A one-paragraph essay's conclusion may begin anywhere in its last quarter or so.
_ENDING_SHARE = 0.25


@dataclass(frozen=True)
class TransitionUse:
    sentence: int
    marker: str
    kind: str
    opening: bool = True  # False: later in the first clause ("Gradually, however, …")


@dataclass(frozen=True)
class TopicSentence:
    paragraph: int
    sentence: int
    problem: str | None  # None when the sentence does the job


@dataclass(frozen=True)
class Misplaced:
    sentence: int
    marker: str
    where: str


@dataclass(frozen=True)
class StructureFeatures:
    paragraph_words: tuple[int, ...]
    sentence_count: int
    introduction_has_thesis: bool
    conclusion_paragraph: int | None
    conclusion_marker: bool
    conclusion_overlap: float
    topic_sentences: tuple[TopicSentence, ...]
    transitions: tuple[TransitionUse, ...]
    transition_rate: float
    transition_variety: float
    repeated_marker: tuple[str, tuple[int, ...]] | None
    misplaced: tuple[Misplaced, ...]
    balance: float
    coherence: float  # adjacent-sentence overlap above the essay's own baseline, 0..1
    abrupt: tuple[int, ...]
    dangling: tuple[int, ...]  # paragraph openings that refer back to a sentence they lack
    split_points: tuple[int, ...]  # where a one-block essay could start new paragraphs
    # An essay without paragraphs (or whose breaks were lost) still has a closing: its last
    # few sentences, judged as a conclusion paragraph would be.
    closing: tuple[int, ...] = ()
    closing_marker: bool = False
    closing_overlap: float = 0.0
    # Whether the conclusion restates the thesis, as the argument reads it (None: not read),
    # and the sentence that does.
    restated: bool | None = None
    restatement: int | None = None

    @property
    def paragraph_count(self) -> int:
        return len(self.paragraph_words)

    @property
    def conclusion_returns(self) -> bool:
        """The last paragraph takes up the thesis again: it restates it (as the argument reads
        it), or without the argument, signals that it concludes and shares its words."""
        if self.restated is not None:
            return self.restated
        return self.conclusion_paragraph is not None and (
            self.conclusion_overlap >= _CONCLUSION_OVERLAP and self.conclusion_marker)

    @property
    def conclusion_credit(self) -> float:
        """1 for a real conclusion, half for each of its two signs, 0 without a last paragraph."""
        if self.conclusion_paragraph is None:
            return 0.0
        return 0.5 * (self.conclusion_overlap >= _CONCLUSION_OVERLAP) + 0.5 * self.conclusion_marker

    @property
    def closing_credit(self) -> float:
        """The same two signs in the closing sentences of an essay without paragraphs."""
        if not self.closing:
            return 0.0
        return 0.5 * (self.closing_overlap >= _CONCLUSION_OVERLAP) + 0.5 * self.closing_marker


def transition_of(sentence: Sentence, quotations: tuple[Quotation, ...] | list[Quotation] = ()
                  ) -> TransitionUse | None:
    """The linking word or phrase that opens the sentence or stands in its first clause. Words
    inside a quotation are not the student's: a sentence that opens inside one links nothing."""
    spoken = sentence.spoken_tokens
    if not spoken or in_quotation(spoken[0].start, quotations):
        return None
    if quotations_in(sentence, quotations):
        tokens: Sequence[Token] = own_tokens(sentence, quotations)
        words: Sequence[str] = [t.lower for t in tokens if t.pos != "PUNCT"]
    else:  # all its tokens are its own, and their words already listed
        tokens, words = spoken, sentence.opening_words
    opening = " " + " ".join(words[:4]) + " "
    first = words[0] if words else ""
    for marker in _MARKERS_BY_FIRST_WORD.get(first, ()):
        if opening.startswith(f" {marker} "):
            return TransitionUse(sentence.index, marker, LINKING_TRANSITIONS[marker])
    clause = first_clause(tokens)
    if _LINKING_WORDS.isdisjoint(map(_LOWER, clause)):  # most clauses
        return None
    text = " " + " ".join(compress(map(_LOWER, clause), map("PUNCT".__ne__, map(_POS, clause)))) \
        + " "
    if _ANY_LINKING_PHRASE.search(text):  # one search; the loop keeps the phrases' order
        for marker in _LINKING_PHRASES:
            if f" {marker} " in text:
                return TransitionUse(sentence.index, marker, LINKING_TRANSITIONS[marker],
                                     opening=False)
    for token in clause:
        if token.lower in _LINKING_ADVERBS and token.pos == "ADV":
            return TransitionUse(sentence.index, token.lower, LINKING_TRANSITIONS[token.lower],
                                 opening=False)
    return None


def first_clause(tokens: Sequence[Token]) -> Sequence[Token]:
    """The tokens up to the end of the main clause's verb phrase: everything before the root
    and after it up to the first comma, semicolon or conjunction."""
    deps = list(map(_DEP, tokens))
    if "ROOT" not in deps:
        return tokens[:8]
    root = deps.index("ROOT")
    after = tokens[root + 1:]
    for k, (text, pos) in enumerate(zip(map(_TEXT, after), map(_POS, after), strict=True),
                                       root + 1):
        if text in _CLAUSE_MARKS or pos in _CLAUSE_CONJUNCTIONS:
            return tokens[:k]
    return tokens[:]


_TEXT, _LOWER, _POS, _DEP = map(token_column, ("text", "lower", "pos", "dep"))
_CLAUSE_MARKS = frozenset({",", ";", ":", "—", "–"})
_CLAUSE_CONJUNCTIONS = frozenset({"CCONJ", "SCONJ"})


# What makes an opening sentence a detail of evidence rather than a point: a figure, a
# quotation or a source. History's points name people, places and dates too ("The Marshall
# Plan of 1947 made things worse.").
DETAIL_KINDS = frozenset({"figure", "quotation", "source"})


def refers_back(sentence: Sentence, quotations: tuple[Quotation, ...] | list[Quotation] = ()
                ) -> bool:
    """Whether the sentence points back at what came before in its own words: "This shows…",
    "…from this terrible slump", "Over the next six years his administration…"."""
    tokens = own_tokens(sentence, quotations)
    if opens_with_reference(tokens):
        return True
    # "that" as a determiner or pronoun ("compare to that") is tagged DT; as a conjunction or
    # relative pronoun it is not.
    if any((t.lower in _DEMONSTRATIVES and t.tag in {"DT", "PDT", "JJ"})
           or (t.lower == "that" and t.tag == "DT") for t in tokens):
        return True
    return any((t.lower in _PRONOUNS and t.tag in {"PRP", "PRP$"})
               or (t.lower in _PLACE_BACK and t.pos == "ADV") for t in first_clause(tokens))


def similarity_matrix(sentences: list[Sentence]) -> np.ndarray:
    """Cosine similarity of sentences' content stems."""
    vocabulary: dict[str, int] = {}
    rows = [[vocabulary.setdefault(lemma, len(vocabulary)) for lemma in sorted(sentence.stems)]
            for sentence in sentences]
    lengths = [len(r) for r in rows]
    # Each row of ones divided by its norm, the root of its count (a row with none stays
    # empty): the unit vectors, set in one assignment.
    inverse_norms = np.float32(1.0) / np.sqrt(np.maximum(np.array(lengths, dtype=np.float32), 1))
    unit = np.zeros((len(sentences), max(len(vocabulary), 1)), dtype=np.float32)
    unit[np.repeat(np.arange(len(rows)), lengths), [k for r in rows for k in r]] = np.repeat(
        inverse_norms, lengths)
    return unit @ unit.T


def _coherence(similarity: np.ndarray, paragraph_of: list[int]) -> float:
    """How much more sentences share with their own paragraph than with the others'.

    In a one-paragraph essay: how much more neighbours share than sentences further apart.
    Either way a shuffled essay scores about zero.
    """
    n = similarity.shape[0]
    if n < 4:
        return 0.5
    rows, cols = _pairs_above(n, 1)
    labels = np.asarray(paragraph_of)
    same = labels[rows] == labels[cols]
    if len(set(paragraph_of)) >= 2 and same.any() and (~same).any():
        inside = float(similarity[rows[same], cols[same]].mean())
        across = float(similarity[rows[~same], cols[~same]].mean())
        return _clipped((inside - across) / 0.06)
    adjacent = float(np.mean(np.diag(similarity, k=1)))
    far = similarity[_pairs_above(n, 2)]
    baseline = float(np.mean(far)) if far.size else 0.0
    # 0.5 is "neighbours share no more than any two sentences", what a shuffle gives; below it,
    # neighbours share less than chance. Not clipped at 0.5, so reordering always shows.
    return _clipped(0.5 + (adjacent - baseline) / 0.16)


@lru_cache(maxsize=256)
def _pairs_above(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(n, k)``, made once per size (it costs more than the means it serves)."""
    rows, cols = np.triu_indices(n, k=k)
    rows.flags.writeable = cols.flags.writeable = False  # shared between calls
    return rows, cols


def _clipped(value: float) -> float:
    """The value within [0, 1] (``np.clip`` on one number, without numpy's call)."""
    return min(max(value, 0.0), 1.0)


_BACK_REFERENCES = (" this ", " these ", " such ", " it ", " he ", " she ", " they ",
                    " therefore ", " thus ", " as a result ", " consequently ", " hence ",
                    " because of this ", " also ", " moreover ", " furthermore ")


def _refers_back(sentence: Sentence) -> bool:
    opening = sentence.opening(3)
    return opening.startswith(_BACK_REFERENCES)


def _unlinked(essay: EssayDoc, sentence: Sentence, previous: Sentence,
              paragraph: tuple[int, ...], quotations: tuple[Quotation, ...]) -> bool:
    """Whether a sentence changes subject with nothing to tie it to the sentence before.

    It is linked when it points back ("This shows…", "his administration", "there"), opens in
    time ("Within six weeks…", "In 1929…"), repeats a word or number of the sentence before or
    of an earlier sentence of its paragraph (whose thread it takes up again), follows a colon,
    or develops the paragraph's opening sentence (evidence for a topic sentence shares its
    point, not always its words). Linking words are checked by the caller.
    """
    if previous.index not in paragraph or sentence.n_words < 6 \
            or sentence.truncated or previous.truncated:
        return False
    if previous.index == paragraph[0] or previous.text.rstrip().endswith(":"):
        return False
    families = word_families(sentence)
    earlier = [essay.sentence(i) for i in paragraph if i < sentence.index]
    if any(families & word_families(other) for other in earlier):
        return False
    # Two dated sentences in a row tell a story in order: the chronology is their link; so
    # does one subject carried on ("I … I swore I was falling in love").
    if years_in(sentence) and years_in(previous):
        return False
    if _subjects(sentence) & _subjects(previous):
        return False
    # "And we would become even closer.", "A perfect example; …": a continuation or an example.
    words = first_words(sentence.spoken_tokens)
    if words and (words[0].pos == "CCONJ" or any(t.lower in {"example", "instance"}
                                                 for t in words[:4])):
        return False
    return not (refers_back(sentence, quotations) or _opens_in_time(sentence))


def _subjects(sentence: Sentence) -> set[str]:
    return {t.lower for t in sentence.tokens if t.tag == "PRP" and t.dep in {"nsubj", "nsubjpass"}}


def _opens_in_time(sentence: Sentence) -> bool:
    """An opening time phrase: "Within six weeks…", "In 1929…", "Three years later…"."""
    words = first_words(sentence.spoken_tokens)
    return any(t.like_num or t.lower in _TIME_WORDS for t in words) and bool(words) and (
        words[0].pos in {"ADP", "NUM", "SCONJ"} or words[0].lower in _TIME_WORDS)


def word_families(sentence: Sentence) -> frozenset[str]:
    """Content stems and numbers, with the stems of words under a negating or repeating prefix
    added, so that "unemployment" meets "employed" and "rebuilt" meets "built", and what it
    names by any of its names, so that "the USSR" meets "Soviet troops"."""
    cached = sentence.memo.get("word_families")
    if cached is None:  # each sentence is compared with every later one of its paragraph
        extra = {lemma[len(prefix):len(prefix) + 5]
                 for lemma in sentence.content_lemmas if lemma.startswith(_PREFIXES)
                 for prefix in _PREFIXES
                 if lemma.startswith(prefix) and len(lemma) - len(prefix) >= 4}
        numbers = {t.text for t in sentence.tokens
                   if t.like_num and any(c.isdigit() for c in t.text)} \
            if sentence.has_number else set()  # most sentences have none
        named = {f"name:{thing}" for thing in things_named(sentence.lower_text)}
        cached = sentence.memo["word_families"] = sentence.stems | extra | numbers | named
    return cached


def _opens_quoted(sentence: Sentence, quotations: tuple[Quotation, ...]) -> bool:
    first = next(iter(sentence.spoken_tokens), None)
    return first is not None and in_quotation(first.start, quotations)


def closing_sentences(essay: EssayDoc) -> list[Sentence]:
    """Where an essay with fewer than three paragraphs closes: the second of two paragraphs, or
    the last few sentences of one (as its opening ones stand in for an introduction); none when
    it is too short to have a closing."""
    if len(essay.paragraphs) >= 3 or len(essay.sentences) < 6:
        return []
    if len(essay.paragraphs) == 2:
        return essay.paragraph_sentences(essay.paragraphs[-1])
    count = max(1, min(3, math.ceil(len(essay.sentences) / 4)))
    return list(essay.sentences[-count:])


def _out_of_order(transitions: list[TransitionUse]) -> list[Misplaced]:
    """Ordinal signposts that claim an earlier place than one already used ("secondly" after
    "finally", "first" after "second")."""
    out, highest, highest_marker = [], 0, ""
    for use in transitions:
        rank = _ORDINAL_RANK.get(use.marker)
        if rank is None:
            continue
        if rank == 1 and highest == 9:  # a new list after one that finished
            highest = 0
        if rank < highest or (rank == highest and rank == 1):
            out.append(Misplaced(use.sentence, use.marker,
                                 f"after “{highest_marker}”, so the sequence runs backwards"))
        elif rank > highest:
            highest, highest_marker = rank, use.marker
    return out


def _point_of(argument: Argument | None, sentences: tuple[int, ...]) -> int | None:
    """The paragraph's point as the argument reads it (its claim or counterclaim)."""
    if argument is None:
        return None
    return next((i for i in sentences if argument.role(i) in {"claim", "counterclaim"}), None)


def extract_structure(essay: EssayDoc, thesis: ThesisFeatures, evidence: EvidenceFeatures,
                      argument: Argument | None = None) -> StructureFeatures:
    """Structure features; with the essay's argument, a conclusion returns to the thesis when
    it restates it, and a body paragraph's topic sentence is its point (models/argument)."""
    sentences = list(essay.sentences)
    paragraphs = essay.paragraphs
    words = tuple(sum(essay.sentence(i).n_words for i in p.sentences) for p in paragraphs)
    quotations = evidence.quotations
    transitions = [t for t in (transition_of(s, quotations) for s in sentences) if t is not None]
    # Sequence, order and placement are judged on the markers that open sentences.
    openers = [t for t in transitions if t.opening]
    by_marker: dict[str, list[int]] = {}
    for use in openers:  # as the student began them (not parser splits inside run-ons)
        if essay.sentence(use.sentence).after_stop:
            by_marker.setdefault(use.marker, []).append(use.sentence)
    repeated = max(by_marker.items(), key=lambda kv: (len(kv[1]), kv[0]), default=None)
    if repeated is not None and (len(repeated[1]) < 3 or len(repeated[1]) < len(openers) / 2):
        repeated = None
    repeated_marker = (repeated[0], tuple(repeated[1])) if repeated else None

    last_paragraph = set(paragraphs[-1].sentences) if paragraphs else set()
    closing = tuple(s.index for s in closing_sentences(essay))
    # Where a conclusion may begin: the last paragraph, or in an essay of one paragraph its
    # closing sentences and anything in its last quarter ("To conclude" in sentence 27 of 33).
    ending: set[int] | None = None
    if len(paragraphs) >= 2:
        ending = last_paragraph
    elif closing:
        last_quarter = math.ceil(_ENDING_SHARE * len(sentences))
        ending = set(closing) | {s.index for s in sentences[len(sentences) - last_quarter:]}
    misplaced = []
    for use in openers:
        if use.sentence == sentences[0].index and use.marker in CONTINUATION_MARKERS:
            misplaced.append(Misplaced(use.sentence, use.marker, "to open the essay, where there "
                                       "is nothing yet to follow on from"))
        elif use.marker in _CLOSING_ONLY and ending is not None \
                and use.sentence not in ending:
            misplaced.append(Misplaced(use.sentence, use.marker, "in the middle of the essay, "
                                       "where it suggests the argument is over"))
    misplaced += _out_of_order(openers)

    similarity = similarity_matrix(sentences)
    position = {s.index: k for k, s in enumerate(sentences)}
    has_transition = {t.sentence for t in transitions}
    members = {i: p.sentences for p in paragraphs for i in p.sentences}
    # Quoted words are not the student's: a sentence in or beside a quotation is not blamed
    # for a missing link.
    quoted = {i for i, mark in evidence.sentences.items() if "quotation" in mark.kinds}
    abrupt = tuple(
        s.index for k, s in enumerate(sentences)
        if k > 0 and s.index not in quoted and sentences[k - 1].index not in quoted
        and similarity[k, k - 1] == 0 and s.index not in has_transition
        and _unlinked(essay, s, sentences[k - 1], members[s.index], quotations)
    )

    # "This shows…" or "Therefore…" opening a paragraph (or the essay) points back at nothing.
    dangling = tuple(
        essay.sentence(p.sentences[0]).index for p in paragraphs
        if _refers_back(essay.sentence(p.sentences[0]))
        and not essay.sentence(p.sentences[0]).truncated
        and evidence.sentences[p.sentences[0]].part_of is None
        and not _opens_quoted(essay.sentence(p.sentences[0]), quotations)
    )

    conclusion_paragraph = None
    conclusion_marker = False
    overlap = 0.0
    # An excerpt whose last paragraph starts mid-text may not have its real ending.
    cut_ending = essay.elided and essay.sentence(paragraphs[-1].sentences[0]).truncated \
        if paragraphs else False
    if len(paragraphs) >= 3 and not cut_ending:
        conclusion_paragraph = paragraphs[-1].index
        ids = paragraphs[-1].sentences
        conclusion_marker = any(t.marker in CONCLUSION_MARKERS for t in openers
                                if t.sentence in ids)
        if argument is not None:
            # Restating the thesis is what a returning conclusion does (as people annotate it).
            overlap = 1.0 if argument.restatement in ids else 0.0
        elif thesis.thesis is not None and thesis.thesis in position:
            row = similarity[position[thesis.thesis]]
            overlap = float(max(row[position[i]] for i in ids))

    closing_marker = any(t.marker in CONCLUSION_MARKERS for t in openers
                         if t.sentence in closing)
    closing_overlap = 0.0
    if closing and thesis.thesis is not None and thesis.thesis in position:
        row = similarity[position[thesis.thesis]]
        closing_overlap = float(max(row[position[i]] for i in closing if i != thesis.thesis))

    topic_sentences = []
    thesis_lemmas = essay.sentence(thesis.thesis).stems if thesis.thesis is not None \
        and thesis.thesis in position else frozenset()
    # The argument a topic sentence may take up: the thesis, and the whole introduction, since
    # the thesis may be any of its sentences (or be missed).
    argued = set(thesis_lemmas).union(*(essay.sentence(i).stems
                                        for i in paragraphs[0].sentences)) \
        if len(paragraphs) >= 2 else set(thesis_lemmas)
    opening_marker = {t.sentence for t in openers}
    for paragraph in essay.body_paragraphs if len(paragraphs) >= 2 else ():
        first = essay.sentence(paragraph.sentences[0])
        rest = set().union(*(essay.sentence(i).stems for i in paragraph.sentences[1:]))
        second = essay.sentence(paragraph.sentences[1]) if len(paragraph.sentences) > 1 \
            else None
        mark = evidence.sentences[first.index]
        # A general point that a signpost ties to the argument ("However, the New Deal's
        # institutions outlasted the crisis.") or that the next sentence takes up ("This…")
        # connects to its paragraph even when they share no word.
        connected = bool(first.stems & (rest | argued)) or (
            first.index in opening_marker and not mark.is_evidence) or (
            second is not None and refers_back(second, quotations))
        problem = None
        point = _point_of(argument, paragraph.sentences)
        if first.text.startswith(("“", '"')) or ("quotation" in mark.kinds and first.n_words < 15):
            problem = "a quotation"
        elif first.truncated:
            problem = None  # the excerpt cut this paragraph's opening; nothing to judge
        elif first.n_words < 6 and not first.has_main_verb:
            problem = "a short fragment"  # "Lenin died in 1924." is short, but a sentence
        elif mark.is_evidence and not mark.claim and not mark.analysis and \
                DETAIL_KINDS & set(mark.kinds) and not refers_back(first, quotations) and \
                not (first.stems & thesis_lemmas) and first.index not in opening_marker:
            # Names alone do not make a detail ("The USA and the USSR did not trust each
            # other." is a point about them), nor does a sentence that turns what came before
            # ("The Wall Street Crash of 1929 changed this.").
            problem = "a detail of evidence"
        elif point is not None:
            # The argument places the paragraph's point: a first sentence that clearly is not
            # it is the problem (a point stated last, "Therefore…", is stated too late).
            clearly_later = point != first.index and argument.probability(point, "claim") \
                - argument.probability(first.index, "claim") >= POINT_MARGIN
            problem = (f"a sentence that is not its point, which only comes later (“"
                       f"{quote(essay.sentence(point).text)}”)") if clearly_later else None
        elif len(paragraph.sentences) > 1 and not connected:
            problem = "a sentence that does not connect to the rest of the paragraph"
        topic_sentences.append(TopicSentence(paragraph.index, first.index, problem))

    body = [words[p.index] for p in essay.body_paragraphs] if len(paragraphs) >= 3 else []
    if len(body) >= 2:
        balance = 1.0 - min(1.0, float(np.std(body) / max(np.mean(body), 1.0)))
    else:
        balance = 0.5 if len(paragraphs) >= 2 else 0.0

    split_points: tuple[int, ...] = ()
    if len(paragraphs) == 1 and len(sentences) >= 6:
        scores = [(float(similarity[k, k - 1]) - (0.3 if sentences[k].index in has_transition
                                                    else 0.0), sentences[k].index)
                  for k in range(2, len(sentences) - 1)]
        split_points = tuple(sorted(i for _, i in sorted(scores)[:3]))

    return StructureFeatures(
        paragraph_words=words,
        sentence_count=len(sentences),
        introduction_has_thesis=thesis.found and thesis.in_introduction,
        conclusion_paragraph=conclusion_paragraph,
        conclusion_marker=conclusion_marker,
        conclusion_overlap=round(overlap, 4),
        topic_sentences=tuple(topic_sentences),
        transitions=tuple(transitions),
        transition_rate=len(transitions) / max(len(sentences), 1),
        transition_variety=len(by_marker) / max(len(transitions), 1),
        repeated_marker=repeated_marker,
        misplaced=tuple(misplaced),
        balance=round(balance, 4),
        coherence=round(_coherence(similarity, [s.paragraph for s in sentences]), 4),
        abrupt=abrupt,
        dangling=dangling,
        split_points=split_points,
        closing=closing,
        closing_marker=closing_marker,
        closing_overlap=round(closing_overlap, 4),
        restated=(conclusion_paragraph is not None and overlap >= 1.0)
        if argument is not None else None,
        restatement=argument.restatement if argument is not None
        and conclusion_paragraph is not None and overlap >= 1.0 else None,
    )
