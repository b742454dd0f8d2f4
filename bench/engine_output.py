"""The engine's JSON output on a set of essays, to show that a speed change changed nothing.

Run by hand (it is not a test), once per version of the code, then compare:

    .venv/bin/python bench/engine_output.py --data CSV --text-column essay --essays 1000 \\
        --out before.jsonl
    (change the code)
    .venv/bin/python bench/engine_output.py ... --out after.jsonl
    .venv/bin/python bench/engine_output.py --compare before.jsonl after.jsonl

``--questions tests/essays/questions/questions.yaml`` grades every essay against each of those
questions as well, which reaches what only a question's key terms and period do.

Each line is one essay's result document (``GradeResult.to_dict``) or its error. The comparison
prints how many essays differ and, for the first few, which fields.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from throughput import RUBRIC, generate_essays, read_essays  # noqa: E402


def write(args: argparse.Namespace) -> None:
    from models.engine import Engine, EssayInput
    from models.rubric import load_rubric

    texts = (read_essays(args.data, args.text_column, args.essays) if args.data
             else generate_essays(args.essays))
    engine = Engine(load_rubric(RUBRIC), batch_size=args.batch_size)
    # Each essay without a question, then against each question given (key terms, periods).
    questions = [None, *read_questions(args.questions)] if args.questions else [None]
    inputs = (EssayInput(f"e{i}", t, question) for question in questions
              for i, t in enumerate(texts))
    with args.out.open("w", encoding="utf-8") as out:
        for outcome in engine.grade_many(inputs):
            document = outcome.result.to_dict() if outcome.result else {"error": outcome.error}
            out.write(json.dumps(document, sort_keys=True) + "\n")
    print(f"{len(texts)} essays, {len(questions) - 1} questions -> {args.out}")


def read_questions(path: Path) -> list:
    """The distinct questions of a file shaped like tests/essays/questions/questions.yaml."""
    import yaml

    from models.question import Question

    entries = yaml.safe_load(path.read_text(encoding="utf-8")).values()
    asked = dict.fromkeys((e["question"], e.get("period")) for e in entries)
    return [Question.build(text, period=period) for text, period in asked]


def differences(before: object, after: object, path: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        return [d for key in sorted(set(before) | set(after))
                for d in differences(before.get(key), after.get(key), f"{path}.{key}")]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [d for i, (b, a) in enumerate(zip(before, after, strict=True))
                for d in differences(b, a, f"{path}[{i}]")]
    return [] if before == after else [f"{path}: {before!r:.80} -> {after!r:.80}"]


def compare(before_path: Path, after_path: Path, shown: int = 10) -> int:
    before = before_path.read_text(encoding="utf-8").splitlines()
    after = after_path.read_text(encoding="utf-8").splitlines()
    if len(before) != len(after):
        print(f"different numbers of essays: {len(before)} and {len(after)}")
        return 1
    changed = [(i, differences(json.loads(b), json.loads(a)))
               for i, (b, a) in enumerate(zip(before, after, strict=True)) if a != b]
    print(f"{len(before)} essays; identical: {len(before) - len(changed)}; "
          f"different: {len(changed)}")
    for index, found in changed[:shown]:
        print(f"essay {index}: " + "; ".join(found[:5]))
    return 1 if changed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="CSV of essays (default: generated)")
    parser.add_argument("--text-column", default="full_text")
    parser.add_argument("--essays", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--questions", type=Path,
                        help="also grade every essay against each question of this YAML file "
                             "(as tests/essays/questions/questions.yaml)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if args.out is None:
        parser.error("--out is needed (or --compare)")
    write(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
