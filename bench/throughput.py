"""Throughput benchmark: the raw spaCy pipeline against the whole grading engine.

Run by hand (it is not a test):

    .venv/bin/python bench/throughput.py [--essays N] [--data CSV] [--batch-size B] [--repeat R]

It grades the same N essays twice, with the same batch size and the same pipeline object:

* "spaCy pipeline only": ``nlp.pipe`` over ``prepare_text(text).analysis_text``, i.e. the cost
  of tagging, lemmatising and parsing that the engine cannot avoid;
* "engine (grade_many)": ``Engine.grade_many``, i.e. the pipeline plus feature extraction,
  scoring and feedback.

Both are warmed up first (the engine is built before timing); with ``--repeat`` > 1 the order
alternates between repetitions and the best run of each is kept. The table shows seconds,
words/s and essays/s (words = whitespace-separated tokens of the input text).

Targets:

* engine overhead over the pipeline, ``(engine_time / pipeline_time - 1) * 100``: <= 10%
  (issue 17; it was 15%);
* engine words/s: >= 12,000 (issue 17);
* peak resident memory of the process (``ru_maxrss``): < 400 MB.

Without ``--data`` the essays are generated deterministically (``random.Random(0)``) by
recombining paragraphs of tests/essays/*.txt and rubrics/exemplars/*.txt, 150-800 words each.
With ``--data`` they are the first N rows of a CSV file's text column (``--text-column``).
``--with-ner`` adds an informational row for the pipeline with NER enabled, which the engine
does not use; it is loaded only after peak memory has been measured.

``--pipelines`` first prints words/s of pipeline variants at batch sizes 8, 32 and 128 (issue
17's table): the engine's pipeline before issue 17 (attribute_ruler, lemmatizer, and the
paragraph-break component's per-token loop, kept here as ``bench_paragraph_breaks_loop``), the
parser alone, each component added to it, the engine's pipeline now, and the full small
pipeline with NER. Engine target (issue 17): >= 12,000 words/s per process.
"""

from __future__ import annotations

import argparse
import csv
import gc
import platform
import random
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402
from spacy.language import Language  # noqa: E402

from models.engine import (  # noqa: E402
    DEFAULT_BATCH_CHARS,
    DEFAULT_BATCH_SIZE,
    Engine,
    EssayInput,
    batched,
)
from models.errors import EssayInputError  # noqa: E402
from models.pipeline import load_pipeline, model_name, pipeline_version  # noqa: E402
from models.rubric import load_rubric  # noqa: E402
from models.text import prepare_text  # noqa: E402

RUBRIC = ROOT / "rubrics" / "history-argument.yaml"
SOURCE_GLOBS = ("tests/essays/*.txt", "rubrics/exemplars/*.txt")
MIN_WORDS, MAX_WORDS = 150, 800
WARMUP_ESSAYS = 8
OVERHEAD_TARGET_PCT = 10.0
ENGINE_TARGET_WORDS_PER_SECOND = 12_000
MEMORY_TARGET_MB = 400.0


@dataclass(frozen=True)
class Row:
    name: str
    essays: int
    words: int
    seconds: float


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Words/s and essays/s of the raw spaCy pipeline against the whole engine.")
    parser.add_argument("--essays", type=int, default=200, metavar="N",
                        help="number of essays (default: 200)")
    parser.add_argument("--data", type=Path, metavar="PATH",
                        help="CSV file with essays (default: generated from the repo's essays)")
    parser.add_argument("--text-column", default="essay",
                        help="CSV column holding the essay text (default: essay)")
    parser.add_argument("--batch-size", type=int, default=None, metavar="B",
                        help="essays per batch at most (default: the engine's, "
                             f"{DEFAULT_BATCH_SIZE}, within {DEFAULT_BATCH_CHARS:,} characters)")
    parser.add_argument("--pipelines", action="store_true",
                        help="first time pipeline variants at batch sizes 8, 32 and 128")
    parser.add_argument("--repeat", type=int, default=1, metavar="R",
                        help="timed runs per measurement; the best is kept (default: 1)")
    parser.add_argument("--with-ner", action="store_true",
                        help="also time the pipeline with NER (not used by the engine)")
    args = parser.parse_args(argv)
    for option in ("essays", "batch_size", "repeat"):
        if getattr(args, option) is not None and getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")
    return args


