"""What the essay should be about: the rubric's key terms, prompt and exemplar vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

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
    word_forms: tuple[str, ...]  # " five - year plan " style, matched against lower_text
    lemma_forms: tuple[str, ...]  # " five year plan ", matched against lemma_text


@dataclass(frozen=True)
class Topic:
    key_terms: tuple[KeyTermPattern, ...]
    prompt_lemmas: frozenset[str]
    vocabulary: frozenset[str]
    # Lemmas of single-word key-term forms, for spotting stuffing token by token.
    key_term_lemmas: frozenset[str]

    def terms_in(self, sentence: Sentence) -> list[str]:
        """Distinct key terms the sentence uses."""
        return [t.term for t in self.key_terms if self._matches(t, sentence)]

    def term_occurrences(self, sentence: Sentence) -> int:
        return sum(
            max(max((sentence.lower_text.count(f) for f in t.word_forms), default=0),
                max((sentence.lemma_text.count(f) for f in t.lemma_forms), default=0))
            for t in self.key_terms
        )

    @staticmethod
    def _matches(term: KeyTermPattern, sentence: Sentence) -> bool:
        return any(f in sentence.lower_text for f in term.word_forms) or any(
            f in sentence.lemma_text for f in term.lemma_forms)


def build_topic(rubric: Rubric, nlp: Language) -> Topic:
    """Analyse the rubric's prompt, key terms and exemplars once, at engine start."""
    patterns = []
    term_lemmas: set[str] = set()
    for key_term in rubric.key_terms:
        word_forms, lemma_forms = set(), set()
        for doc in nlp.pipe(key_term.forms):
            word_forms.add(" " + " ".join(t.lower_ for t in doc if not t.is_space) + " ")
            lemmas = [t.lemma_.lower() for t in doc if t.is_alpha]
            if lemmas:
                lemma_forms.add(" " + " ".join(lemmas) + " ")
            if len(lemmas) == 1:
                term_lemmas.add(lemmas[0])
        patterns.append(KeyTermPattern(key_term.term, tuple(sorted(word_forms)),
                                       tuple(sorted(lemma_forms))))
    prompt_lemmas = _content_lemmas(nlp(rubric.prompt)) if rubric.prompt else frozenset()
    vocabulary = set(prompt_lemmas) | term_lemmas
    for doc in nlp.pipe(e.text for e in rubric.exemplars):
        vocabulary |= _content_lemmas(doc)
    return Topic(tuple(patterns), prompt_lemmas, frozenset(vocabulary - GENERIC_LEMMAS),
                 frozenset(term_lemmas))


def _content_lemmas(doc) -> frozenset[str]:
    return frozenset(
        t.lemma_.lower() for t in doc
        if t.is_alpha and not t.is_stop and t.pos_ in CONTENT_POS and len(t) > 2
    ) - GENERIC_LEMMAS
