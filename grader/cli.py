"""``grader``: grade essays from files or stdin, and check rubric files.

Exit status: 0 all graded; 1 some inputs could not be graded (each named on stderr);
2 a usage, rubric or installation problem.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from models.errors import EssayInputError, GraderError
from models.text import MAX_BYTES, decode_bytes

DEFAULT_RUBRIC = Path(__file__).resolve().parents[1] / "rubrics" / "history-argument.yaml"
RUBRIC_ENV = "GRADER_RUBRIC"


def default_rubric() -> Path:
    return Path(os.environ.get(RUBRIC_ENV) or DEFAULT_RUBRIC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade essay files ('-' reads stdin)")
    grade.add_argument("files", nargs="+", metavar="FILE")
    grade.add_argument("--rubric", type=Path, default=None,
                       help=f"rubric YAML (default: ${RUBRIC_ENV} or {DEFAULT_RUBRIC.name})")
    grade.add_argument("--format", choices=("text", "json"), default="text")
    grade.add_argument("--batch-size", type=int, default=8, help=argparse.SUPPRESS)
    rubric = commands.add_parser("rubric", help="rubric files")
    rubric_commands = rubric.add_subparsers(dest="rubric_command", required=True)
    check = rubric_commands.add_parser("check", help="validate a rubric file")
    check.add_argument("path", type=Path)
    return parser


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


def cmd_grade(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from grader.render import result_text, results_json
    from models.engine import Engine, EssayInput
    from models.rubric import load_rubric

    rubric = load_rubric(args.rubric or default_rubric())
    inputs, errors = [], []
    for name in args.files:
        source = "stdin" if name == "-" else name
        try:
            inputs.append(EssayInput(source, read_input(name)))
        except EssayInputError as exc:
            errors.append((source, str(exc)))
    results = []
    if inputs:
        engine = Engine(rubric, batch_size=max(1, args.batch_size))
        bar = tqdm(total=len(inputs), unit="essay", file=sys.stderr,
                   disable=len(inputs) < 2 or not sys.stderr.isatty())
        for outcome in engine.grade_many(inputs):
            bar.update(1)
            if outcome.error:
                errors.append((outcome.source, outcome.error))
            else:
                results.append(outcome.result)
        bar.close()
    if args.format == "json":
        sys.stdout.write(results_json(results, errors) + "\n")
    else:
        sys.stdout.write("\n".join(result_text(r, rubric.max_level) for r in results))
    for _, message in errors:
        print(f"grader: error: {message}", file=sys.stderr)
    return 1 if errors else 0


def cmd_rubric_check(args: argparse.Namespace) -> int:
    from models.rubric import load_rubric

    rubric = load_rubric(args.path)
    criteria = ", ".join(c.id for c in rubric.criteria)
    print(f"{args.path}: ok: rubric '{rubric.id}' v{rubric.version}, levels "
          f"{rubric.min_level}-{rubric.max_level}, criteria {criteria}, "
          f"{len(rubric.key_terms)} key terms, {len(rubric.exemplars)} exemplar(s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "grade":
            return cmd_grade(args)
        return cmd_rubric_check(args)
    except GraderError as exc:
        print(f"grader: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
