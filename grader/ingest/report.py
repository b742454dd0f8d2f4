"""What an upload turned into: essays, and a named problem for everything that is not one."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from models.errors import EssayInputError


class IngestError(EssayInputError):
    """A file or row cannot become an essay.

    The message is one line for the teacher and does not repeat the file's name: the name travels
    separately in ``FileProblem.name``.
    """


@dataclass(frozen=True)
class ExtractedEssay:
    """One essay found in an upload.

    ``name`` says where it came from ("class.zip/alice.docx", "marks.csv row 3"); ``label`` is the
    student or title label; ``duplicate_of`` is the name of the first essay of the same upload
    with the same ``sha256``.
    """

    name: str
    label: str
    text: str
    sha256: str
    duplicate_of: str | None = None


@dataclass(frozen=True)
class FileProblem:
    """A file, zip member or csv row that did not become an essay, and why."""

    name: str
    message: str

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"


@dataclass
class IngestReport:
    """Every essay and every problem of one upload, in upload order."""

    essays: list[ExtractedEssay] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``{"essays": [...], "problems": [...]}``."""
        return {
            "essays": [asdict(essay) for essay in self.essays],
            "problems": [asdict(problem) for problem in self.problems],
        }


def text_fingerprint(text: str) -> str:
    """Hex sha256 of the text with whitespace collapsed and case folded.

    The same essay pasted with different spacing or line wrapping gets the same fingerprint.
    """
    normalised = " ".join(text.split()).casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def printable(name: str) -> str:
    """A file or member name as a teacher sees it: without control characters, bidirectional
    overrides, zero-width and other unprintable characters, and without outer spaces."""
    return "".join(ch for ch in name if ch.isprintable()).strip()


def without_source(error: Exception, source: str) -> str:
    """The error's message minus a leading "<source>: ", which the problem's name already says."""
    message = str(error)
    return message.removeprefix(f"{source}: ")
