"""Structure: paragraphs, introduction and conclusion, topic sentences, transitions, flow."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models.document import EssayDoc, Sentence
from models.features.evidence import EvidenceFeatures
from models.features.lexicon import CONCLUSION_MARKERS, CONTINUATION_MARKERS, TRANSITIONS
from models.features.thesis import ThesisFeatures

# Markers grouped by their first word, longest first, so a sentence is checked in one lookup.
_MARKERS_BY_FIRST_WORD: dict[str, list[str]] = {}
for _marker in sorted(TRANSITIONS, key=lambda m: (-len(m), m)):
    _MARKERS_BY_FIRST_WORD.setdefault(_marker.split()[0], []).append(_marker)
_CONCLUSION_OVERLAP = 0.2
# Ordinal signposts by the place they claim; "finally" and "lastly" close any sequence.
_ORDINAL_RANK = {"first": 1, "firstly": 1, "second": 2, "secondly": 2, "third": 3,
                 "thirdly": 3, "finally": 9, "lastly": 9}


@dataclass(frozen=True)
class TransitionUse:
    sentence: int
    marker: str
    kind: str


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

    @property
    def paragraph_count(self) -> int:
        return len(self.paragraph_words)

    @property
    def conclusion_returns(self) -> bool:
        """The last paragraph signals that it concludes and takes up the thesis again."""
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


def transition_of(sentence: Sentence) -> TransitionUse | None:
    opening = sentence.opening(4)
    first = opening.split(maxsplit=1)[0] if opening.strip() else ""
    for marker in _MARKERS_BY_FIRST_WORD.get(first, ()):
        if opening.startswith(f" {marker} "):
            return TransitionUse(sentence.index, marker, TRANSITIONS[marker])
    return None


def similarity_matrix(sentences: list[Sentence]) -> np.ndarray:
    """Cosine similarity of sentences' content stems."""
    vocabulary: dict[str, int] = {}
    rows = []
    for sentence in sentences:
        rows.append([vocabulary.setdefault(lemma, len(vocabulary))
                     for lemma in sorted(sentence.stems)])
    matrix = np.zeros((len(sentences), max(len(vocabulary), 1)), dtype=np.float32)
    for i, columns in enumerate(rows):
        matrix[i, columns] = 1.0
    norms = np.linalg.norm(matrix, axis=1)
    norms[norms == 0] = 1.0
    unit = matrix / norms[:, None]
    return unit @ unit.T


def _coherence(similarity: np.ndarray, paragraph_of: list[int]) -> float:
    """How much more sentences share with their own paragraph than with the others'.

    In a one-paragraph essay: how much more neighbours share than sentences further apart.
    Either way a shuffled essay scores about zero.
    """
    n = similarity.shape[0]
    if n < 4:
        return 0.5
    rows, cols = np.triu_indices(n, k=1)
    labels = np.asarray(paragraph_of)
    same = labels[rows] == labels[cols]
    if len(set(paragraph_of)) >= 2 and same.any() and (~same).any():
        inside = float(similarity[rows[same], cols[same]].mean())
        across = float(similarity[rows[~same], cols[~same]].mean())
        return float(np.clip((inside - across) / 0.06, 0.0, 1.0))
    adjacent = float(np.mean(np.diag(similarity, k=1)))
    far = similarity[np.triu_indices(n, k=2)]
    baseline = float(np.mean(far)) if far.size else 0.0
    # 0.5 is "neighbours share no more than any two sentences", what a shuffle gives; below it,
    # neighbours share less than chance. Not clipped at 0.5, so reordering always shows.
    return float(np.clip(0.5 + (adjacent - baseline) / 0.16, 0.0, 1.0))


_BACK_REFERENCES = (" this ", " these ", " such ", " it ", " he ", " she ", " they ",
                    " therefore ", " thus ", " as a result ", " consequently ", " hence ",
                    " because of this ", " also ", " moreover ", " furthermore ")


def _refers_back(sentence: Sentence) -> bool:
    opening = sentence.opening(3)
    return any(opening.startswith(marker) for marker in _BACK_REFERENCES)


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


