"""The human-scored corpora (ASAP with its ASAP++ traits, ELLIPSE) as the prior's training
script and the benchmarks read them, and the engine's features for them, cached.

The data stays outside the repository (``../shared/data``; see the README for origin and
terms). Each essay is read against its own question: an ASAP set's prompt (with the source
text it asks about, for sets 3-6), an ELLIPSE essay's prompt title, as a teacher who gives no
key terms would set it.
"""

from __future__ import annotations

import csv
import hashlib
import multiprocessing
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RUBRIC = ROOT / "rubrics" / "history-argument.yaml"
MIN_WORDS = 25  # short answers (ASAP 3-6) must not all be capped as "too short"
CHUNK = 64  # essays per job sent to a feature process

# Each set's score ranges (ASAP's documentation; ASAP++ for the traits). Set 7's traits are
# the sum of two raters' 0-3, set 8's of two raters' 1-6.
ASAP_HOLISTIC = {1: (2, 12), 2: (1, 6), 3: (0, 3), 4: (0, 3), 5: (0, 4), 6: (0, 4),
                 7: (2, 24), 8: (10, 60)}
ASAP_TRAITS = {1: (1, 6), 2: (1, 6), 3: (0, 3), 4: (0, 3), 5: (0, 4), 6: (0, 4), 7: (0, 6),
               8: (2, 12)}
ASAP_COLUMNS = ("domain1_score", "trait_content", "trait_organization", "trait_word_choice",
                "trait_sentence_fluency", "trait_conventions", "trait_prompt_adherence",
                "trait_language", "trait_narrativity", "trait_ideas", "trait_style",
                "trait_ideas_content", "trait_voice")
ELLIPSE_COLUMNS = ("Overall", "Cohesion", "Syntax", "Vocabulary", "Phraseology", "Grammar",
                   "Conventions")
ELLIPSE_RANGE = (1, 5)


@dataclass
class Essay:
    text: str
    prompt: str  # the question it is graded against
    group: str  # its prompt: "asap 3", or "ellipse: <prompt title>"
    corpus: str  # "asap" or "ellipse"
    scores: dict[str, float | None]
    ranges: dict[str, tuple[float, float]]  # each score column's (lowest, highest)
    raters: tuple[float, float] | None = None  # two human raters, where the data has them
    sources: tuple[str, ...] = ()  # the texts students were given (ASAP 3-6 answer one)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def asap_prompt(prompts: Path, essay_set: int) -> str:
    """The prompt a student of that set answered (the rubric part of the file left out)."""
    text = (prompts / f"set{essay_set}.txt").read_text(encoding="utf-8", errors="replace")
    match = re.search(r"\nPrompt\s*\n(.*?)\n(?:Rubric Guidelines|Rubric|Scoring)", text, re.S)
    return " ".join((match.group(1) if match else text[:1500]).split())


def asap_source(prompts: Path, essay_set: int) -> tuple[str, ...]:
    """The source text a set's students answered about (sets 3-6), as a teacher gives it."""
    text = (prompts / f"set{essay_set}.txt").read_text(encoding="utf-8", errors="replace")
    match = re.search(r"\nSource Essay\s*\n(.*?)\nPrompt\s*\n", text, re.S)
    return (match.group(1).strip(),) if match else ()


def read_asap(path: Path, limit: int = 0) -> dict[int, list[Essay]]:
    """ASAP essays by set (at most ``limit`` per set when given)."""
    csv.field_size_limit(10**8)
    prompts = {n: asap_prompt(path.parent / "prompts", n) for n in ASAP_HOLISTIC}
    sources = {n: asap_source(path.parent / "prompts", n) for n in ASAP_HOLISTIC}
    sets: dict[int, list[Essay]] = {}
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        for row in csv.DictReader(handle):
            n = int(row["essay_set"])
            if limit and len(sets.get(n, [])) >= limit:
                continue
            r1, r2 = _number(row["rater1_domain1"]), _number(row["rater2_domain1"])
            ranges = {c: ASAP_TRAITS[n] for c in ASAP_COLUMNS}
            ranges["domain1_score"] = ASAP_HOLISTIC[n]
            sets.setdefault(n, []).append(Essay(
                row["essay"], prompts[n], f"asap {n}", "asap",
                {c: _number(row.get(c)) for c in ASAP_COLUMNS}, ranges,
                (r1, r2) if r1 is not None and r2 is not None else None, sources[n]))
    return sets


