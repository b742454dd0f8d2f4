"""What the essay should be about: the rubric's key terms, prompt and exemplar vocabulary."""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.language import Language

from models.document import CONTENT_POS, Sentence
from models.rubric import Rubric

# Words so common in any essay that sharing them says nothing about the topic.
GENERIC_LEMMAS = frozenset("""
be have do make get go take come see know think say use give find tell way thing time year
people person man woman day world life part place case point fact lot number group kind also
very really just much many more most well even good bad new old great big small first last long
little own other same such able sure certain
""".split())


@dataclass(frozen=True)
class KeyTermPattern:
    term: str
    word_forms: tuple[tuple[str, ...], ...]  # lowercase token sequences: ("five", "-", "year", …)
    lemma_forms: tuple[tuple[str, ...], ...]  # lemma sequences of the alphabetic tokens


@dataclass(frozen=True)
class Topic:
    key_terms: tuple[KeyTermPattern, ...]
    prompt_lemmas: frozenset[str]
    vocabulary: frozenset[str]
    # Lemmas of single-word key-term forms, for spotting stuffing token by token.
    key_term_lemmas: frozenset[str]
    # Content lemmas of the prompt and of every key term (multi-word ones too): what the
    # question itself asks about, for telling an essay written for another question.
    question_lemmas: frozenset[str] = frozenset()
    # First token of every form -> (form, term), so a sentence is scanned once per lookup.
    index: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = field(default_factory=dict)

    def term_counts(self, sentence: Sentence) -> dict[str, int]:
        """How often each key term occurs in the sentence (by word form or by lemma)."""
        key = ("term_counts", id(self))
        cached = sentence.memo.get(key)
        if cached is None:
            cached = sentence.memo[key] = self._count_terms(sentence)
        return cached

    def _count_terms(self, sentence: Sentence) -> dict[str, int]:
        words = [t.lower for t in sentence.tokens]
        lemmas = [t.lemma for t in sentence.tokens]
        counts: dict[str, int] = {}
        position = 0
        while position < len(words):
            step = 1
            for sequence in (words, lemmas):
                for form, term in self.index.get(sequence[position], ()):
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
        """Distinct key terms the sentence uses, in the rubric's order."""
        counts = self.term_counts(sentence)
        return [t.term for t in self.key_terms if t.term in counts]

    def term_occurrences(self, sentence: Sentence) -> int:
        return sum(self.term_counts(sentence).values())


def build_topic(rubric: Rubric, nlp: Language) -> Topic:
    """Analyse the rubric's prompt, key terms and exemplars once, at engine start."""
    patterns = []
    term_lemmas: set[str] = set()
    question: set[str] = set()
    for key_term in rubric.key_terms:
        word_forms, lemma_forms = set(), set()
        for doc in nlp.pipe(key_term.forms):
            question |= _content_lemmas(doc)
            word_forms.add(tuple(t.lower_ for t in doc if not t.is_space))
            lemmas = [t.lemma_.lower() for t in doc if not t.is_space]
            if lemmas:
                lemma_forms.add(tuple(lemmas))
            if len(lemmas) == 1:
                term_lemmas.add(lemmas[0])
        patterns.append(KeyTermPattern(key_term.term, tuple(sorted(word_forms)),
                                       tuple(sorted(lemma_forms))))
    prompt_lemmas = _content_lemmas(nlp(rubric.prompt)) if rubric.prompt else frozenset()
    vocabulary = set(prompt_lemmas) | term_lemmas
    for doc in nlp.pipe(e.text for e in rubric.exemplars):
        vocabulary |= _content_lemmas(doc)
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for pattern in patterns:
        for form in (*pattern.word_forms, *pattern.lemma_forms):
            if form:
                index.setdefault(form[0], []).append((form, pattern.term))
    # Longest forms first, so "five - year plan" wins over "five".
    frozen_index = {first: tuple(sorted(set(forms), key=lambda f: (-len(f[0]), f)))
                    for first, forms in index.items()}
    return Topic(tuple(patterns), prompt_lemmas, frozenset(vocabulary - GENERIC_LEMMAS),
                 frozenset(term_lemmas), frozenset(question | prompt_lemmas | term_lemmas),
                 frozen_index)


def _content_lemmas(doc) -> frozenset[str]:
    return frozenset(
        t.lemma_.lower() for t in doc
        if t.is_alpha and not t.is_stop and t.pos_ in CONTENT_POS and len(t) > 2
    ) - GENERIC_LEMMAS
