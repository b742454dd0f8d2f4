"""Evidence: quotations, dates, figures, names and sources, and whether they are explained.

Names come from proper-noun runs rather than the statistical NER, which would double the
pipeline's cost (see models/pipeline.py); dates and figures come from token shapes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice, pairwise

from models.argument import Argument
from models.document import EssayDoc, Sentence, Token, unlocked_cached_property
from models.features.chronology import years_in
from models.features.lexicon import (
    ANALYSIS_PHRASES,
    ATTRIBUTION_LEMMAS,
    CARDINAL_WORDS,
    EVALUATIVE,
    EXAMPLE_PHRASES,
    FRACTION_WORDS,
    MONTHS,
    MULTIPLIER_WORDS,
    OPINION_PHRASES,
    ORDINAL_WORDS,
    SOURCE_PHRASES,
    SOURCE_QUALIFIERS,
    SWEEPING,
    TRANSITIONS,
    phrase_finder,
)
from models.features.topic import Topic

_QUOTATION = re.compile(r"“([^”]+)”?|\"([^\"]+)\"")
_YEAR = re.compile(r"^(1[0-9]{3}|20[0-9]{2})(s|’s|'s)?$")
_SOURCE = phrase_finder(SOURCE_PHRASES)
_EXAMPLE = phrase_finder(EXAMPLE_PHRASES)
_ANALYSIS = phrase_finder(ANALYSIS_PHRASES)
_OPINION = phrase_finder(OPINION_PHRASES)
_CITATION = re.compile(r"\([A-Z][A-Za-z]+(?: et al\.)?,? (?:1[0-9]{3}|20[0-9]{2})")
_QUOTE_MIN_WORDS = 4
QUOTE_MAX_WORDS = 80  # longer "quotations" are stray quotation marks, not a source's words
LONG_PARAGRAPH = 8  # sentences; beyond this an explanation is looked for nearby only
EXPLANATION_REACH = 4  # sentences after a piece of evidence, in a long paragraph
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)$")
_COUNTING_WORDS = FRACTION_WORDS | CARDINAL_WORDS | MULTIPLIER_WORDS
_DEFINITE = frozenset({"the", "these", "those", "its", "their", "his", "her", "our", "both"})
# Words that refer back to what came before when they open a sentence ("This advancement…",
# "These agreements…", "Such measures…"), alone or after a short preposition ("In this way").
_DEMONSTRATIVES = frozenset({"this", "these", "those", "such", "that"})
_LEAD_INS = frozenset({"in", "by", "for", "after", "because", "despite", "with", "of", "from",
                       "through", "under", "as", "at", "during", "since", "given", "all"})
_SELF_REFERENCE = frozenset({"essay", "paper", "answer", "question"})  # "This essay argues"
_SUPPORT_OPENINGS = tuple(f" {m} " for m, kind in TRANSITIONS.items()
                          if kind in {"example", "emphasis"})
_SUPPORT_WORDS = max(len(m.split()) for m in _SUPPORT_OPENINGS)  # the most any opening has


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
    refers_back: bool = False  # opens by pointing back ("This advancement…", "These treaties…")
    # opens as support for the point before it ("Indeed, …", "For example, …")
    supports_previous: bool = False
    # The sentence that introduces the quotation this sentence continues: a quotation split
    # over sentences is one piece of evidence, judged (and quoted) where it opens.
    part_of: int | None = None

    @unlocked_cached_property
    def is_evidence(self) -> bool:
        if self.part_of is not None:
            return False
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


def find_quotations(text: str, min_words: int = _QUOTE_MIN_WORDS) -> list[Quotation]:
    """Quoted passages of at least four words; shorter ones are scare quotes or titles.

    A "passage" longer than QUOTE_MAX_WORDS is a stray mark paired with one far away (or left
    open): it is no quotation, and its closing mark may still open or close a real one. The
    words between are the student's own.
    """
    out = []
    position = 0
    while (match := _QUOTATION.search(text, position)) is not None:
        inner = match.group(1) or match.group(2) or ""
        words = len(inner.split())
        if words > QUOTE_MAX_WORDS:
            position = match.start() + 1
            continue
        if words >= min_words:
            out.append(Quotation(match.start(), match.end(), words))
        position = match.end()
    return out


def in_quotation(position: int, quotations: list[Quotation] | tuple[Quotation, ...]) -> bool:
    """Whether a character offset lies inside a quotation (its marks included)."""
    return any(q.start <= position < q.end for q in quotations)


def quotations_in(sentence: Sentence, quotations: list[Quotation] | tuple[Quotation, ...]
                  ) -> list[Quotation]:
    """The quotations that overlap the sentence."""
    return [q for q in quotations if q.start < sentence.end and q.end > sentence.start]


def own_tokens(sentence: Sentence, quotations: list[Quotation] | tuple[Quotation, ...]
               ) -> Sequence[Token]:
    """The sentence's tokens outside quotations: the words that are the student's own."""
    spans = quotations_in(sentence, quotations)
    if not spans:
        return sentence.spoken_tokens
    return [t for t in sentence.spoken_tokens if not in_quotation(t.start, spans)]


def first_words(tokens: Sequence[Token], count: int = 4) -> list[Token]:
    """The first ``count`` of the tokens (a sentence's spoken ones) that are not punctuation."""
    return list(islice((t for t in tokens if t.pos != "PUNCT"), count))


def opens_with_reference(tokens: Sequence[Token], lead_ins: bool = True) -> bool:
    """Whether a sentence opens by pointing back at what came before: "This shows…", "These
    agreements…", "Such measures…", and with ``lead_ins`` also "In this way…", "Because of
    these changes…", "After that…"."""
    words = first_words(tokens)
    for position, token in enumerate(words):  # most sentences: settled by the first word
        if token.lower in _DEMONSTRATIVES and (token.lower != "that" or token.tag == "DT"):
            following = words[position + 1].lower if position + 1 < len(words) else ""
            return following not in _SELF_REFERENCE
        if not lead_ins or token.lower not in _LEAD_INS:
            return False
    return False


def figures_in(tokens: tuple[Token, ...] | list[Token],
               years: frozenset[str] | None = None) -> list[str]:
    """Numbers that say how many or how much ("13 million", "25 per cent", "fourfold", "a
    third of", "1500 men"), not which ("Second", "eighth grade", a year) nor just "many"
    ("thousands of miles"). ``years``: the tokens read as years (default: every four-digit
    number that could be one)."""
    out = []
    # Only these tokens can count something; the others are skipped before the checks below.
    counting = [k for k, t in enumerate(tokens)
                if t.like_num or t.lower in _COUNTING_WORDS or t.text == "%"]
    for k in counting:
        token = tokens[k]
        lower = token.lower
        before = tokens[k - 1].lower if k else ""
        after = tokens[k + 1].lower if k + 1 < len(tokens) else ""
        is_year = token.text in years if years is not None else bool(_YEAR.match(token.text))
        if is_year or _ORDINAL.match(lower):
            continue
        if lower in FRACTION_WORDS:
            # "a third of the workforce", "half of its spending", "two-thirds", not "the Third
            # Estate" or "the second half of the century".
            counted = before in {"a", "one", "-", "by"} or before in CARDINAL_WORDS or \
                any(c.isdigit() for c in before) or (
                    after == "of" and before not in ORDINAL_WORDS | {"the", "other", "latter"})
            if counted and token.pos != "PROPN":
                out.append(lower)
        elif lower in ORDINAL_WORDS:
            continue
        elif lower in CARDINAL_WORDS and (before in _DEFINITE or token.pos == "PROPN" or (
                k > 0 and token.text[:1].isupper())):
            continue  # "the two sides", "the Five-Year Plan": which ones, not how many
        elif (token.like_num and any(c.isdigit() for c in token.text)) or \
                lower in CARDINAL_WORDS or lower in MULTIPLIER_WORDS or token.text == "%":
            out.append(lower)
    return out


def sentence_evidence(sentence: Sentence, quotations: list[Quotation],
                      previous: Sentence | None) -> SentenceEvidence:
    kinds: list[str] = []
    items: list[str] = []
    tokens = sentence.tokens
    quoted = quotations_in(sentence, quotations)
    if quoted:
        kinds.append("quotation")
    # Years as a person reads them: "in 1914", "49 BC", the 1930s; not "1500 men".
    years = years_in(sentence)
    dates = [written.lower() for _year, written in years]
    if not MONTHS.isdisjoint(sentence.words):  # months are words: most sentences have none
        dates += [f"{t.lower} {n.lower}" for t, n in pairwise(tokens)
                  if t.lower in MONTHS and n.like_num]
    if " century " in sentence.lower_text or " centuries " in sentence.lower_text:
        dates += [t.lower for t in tokens if re.match(r"^\d{1,2}(st|nd|rd|th)$", t.lower)]
    if dates:
        kinds.append("date")
        items += dates
    # Only a number, a counting word or "%" can count something: most sentences have none.
    counts = sentence.has_number or not _COUNTING_WORDS.isdisjoint(sentence.words) or \
        "%" in sentence.text
    figures = figures_in(tokens, frozenset(w for _y, w in years)) if counts else []
    if figures:
        kinds.append("figure")
        items += figures
    names = _proper_noun_runs(sentence) if sentence.n_proper else []
    if names:
        kinds.append("name")
        items += names
    # What the sentence says in its own words: quoted words are not the student's source,
    # analysis or claim.
    own = own_tokens(sentence, quoted)
    # Without quotations its own words are all its words, already joined once.
    text = " " + " ".join(t.lower for t in own) + " " if quoted else sentence.lower_text
    own_lemmas = {t.lemma for t in own if t.is_alpha} if quoted else sentence.lemmas
    if _CITATION.search(sentence.text) or (
            _SOURCE.search(text)
            and (_named_source(own) or any(f" {q} " in text for q in SOURCE_QUALIFIERS))):
        kinds.append("source")
    if _EXAMPLE.search(text):
        kinds.append("example")
    # A quotation running over several sentences is attributed (or not) where it opens.
    continued = bool(quoted) and all(q.start < sentence.start for q in quoted)
    attributed = (not quoted or continued or not ATTRIBUTION_LEMMAS.isdisjoint(own_lemmas)
                  or bool(names) or " according to " in text
                  or (previous is not None and previous.text.rstrip().endswith((":", ";"))))
    analysis = bool(_ANALYSIS.search(text))
    words = {t.lower for t in own if t.is_alpha} if quoted else sentence.words
    claim = not SWEEPING.isdisjoint(words) or _OPINION.search(text) or \
        len(EVALUATIVE.intersection(own_lemmas)) >= 2
    return SentenceEvidence(sentence.index, tuple(kinds), tuple(dict.fromkeys(items)),
                            attributed, analysis, claim,
                            opens_with_reference(own, lead_ins=False),
                            _supports_previous([t.lower for t in own if t.pos != "PUNCT"]
                                               if quoted else sentence.opening_words))


def _supports_previous(words: Sequence[str]) -> bool:
    """Whether the words (lowercase, without punctuation) open with a marker of an example or
    of emphasis ("for example", "indeed"): the sentence backs the one before it."""
    return (" " + " ".join(words[:_SUPPORT_WORDS]) + " ").startswith(_SUPPORT_OPENINGS)


def _named_source(tokens: list[Token]) -> bool:
    """A proper name beside a source word: "the historian Fritz Fischer", "Paine wrote",
    "according to Conquest", not "Historians have long debated" nor "Some historians say …
    not the New Deal" (a name far from the source word names something else)."""
    def is_name(k: int) -> bool:
        t = tokens[k]
        return (t.pos == "PROPN" and t.is_alpha and t.text != "I" and t.text[:1].isupper()
                and t.lemma not in _SOURCE_WORDS and t.lower not in _SOURCE_WORDS
                and (k > 0 or t.tag == "NNP"))

    for k, token in enumerate(tokens):
        if token.lower in _SOURCE_CUES or token.lemma in _SOURCE_CUES:
            window = range(max(0, k - _SOURCE_WINDOW), min(len(tokens), k + _SOURCE_WINDOW + 1))
            if any(is_name(j) for j in window if j != k):
                return True
    return False


_SOURCE_WORDS = frozenset({"historian", "historians", "source", "sources", "document",
                           "documents", "report", "census", "statistic", "statistics"})
# The words of the source phrases that a source's name stands beside, and how near.
_SOURCE_CUES = frozenset(w for p in SOURCE_PHRASES for w in p.split()
                         if w not in {"to", "in", "his", "her", "their", "show"}) | {"write"}
_SOURCE_WINDOW = 3


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


def _quotation_units(essay: EssayDoc, quotations: list[Quotation],
                     marks: dict[int, SentenceEvidence]) -> dict[int, SentenceEvidence]:
    """Marks with each sentence that only continues a quotation folded into the sentence that
    introduces it: its kinds and items join the opener's, and its own words (outside the
    quotation) may explain it; the continuation is no piece of evidence on its own."""
    opener_of: dict[int, int] = {}
    for paragraph in essay.paragraphs:
        for index in paragraph.sentences:
            sentence = essay.sentence(index)
            opening = [q.start for q in quotations if q.start < sentence.start < q.end]
            if not opening:
                continue
            first = min(opening)
            opener = next((i for i in paragraph.sentences
                           if essay.sentence(i).start <= first < essay.sentence(i).end + 1),
                          None)
            if opener is not None and opener != index:
                opener_of[index] = opener_of.get(opener, opener)
    if not opener_of:
        return marks
    out = dict(marks)
    for index, opener in opener_of.items():
        head, tail = out[opener], marks[index]
        out[opener] = SentenceEvidence(
            head.sentence, tuple(dict.fromkeys(head.kinds + tail.kinds)),
            tuple(dict.fromkeys(head.items + tail.items)), head.attributed,
            head.analysis or tail.analysis, head.claim, head.refers_back,
            head.supports_previous)
        out[index] = SentenceEvidence(tail.sentence, tail.kinds, tail.items, True,
                                      tail.analysis, tail.claim, False, False, opener)
    return out


def _explains(mark: SentenceEvidence) -> bool:
    """Whether a sentence comments on evidence before it: analysis wording, or a sentence that
    points back at it ("This advancement…", "These agreements divided Europe…")."""
    return mark.analysis or mark.refers_back


def scored_quotations(essay: EssayDoc, min_words: int = _QUOTE_MIN_WORDS) -> list[Quotation]:
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
                    for q in find_quotations(essay.text[start:end], min_words)]
    return out


