"""A sentence never runs across a paragraph break or an elided passage.

Placed before the parser, which respects sentence starts that are already set.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

FACTORY_NAME = "grader_paragraph_breaks"


class ParagraphBreaks:
    """Marks the first token after any line break as a sentence start."""

    def __call__(self, doc: Doc) -> Doc:
        after_break = False
        for token in doc:
            if after_break and not token.is_space:
                token.is_sent_start = True
                after_break = False
            if token.is_space and "\n" in token.text:
                after_break = True
        return doc


@Language.factory(FACTORY_NAME)
def make_paragraph_breaks(nlp: Language, name: str) -> ParagraphBreaks:
    return ParagraphBreaks()