def source_paragraphs() -> list[str]:
    """Non-empty paragraphs of the repo's sample essays, in a stable order."""
    paragraphs: list[str] = []
    for pattern in SOURCE_GLOBS:
        for path in sorted(ROOT.glob(pattern)):
            text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
            paragraphs.extend(p.strip() for p in text.split("\n\n") if p.strip())
    if not paragraphs:
        raise SystemExit(f"no sample essays found under {ROOT} ({', '.join(SOURCE_GLOBS)})")
    return paragraphs


def generate_essays(n: int, seed: int = 0) -> list[str]:
    """N essays of MIN_WORDS-MAX_WORDS words made by recombining sample paragraphs."""
    rng = random.Random(seed)
    paragraphs = source_paragraphs()
    essays: list[str] = []
    for _ in range(n):
        target = rng.randint(MIN_WORDS, MAX_WORDS)
        parts: list[str] = []
        words = 0
        while words < target:
            tokens = rng.choice(paragraphs).split()
            take = tokens[: target - words]
            text = " ".join(take)
            if len(take) < len(tokens) and not text.endswith((".", "!", "?")):
                text += "."
            parts.append(text)
            words += len(take)
        essays.append("\n\n".join(parts))
    return essays


def read_essays(path: Path, column: str, n: int) -> list[str]:
    """The text column of the first N rows of a CSV file."""
    csv.field_size_limit(10**8)
    essays: list[str] = []
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or column not in reader.fieldnames:
            raise SystemExit(f"{path}: no column {column!r} (columns: {reader.fieldnames})")
        for row in reader:
            if len(essays) >= n:
                break
            essays.append(row[column] or "")
    return essays


def gradable(texts: list[str], max_words: int) -> tuple[list[str], int]:
    """Texts the engine accepts (so both runs see the same input) and how many were dropped."""
    kept: list[str] = []
    for text in texts:
        try:
            prepare_text(text, max_words=max_words)
        except EssayInputError:
            continue
        kept.append(text)
    return kept, len(texts) - len(kept)


def run_pipeline(nlp: Language, texts: list[str], batch_size: int | None,
                 batch_chars: int = DEFAULT_BATCH_CHARS) -> None:
    """Parse every text as the engine batches them (``batch_size`` essays within
    ``batch_chars`` characters; None: the engine's defaults)."""
    analysed = [prepare_text(t).analysis_text for t in texts]
    # Each Doc is dropped once made, as a worker would: memory reflects one process's work.
    for batch in batched(analysed, len, batch_chars, batch_size or DEFAULT_BATCH_SIZE):
        for _doc in nlp.pipe(batch, batch_size=len(batch)):
            pass


@Language.factory("bench_paragraph_breaks_loop")
def paragraph_breaks_loop(nlp: Language, name: str):
    """The paragraph-break component as it was before issue 17: a Python loop over every
    token (the engine's now visits only the whitespace tokens)."""
    def mark(doc):
        after_break = False
        for token in doc:
            if after_break and not token.is_space:
                token.is_sent_start = True
                after_break = False
            if token.is_space and "\n" in token.text:
                after_break = True
        return doc
    return mark


def pipeline_variants() -> list[tuple[str, Callable[[], Language], tuple[int, ...]]]:
    """(name, how to build it, batch sizes) for issue 17's table."""
    name = model_name()
    sizes, one = (8, 32, 128), (32,)

    def parser_alone() -> Language:
        return spacy.load(name, exclude=["ner", "senter", "attribute_ruler", "lemmatizer"])

    def with_components(*added: str, ruler: bool = False) -> Callable[[], Language]:
        def build() -> Language:
            nlp = spacy.load(name, exclude=["ner", "senter"]) if ruler else parser_alone()
            for component in added:
                nlp.add_pipe(component, before="parser")
            return nlp
        return build

    def full() -> Language:
        return spacy.load(name)

    return [
        ("the engine's before issue 17 (tok2vec, tagger, paragraph breaks as a loop, parser, "
         "attribute_ruler, lemmatizer)",
         with_components("bench_paragraph_breaks_loop", ruler=True), sizes),
        ("tok2vec, tagger, parser alone", parser_alone, sizes),
        ("+ paragraph breaks as a loop (before)", with_components("bench_paragraph_breaks_loop"),
         one),
        ("+ paragraph breaks (now)", with_components("grader_paragraph_breaks"), one),
        ("+ paragraph breaks, attribute_ruler, lemmatizer",
         with_components("grader_paragraph_breaks", ruler=True), one),
        ("the engine's now (tok2vec, tagger, paragraph breaks, parser, token attributes)",
         load_pipeline, sizes),
        ("full sm (with NER)", full, one),
    ]


