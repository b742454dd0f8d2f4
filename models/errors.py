"""Errors the engine raises for input a caller can correct (never for bugs)."""


class GraderError(Exception):
    """Base class: the message is one line meant for the person who supplied the input."""


class EssayInputError(GraderError):
    """The essay text cannot be graded as given (empty, binary, too long, undecodable)."""


class RubricError(GraderError):
    """A rubric file is malformed; the message names the file, the field and what was expected."""

    def __init__(self, source: str, field: str, expected: str) -> None:
        self.source = source
        self.field = field
        self.expected = expected
        super().__init__(f"{source}: {field}: {expected}")


class PipelineUnavailableError(GraderError):
    """The spaCy pipeline named by the configuration is not installed."""


class CalibrationError(GraderError):
    """A calibration that cannot be fitted, or a model file that does not fit this engine."""
