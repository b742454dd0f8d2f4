"""Gaming benchmark on real essays: does a trick ever raise a score?

Run by hand (it is not a test; the data never enters the repository):

    .venv/bin/python bench/gaming.py --asap ../shared/data/asap/asap-dev.csv [--essays 200]

Takes ``--essays`` real essays from ASAP sets 1 and 2 (half each) and applies five tricks:

* pad: append copies of the essay's own sentences until it is twice as long;
* stuff: insert a list of the prompt's key terms between sentences ten times;
* shuffle: shuffle the sentence order (paragraph sizes kept);
* salad: word salad made from the essay's own words;
* off-topic: swap in an essay written for the other prompt;
* append: add the paragraphs of an essay written for the other prompt after the essay's own.

Essays are graded against their set's prompt as the question, with the prompt's most frequent
content words as the teacher's key terms (the ones stuffing uses). For the default model (the
engine's levels) and for a model calibrated on the rest of the set's essays (holistic score), it
prints how often each score went up (targets: 0% for pad and stuff),
how often structure went down for shuffle (target >= 90%; the level, and the continuous
structure score under it, since most one-block essays already sit at the lowest level), how
often word salad got the lowest level (target 100%), how often the trick raised a new flag
for a teacher (off-topic target: >= 95%), how often an essay on the other question scored above
the genuine one it replaced (off-topic "overall up", target 0%), and how often appending
another question's paragraphs raised the overall (target <= 5%).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from models.prior.corpus import corpus_rubric, read_asap  # noqa: E402

TRICKS = ("pad", "stuff", "shuffle", "salad", "off-topic", "append")
CAPPING = {"word_salad", "gibberish", "off_topic"}  # the flags that cap a calibrated score
STOP = set("""a an the and or but if of to in on for with at by from as is are was were be been
being this that these those it its they them their you your we our i me my he she his her not no
do does did have has had will would can could should may might more most some any all about into
than then so such what which who whom when where why how also very just there here other others
people""".split())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asap", type=Path, required=True)
    parser.add_argument("--essays", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]


def key_terms(prompt: str, count: int = 5) -> list[str]:
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", prompt)]
    common = Counter(w for w in words if w not in STOP and len(w) > 3)
    return [w for w, _ in common.most_common(count)]


def pad(text: str, rng: random.Random) -> str:
    own, added, target = sentences(text), [], len(text.split())
    while own and sum(len(s.split()) for s in added) < target:
        added.append(own[len(added) % len(own)])
    return text + "\n\n" + " ".join(added)


def stuff(text: str, terms: list[str], rng: random.Random) -> str:
    """The essay with a bare list of the key terms put between its sentences ten times; the
    student's own text, line breaks included, is left as it was, so only the trick differs."""
    text = text.strip()
    cuts = [0, *(m.end() for m in re.finditer(r"(?<=[.!?])\s+", text)), len(text)]
    line = ", ".join(terms).capitalize() + "."
    inserts = Counter(cuts[rng.randint(0, len(cuts) - 1)] for _ in range(10))
    out, at = [], 0
    for cut in sorted(inserts):
        out.append(text[at:cut])
        lines = " ".join([line] * inserts[cut])
        out.append(f" {lines}" if cut == len(text) else f"{lines} ")
        at = cut
    out.append(text[at:])
    return "".join(out)


def shuffle(text: str, rng: random.Random) -> str:
    paragraphs = [sentences(p) for p in text.split("\n\n") if p.strip()]
    flat = [s for p in paragraphs for s in p]
    rng.shuffle(flat)
    out, at = [], 0
    for p in paragraphs:
        out.append(" ".join(flat[at:at + len(p)]))
        at += len(p)
    return "\n\n".join(out)


def salad(text: str, rng: random.Random) -> str:
    words = text.split()
    rng.shuffle(words)
    return " ".join(words)


