"""What an essay should be about: the question's key terms, its words, its period and sources.

Everything topical comes from the question the essay answers (models/question.py), never from
the rubric: key terms the teacher gave (or, without them, the ones the question names), the
words most of the class's essays share once a class has written enough, and the words of any
source texts. Without a question the topic is empty and the engine does not judge the topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from heapq import nlargest
from operator import itemgetter

from spacy.language import Language

from models.document import CONTENT_POS, EssayDoc, Sentence
from models.features.known_names import peoples_of
from models.features.lexicon import GENERIC_LEMMAS, QUESTION_WORDS
from models.features.question_terms import derive_key_terms, spelling_variants, with_variants
from models.features.spelling import RARITY
from models.question import KeyTerm, Period, Question

__all__ = ["GENERIC_LEMMAS", "KeyTermPattern", "Topic", "build_topic"]

# Where a key term came from: what the teacher typed, the question's own words, the class.
TERM_SOURCES = ("teacher", "question", "class")


@dataclass(frozen=True)
class KeyTermPattern:
    term: str
    word_forms: tuple[tuple[str, ...], ...]  # lowercase token sequences: ("five", "-", "year", …)
    lemma_forms: tuple[tuple[str, ...], ...]  # lemma sequences of the alphabetic tokens
    source: str = "teacher"


@dataclass(frozen=True)
class Topic:
    key_terms: tuple[KeyTermPattern, ...]
    prompt_lemmas: frozenset[str]
    vocabulary: frozenset[str]
    # Lemmas of single-word key-term forms, for spotting stuffing token by token.
    key_term_lemmas: frozenset[str]
    # Content lemmas of the question, its sources and every key term (multi-word ones too):
    # what the question itself asks about, for telling an essay written for another question.
    question_lemmas: frozenset[str] = frozenset()
    # First token of every form -> (form, term), so a sentence is scanned once per lookup.
    index: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = field(default_factory=dict)
    question: Question | None = None
    period: Period | None = None  # the period dates are judged against
    # A state's people as an essay names them -> the key term of the state ("americans" ->
    # "USA"), for what a sentence is about (models/features/known_names.py).
    peoples: dict[str, str] = field(default_factory=dict)
    unjudged: str | None = None  # why the topic is not judged against this question

    @property
    def judged(self) -> bool:
        """Whether there is a question to judge the essay's topic against."""
        return self.question is not None

    @property
    def advisable_terms(self) -> tuple[str, ...]:
        """Terms a comment may name when an essay leaves them out: the teacher's and the
        question's own (a class's shared words are not what the question asks for)."""
        return tuple(t.term for t in self.key_terms if t.source != "class")

    def term_counts(self, sentence: Sentence) -> dict[str, int]:
        """How often each key term occurs in the sentence (by word form or by lemma)."""
        key = ("term_counts", id(self))
        cached = sentence.memo.get(key)
        if cached is None:
            cached = sentence.memo[key] = self._count_terms(sentence)
        return cached

    def _count_terms(self, sentence: Sentence) -> dict[str, int]:
        words, lemmas = sentence.token_lowers, sentence.token_lemmas
        counts: dict[str, int] = {}
        index = self.index
        if index.keys().isdisjoint(words) and index.keys().isdisjoint(lemmas):
            return counts  # most sentences name no key term
        position = 0
        # Only a position whose word or lemma opens a term can start one.
        for start in [k for k, (word, lemma) in enumerate(zip(words, lemmas, strict=True))
                      if word in index or lemma in index]:
            if start < position:
                continue
            position = start
            step = 1
            for sequence in (words, lemmas):
                for form, term in index.get(sequence[position], ()):
                    if tuple(sequence[position:position + len(form)]) == form:
                        counts[term] = counts.get(term, 0) + 1
                        step = max(step, len(form))
                        break
                else:
                    continue
                break
            position += step
        return counts

    def terms_in(self, sentence: Sentence) -> list[str]:
        """Distinct key terms the sentence uses, in the question's order."""
        counts = self.term_counts(sentence)
        return [t.term for t in self.key_terms if t.term in counts]

    def terms_named(self, sentence: Sentence) -> list[str]:
        """Distinct key terms the sentence is about, in the question's order: those it uses,
        and a state whose people it names ("American policy" is about the USA). Whether an
        essay keeps to its question is judged on the terms it uses (``terms_in``) alone."""
        counts = self.term_counts(sentence)
        peoples = self.peoples.keys() & sentence.words if self.peoples else ()
        if not counts and not peoples:  # most sentences
            return []
        found = {*counts, *(self.peoples[w] for w in peoples)}
        return [t.term for t in self.key_terms if t.term in found]

    def term_occurrences(self, sentence: Sentence) -> int:
        return sum(self.term_counts(sentence).values())


EMPTY_TOPIC = Topic((), frozenset(), frozenset(), frozenset())
OWN_MAIN_WORDS = 8
_NOT_OWN_WORDS = GENERIC_LEMMAS | QUESTION_WORDS


def own_words_topic(essay: EssayDoc) -> Topic:
    """For an essay graded without a question: its own main words (content words weighted by
    how rare they are in English) stand in for the question's words, so a thesis is still
    judged by whether it names what the essay is about. The topic is not judged."""
    weight: dict[str, float] = {}
    for sentence in essay.sentences:
        for lemma in sentence.content_lemmas:
            if lemma not in _NOT_OWN_WORDS:
                weight[lemma] = weight.get(lemma, 0) + RARITY[lemma]
    # The heaviest, ties in the order first met (as Counter.most_common takes them).
    main = frozenset(lemma for lemma, w in nlargest(OWN_MAIN_WORDS, weight.items(),
                                                    key=itemgetter(1)) if w > 0)
    return Topic((), main, frozenset(), frozenset())


