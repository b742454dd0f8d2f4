"""spaCy components Grader adds to the pipeline, registered with ``@Language.factory``."""

from models.components.paragraph_breaks import ParagraphBreaks
from models.components.token_attributes import TokenAttributes

__all__ = ["ParagraphBreaks", "TokenAttributes"]