def extract_structure(essay: EssayDoc, thesis: ThesisFeatures,
                      evidence: EvidenceFeatures) -> StructureFeatures:
    sentences = list(essay.sentences)
    paragraphs = essay.paragraphs
    words = tuple(sum(essay.sentence(i).n_words for i in p.sentences) for p in paragraphs)
    transitions = [t for t in (transition_of(s) for s in sentences) if t is not None]
    by_marker: dict[str, list[int]] = {}
    for use in transitions:
        by_marker.setdefault(use.marker, []).append(use.sentence)
    repeated = max(by_marker.items(), key=lambda kv: (len(kv[1]), kv[0]), default=None)
    if repeated is not None and (len(repeated[1]) < 3 or len(repeated[1]) < len(transitions) / 2):
        repeated = None
    repeated_marker = (repeated[0], tuple(repeated[1])) if repeated else None

    last_paragraph = set(paragraphs[-1].sentences) if paragraphs else set()
    closing = tuple(s.index for s in closing_sentences(essay))
    ending = last_paragraph if len(paragraphs) >= 2 else set(closing) if closing else None
    misplaced = []
    for use in transitions:
        if use.sentence == sentences[0].index and use.marker in CONTINUATION_MARKERS:
            misplaced.append(Misplaced(use.sentence, use.marker, "to open the essay, where there "
                                       "is nothing yet to follow on from"))
        elif use.marker in CONCLUSION_MARKERS and ending is not None \
                and use.sentence not in ending:
            misplaced.append(Misplaced(use.sentence, use.marker, "in the middle of the essay, "
                                       "where it suggests the argument is over"))
    misplaced += _out_of_order(transitions)

    similarity = similarity_matrix(sentences)
    position = {s.index: k for k, s in enumerate(sentences)}
    has_transition = {t.sentence for t in transitions}
    quoted = {i for i, mark in evidence.sentences.items() if "quotation" in mark.kinds}
    abrupt = tuple(
        s.index for k, s in enumerate(sentences)
        if s.index not in quoted and sentences[k - 1].index not in quoted
        if k > 0 and similarity[k, k - 1] == 0 and s.index not in has_transition
        and s.paragraph == sentences[k - 1].paragraph and s.n_words >= 6
        and not sentences[k - 1].truncated and not s.truncated
    )

    # "This shows…" or "Therefore…" opening a paragraph (or the essay) points back at nothing.
    dangling = tuple(
        essay.sentence(p.sentences[0]).index for p in paragraphs
        if _refers_back(essay.sentence(p.sentences[0]))
        and not essay.sentence(p.sentences[0]).truncated
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
        conclusion_marker = any(t.marker in CONCLUSION_MARKERS for t in transitions
                                if t.sentence in ids)
        if thesis.thesis is not None and thesis.thesis in position:
            row = similarity[position[thesis.thesis]]
            overlap = float(max(row[position[i]] for i in ids))

    closing_marker = any(t.marker in CONCLUSION_MARKERS for t in transitions
                         if t.sentence in closing)
    closing_overlap = 0.0
    if closing and thesis.thesis is not None and thesis.thesis in position:
        row = similarity[position[thesis.thesis]]
        closing_overlap = float(max(row[position[i]] for i in closing if i != thesis.thesis))

    topic_sentences = []
    thesis_lemmas = essay.sentence(thesis.thesis).stems if thesis.thesis is not None \
        and thesis.thesis in position else frozenset()
    for paragraph in essay.body_paragraphs if len(paragraphs) >= 2 else ():
        first = essay.sentence(paragraph.sentences[0])
        rest = set().union(*(essay.sentence(i).stems for i in paragraph.sentences[1:]))
        mark = evidence.sentences[first.index]
        problem = None
        if first.text.startswith(("“", '"')) or ("quotation" in mark.kinds and first.n_words < 15):
            problem = "a quotation"
        elif first.truncated:
            problem = None  # the excerpt cut this paragraph's opening; nothing to judge
        elif first.n_words < 6:
            problem = "a short fragment"
        elif mark.is_evidence and not mark.claim and not mark.analysis and \
                not (first.stems & thesis_lemmas):
            problem = "a detail of evidence"
        elif len(paragraph.sentences) > 1 and not (first.stems & (rest | thesis_lemmas)):
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
    )
