"""Evidence: quotations, dates, figures, names and sources, and whether they are explained.

Names come from proper-noun runs rather than the statistical NER, which would double the
pipeline's cost (see models/pipeline.py); dates and figures come from token shapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from models.document import EssayDoc, Sentence
from models.features.chronology import years_in
from models.features.lexicon import (
    ANALYSIS_PHRASES,
    ATTRIBUTION_LEMMAS,
    EVALUATIVE,
    EXAMPLE_PHRASES,
    MONTHS,
    NUMBER_WORDS,
    OPINION_PHRASES,
    SOURCE_PHRASES,
    SWEEPING,
)
from models.features.topic import Topic

_QUOTATION = re.compile(r"“([^”]+)”?|\"([^\"]+)\"")
_YEAR = re.compile(r"^(1[0-9]{3}|20[0-9]{2})(s|’s|'s)?$")
_CITATION = re.compile(r"\([A-Z][A-Za-z]+(?: et al\.)?,? (?:1[0-9]{3}|20[0-9]{2})")
_QUOTE_MIN_WORDS = 4


@dataclass(frozen=True)
class Quotation:
    start: int
    end: int
    words: int


@dataclass(frozen=True)
class SentenceEvidence:
    sentence: int
    kinds: tuple[str, ...]  # quotation, date, figure, name, source, example
    items: tuple[str, ...]  # the dates, figures and names themselves, lowercased
    attributed: bool
    analysis: bool  # uses language that explains or draws a consequence
    claim: bool  # asserts a sweeping or evaluative judgement

    @property
    def is_evidence(self) -> bool:
        kinds = set(self.kinds)
        strong = kinds & {"quotation", "date", "figure", "source"}
        return bool(strong) or ("name" in kinds and ("example" in kinds or len(self.items) >= 2))


@dataclass(frozen=True)
class EvidenceFeatures:
    sentences: dict[int, SentenceEvidence]
    evidence: tuple[int, ...]  # sentences that carry evidence
    explained: tuple[int, ...]  # evidence sentences followed (or accompanied) by analysis
    unexplained: tuple[int, ...]
    unsupported: tuple[int, ...]  # claims with no evidence in or next to them
    claims: tuple[int, ...]
    unattributed_quotes: tuple[int, ...]
    thin_paragraphs: tuple[int, ...]  # body paragraphs (by index) without any evidence
    distinct_items: int
    kinds_used: tuple[str, ...]
    key_terms_used: tuple[str, ...]
    key_terms_missing: tuple[str, ...]
    quotations: tuple[Quotation, ...]


def find_quotations(text: str) -> list[Quotation]:
    """Quoted passages of at least four words; shorter ones are scare quotes or titles."""
    out = []
    for match in _QUOTATION.finditer(text):
        inner = match.group(1) or match.group(2) or ""
        words = len(inner.split())
        if words >= _QUOTE_MIN_WORDS:
            out.append(Quotation(match.start(), match.end(), words))
    return out


def sentence_evidence(sentence: Sentence, quotations: list[Quotation],
                      previous: Sentence | None) -> SentenceEvidence:
    kinds: list[str] = []
    items: list[str] = []
    tokens = sentence.tokens
    quoted = [q for q in quotations if q.start < sentence.end and q.end > sentence.start]
    if quoted:
        kinds.append("quotation")
    dates = [t.lower for t in tokens if _YEAR.match(t.text)]
    dates += [f"{t.lower} {n.lower}" for t, n in pairwise(tokens)
              if t.lower in MONTHS and n.like_num]
    # Years written with BC or AD ("49 BC") are dates too; four-digit years are counted above.
    dates += [written.lower() for year, written in years_in(sentence) if abs(year) < 1000]
    if any(t.lower in {"century", "centuries"} for t in tokens):
        dates += [t.lower for t in tokens if re.match(r"^\d{1,2}(st|nd|rd|th)$", t.lower)]
    if dates:
        kinds.append("date")
        items += dates
    figures = [t.lower for t in tokens
               if (t.like_num and not _YEAR.match(t.text) and t.lower not in {"one", "first"})
               or t.lower in NUMBER_WORDS or t.text == "%" or t.lower in {"percent", "fold"}]
    if figures:
        kinds.append("figure")
        items += figures
    names = _proper_noun_runs(sentence)
    if names:
        kinds.append("name")
        items += names
    text = sentence.lower_text
    if any(f" {p} " in text for p in SOURCE_PHRASES) or _CITATION.search(sentence.text):
        kinds.append("source")
    if any(f" {p} " in text for p in EXAMPLE_PHRASES):
        kinds.append("example")
    lemmas = set(sentence.lemmas)
    # A quotation running over several sentences is attributed (or not) where it opens.
    continued = bool(quoted) and all(q.start < sentence.start for q in quoted)
    attributed = (not quoted or continued or bool(lemmas & ATTRIBUTION_LEMMAS) or bool(names)
                  or " according to " in text
                  or (previous is not None and previous.text.rstrip().endswith((":", ";"))))
    analysis = any(f" {p} " in text for p in ANALYSIS_PHRASES)
    words = set(sentence.words)
    claim = bool(words & SWEEPING) or any(f" {p} " in text for p in OPINION_PHRASES) or \
        len(lemmas & EVALUATIVE) >= 2
    return SentenceEvidence(sentence.index, tuple(kinds), tuple(dict.fromkeys(items)),
                            attributed, analysis, claim)


def _proper_noun_runs(sentence: Sentence) -> list[str]:
    runs, current = [], []
    for token in sentence.tokens:
        if token.pos == "PROPN" and token.is_alpha and token.text != "I":
            current.append(token.lower)
        elif current:
            runs.append(" ".join(current))
            current = []
    if current:
        runs.append(" ".join(current))
    return runs


def _quote_end_sentence(index: int, ids: list[int], marks: dict[int, SentenceEvidence]) -> bool:
    """Judge a quotation that spans sentences once, at its last sentence."""
    position = ids.index(index)
    if position + 1 < len(ids):
        nxt = marks[ids[position + 1]]
        return not ("quotation" in nxt.kinds and "quotation" in marks[index].kinds
                    and nxt.attributed and not nxt.analysis and nxt.kinds == ("quotation",))
    return True


def scored_quotations(essay: EssayDoc) -> list[Quotation]:
    """Quotations within each paragraph's scored sentences. A quotation mark left open must not
    pair with one in another paragraph or in a dropped copy: padding an essay with copies of
    its own sentences would otherwise turn whole stretches of it into "quoted evidence"."""
    out: list[Quotation] = []
    for paragraph in essay.paragraphs:
        runs: list[list[int]] = []
        for index in paragraph.sentences:
            if runs and index == runs[-1][-1] + 1:
                runs[-1].append(index)
            else:
                runs.append([index])
        for run in runs:
            start, end = essay.sentence(run[0]).start, essay.sentence(run[-1]).end
            out += [Quotation(q.start + start, q.end + start, q.words)
                    for q in find_quotations(essay.text[start:end])]
    return out


def extract_evidence(essay: EssayDoc, topic: Topic, thesis: int | None,
                     misdated: frozenset[int] = frozenset()) -> EvidenceFeatures:
    """``misdated``: sentences giving a year far outside the question's period, which earn no
    evidence credit (models/features/chronology.py)."""
    quotations = scored_quotations(essay)
    marks: dict[int, SentenceEvidence] = {}
    previous = None
    for sentence in essay.sentences:
        mark = sentence_evidence(sentence, quotations, previous)
        if sentence.index in misdated:
            mark = SentenceEvidence(mark.sentence, (), (), True, mark.analysis, mark.claim)
        marks[sentence.index] = mark
        previous = sentence
    evidence = [i for i, m in marks.items() if m.is_evidence]
    explained, unexplained, unsupported, claims = [], [], [], []
    intro = set(essay.paragraphs[0].sentences) if len(essay.paragraphs) >= 2 else set()
    strong = {"quotation", "date", "figure", "source"}
    conclusion = set(essay.paragraphs[-1].sentences) if len(essay.paragraphs) >= 3 else set()
    for paragraph in essay.paragraphs:
        ids = list(paragraph.sentences)
        for position, index in enumerate(ids):
            mark = marks[index]
            following = [marks[j] for j in ids[position + 1: position + 3]]
            if mark.is_evidence:
                nxt = following[0] if following else None
                # Explanation may come after a second, supporting piece of evidence.
                if mark.analysis or any(f.analysis for f in following) or (
                        nxt is not None and not nxt.is_evidence and nxt.claim):
                    explained.append(index)
                elif not essay.sentence(index).truncated and index not in intro and \
                        strong & set(mark.kinds) and _quote_end_sentence(index, ids, marks):
                    unexplained.append(index)
            elif mark.claim and index != thesis and index not in conclusion:
                claims.append(index)
                neighbours = ids[max(0, position - 1): position + 2]
                if not any(marks[j].is_evidence for j in neighbours) and \
                        not essay.sentence(index).truncated:
                    unsupported.append(index)
    thin = [p.index for p in essay.body_paragraphs
            if len(essay.paragraphs) >= 2 and not any(marks[i].is_evidence for i in p.sentences)]
    used = []
    for sentence in essay.sentences:
        for term in topic.terms_in(sentence):
            if term not in used:
                used.append(term)
    all_items = {item for m in marks.values() for item in m.items}
    kinds = sorted({k for m in marks.values() if m.is_evidence for k in m.kinds})
    return EvidenceFeatures(
        sentences=marks,
        evidence=tuple(evidence),
        explained=tuple(explained),
        unexplained=tuple(unexplained),
        unsupported=tuple(unsupported),
        claims=tuple(claims),
        unattributed_quotes=tuple(i for i in evidence
                                  if "quotation" in marks[i].kinds and not marks[i].attributed),
        thin_paragraphs=tuple(thin),
        distinct_items=len(all_items),
        kinds_used=tuple(kinds),
        key_terms_used=tuple(used),
        key_terms_missing=tuple(t.term for t in topic.key_terms if t.term not in used),
        quotations=tuple(quotations),
    )
