"""``grader calibrate`` and ``grader grade --model --csv``: calibration on teacher-scored essays.

    grader calibrate TRAIN.csv --text-column COL --score COL=CRITERION [--score ...]
                     [--rubric PATH] [--question TEXT | --question-file PATH] --out MODEL
    grader calibrate --suggest N ESSAYS.csv --text-column COL [--out CHOSEN.csv]
    grader grade --model MODEL --csv IN.csv --text-column COL --out OUT.csv

A model records the question its essays answered; ``grade --model`` reads essays against it
unless given another.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from grader.commands.errors import exit_status, fail
from grader.commands.question_options import question_kwargs, question_options
from grader.config import DEFAULT_RUBRIC_FILE
from models.errors import CalibrationError
from models.question import Question

RUBRIC_ENV = "GRADER_RUBRIC"


def read_table(path: Path, text_column: str) -> tuple[list[str], list[dict[str, str]]]:
    """A CSV's header and rows; CalibrationError naming the file if it or its column is wrong."""
    csv.field_size_limit(50_000_000)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = list(reader.fieldnames or [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CalibrationError(f"{path}: cannot be read as a UTF-8 CSV file ({exc})") from exc
    if text_column not in header:
        raise CalibrationError(f"{path}: there is no column '{text_column}' (columns: "
                               f"{', '.join(header)})")
    return header, rows


def parse_score(value: str, column: str, row: int) -> float | None:
    value = value.strip()
    if value == "":
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise CalibrationError(f"row {row}: column '{column}' holds '{value}', not a score"
                               ) from exc


def _engine(rubric: Path | None):
    from models.engine import Engine
    from models.rubric import load_rubric

    return Engine(load_rubric(rubric or DEFAULT_RUBRIC_FILE))


@click.command("calibrate")
@click.argument("train", type=click.Path(path_type=Path))
@click.option("--text-column", required=True, help="the column holding the essays")
@click.option("--score", "scores", multiple=True, metavar="COL=CRITERION",
              help="a scored column and what it scores: 'overall' or a rubric criterion id")
@click.option("--suggest", type=click.IntRange(min=1), metavar="N",
              help="instead of calibrating, choose the N essays to score first")
@click.option("--rubric", type=click.Path(path_type=Path), envvar=RUBRIC_ENV,
              help=f"rubric YAML (default: ${RUBRIC_ENV} or {DEFAULT_RUBRIC_FILE.name})")
@click.option("--out", type=click.Path(path_type=Path),
              help="model file to write (with --suggest: a CSV of the chosen rows)")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True)
@question_options()
@exit_status
def calibrate(train: Path, text_column: str, scores: tuple[str, ...], suggest: int | None,
              rubric: Path | None, out: Path | None, folds: int, **question: object) -> int:
    """Fit the grader to teacher-scored essays; print cross-validated agreement. The essays
    are read against --question (recorded with the model). With --suggest N, list the N
    essays whose scores would teach calibration most, to score first."""
    from models.calibration.model import calibrate as fit
    from models.calibration.model import features_of

    asked = question_kwargs(question)
    if suggest is not None:
        return suggest_essays(train, text_column, suggest, rubric, out, asked)
    if not scores or out is None:
        raise click.UsageError("calibrating needs --score COL=CRITERION and --out MODEL "
                               "(or --suggest N to choose essays to score first)")
    targets = {}
    for spec in scores:
        column, _, criterion = spec.partition("=")
        if not column or not criterion:
            raise click.UsageError(f"--score takes COL=CRITERION, got '{spec}'")
        targets[criterion.strip()] = column.strip()
    header, rows = read_table(train, text_column)
    missing = [c for c in targets.values() if c not in header]
    if missing:
        return fail(f"{train}: no column {', '.join(repr(c) for c in missing)} (columns: "
                    f"{', '.join(header)})")
    engine = _engine(rubric)
    asked = asked or engine.rubric.question
    if asked is None:
        print("grader: warning: no --question: the essays' topic is not judged, and the model "
              "will not know what they answer", file=sys.stderr)
    features, errors = features_of(engine, (row[text_column] for row in rows), asked)
    for number, error in enumerate(errors, start=2):
        if error:
            print(f"grader: warning: {train} row {number}: left out ({error})", file=sys.stderr)
    columns = {criterion: (column, [parse_score(row[column], column, n)
                                    for n, row in enumerate(rows, start=2)])
               for criterion, column in targets.items()}
    model = fit(engine, features, columns, folds=folds, question=asked)
    model.save(out)
    click.echo(agreement_table(model.report(), folds))
    click.echo(f"model written to {out} ({model.trained_on} essays, rubric "
               f"{model.rubric['id']} v{model.rubric['version']}; question: "
               f"{asked.text if asked else 'none'})")
    return 0


def suggest_essays(path: Path, text_column: str, count: int, rubric: Path | None,
                   out: Path | None, asked: Question | None) -> int:
    """Print (and with ``out`` write) the essays to score first, in order."""
    from models.calibration.model import features_of, regression_features
    from models.calibration.suggest import suggest

    header, rows = read_table(path, text_column)
    engine = _engine(rubric)
    features, errors = features_of(engine, (row[text_column] for row in rows),
                                   asked or engine.rubric.question)
    for number, error in enumerate(errors, start=2):
        if error:
            print(f"grader: warning: {path} row {number}: left out ({error})", file=sys.stderr)
    names = next((regression_features(f) for f in features if f is not None), None)
    if names is None:
        return fail(f"{path}: none of the essays could be analysed")
    chosen = suggest(features, count, names)
    click.echo(f"Score these {len(chosen)} essays first (spread over the grader's range and "
               f"as unlike each other as the class allows):")
    click.echo("| order | row | opening |")
    click.echo("|---|---|---|")
    for order, i in enumerate(chosen, start=1):
        opening = " ".join(rows[i][text_column].split()[:12])
        click.echo(f"| {order} | {i + 2} | {opening} … |")
    if out is not None:
        try:
            with out.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=["suggested_order", "row", *header])
                writer.writeheader()
                writer.writerows({"suggested_order": order, "row": i + 2, **rows[i]}
                                 for order, i in enumerate(chosen, start=1))
        except OSError as exc:
            return fail(f"{out}: cannot be written ({exc.strerror})")
    return 0


