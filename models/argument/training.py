"""Rebuild the argument model from the annotated corpus, with its cross-validated agreement.

    .venv/bin/python -m models.argument.training --aaec ../shared/data/aaec \\
        [--out models/argument/argument-model.json]

Reads aaec-train.jsonl (Argument Annotated Essays v2, Stab & Gurevych 2017; research use under
the UKP Lab licence, see README), labels each sentence with the components it overlaps,
fits one L2 logistic regression per role over the named features (models/argument/features.py),
reports 5-fold cross-validated sentence-level F1 after decoding (grouped by essay), and writes
the weights as JSON. The dev file is never read here: bench/argument.py measures on it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from models.argument.corpus import AnnotatedEssay, SentenceGold, read_corpus, sentence_gold
from models.argument.decode import decode
from models.argument.features import Section, SentenceFeatures, sections, sentence_features
from models.argument.model import LABELS, MODEL_FILE, ArgumentModel, LinearRole

C_BY_LABEL = {"thesis": 0.3, "claim": 0.3, "support": 0.3, "against": 0.3}
MIN_WEIGHT = 1e-3  # weights smaller than this barely move a probability: not stored
MIN_ESSAYS_WITH_WORD = 3  # a word or opening seen in fewer essays is noise, not a cue
EVALUATED = ("thesis", "claim", "support")


@dataclass
class Parsed:
    """One annotated essay as the model sees it."""

    essay_id: str
    sentences: list[int]
    parts: list[Section]
    features: SentenceFeatures
    gold: list[SentenceGold]
    doc: object  # the EssayDoc

    @cached_property
    def rows(self) -> list[dict[str, float]]:
        """The features by name, as the regressions are fitted on them."""
        return self.features.rows()


def parse_corpus(essays: Sequence[AnnotatedEssay]) -> list[Parsed]:
    """Features and gold labels per sentence, each essay read against its topic line."""
    from models.document import build_essay
    from models.features.topic import build_topic
    from models.pipeline import load_pipeline
    from models.question import Question
    from models.text import prepare_text

    nlp = load_pipeline()
    out = []
    prepared = [prepare_text(e.text, e.id) for e in essays]
    for annotated, text, doc in zip(essays, prepared, nlp.pipe(
            (p.analysis_text for p in prepared), batch_size=16), strict=True):
        essay = build_essay(text, doc)
        topic = build_topic(Question.build(annotated.topic) if annotated.topic else None, nlp)
        out.append(Parsed(annotated.id, [s.index for s in essay.sentences], sections(essay),
                          sentence_features(essay, topic), sentence_gold(essay, annotated),
                          essay))
    return out


def _labels(parsed: Sequence[Parsed], label: str) -> list[bool]:
    if label == "against":
        return [("counterclaim" in g.roles) for p in parsed for g in p.gold
                if "claim" in g.roles]
    return [label in g.roles for p in parsed for g in p.gold]


def _rows(parsed: Sequence[Parsed], label: str) -> list[dict[str, float]]:
    if label == "against":  # read on claims only
        return [r for p in parsed for r, g in zip(p.rows, p.gold, strict=True)
                if "claim" in g.roles]
    return [r for p in parsed for r in p.rows]


def _common(parsed: Sequence[Parsed]) -> set[str]:
    """Lexical features (words, openings) that enough essays use to be learnt from."""
    essays_with: dict[str, int] = {}
    for essay in parsed:
        for name in {n for row in essay.rows for n in row if n.startswith(("lemma=", "opens="))}:
            essays_with[name] = essays_with.get(name, 0) + 1
    return {n for n, count in essays_with.items() if count >= MIN_ESSAYS_WITH_WORD}


def fit(parsed: Sequence[Parsed], about: dict | None = None) -> ArgumentModel:
    """One logistic regression per label on these essays."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    common = _common(parsed)
    roles = {}
    for label in LABELS:
        vectorizer = DictVectorizer()
        x = vectorizer.fit_transform(
            {n: v for n, v in row.items() if n in common or not n.startswith(("lemma=", "opens="))}
            for row in _rows(parsed, label))
        y = np.array(_labels(parsed, label))
        regression = LogisticRegression(C=C_BY_LABEL[label], max_iter=5000).fit(x, y)
        weights = {name: float(w) for name, w in zip(vectorizer.feature_names_,
                                                     regression.coef_[0], strict=True)
                   if abs(w) >= MIN_WEIGHT}
        roles[label] = LinearRole(float(regression.intercept_[0]), weights)
    return ArgumentModel(roles, about or {})


def predicted(model: ArgumentModel, parsed: Parsed) -> dict[str, set[int]]:
    """The sentence positions the decoded argument gives each evaluated role."""
    argument = decode(parsed.doc, parsed.parts, model.probabilities(parsed.features))
    position = {index: k for k, index in enumerate(parsed.sentences)}
    out: dict[str, set[int]] = {label: set() for label in EVALUATED}
    for index, role in argument.roles.items():
        name = {"counterclaim": "claim", "rebuttal": "claim"}.get(role.role, role.role)
        if name in out:
            out[name].add(position[index])
    return out


def scores(model: ArgumentModel, parsed: Sequence[Parsed]) -> dict[str, dict[str, float]]:
    """Sentence-level precision, recall and F1 per role over these essays."""
    counts = {label: [0, 0, 0] for label in EVALUATED}  # true pos, false pos, false neg
    for essay in parsed:
        found = predicted(model, essay)
        for label in EVALUATED:
            gold = {k for k, g in enumerate(essay.gold) if label in g.roles}
            counts[label][0] += len(found[label] & gold)
            counts[label][1] += len(found[label] - gold)
            counts[label][2] += len(gold - found[label])
    return {label: prf(*counts[label]) for label in EVALUATED}


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def cross_validated(parsed: Sequence[Parsed], folds: int = 5) -> dict[str, dict[str, float]]:
    """Scores of models fitted without each fold's essays, pooled over the folds."""
    counts = {label: [0, 0, 0] for label in EVALUATED}
    for fold in range(folds):
        train = [p for i, p in enumerate(parsed) if i % folds != fold]
        test = [p for i, p in enumerate(parsed) if i % folds == fold]
        model = fit(train)
        for essay in test:
            found = predicted(model, essay)
            for label in EVALUATED:
                gold = {k for k, g in enumerate(essay.gold) if label in g.roles}
                counts[label][0] += len(found[label] & gold)
                counts[label][1] += len(found[label] - gold)
                counts[label][2] += len(gold - found[label])
    return {label: prf(*counts[label]) for label in EVALUATED}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aaec", type=Path, required=True, help="the corpus folder")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    from models.calibration.versions import library_versions

    essays = read_corpus(args.aaec / "aaec-train.jsonl")
    parsed = parse_corpus(essays)
    cv = cross_validated(parsed)
    about = {"data": "Argument Annotated Essays v2 (Stab & Gurevych 2017), aaec-train.jsonl, "
                     f"{len(essays)} essays; UKP Lab licence, research use",
             "rebuilt_by": "python -m models.argument.training --aaec PATH",
             "cross_validated_f1": {k: v["f1"] for k, v in cv.items()},
             "versions": library_versions()}
    model = fit(parsed, about)
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    for label, s in cv.items():
        print(f"{label}: cross-validated precision {s['precision']:.3f} recall "
              f"{s['recall']:.3f} F1 {s['f1']:.3f}")
    print(f"model written to {args.out} ({sum(len(r.weights) for r in model.roles.values())} "
          f"weights)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