def read_ellipse(path: Path, limit: int = 0) -> list[Essay]:
    csv.field_size_limit(10**8)
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        rows = list(csv.DictReader(handle))
    rows = rows[:limit] if limit else rows
    return [Essay(r["full_text"], r["prompt"], f"ellipse: {r['prompt']}", "ellipse",
                  {c: _number(r.get(c)) for c in ELLIPSE_COLUMNS},
                  dict.fromkeys(ELLIPSE_COLUMNS, ELLIPSE_RANGE)) for r in rows]


def corpus_rubric():
    """The default rubric with a low word minimum (short answers must not all be capped)."""
    from models.rubric import parse_rubric

    data = yaml.safe_load(DEFAULT_RUBRIC.read_text(encoding="utf-8"))
    data["min_words"] = MIN_WORDS
    return parse_rubric(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                        source="corpus", base_dir=DEFAULT_RUBRIC.parent)


# --- features, in worker processes ----------------------------------------------------------

_ENGINE: list = []


def _engine():
    from models.engine import Engine
    from models.pipeline import load_pipeline
    from models.prior.model import QualityPrior

    if not _ENGINE:
        _ENGINE.append(Engine(corpus_rubric(), nlp=load_pipeline(), prior=QualityPrior.empty()))
    return _ENGINE[0]


def _extract(job: tuple[str, tuple[str, ...], list[str]]
             ) -> list[tuple[dict | None, int | None]]:
    """(features, word count) per text, all read against one question (and its sources)."""
    from models.calibration.features import essay_features
    from models.engine import EssayInput
    from models.question import Question

    prompt, sources, texts = job
    question = Question.build(prompt, sources=sources)
    return [(essay_features(a), a.essay.word_count) if a is not None else (None, None)
            for _source, a, _error in _engine().analyse_many(
                EssayInput(str(i), t, question) for i, t in enumerate(texts))]


def cache_key(essays: list[Essay], label: str) -> str:
    """Features change only with the features' version and the pipeline, not the scoring."""
    from models.calibration.features import FEATURES_VERSION
    from models.pipeline import model_name

    fingerprint = (f"{FEATURES_VERSION}/{model_name()}/{label}"
                   + "".join(e.prompt + "".join(e.sources) + e.text[:200] for e in essays))
    return hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:16]


def extract(essays: list[Essay], cache: Path, label: str, processes: int = 2
            ) -> tuple[list[dict | None], list[int | None]]:
    """The engine's features and word count per essay (None where it cannot be analysed),
    computed in ``processes`` processes and cached under ``cache``."""
    path = cache / f"{label.replace(' ', '-')}-{cache_key(essays, label)}.npz"
    if path.exists():
        stored = np.load(path, allow_pickle=True)
        return list(stored["features"]), list(stored["words"])
    by_prompt: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for i, essay in enumerate(essays):
        by_prompt.setdefault((essay.prompt, essay.sources), []).append(i)
    jobs, order = [], []
    for (prompt, sources), indices in by_prompt.items():
        for start in range(0, len(indices), CHUNK):
            chunk = indices[start:start + CHUNK]
            jobs.append((prompt, sources, [essays[i].text for i in chunk]))
            order.append(chunk)
    features: list = [None] * len(essays)
    words: list = [None] * len(essays)
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        for chunk, results in zip(order, pool.imap(_extract, jobs), strict=True):
            for i, (f, w) in zip(chunk, results, strict=True):
                features[i], words[i] = f, w
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, features=np.array(features, dtype=object),
             words=np.array(words, dtype=object))
    return features, words


@dataclass
class Scored:
    """The analysable essays of the corpora, with their features and word counts."""

    essays: list[Essay]
    rows: list[dict]
    words: list[int]

    def where(self, keep) -> Scored:
        return Scored([e for e, k in zip(self.essays, keep, strict=True) if k],
                      [r for r, k in zip(self.rows, keep, strict=True) if k],
                      [w for w, k in zip(self.words, keep, strict=True) if k])


def load_corpora(asap: Path | None, ellipse: Path | None, cache: Path, processes: int = 2,
                 limit: int = 0, log=print) -> Scored:
    """ASAP (by set) and ELLIPSE essays with their features; those the engine cannot analyse
    are left out."""
    labelled: list[tuple[str, list[Essay]]] = []
    if asap is not None:
        labelled += [(f"asap {n}", essays) for n, essays in sorted(read_asap(asap, limit).items())]
    if ellipse is not None:
        labelled.append(("ellipse", read_ellipse(ellipse, limit)))
    out = Scored([], [], [])
    for label, essays in labelled:
        log(f"features: {label}, {len(essays)} essays ...")
        rows, words = extract(essays, cache, label, processes)
        for essay, row, count in zip(essays, rows, words, strict=True):
            if row is not None:
                out.essays.append(essay)
                out.rows.append(row)
                out.words.append(count)
    return out