def agreement_table(report: list[dict], folds: int) -> str:
    lines = [f"cross-validated agreement ({folds}-fold), model vs teacher:",
             "| criterion | column | n | QWK | exact | adjacent |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['criterion']} | {r['column']} | {r['n']} | {r['qwk']:.3f} | "
              f"{r['exact']:.1%} | {r['adjacent']:.1%} |" for r in report]
    for r in report:
        labels = [f"{x:g}" for x in r["labels"]]
        lines.append(f"\nconfusion matrix, {r['criterion']} (rows: teacher, columns: model)")
        lines.append("       " + " ".join(f"{x:>5}" for x in labels))
        lines += [f"{labels[i]:>6} " + " ".join(f"{n:>5}" for n in row)
                  for i, row in enumerate(r["confusion"])]
    return "\n".join(lines)


def grade_csv(model_path: Path, csv_path: Path, text_column: str, out: Path,
              rubric: Path | None, question: Question | None = None) -> int:
    """Write IN's rows with one added column per calibrated criterion, on the teacher's scale.
    Essays are read against ``question``, else the one the model records."""
    from models.calibration.applied import AppliedCalibration
    from models.calibration.model import CalibrationModel
    from models.engine import EssayInput

    engine = _engine(rubric)
    model = CalibrationModel.load(model_path, engine)
    header, rows = read_table(csv_path, text_column)
    asked = question or model.question_spec or engine.rubric.question
    # Scored as the service scores them: the engine applies the calibration.
    calibration = AppliedCalibration(str(model_path), model)
    outcomes = list(engine.grade_many(
        (EssayInput(f"row {n}", row[text_column], asked) for n, row in enumerate(rows, 2)),
        calibration))
    errors = [o.error for o in outcomes]
    added = [c for c in model.targets if c not in header]
    for row, outcome in zip(rows, outcomes, strict=True):
        used = outcome.result.calibration if outcome.result is not None else None
        if used is None or used.scores is None:
            continue
        for criterion in added:
            row[criterion] = f"{used.scores[criterion]:g}"
    try:
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=header + added, restval="")
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        return fail(f"{out}: cannot be written ({exc.strerror})")
    for number, error in enumerate(errors, start=2):
        if error:
            print(f"grader: error: {csv_path} row {number}: {error}", file=sys.stderr)
    return 1 if any(errors) else 0