def analyse(engine, texts, question):
    from models.calibration.features import essay_features
    from models.engine import EssayInput

    out = []
    for _s, analysis, error in engine.analyse_many(EssayInput(str(i), t, question)
                                                   for i, t in enumerate(texts)):
        if analysis is None:
            out.append((None, None, error))
            continue
        result = engine.result("gaming", analysis)
        out.append((essay_features(analysis), {**result.levels, "overall": result.overall_level,
                                               "flags": set(result.flag_codes),
                                               "structure_score": result.criterion(
                                                   "structure").score}, None))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    from models.calibration.model import calibrate
    from models.engine import Engine
    from models.pipeline import load_pipeline
    from models.question import Question

    args = parse_args(argv)
    rng = random.Random(args.seed)
    sets = read_asap(args.asap, 0)
    engine = Engine(corpus_rubric(), nlp=load_pipeline())
    criteria = [c.id for c in engine.rubric.criteria]
    counts: dict[tuple[str, str], Counter] = {}
    totals: Counter = Counter()
    for n, other in ((1, 2), (2, 1)):
        essays = [e for e in sets[n] if e.scores["domain1_score"] is not None]
        rng.shuffle(essays)
        tested, rest = essays[:args.essays // 2], essays[args.essays // 2:]
        terms = key_terms(tested[0].prompt)
        question = Question.build(tested[0].prompt, key_terms=terms)
        print(f"set {n}: key terms {terms}; calibrating on {len(rest)} essays ...", flush=True)
        rest_rows = [f for f, _, _ in analyse(engine, [e.text for e in rest], question)]
        model = calibrate(engine, rest_rows, {"overall": (
            "domain1_score", [e.scores["domain1_score"] for e in rest])}, question=question)
        strangers = [e.text for e in sets[other]]
        variants = {"original": [e.text for e in tested],
                    "pad": [pad(e.text, rng) for e in tested],
                    "stuff": [stuff(e.text, terms, rng) for e in tested],
                    "shuffle": [shuffle(e.text, rng) for e in tested],
                    "salad": [salad(e.text, rng) for e in tested],
                    "off-topic": [rng.choice(strangers) for _ in tested],
                    "append": [e.text.rstrip() + "\n\n" + rng.choice(strangers).strip()
                               for e in tested]}
        graded = {name: analyse(engine, texts, question) for name, texts in variants.items()}
        calibrated = {name: model.predict([f for f, _, _ in rows]) ["overall"]
                      if all(f is not None for f, _, _ in rows) else None
                      for name, rows in graded.items()}
        calibrated_flags = {name: model.flags([f for f, _, _ in rows])
                            if all(f is not None for f, _, _ in rows) else None
                            for name, rows in graded.items()}
        if calibrated_flags["original"] is not None:
            totals["genuine"] += len(tested)
            totals["genuine off-topic"] += sum("off_topic" in f
                                               for f in calibrated_flags["original"])
        lowest = model.targets["overall"].estimator.scale_.minimum
        for trick in TRICKS:
            for i, ((_, before, _), (_, after, _)) in enumerate(zip(
                    graded["original"], graded[trick], strict=True)):
                if before is None or after is None:
                    continue
                totals[trick] += 1
                c = counts.setdefault((trick, "default"), Counter())
                for criterion in (*criteria, "overall"):
                    c[f"up {criterion}"] += after[criterion] > before[criterion]
                c["structure down"] += after["structure"] < before["structure"]
                c["structure score down"] += after["structure_score"] < before["structure_score"]
                c["lowest"] += all(after[k] == 1 for k in (*criteria, "overall"))
                c["flagged"] += bool(after["flags"] - before["flags"])  # a new flag for a teacher
                if calibrated[trick] is not None:
                    k = counts.setdefault((trick, "calibrated"), Counter())
                    k["up overall"] += calibrated[trick][i] > calibrated["original"][i]
                    k["lowest"] += calibrated[trick][i] == lowest
                    # A calibrated model caps the score only when a flag holds against the
                    # class's own essays; the teacher sees the engine's flags either way (the
                    # service shows them on every result, calibrated or not).
                    capped = bool((calibrated_flags[trick][i] - calibrated_flags["original"][i])
                                  & CAPPING)
                    k["capped"] += capped
                    k["flagged"] += capped or bool(after["flags"] - before["flags"])
    print()
    print("| trick | model | n | thesis up | evidence up | structure up | language up | "
          "overall up | structure down | structure score down | lowest level | flagged | "
          "capped by calibration |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (trick, model_name), c in counts.items():
        n = totals[trick]

        def pct(key: str, c=c, n=n, model_name=model_name) -> str:
            return f"{c[key] / n:.1%}" if key in c or model_name == "default" else "n/a"

        print(f"| {trick} | {model_name} | {n} | " + " | ".join(
            pct(f"up {k}") for k in (*criteria, "overall")) + f" | {pct('structure down')} | "
            f"{pct('structure score down')} | {pct('lowest')} | {pct('flagged')} | "
            f"{pct('capped') if model_name == 'calibrated' else 'n/a'} |")
    print(f"\ngenuine essays the calibrated model flags as off topic: "
          f"{totals['genuine off-topic'] / max(1, totals['genuine']):.1%} (target <= 2%)")
    print("\ntargets: pad and stuff never up (0%); shuffle structure down >= 90%, thesis never "
          "up; salad lowest 100%; off-topic flagged >= 95%, never above the genuine essay "
          "(overall up 0%); append overall up <= 5%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
