"""One engine function against its version at another commit, timed in one process.

Run by hand (it is not a test):

    .venv/bin/python bench/function_ab.py --base HEAD~1 models.features.language \\
        extract_language "f(a.essay, a.topic)" --data CSV --text-column essay

On a shared machine the speed of the whole engine drifts by 10-25% between runs minutes apart
(two runs of bench/throughput.py disagree by more than most single changes save), so a change
to one function is measured here instead: the essays are parsed and analysed once, then the
function as it is now and as it was at ``--base`` (its module's source at that commit, loaded
beside the current one) are called on every analysed essay in turn, alternating, ``--repeat``
times each. Both see the same Docs and the same warm caches; the minimum of each is printed.

The call is a Python expression of ``f`` (the function) and ``a`` (the essay's Analysis, see
models/engine.py), ``prepared`` (its PreparedText) and ``doc`` (its spaCy Doc).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from throughput import RUBRIC, generate_essays, read_essays  # noqa: E402


def module_at(module: str, revision: str) -> types.ModuleType:
    """The module's source at ``revision``, loaded as a module of its own."""
    path = module.replace(".", "/") + ".py"
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:{path}"],
                            check=True, capture_output=True, text=True).stdout
    loaded = types.ModuleType(f"{module}_at_{revision}")
    loaded.__file__ = f"{revision}:{path}"
    sys.modules[loaded.__name__] = loaded  # dataclasses look their module up
    exec(compile(source, loaded.__file__, "exec"), loaded.__dict__)
    return loaded


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("module")
    parser.add_argument("function")
    parser.add_argument("call", help='e.g. "f(a.essay, a.topic)"')
    parser.add_argument("--base", default="HEAD", help="the commit to compare with")
    parser.add_argument("--data", type=Path, help="CSV of essays (default: generated)")
    parser.add_argument("--text-column", default="essay")
    parser.add_argument("--essays", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args(argv)

    import importlib

    from models.engine import Engine
    from models.rubric import load_rubric
    from models.text import prepare_text

    texts = (read_essays(args.data, args.text_column, args.essays) if args.data
             else generate_essays(args.essays))
    engine = Engine(load_rubric(RUBRIC))
    prepared = [prepare_text(t, f"e{i}", max_words=engine.rubric.max_words)
                for i, t in enumerate(texts)]
    docs = list(engine.nlp.pipe([p.analysis_text for p in prepared], batch_size=32))
    cases = [(engine.analyse(p, d), p, d) for p, d in zip(prepared, docs, strict=True)]
    call = compile(args.call, "<call>", "eval")
    versions = {"now": getattr(importlib.import_module(args.module), args.function),
                args.base: getattr(module_at(args.module, args.base), args.function)}

    def timed(function: Callable) -> float:
        start = time.process_time()
        for a, p, d in cases:
            eval(call, {"f": function, "a": a, "prepared": p, "doc": d})
        return time.process_time() - start

    seconds: dict[str, list[float]] = {name: [] for name in versions}
    for _ in range(args.repeat):
        for name, function in versions.items():
            seconds[name].append(timed(function))
    print(f"{args.module}.{args.function} on {len(cases)} essays, {args.repeat} runs each, "
          "CPU seconds")
    print("| version | min | median |\n|---|---|---|")
    for name, runs in seconds.items():
        print(f"| {name} | {min(runs):.4f} | {sorted(runs)[len(runs) // 2]:.4f} |")


if __name__ == "__main__":
    main()
