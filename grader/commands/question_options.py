"""``--question``, ``--question-file``, ``--key-terms`` and ``--period``: the question essays are
graded against, for the offline commands (``grader grade``, ``grader calibrate``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from models.errors import GraderError
from models.question import Question
from models.text import MAX_BYTES


def question_options(command: Callable) -> Callable:
    """Add the question's options to a command; it receives them as ``question_text``,
    ``question_file``, ``key_terms`` and ``period`` (read them with ``question_from``)."""
    options = [
        click.option("--question", "question_text", metavar="TEXT",
                     help="the question the essays answer (its key terms, period and words "
                          "are what the topic is judged against)"),
        click.option("--question-file", type=click.Path(path_type=Path),
                     help="read the question from a UTF-8 text file"),
        click.option("--key-terms", metavar="TERMS",
                     help="key terms, e.g. 'New Deal, Roosevelt; WPA / Works Progress "
                          "Administration' (default: read off the question)"),
        click.option("--period", metavar="YEARS",
                     help="the question's period, e.g. 1933-1939 (default: the years the "
                          "question names)"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def question_from(question_text: str | None, question_file: Path | None,
                  key_terms: str | None, period: str | None) -> Question | None:
    """The question the options give, or None; a UsageError or GraderError says what is wrong."""
    if question_text is not None and question_file is not None:
        raise click.UsageError("give --question or --question-file, not both")
    if question_file is not None:
        try:
            with question_file.open("rb") as handle:
                question_text = handle.read(MAX_BYTES).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise GraderError(f"{question_file}: cannot be read as the question ({reason})"
                              ) from exc
    if question_text is None:
        if key_terms or period:
            raise click.UsageError("--key-terms and --period belong to a question: give "
                                   "--question or --question-file too")
        return None
    return Question.build(question_text, key_terms=key_terms, period=period)


def question_kwargs(kwargs: dict[str, Any]) -> Question | None:
    """Pop the question's options from a command's keyword arguments and build it."""
    return question_from(kwargs.pop("question_text"), kwargs.pop("question_file"),
                         kwargs.pop("key_terms"), kwargs.pop("period"))
