"""Argument benchmark: the engine's thesis, claims and support against people's annotation.

Run by hand (the corpus never enters the repository):

    .venv/bin/python bench/argument.py --aaec ../shared/data/aaec

On Argument Annotated Essays v2 (Stab & Gurevych 2017; see README for its terms) it prints
sentence-level precision, recall and F1 for the thesis (major claims, in the introduction and
restated in the conclusion), claims and support (premises), on the dev essays with the shipped
model (models/argument/argument-model.json) and cross-validated (5 folds, by essay) on the train
essays, each beside a positional baseline: thesis = the last sentence of the introduction;
claim = the first sentence of each body paragraph; support = the other body sentences. A
sentence matches a component when at least half of either overlaps the other. Also: how often a
support is linked to the sentence its premise supports, counterclaims, and the time the
argument adds per essay.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.argument.corpus import gold_targets, read_corpus  # noqa: E402
from models.argument.decode import decode  # noqa: E402
from models.argument.model import load_model  # noqa: E402
from models.argument.training import (  # noqa: E402
    EVALUATED,
    Parsed,
    cross_validated,
    parse_corpus,
    predicted,
    prf,
)

TARGETS = {"thesis": 0.85, "claim": 0.70, "support": 0.90}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aaec", type=Path, required=True, help="the corpus folder")
    return parser.parse_args(argv)


def baseline(parsed: Parsed) -> dict[str, set[int]]:
    """Roles by position alone."""
    position = {index: k for k, index in enumerate(parsed.sentences)}
    out: dict[str, set[int]] = {label: set() for label in EVALUATED}
    for part in parsed.parts:
        ids = [position[i] for i in part.sentences]
        if part.place == "intro":
            out["thesis"].add(ids[-1])
        elif part.place == "body":
            out["claim"].add(ids[0])
            out["support"].update(ids[1:])
    return out


def pooled(parsed: Sequence[Parsed], predict) -> dict[str, dict[str, float]]:
    counts = {label: [0, 0, 0] for label in EVALUATED}
    for essay in parsed:
        found = predict(essay)
        for label in EVALUATED:
            gold = {k for k, g in enumerate(essay.gold) if label in g.roles}
            counts[label][0] += len(found[label] & gold)
            counts[label][1] += len(found[label] - gold)
            counts[label][2] += len(gold - found[label])
    return {label: prf(*counts[label]) for label in EVALUATED}


def links_and_counterclaims(parsed: Sequence[Parsed], annotated) -> tuple[float, int, dict]:
    """(share of gold premises predicted as support whose link is right, how many, and the
    counterclaim scores)."""
    model = load_model()
    right = total = 0
    counts = [0, 0, 0]
    for essay, source in zip(parsed, annotated, strict=True):
        argument = decode(essay.doc, essay.parts, model.probabilities(essay.features))
        index = essay.sentences
        for position, targets in gold_targets(essay.gold, source):
            role = argument.roles.get(index[position])
            if role is None or role.role != "support" or role.backs is None:
                continue
            total += 1
            right += index.index(role.backs) in targets
        found = {index.index(i) for i in argument.sentences("counterclaim")}
        gold = {k for k, g in enumerate(essay.gold) if "counterclaim" in g.roles}
        counts[0] += len(found & gold)
        counts[1] += len(found - gold)
        counts[2] += len(gold - found)
    return (right / total if total else 0.0), total, prf(*counts)


def timing(parsed: Sequence[Parsed]) -> tuple[float, float]:
    """Milliseconds per essay: the argument (features, model, decoding), and the pipeline."""
    from models.argument import find_argument
    from models.features.topic import build_topic
    from models.pipeline import load_pipeline

    nlp = load_pipeline()
    topic = build_topic(None, nlp)
    started = time.perf_counter()
    for essay in parsed:
        find_argument(essay.doc, topic)
    argument_ms = (time.perf_counter() - started) * 1000 / len(parsed)
    texts = [essay.doc.text for essay in parsed]
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=16):
        pass
    pipeline_ms = (time.perf_counter() - started) * 1000 / len(parsed)
    return argument_ms, pipeline_ms


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    train_essays = read_corpus(args.aaec / "aaec-train.jsonl")
    dev_essays = read_corpus(args.aaec / "aaec-dev.jsonl")
    train, dev = parse_corpus(train_essays), parse_corpus(dev_essays)
    model = load_model()
    rows = [("dev", pooled(dev, lambda e: predicted(model, e)), pooled(dev, baseline)),
            ("train, 5-fold", cross_validated(train), pooled(train, baseline))]
    print(f"Sentence-level agreement with the annotation ({len(dev)} dev essays, "
          f"{sum(len(e.sentences) for e in dev)} sentences; {len(train)} train essays)\n")
    print("| role | essays | model P | model R | model F1 | baseline P | baseline R | "
          "baseline F1 | target F1 | met |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for split, ours, base in rows:
        for label in EVALUATED:
            o, b = ours[label], base[label]
            met = o["f1"] >= TARGETS[label] and o["f1"] > b["f1"]
            print(f"| {label} | {split} | {o['precision']:.3f} | {o['recall']:.3f} | "
                  f"{o['f1']:.3f} | {b['precision']:.3f} | {b['recall']:.3f} | {b['f1']:.3f} | "
                  f">= {TARGETS[label]:.2f} | {'yes' if met else 'NO'} |")
    linked, total, counter = links_and_counterclaims(dev, dev_essays)
    print(f"\nLinks (dev): {linked:.1%} of {total} premises found as support are linked to the "
          f"sentence holding what they support.")
    print(f"Counterclaims (dev): precision {counter['precision']:.3f}, recall "
          f"{counter['recall']:.3f}, F1 {counter['f1']:.3f}.")
    argument_ms, pipeline_ms = timing(dev)
    print(f"Time per essay (dev): the argument {argument_ms:.1f} ms, the spaCy pipeline "
          f"{pipeline_ms:.1f} ms ({argument_ms / pipeline_ms:.1%} of it).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
