"""``grader grade``: grade essay files or stdin with no database or server."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.commands.errors import exit_status
from grader.commands.question_options import question_kwargs, question_options
from grader.config import DEFAULT_RUBRIC_FILE
from models.errors import EssayInputError
from models.text import MAX_BYTES, decode_bytes

RUBRIC_ENV = "GRADER_RUBRIC"


def read_input(name: str) -> str:
    """An essay's text from a path or '-' (stdin); EssayInputError with one line on failure."""
    if name == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        return decode_bytes(data, "stdin")
    path = Path(name)
    try:
        if path.is_dir():
            raise EssayInputError(f"{name}: is a folder, not a file")
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise EssayInputError(f"{name}: cannot be read ({exc.strerror})") from exc
    return decode_bytes(data, name)


@click.command("grade")
@click.argument("files", nargs=-1, metavar="FILE...")
@click.option("--rubric", type=click.Path(path_type=Path), envvar=RUBRIC_ENV,
              help=f"rubric YAML (default: ${RUBRIC_ENV} or {DEFAULT_RUBRIC_FILE.name})")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, hidden=True,
              help="essays per parser batch at most (default: the engine's)")
@click.option("--model", type=click.Path(path_type=Path),
              help="a calibration model from 'grader calibrate' (with --csv)")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path),
              help="grade a CSV's essays with --model; write them with a column per criterion")
@click.option("--text-column", help="the CSV's essay column (with --csv)")
@click.option("--out", type=click.Path(path_type=Path), help="the CSV to write (with --csv)")
@question_options()
@exit_status
def grade(files: tuple[str, ...], rubric: Path | None, output_format: str, batch_size: int | None,
          model: Path | None, csv_path: Path | None, text_column: str | None,
          out: Path | None, **question: object) -> int:
    """Grade essay files ('-' reads stdin) and print levels and feedback; or, with --model
    and --csv, add calibrated scores to a CSV of essays.

    Essays are graded against --question (or --question-file); without one, against the
    rubric's own question if it has one, and otherwise without judging their topic."""
    asked = question_kwargs(question)
    if model or csv_path:
        if not (model and csv_path and text_column and out) or files:
            raise click.UsageError("--model and --csv go together, with --text-column and "
                                   "--out, and no FILE arguments")
        from grader.commands.calibration import grade_csv

        return grade_csv(model, csv_path, text_column, out, rubric, asked)
    if not files:
        raise click.UsageError("give at least one FILE ('-' reads stdin), or --model and --csv")
    from tqdm import tqdm

    from grader.render import result_text, results_json
    from models.engine import Engine, EssayInput
    from models.rubric import load_rubric

    spec = load_rubric(rubric or DEFAULT_RUBRIC_FILE)
    inputs, errors = [], []
    for name in files:
        source = "stdin" if name == "-" else name
        try:
            inputs.append(EssayInput(source, read_input(name), asked))
        except EssayInputError as exc:
            errors.append((source, str(exc)))
    results = []
    if inputs:
        engine = Engine(spec, **({"batch_size": batch_size} if batch_size else {}))
        bar = tqdm(total=len(inputs), unit="essay", file=sys.stderr,
                   disable=len(inputs) < 2 or not sys.stderr.isatty())
        for outcome in engine.grade_many(inputs):
            bar.update(1)
            if outcome.error:
                errors.append((outcome.source, outcome.error))
            else:
                results.append(outcome.result)
        bar.close()
    if output_format == "json":
        sys.stdout.write(results_json(results, errors) + "\n")
    else:
        sys.stdout.write("\n".join(result_text(r, spec.max_level) for r in results))
    for _, message in errors:
        print(f"grader: error: {message}", file=sys.stderr)
    return 1 if errors else 0
