"""Coarse part of speech, morphology and lemmas: what the pipeline's attribute_ruler and
lemmatizer set, at a fraction of their cost.

The attribute_ruler matches about 180 patterns against every token and sets attributes through
Python one match at a time (about 40% of the whole pipeline's time, bench/throughput.py); the
rule lemmatizer then visits every token in Python again. Yet all but a handful of its patterns
look at one token only (its text, fine-grained tag, dependency label), so a token's attributes
are a function of (text, tag, dependency): this component computes each such key once, by
running the pipeline's own ruler and lemmatizer on a one-token Doc, and then sets whole
documents from that cache in one array operation. The few patterns that span two tokens ("there
is", "gon na", "let 's") are matched on the document, and the spans they match are recomputed
by the same two components on a Doc of just that span, exactly as they would be in place.

The result is what the two components would have set, token for token: tests/test_pipeline.py
compares them on real essays.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import DEP, IS_SPACE, LEMMA, MORPH, ORTH, POS, TAG
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler, Lemmatizer
from spacy.tokens import Doc, Span

FACTORY_NAME = "grader_token_attributes"
_SET = [POS, MORPH, LEMMA]
_SEPARATOR = ("|", ",", "punct")
"""A token no pattern starts or continues with: its text, fine tag and dependency."""
_CACHE_LIMIT = 500_000
"""Keys kept at most (about 150 bytes each); a process grading many essays sees ~100,000."""


class TokenAttributes:
    """Sets TAG (space tokens), DEP (space tokens), POS, MORPH and LEMMA as ``ruler`` followed
    by ``lemmatizer`` would, from a cache keyed on (ORTH, TAG, DEP)."""

    def __init__(self, ruler: AttributeRuler, lemmatizer: Lemmatizer) -> None:
        self.ruler = ruler
        self.lemmatizer = lemmatizer
        self.spanning = Matcher(ruler.vocab, validate=False)
        self.starts = Matcher(ruler.vocab, validate=False)  # the first token of each of those
        self.width = 1
        for pattern in ruler.patterns:
            many = [p for p in pattern["patterns"] if len(p) > 1]
            if many:
                self.spanning.add(f"span-{len(self.spanning)}", many)
                self.starts.add(f"start-{len(self.starts)}", [p[:1] for p in many])
                self.width = max(self.width, *(len(p) for p in many))
        # (ORTH, TAG, DEP) -> (TAG, DEP, POS, MORPH, LEMMA, could start a span pattern)
        self._cache: dict[tuple[int, int, int], tuple[int, ...]] = {}

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        keys = list(map(tuple, doc.to_array([ORTH, TAG, DEP]).tolist()))
        cache = self._cache
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        missing = {key for key in keys if key not in cache}
        if missing:
            self._compute(list(missing))
        rows = [cache[key] for key in keys]
        values = np.array(rows, dtype="uint64")
        # Only a space token's tag and dependency ever change ("_SP", "dep"): set one by one.
        for index in np.flatnonzero(doc.to_array(IS_SPACE)).tolist():
            token = doc[index]
            token.tag, token.dep = int(values[index, 0]), int(values[index, 1])
        doc.from_array(_SET, values[:, 2:5])
        # A span pattern can only match where its first token does: look only there.
        matches = []
        for index in np.flatnonzero(values[:, 5]).tolist():
            window = doc[index:index + self.width]
            matches += [(index + start, index + end)
                        for _, start, end in self.spanning(window, as_spans=False) if start == 0]
        for start, end in _merged(matches):
            self._in_place(doc[start:end])
        return doc

    def _compute(self, keys: list[tuple[int, int, int]]) -> None:
        """Cache the attributes of each (ORTH, TAG, DEP) key: the keys as the tokens of one Doc,
        a separator between each two that no pattern matches ("|", a punctuation mark), so
        that only single-token patterns can apply, run through the ruler and lemmatizer."""
        strings = self.ruler.vocab.strings
        words, tags, deps = [], [], []
        for orth, tag, dep in keys:
            words += [strings[orth], _SEPARATOR[0]]
            tags += [strings[tag], _SEPARATOR[1]]
            deps += [strings[dep] if dep else "", _SEPARATOR[2]]
        alone = Doc(self.ruler.vocab, words=words, spaces=[False] * len(words), tags=tags,
                    deps=deps)
        starts = np.zeros(len(words), dtype="uint64")
        starts[[start for _, start, _ in self.starts(alone, as_spans=False)]] = 1
        self.lemmatizer(self.ruler(alone))
        computed = np.column_stack([alone.to_array([TAG, DEP, *_SET]), starts])[::2]
        self._cache.update(zip(keys, map(tuple, computed.tolist()), strict=True))

    def _in_place(self, span: Span) -> None:
        """The span's tokens as the two components set them when a pattern covers the span."""
        alone = Doc(self.ruler.vocab, words=[t.text for t in span],
                    spaces=[bool(t.whitespace_) for t in span], tags=[t.tag_ for t in span],
                    deps=[t.dep_ for t in span])
        self.lemmatizer(self.ruler(alone))
        for token, computed in zip(span, alone, strict=True):
            token.tag, token.dep, token.pos = computed.tag, computed.dep, computed.pos
            token.set_morph(computed.morph.key)
            token.lemma = computed.lemma


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The matched spans, overlapping ones merged (their patterns then act together)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@Language.factory(FACTORY_NAME, requires=["token.tag", "token.dep"],
                  assigns=["token.pos", "token.morph", "token.lemma"])
def make_token_attributes(nlp: Language, name: str) -> TokenAttributes:
    """Built from the pipeline's own attribute_ruler and lemmatizer, which are then removed:
    their patterns and tables are this component's only source of truth."""
    return TokenAttributes(nlp.get_pipe("attribute_ruler"), nlp.get_pipe("lemmatizer"))
