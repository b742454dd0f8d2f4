"""spaCy components Grader adds to the pipeline, registered with ``@Language.factory``."""

from models.components.paragraph_breaks import ParagraphBreaks

__all__ = ["ParagraphBreaks"]