def _argued_claims(essay: EssayDoc, argument: Argument, marks: dict[int, SentenceEvidence]
                   ) -> tuple[list[int], list[int]]:
    """(claims, unsupported claims) as the argument reads them: each body paragraph's point,
    unsupported when nothing in its paragraph is evidence (a date, figure, quotation or named
    source): reasons that are themselves assertions do not support a historical claim."""
    claims, unsupported = [], []
    last = set(essay.paragraphs[-1].sentences) if len(essay.paragraphs) >= 3 else set()
    paragraph_of = {i: p for p in essay.paragraphs for i in p.sentences}
    for index in sorted(argument.roles):
        if argument.role(index) not in {"claim", "counterclaim"} or index in last:
            continue
        claims.append(index)
        around = paragraph_of[index].sentences
        evidenced = any(marks[j].is_evidence or marks[j].part_of is not None for j in around)
        if not evidenced and not essay.sentence(index).truncated:
            unsupported.append(index)
    return claims, unsupported


def extract_evidence(essay: EssayDoc, topic: Topic, thesis: int | None,
                     misdated: frozenset[int] = frozenset(),
                     argument: Argument | None = None) -> EvidenceFeatures:
    """``misdated``: sentences giving a year far outside the question's period, which earn no
    evidence credit (models/features/chronology.py). With the essay's ``argument``, its claims
    are the paragraphs' points, and one is unsupported when nothing backs it: no support linked
    to it and no evidence in its paragraph."""
    quotations = scored_quotations(essay)
    marks: dict[int, SentenceEvidence] = {}
    previous = None
    for sentence in essay.sentences:
        mark = sentence_evidence(sentence, quotations, previous)
        if sentence.index in misdated:
            mark = SentenceEvidence(mark.sentence, (), (), True, mark.analysis, mark.claim,
                                    mark.refers_back, mark.supports_previous)
        marks[sentence.index] = mark
        previous = sentence
    marks = _quotation_units(essay, quotations, marks)
    evidence = [i for i, m in marks.items() if m.is_evidence]
    explained, unexplained, unsupported, claims = [], [], [], []
    intro = set(essay.paragraphs[0].sentences) if len(essay.paragraphs) >= 2 else set()
    strong = {"quotation", "date", "figure", "source"}
    conclusion = set(essay.paragraphs[-1].sentences) if len(essay.paragraphs) >= 3 else set()
    for paragraph in essay.paragraphs:
        ids = list(paragraph.sentences)
        for position, index in enumerate(ids):
            mark = marks[index]
            if mark.part_of is not None:
                continue  # judged with the sentence that introduces its quotation
            # The explanation may come anywhere later in the paragraph, after further evidence;
            # a sentence that explains or points back at what came before is itself analysis.
            # A very long paragraph (an essay written as one block) is read a few sentences on.
            reach = len(ids) if len(ids) <= LONG_PARAGRAPH else EXPLANATION_REACH
            end = position  # the last sentence of this quotation, when it runs on
            while end + 1 < len(ids) and marks[ids[end + 1]].part_of == index:
                end += 1
            later = [marks[j] for j in ids[end + 1: end + 1 + reach]]
            before = marks[ids[position - 1]] if position else None
            if mark.is_evidence:
                # Evidence given for the point just made ("This shows that… Indeed, in 1939…")
                # is explained by it; so is evidence followed by a judgement of its own.
                if mark.analysis or mark.refers_back or any(_explains(f) for f in later) or (
                        later and later[0].claim and not later[0].is_evidence) or (
                        mark.supports_previous and before is not None
                        and (_explains(before) or before.claim)):
                    explained.append(index)
                elif not essay.sentence(index).truncated and index not in intro and \
                        index not in conclusion and strong & set(mark.kinds):
                    unexplained.append(index)
            elif mark.claim and index != thesis and index not in conclusion:
                claims.append(index)
                neighbours = ids[max(0, position - 1): position + 2]
                if not any(marks[j].is_evidence or marks[j].part_of is not None
                           for j in neighbours) and not essay.sentence(index).truncated:
                    unsupported.append(index)
    if argument is not None:
        claims, unsupported = _argued_claims(essay, argument, marks)
    thin = [p.index for p in essay.body_paragraphs
            if len(essay.paragraphs) >= 2 and not any(marks[i].is_evidence for i in p.sentences)]
    used = []
    for sentence in essay.sentences:
        for term in topic.terms_named(sentence):  # term lists were taken out (integrity.py)
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