def question_key_terms(question: Question, nlp: Language) -> list[tuple[KeyTerm, str]]:
    """(term, source) for every key term of the question: the teacher's if given, else the ones
    its text names; then the class's shared words not already among them."""
    given = [(t, "teacher") for t in question.key_terms]
    terms = given or [(t, "question") for t in derive_key_terms(nlp(question.text))]
    known = {form.lower() for t, _ in terms for form in t.forms}
    terms += [(KeyTerm(word), "class") for word in question.class_terms
              if word.lower() not in known]
    return terms


def build_topic(question: Question | None, nlp: Language) -> Topic:
    """Analyse a question once; the engine keeps the topic of each question it has seen."""
    if question is None:
        return EMPTY_TOPIC
    patterns = []
    term_lemmas: set[str] = set()
    asked: set[str] = set()
    peoples: dict[str, str] = {}
    for key_term, source in question_key_terms(question, nlp):
        word_forms, lemma_forms = set(), set()
        forms = with_variants(key_term).forms
        if source != "class":
            peoples.update((people.lower(), key_term.term)
                           for form in forms for people in peoples_of(form))
        # The words asked about are the question's and its spellings, not those of the term's
        # other names ("United States" would make every essay saying "state" look on topic).
        own_forms = set(with_variants(key_term, other_names_too=False).forms)
        for form, doc in zip(forms, nlp.pipe(forms), strict=True):
            if source != "class" and form in own_forms:  # the class's words say what it wrote
                asked.update(_with_spellings(_content_lemmas(doc)))
            word_forms.add(tuple(t.lower_ for t in doc if not t.is_space))
            lemmas = [t.lemma_.lower() for t in doc if not t.is_space]
            if lemmas:
                lemma_forms.add(tuple(lemmas))
            if len(lemmas) == 1:
                term_lemmas.add(lemmas[0])
        patterns.append(KeyTermPattern(key_term.term, tuple(sorted(word_forms)),
                                       tuple(sorted(lemma_forms)), source))
    parsed = nlp(question.text)
    prompt_lemmas = _with_spellings(_content_lemmas(parsed))
    source_lemmas: set[str] = set()
    for doc in nlp.pipe(question.sources):
        source_lemmas |= _content_lemmas(doc)
    vocabulary = set(prompt_lemmas) | term_lemmas | source_lemmas
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for pattern in patterns:
        for form in (*pattern.word_forms, *pattern.lemma_forms):
            if form:
                index.setdefault(form[0], []).append((form, pattern.term))
    # Longest forms first, so "five - year plan" wins over "five".
    frozen_index = {first: tuple(sorted(set(forms), key=lambda f: (-len(f[0]), f)))
                    for first, forms in index.items()}
    # A title or a request for a story gives nothing to judge an essay's topic by: its key
    # terms still count, but no essay is called off topic against it.
    unjudged = unjudgeable(parsed, question)
    asked_about = frozenset(asked | prompt_lemmas | source_lemmas | _class_lemmas(question)) \
        if unjudged is None else frozenset()
    if unjudged is None and not asked_about:
        unjudged = "it names nothing to judge an essay's topic by"
    return Topic(tuple(patterns), prompt_lemmas, frozenset(vocabulary - GENERIC_LEMMAS),
                 frozenset(term_lemmas), asked_about, frozen_index, question,
                 question.effective_period, unjudged=unjudged, peoples=peoples)


TITLE_WORDS = 6  # a heading of this many words or fewer, with no verb, is a title
# "Write a story about…", "Tell a true story in which…", "…a time when you were patient".
NARRATIVE_REQUEST = re.compile(r"\b(write|tell)\b[^.?!]{0,40}\bstory\b|\ba time (when|you)\b|"
                               r"\bnarrative\b")
FINITE_TAGS = frozenset({"VBD", "VBP", "VBZ", "MD"})


def unjudgeable(parsed, question: Question) -> str | None:
    """Why an essay's topic cannot be judged against this question, or None if it can: a bare
    title ("Being busy", "Career commitment") names a theme, not what is asked; a story about
    patience need not use the word. (Measured: genuine essays called off topic against
    titles and story prompts as often as essays written for another question.)"""
    if question.key_terms or question.sources:
        return None
    if NARRATIVE_REQUEST.search(question.text.lower()):
        return "it asks for a story, whose words need not be the question's"
    words = [t for t in parsed if t.is_alpha]
    finite = any(t.tag_ in FINITE_TAGS for t in parsed)  # "Being busy" has no finite verb
    if len(words) <= TITLE_WORDS and not finite and "?" not in question.text:
        return "it is a title, not a question"
    return None


def _with_spellings(lemmas: frozenset[str]) -> frozenset[str]:
    """The lemmas with their other spellings: "industrialisation" is "industrialization"."""
    return lemmas | {v for lemma in lemmas for v in spelling_variants(lemma)}


def _class_lemmas(question: Question) -> set[str]:
    return {word.lower() for word in question.class_terms if " " not in word}


def _content_lemmas(doc) -> frozenset[str]:
    return frozenset(
        t.lemma_.lower() for t in doc
        if t.is_alpha and not t.is_stop and t.pos_ in CONTENT_POS and len(t) > 2
    ) - GENERIC_LEMMAS - QUESTION_WORDS
