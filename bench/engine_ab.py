"""The engine's own work (everything after parsing) against its version at another commit.

Run by hand (it is not a test):

    .venv/bin/python bench/engine_ab.py --base REV [--data CSV --text-column essay]

On a shared machine the speed of the whole engine drifts by 10-25% between runs minutes apart,
so two runs of bench/throughput.py cannot tell a 5% change. Here the commit ``--base`` is
checked out into a temporary folder and two processes are started side by side, one on that
checkout and one on this one; each parses the same essays once, then they take turns timing
the engine's own work on all of them (``Engine.analyse`` and ``Engine.result``, CPU seconds),
``--repeat`` times each. A drift hits both alike: the median of the ratios of each pair of
turns is the figure to read.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def serve(root: Path, data: Path | None, column: str, essays: int) -> None:
    """One side: parse once, then time one pass per line read from stdin."""
    sys.path[:0] = [str(root), str(root / "bench")]
    from throughput import RUBRIC, generate_essays, read_essays

    from models.engine import Engine
    from models.rubric import load_rubric
    from models.text import prepare_text

    texts = read_essays(data, column, essays) if data else generate_essays(essays)
    engine = Engine(load_rubric(RUBRIC))
    prepared = [prepare_text(t, f"e{i}", max_words=engine.rubric.max_words)
                for i, t in enumerate(texts)]
    docs = list(engine.nlp.pipe([p.analysis_text for p in prepared], batch_size=32))

    def own_work() -> None:
        for k, (p, doc) in enumerate(zip(prepared, docs, strict=True)):
            engine.result(f"e{k}", engine.analyse(p, doc))

    own_work()  # warm caches, as a worker's are
    print("ready", flush=True)
    from models.features.spelling import suggestion

    for _ in sys.stdin:
        # A worker's next essays misspell other words: their suggestions are not cached
        # (bench/throughput.py forget_essays; read from the checkout, whichever it is).
        suggestion.cache_clear()
        start = time.process_time()
        own_work()
        print(time.process_time() - start, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="HEAD", help="the commit to compare with")
    parser.add_argument("--data", type=Path, help="CSV of essays (default: generated)")
    parser.add_argument("--text-column", default="essay")
    parser.add_argument("--essays", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # one side, internal
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.data, args.text_column, args.essays)
        return

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base),
                        args.base], check=True, capture_output=True)
        try:
            compare(args, {args.base: base, "now": ROOT})
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                           check=False, capture_output=True)


def compare(args: argparse.Namespace, roots: dict[str, Path]) -> None:
    command = [sys.executable, str(Path(__file__).resolve()), "--text-column",
               args.text_column, "--essays", str(args.essays)]
    if args.data:
        command += ["--data", str(args.data.resolve())]
    sides = {name: subprocess.Popen([*command, "--serve", str(root)], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True, cwd=root)
             for name, root in roots.items()}
    try:
        for name, side in sides.items():
            if side.stdout.readline().strip() != "ready":
                raise SystemExit(f"{name}: the engine did not start")
        seconds: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(args.repeat):
            for name, side in sides.items():
                side.stdin.write("go\n")
                side.stdin.flush()
                seconds[name].append(float(side.stdout.readline()))
    finally:
        for side in sides.values():
            side.stdin.close()
            side.wait()
    base, now = seconds[args.base], seconds["now"]
    print(f"engine's own work (analyse + result) on {args.essays} essays, {args.repeat} turns "
          "each, CPU seconds")
    print("| version | min | median |\n|---|---|---|")
    for name, runs in seconds.items():
        print(f"| {name} | {min(runs):.3f} | {statistics.median(runs):.3f} |")
    ratio = statistics.median(b / a for a, b in zip(base, now, strict=True))
    print(f"\nnow / {args.base}, median of the turns' ratios: {ratio:.3f}")


if __name__ == "__main__":
    main()