def pipeline_table(texts: list[str], words: int, repeat: int) -> None:
    """Issue 17's table: words/s of each variant at each batch size (best of ``repeat``)."""
    print("| pipeline | batch 8 | batch 32 | batch 128 |")
    print("|---|---|---|---|")
    for name, build, sizes in pipeline_variants():
        nlp = build()
        run_pipeline(nlp, texts[:WARMUP_ESSAYS], 8)
        cells = []
        for size in (8, 32, 128):
            if size not in sizes:
                cells.append("-")
                continue
            seconds = min(timed(lambda nlp=nlp, size=size: run_pipeline(
                nlp, texts, size, batch_chars=10**9)) for _ in range(repeat))
            cells.append(f"{words / seconds:,.0f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()


def forget_essays() -> None:
    """Forget what the essays just graded left in the process's caches that a worker's next,
    different essays would not find there: their misspelled words' suggestions. (What the
    language itself costs stays cached, words' strings, syllables and spellings: every essay
    uses the same few thousand words.) Without this, a repeat over the same essays finds
    every suggestion made, and times the engine's own work about 10% lower than a worker's."""
    from models.features.spelling import suggestion

    suggestion.cache_clear()


def run_engine(engine: Engine, texts: list[str]) -> int:
    """Grade all texts, dropping each result once made; returns how many failed."""
    forget_essays()
    return sum(1 for o in engine.grade_many(EssayInput(f"e{i}", t) for i, t in enumerate(texts))
               if o.error is not None)


def interleaved_split(engine: Engine, texts: list[str]) -> tuple[float, float]:
    """Seconds in the pipeline and in the engine's own work, timed batch by batch.

    Both halves run on the same batch one after the other, so a noisy machine slows both
    alike; the ratio is the engine's real cost over the pipeline it runs.
    """
    forget_essays()
    in_pipeline = in_engine = 0.0
    for prepared in batched([prepare_text(t) for t in texts], lambda p: len(p.analysis_text),
                            engine.batch_chars, engine.batch_size):
        began = time.perf_counter()
        docs = list(engine.nlp.pipe([p.analysis_text for p in prepared],
                                    batch_size=len(prepared)))
        parsed = time.perf_counter()
        for p, doc in zip(prepared, docs, strict=True):
            engine.result("bench", engine.analyse(p, doc))
        in_pipeline += parsed - began
        in_engine += time.perf_counter() - parsed
    return in_pipeline, in_engine


def timed(func: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def current_rss_mb() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_table(rows: list[Row]) -> None:
    header = ("run", "essays", "words", "seconds", "words/s", "essays/s")
    cells = [header] + [
        (r.name, f"{r.essays}", f"{r.words}", f"{r.seconds:.2f}",
         f"{r.words / r.seconds:,.0f}", f"{r.essays / r.seconds:.1f}")
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        padded = [v.ljust(w) if i == 0 else v.rjust(w)
                  for i, (v, w) in enumerate(zip(values, widths, strict=True))]
        return "| " + " | ".join(padded) + " |"

    print(line(cells[0]))
    print("|" + "|".join(("-" * (w + 1) + ":") if i else ("-" * (w + 2))
                         for i, w in enumerate(widths)) + "|")
    for row in cells[1:]:
        print(line(row))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rubric = load_rubric(RUBRIC)
    if args.data is not None:
        raw = read_essays(args.data, args.text_column, args.essays)
        origin = f"{args.data} (column {args.text_column!r}, first {args.essays} rows)"
    else:
        raw = generate_essays(args.essays)
        origin = f"{', '.join(SOURCE_GLOBS)} (generated, seed 0, {MIN_WORDS}-{MAX_WORDS} words)"
    texts, dropped = gradable(raw, rubric.max_words)
    if not texts:
        raise SystemExit("no gradable essays to benchmark")
    words = sum(len(t.split()) for t in texts)

    nlp = load_pipeline()
    engine = Engine(rubric, nlp=nlp,
                    **({"batch_size": args.batch_size} if args.batch_size else {}))
    warmup = texts[:WARMUP_ESSAYS]
    run_pipeline(nlp, warmup, args.batch_size)
    run_engine(engine, warmup)

    pipeline_times: list[float] = []
    engine_times: list[float] = []
    errors = 0

    def measure_pipeline() -> None:
        pipeline_times.append(timed(lambda: run_pipeline(nlp, texts, args.batch_size)))

    def measure_engine() -> None:
        nonlocal errors
        counted: list[int] = []
        engine_times.append(timed(lambda: counted.append(run_engine(engine, texts))))
        errors = counted[0]

    for attempt in range(args.repeat):
        order = (measure_pipeline, measure_engine) if attempt % 2 == 0 else (
            measure_engine, measure_pipeline)
        for measure in order:
            measure()

    pipeline_time, engine_time = min(pipeline_times), min(engine_times)
    splits = [interleaved_split(engine, texts) for _ in range(args.repeat)]
    split_pipeline, split_engine = min(splits, key=lambda s: s[1] / s[0])
    peak_mb = peak_rss_mb()
    rss_mb = current_rss_mb()
    rows = [
        Row("spaCy pipeline only", len(texts), words, pipeline_time),
        Row("engine (grade_many)", len(texts), words, engine_time),
    ]

    print("Grader throughput benchmark")
    print(f"python {platform.python_version()}, spaCy {spacy.__version__}")
    print(f"pipeline: {pipeline_version(nlp)}; components: {', '.join(nlp.pipe_names)}")
    print(f"essays: {len(texts)} from {origin}"
          + (f"; {dropped} not gradable, skipped" if dropped else ""))
    print(f"total words: {words:,}; batches: at most {engine.batch_size} essays within "
          f"{engine.batch_chars:,} characters; repeat: {args.repeat} "
          f"(best run kept)")
    if errors:
        print(f"engine outcomes with errors: {errors}")
    print()
    print_table(rows)
    print()
    overhead = (engine_time / pipeline_time - 1) * 100
    print(f"engine overhead over pipeline, separate runs: {overhead:+.1f}% (noisy on a shared "
          "machine)")
    interleaved = split_engine / split_pipeline * 100
    print(f"engine overhead over pipeline, interleaved per batch: {interleaved:+.1f}% "
          f"({split_engine:.2f} s engine vs {split_pipeline:.2f} s pipeline; "
          f"target <= {OVERHEAD_TARGET_PCT:.0f}%): {verdict(interleaved <= OVERHEAD_TARGET_PCT)}")
    engine_rate = words / engine_time
    print(f"engine: {engine_rate:,.0f} words/s (target >= {ENGINE_TARGET_WORDS_PER_SECOND:,}): "
          f"{verdict(engine_rate >= ENGINE_TARGET_WORDS_PER_SECOND)}")
    print(f"peak memory (ru_maxrss): {peak_mb:.0f} MB "
          f"(target < {MEMORY_TARGET_MB:.0f} MB): {verdict(peak_mb < MEMORY_TARGET_MB)}")
    print("current memory (VmRSS): "
          + (f"{rss_mb:.0f} MB" if rss_mb is not None else "unavailable"))

    if args.with_ner:
        ner = load_pipeline(with_ner=True)
        run_pipeline(ner, warmup, args.batch_size)
        ner_time = min(timed(lambda: run_pipeline(ner, texts, args.batch_size))
                       for _ in range(args.repeat))
        print()
        print(f"with NER (loaded after the memory measurement): {', '.join(ner.pipe_names)}")
        ner_row = Row("pipeline + NER (not used by the engine)", len(texts), words, ner_time)
        print_table([*rows, ner_row])
    if args.pipelines:
        print()
        print("pipeline variants (loaded after the memory measurement), words/s, batches of a "
              "fixed number of essays:")
        pipeline_table(texts, words, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
