"""``--question``, ``--question-file``, ``--key-terms``, ``--period`` (and, for assignments,
``--sources-file``): the question essays are graded against, for ``grader grade``, ``grader
calibrate`` and ``grader assignment``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from models.errors import GraderError
from models.question import Question
from models.text import MAX_BYTES


def question_options(sources: bool = False) -> Callable[[Callable], Callable]:
    """Add the question's options to a command; it receives them in its keyword arguments,
    which ``question_kwargs`` pops and reads. ``sources``: also ``--sources-file``."""
    options = [
        click.option("--question", "question_text", metavar="TEXT",
                     help="the question the essays answer: their topic is judged against it "
                          "(without one, the topic is not judged)"),
        click.option("--question-file", type=click.Path(path_type=Path),
                     help="read the question from a UTF-8 text file"),
        click.option("--key-terms", metavar="TERMS",
                     help="key terms, e.g. 'New Deal, Roosevelt; WPA / Works Progress "
                          "Administration' (default: read off the question)"),
        click.option("--period", metavar="YEARS",
                     help="the question's period, e.g. 1933-1939 (default: the years the "
                          "question names); dates far outside it are flagged"),
    ]
    if sources:
        options.append(click.option(
            "--sources-file", type=click.Path(path_type=Path),
            help="the sources students were given, UTF-8 text, a blank line between sources"))

    def decorate(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command
    return decorate


def _read(path: Path, what: str) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise GraderError(f"{path}: cannot be read as {what} ({reason})") from exc


def question_kwargs(kwargs: dict[str, Any]) -> Question | None:
    """Pop the question's options from a command's keyword arguments and build the question,
    or None; a UsageError or GraderError says what is wrong."""
    text, path = kwargs.pop("question_text"), kwargs.pop("question_file")
    key_terms, period = kwargs.pop("key_terms"), kwargs.pop("period")
    sources_file = kwargs.pop("sources_file", None)
    if text is not None and path is not None:
        raise click.UsageError("give --question or --question-file, not both")
    if path is not None:
        text = _read(path, "the question")
    sources: list[str] = []
    if sources_file is not None:
        from grader.services.questions import split_sources

        sources = split_sources(_read(sources_file, "the sources"))
    if text is None:
        if key_terms or period or sources:
            raise click.UsageError("--key-terms, --period and --sources-file belong to a "
                                   "question: give --question or --question-file too")
        return None
    return Question.build(text, key_terms=key_terms, period=period, sources=sources)
