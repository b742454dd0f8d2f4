"""A sentence never runs across a paragraph break or an elided passage.

Placed before the parser, which respects sentence starts that are already set.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import IS_SPACE
from spacy.language import Language
from spacy.tokens import Doc

FACTORY_NAME = "grader_paragraph_breaks"


class ParagraphBreaks:
    """Marks the first token after any line break as a sentence start.

    Only whitespace tokens can hold a line break, and an essay has few: the tokens are found
    from one array, and only those few are visited in Python (a loop over every token cost
    about 15% of the pipeline)."""

    def __call__(self, doc: Doc) -> Doc:
        spaces = doc.to_array(IS_SPACE).astype(bool)
        if not spaces.any():
            return doc
        # The next non-space token after each index (len(doc) where there is none).
        following = np.flatnonzero(~spaces)
        for index in np.flatnonzero(spaces).tolist():
            if "\n" not in doc[index].text:
                continue
            after = np.searchsorted(following, index)
            if after < len(following):
                doc[int(following[after])].is_sent_start = True
        return doc


@Language.factory(FACTORY_NAME)
def make_paragraph_breaks(nlp: Language, name: str) -> ParagraphBreaks:
    return ParagraphBreaks()
