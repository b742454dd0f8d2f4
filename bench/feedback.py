"""Feedback benchmark: how often each kind of comment fires, and how often it is right.

Run by hand (the corpora never enter the repository):

    .venv/bin/python bench/feedback.py --aaec ../shared/data/aaec \\
        --asap ../shared/data/asap/asap-dev.csv --ellipse ../shared/data/ellipse/ellipse-dev.csv \\
        [--essays 300] [--write]

Every essay is graded against its own question. For each feedback code it prints how often it
fires per 100 essays on each corpus, and its precision wherever something can judge it:

* comments about the argument (thesis, conclusion, topic sentences, unsupported claims) against
  the people's annotation of Argument Annotated Essays v2, each essay read by an argument model
  that never saw it (the dev essays by the shipped model, the train essays in five folds);
* comments that state a fact about the text (a term never used, a sentence's length, how many
  sentences open with a word, a lowercase start, paragraphs) against the raw text, read without
  the engine's tokenizer or sentence splitter;
* spelling against unit cases of real misspellings and of British and American spellings;
  off topic against essays swapped between ASAP's first two prompts.

Codes nothing can judge yet are listed as not measured. With --write the measurements go to
models/feedback/precision.json, which decides what students see: a code measured at 0.8 or
more over at least 20 comments; the rest reach teachers only, marked "check". Detectors behind
the comments (figures, dates, fragments, word counts) are measured against unit cases too.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from models.feedback.precision import (  # noqa: E402
    MIN_CASES,
    PRECISION_FILE,
    STUDENT_PRECISION,
)

SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s*$")


@dataclass
class Graded:
    corpus: str
    text: str
    result: object  # GradeResult
    gold: list | None = None  # per sentence index: SentenceGold (AAEC only)
    unsupported_claims: set[int] = field(default_factory=set)  # AAEC: claims nothing supports


@dataclass
class Tally:
    fired: Counter = field(default_factory=Counter)  # corpus -> comments
    right: int = 0
    judged: int = 0
    how: str = ""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aaec", type=Path, required=True)
    parser.add_argument("--asap", type=Path, required=True)
    parser.add_argument("--ellipse", type=Path, required=True)
    parser.add_argument("--essays", type=int, default=300, help="per ASAP and ELLIPSE")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="write precision.json")
    return parser.parse_args(argv)


# --- the corpora, each essay graded against its own question --------------------------------

FOLDS = 5


def grade_aaec(engine, folder: Path) -> list[Graded]:
    """The annotated essays, each graded by an argument model that never saw it: the dev
    essays by the shipped model, each fifth of the train essays by one fitted on the rest (as
    bench/argument.py cross-validates)."""
    from models.argument.corpus import read_corpus
    from models.argument.training import fit, parse_corpus

    train = read_corpus(folder / "aaec-train.jsonl")
    parsed = parse_corpus(train)
    out = _grade_annotated(engine, read_corpus(folder / "aaec-dev.jsonl"))
    for fold in range(FOLDS):
        engine.argument_model = fit([p for i, p in enumerate(parsed) if i % FOLDS != fold])
        out += _grade_annotated(engine, [e for i, e in enumerate(train) if i % FOLDS == fold])
    engine.argument_model = None
    return out


def _grade_annotated(engine, essays) -> list[Graded]:
    from models.argument.corpus import sentence_gold
    from models.engine import EssayInput
    from models.question import Question

    out = []
    inputs = [EssayInput(e.id, e.text, Question.build(e.topic)) for e in essays]
    for annotated, (_s, analysis, _error) in zip(essays, engine.analyse_many(inputs),
                                                 strict=True):
        if analysis is None:
            continue
        gold = sentence_gold(analysis.essay, annotated)
        supported = {c.target for c in annotated.components if c.target is not None}
        unsupported = {k for k, g in enumerate(gold)
                       if g.roles & {"claim", "thesis"} and not any(
                           c in supported for c in g.components
                           if annotated.components[c].role in {"claim", "thesis"})}
        out.append(Graded("aaec", annotated.text, engine.result(annotated.id, analysis),
                          gold, unsupported))
    return out


def grade_rows(engine, corpus: str, rows: list[tuple[str, str]]) -> list[Graded]:
    from models.engine import EssayInput
    from models.question import Question

    inputs = [EssayInput(str(i), text, Question.build(prompt))
              for i, (text, prompt) in enumerate(rows)]
    return [Graded(corpus, text, outcome.result)
            for (text, _), outcome in zip(rows, engine.grade_many(inputs), strict=True)
            if outcome.result is not None]


def asap_rows(path: Path, count: int, rng: random.Random) -> list[tuple[str, str]]:
    from models.prior.corpus import read_asap

    sets = read_asap(path, 0)
    per_set = max(1, count // len(sets))
    rows = []
    for essays in sets.values():
        rows += [(e.text, e.prompt) for e in rng.sample(essays, min(per_set, len(essays)))]
    return rows


def ellipse_rows(path: Path, count: int, rng: random.Random) -> list[tuple[str, str]]:
    csv.field_size_limit(10**8)
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        rows = [(r["full_text"], r["prompt"]) for r in csv.DictReader(handle)]
    return rng.sample(rows, min(count, len(rows)))


# --- verdicts: is this comment right? ------------------------------------------------------------

def _gold_roles(graded: Graded, index: int) -> frozenset[str]:
    return graded.gold[index].roles if graded.gold and index < len(graded.gold) else frozenset()


def _paragraph_of(graded: Graded, index: int) -> int:
    return next(s.paragraph for s in graded.result.sentences if s.index == index)


def _paragraph_sentences(graded: Graded, paragraph: int) -> list[int]:
    return [s.index for s in graded.result.sentences if s.paragraph == paragraph]


def _intro_has_thesis(graded: Graded) -> bool:
    return any("thesis" in _gold_roles(graded, i) for i in _paragraph_sentences(graded, 0))


def _last_paragraph(graded: Graded) -> list[int]:
    return _paragraph_sentences(graded, max(s.paragraph for s in graded.result.sentences))


def _first(item) -> int:
    return item.sentences[0].index


ARGUMENT_HOW = "people's annotation of arguments (AAEC)"
TEXT_HOW = "the raw text"


def v_thesis_strong(g: Graded, item) -> bool | None:
    return "thesis" in _gold_roles(g, _first(item)) if g.gold else None


def v_thesis_vague(g: Graded, item) -> bool | None:
    """Right when the sentence is the annotated thesis and, by its raw text, it does what the
    comment says: names few specifics (at most one capitalised name, no number), or does not
    say how far or why (no word of degree or cause)."""
    if not g.gold or "thesis" not in _gold_roles(g, _first(item)):
        return False if g.gold else None
    ref = item.sentences[0]
    text = g.text[ref.start:ref.end]
    right = True
    if "names few specific" in item.message:
        names = re.findall(r"(?<!^)\b(?!I\b)[A-Z][a-z]+", text.strip())
        right &= len(names) <= 1 and not re.search(r"\d", text)
    if "how far or why" in item.message:
        right &= not re.search(r"\b(because|since|as a result|so that|mainly|largely|partly|"
                               r"chiefly|mostly|to some extent|to a large extent|more than|"
                               r"rather than|due to)\b", text.lower())
    return right


def v_thesis_missing(g: Graded, item) -> bool | None:
    return not _intro_has_thesis(g) if g.gold else None


def v_thesis_late(g: Graded, item) -> bool | None:
    if not g.gold:
        return None
    return "thesis" in _gold_roles(g, _first(item)) and not _intro_has_thesis(g)


def v_conclusion_returns(g: Graded, item) -> bool | None:
    if not g.gold:
        return None
    return any("thesis" in _gold_roles(g, i) for i in _last_paragraph(g))


def v_conclusion_drifts(g: Graded, item) -> bool | None:
    result = v_conclusion_returns(g, item)
    return None if result is None else not result


def v_no_conclusion(g: Graded, item) -> bool | None:
    if not g.gold:
        return None
    return not any(_gold_roles(g, i) & {"thesis", "claim"} for i in _last_paragraph(g))


def v_topic_sentence(g: Graded, item) -> bool | None:
    """Right when the paragraph's annotated point is not its first sentence."""
    if not g.gold:
        return None
    ids = _paragraph_sentences(g, _paragraph_of(g, _first(item)))
    points = [i for i in ids if "claim" in _gold_roles(g, i)]
    return bool(points) and points[0] != ids[0]


def _paragraph_text(g: Graded, index: int) -> str:
    ids = _paragraph_sentences(g, _paragraph_of(g, index))
    spans = [s for s in g.result.sentences if s.index in ids]
    return g.text[spans[0].start:spans[-1].end]


def v_unsupported(g: Graded, item) -> bool | None:
    """Right when the sentence is an annotated claim and its paragraph holds no evidence by the
    raw text: no digit, no quotation mark, no capitalised name inside a sentence."""
    if not g.gold:
        return None
    index = _first(item)
    if not _gold_roles(g, index) & {"claim", "thesis"}:
        return False
    paragraph = _paragraph_text(g, index)
    names = re.findall(r"(?<![.!?]\s)(?<!^)\b(?!I\b)[A-Z][a-z]+", paragraph)
    return not re.search(r"\d|[\"“”]", paragraph) and not names


def _words(text: str) -> int:
    return len(text.split())


def _quoted_terms(message: str) -> list[str]:
    return re.findall(r"“([^”]+)”", message)


def v_key_terms(g: Graded, item) -> bool | None:
    """Right when none of the named terms occurs in the essay, in any case."""
    terms = _quoted_terms(item.message)
    lowered = g.text.lower()
    return bool(terms) and not any(t.lower() in lowered for t in terms)


def v_long_sentence(g: Graded, item) -> bool | None:
    ref = item.sentences[0]
    count = int(re.search(r"runs to (\d+) words", item.message).group(1))
    text = g.text[ref.start:ref.end]
    # One real sentence (no sentence end inside it) of at least the words said.
    inner = re.search(r"[a-z][.!?][\"”’]?\s+[A-Z]", text)
    return inner is None and _words(text) >= count - 2


def v_capitalisation(g: Graded, item) -> bool | None:
    ref = item.sentences[0]
    before = g.text[:ref.start].rstrip(" \t\"“‘'")
    starts_sentence = not before or before.endswith(("\n", ".", "!", "?"))
    return starts_sentence and g.text[ref.start:ref.end].lstrip("\"“‘'")[:1].islower()


def _openings(text: str) -> list[str]:
    """The first word of each sentence as the writer began it (after . ! ? or a line break)."""
    return [m.group(1).lower() for m in re.finditer(
        r"(?:^|[.!?][\"”’)]*\s+|\n\s*)[\"“‘(]*([A-Za-z]+)", text)]


def v_repetitive_openers(g: Graded, item) -> bool | None:
    marker = re.search(r"begin with “([^”]+)”", item.message).group(1).lower()
    count = int(re.match(r"(\d+)", item.message).group(1))
    contracted = {"im", "ive", "id", "ill"} if marker == "i" else set()  # "Im sure" is "I'm"
    return sum(o == marker or o in contracted for o in _openings(g.text)) >= count


def v_transitions_repeated(g: Graded, item) -> bool | None:
    marker = re.search(r"open with “([^”]+)”", item.message).group(1).lower()
    count = int(re.match(r"(\d+)", item.message).group(1))
    first_words = len(marker.split())
    starts = [m.start(1) for m in re.finditer(
        r"(?:^|[.!?][\"”’)]*\s+|\n\s*)[\"“‘(]*([A-Za-z])", g.text)]
    openings = [" ".join(re.findall(r"[a-z]+", g.text[s:s + 60].lower())[:first_words])
                for s in starts]
    return openings.count(marker) >= count


def v_transitions_good(g: Graded, item) -> bool | None:
    marker = re.search(r"such as “([^”]+)”", item.message).group(1).lower()
    ref = item.sentences[0]
    opening = g.text[ref.start:ref.end].lstrip("\"“‘'").lower()
    return opening.startswith(marker)


def v_single_block(g: Graded, item) -> bool | None:
    return "\n\n" not in g.text.strip() and "\n\t" not in g.text.strip()


def v_unbalanced(g: Graded, item) -> bool | None:
    count = int(re.search(r"has (\d+) words", item.message).group(1))
    ref = item.sentences[0]
    paragraph = next((p for p in re.split(r"\n\s*\n", g.text) if g.text[ref.start:ref.end]
                      in p), "")
    return abs(_words(paragraph) - count) <= max(2, 0.1 * count)


VERDICTS: dict[str, tuple[Callable, str]] = {
    "thesis.strong": (v_thesis_strong, ARGUMENT_HOW),
    "thesis.missing": (v_thesis_missing, ARGUMENT_HOW),
    "thesis.vague": (v_thesis_vague, ARGUMENT_HOW + " and the raw text"),
    "thesis.late": (v_thesis_late, ARGUMENT_HOW),
    "structure.conclusion_returns": (v_conclusion_returns, ARGUMENT_HOW),
    "structure.conclusion_drifts": (v_conclusion_drifts, ARGUMENT_HOW),
    "structure.no_conclusion": (v_no_conclusion, ARGUMENT_HOW),
    "structure.topic_sentence": (v_topic_sentence, ARGUMENT_HOW),
    "evidence.unsupported": (v_unsupported, ARGUMENT_HOW),
    "evidence.key_terms": (v_key_terms, TEXT_HOW),
    "language.long_sentence": (v_long_sentence, TEXT_HOW),
    "language.capitalisation": (v_capitalisation, TEXT_HOW),
    "language.repetitive_openers": (v_repetitive_openers, TEXT_HOW),
    "structure.transitions_repeated": (v_transitions_repeated, TEXT_HOW),
    "structure.transitions_good": (v_transitions_good, TEXT_HOW),
    "structure.single_block": (v_single_block, TEXT_HOW),
    "structure.unbalanced": (v_unbalanced, TEXT_HOW),
}


# --- unit cases ------------------------------------------------------------------------------

MISSPELLED = sorted(set("""recieve definately seperate goverment occured untill wich thier
beleive alot tommorow begining beggining calender commited comittee concious dissapear
embarass enviroment
existance foriegn fourty freind grammer happend harrass independant knowlege libary liason
millenium neccessary noticable occassion persue posession prefered reccomend refered relevent
religous rember resistence sieze succesful supercede suprise truely wierd writting tounge
accomodate acheive arguement basicly beatiful buisness catagory cemetary collegue comming
completly desparate dilema disapoint ecstacy exagerate excercise finaly fluoresent foward
geneology goverment gaurd happyness hierachy humourous immediatly incidently interupt
irrelavent jewelery labratory maintainance manuever mischevious nieghbor occurence
oppurtunity parliment pasttime peice perseverence playwrite posession potatos prefered
privelege realy recomend rythm shedule similiar sincerly speach strenght
temperture threshhold tomatos tyrany unfortunatly vaccuum vegatable wierdly""".split()))
CORRECT = """colour color programme program labour labor defence defense centre center organise
organize realise realize favour favor travelled traveled analyse analyze cheque check honour
honor neighbour neighbor behaviour behavior theatre theater catalogue catalog grey gray
jewellery jewelry licence license practise practice tyre tire aluminium aluminum
modernisation modernization industrialisation industrialization collectivisation
collectivization recognise recognize apologise apologize criticise criticize sceptical
skeptical manoeuvre maneuver enrol enroll fulfil fulfill judgement judgment ageing aging
whilst amongst towards afterwards somewhat nevertheless meanwhile furthermore""".split()


def spelling_cases(engine) -> tuple[int, int, int]:
    """(misspellings flagged, correct words flagged, misspellings) over the unit cases, each
    word in a plain sentence."""
    from models.features.language import extract_language
    from models.text import prepare_text

    flagged_wrong = flagged_right = 0
    for words, wrong in ((MISSPELLED, True), (CORRECT, False)):
        for word in words:
            text = f"The students wrote about the {word} in their essays yesterday."
            prepared = prepare_text(text)
            analysis = engine.analyse(prepared, engine.nlp(prepared.analysis_text))
            language = extract_language(analysis.scored, analysis.topic)
            hit = any(m.word.lower() == word for m in language.misspellings)
            if hit and wrong:
                flagged_wrong += 1
            elif hit:
                flagged_right += 1
    return flagged_wrong, flagged_right, len(MISSPELLED)


FIGURE_CASES = [  # (sentence, the figures it holds)
    ("Unemployment fell from 25 per cent in 1933 to 14 per cent in 1937.", True),
    ("About 13 million people were out of work.", True),
    ("Steel output rose fourfold during the plan.", True),
    ("Two-thirds of the peasants joined collective farms.", True),
    ("The army had 500,000 soldiers.", True),
    ("Second, the war ruined the economy.", False),
    ("She was in the eighth grade when the war began.", False),
    ("The soldiers marched thousands of miles.", False),
    ("Many people lost their homes.", False),
    ("First of all, the king was weak.", False),
    ("Hundreds of banks failed.", False),
    ("The third estate met at Versailles.", False),
]
DATE_CASES = [
    ("The war began in 1914.", True), ("Caesar crossed the Rubicon in 49 BC.", True),
    ("In March 1933 Roosevelt took office.", True), ("By the 1930s cities had grown.", True),
    ("The town employed 1500 men.", False), ("He owned 2000 acres.", False),
    ("The plan had five stages.", False), ("Page 1200 of the report was lost.", False),
]
FRAGMENT_CASES = [  # (sentence, is it a fragment?)
    ("The Stamp Act taxed newspapers, legal documents and playing cards.", False),
    ("The Townshend Acts of 1767 taxed glass, paint, paper and tea.", False),
    ("Parliament repealed the tax in 1766.", False),
    ("The colonists boycotted British goods.", False),
    ("Because of the war.", True), ("The results of the plans.", True),
    ("For example, the famine in Ukraine.", True), ("A great success for the state.", True),
]


def detector_cases(engine) -> list[tuple[str, int, int]]:
    """(detector, cases right, cases) for figures, dates, fragments and word counts."""
    from models.features.evidence import sentence_evidence
    from models.features.language import extract_language
    from models.text import prepare_text

    def analysed(text: str):
        prepared = prepare_text(text)
        return engine.analyse(prepared, engine.nlp(prepared.analysis_text))

    out = []
    for name, cases, kind in (("figures", FIGURE_CASES, "figure"), ("dates", DATE_CASES, "date")):
        right = 0
        for text, expected in cases:
            a = analysed(text)
            sentence = a.scored.sentences[0]
            mark = sentence_evidence(sentence, [], None)
            right += (kind in mark.kinds) == expected
        out.append((name, right, len(cases)))
    right = 0
    for text, expected in FRAGMENT_CASES:
        a = analysed(text + " " + "The rest of the essay explains why this mattered so much.")
        language = extract_language(a.scored, a.topic)
        right += (0 in language.fragments) == expected
    out.append(("fragments", right, len(FRAGMENT_CASES)))
    counts = [("In 1933, 25% of workers had no job.", 8),
              ("The New Deal (1933-1939) was large.", 6),
              ("It cost $4.8 billion in 1935 alone.", 7)]
    right = 0
    for text, expected in counts:
        right += engine.grade(text).words == expected
    out.append(("word counts", right, len(counts)))
    return out


# --- the run -----------------------------------------------------------------------------------

def off_topic_precision(engine, path: Path, rng: random.Random, count: int) -> tuple[int, int]:
    """Off-topic comments on genuine essays and on essays swapped between ASAP's first two
    prompts, half and half: (right, comments)."""
    from models.engine import EssayInput
    from models.prior.corpus import read_asap
    from models.question import Question

    sets = read_asap(path, 0)
    right = total = 0
    for own, other in ((1, 2), (2, 1)):
        question = Question.build(sets[own][0].prompt)
        genuine = rng.sample(sets[own], count // 4)
        swapped = rng.sample(sets[other], count // 4)
        for essays, is_swap in ((genuine, False), (swapped, True)):
            inputs = [EssayInput(str(i), e.text, question) for i, e in enumerate(essays)]
            for outcome in engine.grade_many(inputs):
                if outcome.result is None:
                    continue
                fired = any(i.code == "thesis.off_topic" for i in outcome.result.feedback)
                total += fired
                right += fired and is_swap
    return right, total


def main(argv: Sequence[str] | None = None) -> int:
    from models.engine import Engine
    from models.rubric import load_rubric

    args = parse_args(argv)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    engine = Engine(load_rubric(ROOT / "rubrics" / "history-argument.yaml"))
    graded = {"aaec": grade_aaec(engine, args.aaec),
              "asap": grade_rows(engine, "asap", asap_rows(args.asap, args.essays, rng)),
              "ellipse": grade_rows(engine, "ellipse",
                                    ellipse_rows(args.ellipse, args.essays, rng))}
    tallies: dict[str, Tally] = defaultdict(Tally)
    for corpus, essays in graded.items():
        for g in essays:
            for item in g.result.feedback:
                tally = tallies[item.code]
                tally.fired[corpus] += 1
                verdict, how = VERDICTS.get(item.code, (None, ""))
                if verdict is None:
                    continue
                judged = verdict(g, item)
                if judged is not None:
                    tally.how = how
                    tally.judged += 1
                    tally.right += bool(judged)
    right, wrong, _ = spelling_cases(engine)
    spelling = tallies["language.spelling"]
    spelling.how = (f"unit cases: {len(MISSPELLED)} misspellings, {len(CORRECT)} British and "
                    f"American spellings")
    spelling.right, spelling.judged = right, right + wrong
    off = tallies["thesis.off_topic"]
    off.right, off.judged = off_topic_precision(engine, args.asap, rng, 200)
    # Every essay of the corpora answers its own question: each off-topic comment there is
    # false too.
    genuine = {corpus: sum(any(i.code == "thesis.off_topic" for i in g.result.feedback)
                           for g in essays) for corpus, essays in graded.items()}
    off.judged += sum(genuine.values())
    off.how = ("ASAP 1-2 essays swapped between the prompts and genuine (half each), and every "
               "essay of the three corpora against its own question")

    from models.feedback.wording import default_wording

    # Highlights of the argument, against the annotation: is a sentence marked "claim" one?
    roles: dict[str, list[int]] = {r: [0, 0] for r in ("thesis", "claim", "counterclaim",
                                                         "support")}
    for g in graded["aaec"]:
        for sentence in g.result.sentences:
            gold = _gold_roles(g, sentence.index)
            for role in set(sentence.roles) & set(roles):
                roles[role][1] += 1
                roles[role][0] += role in gold

    counts = {corpus: len(essays) for corpus, essays in graded.items()}
    print("Essays graded: " + ", ".join(f"{c} {n}" for c, n in counts.items()))
    print("\n| code | per 100 AAEC | per 100 ASAP | per 100 ELLIPSE | judged | precision | "
          "measured against | students see it |")
    print("|---|---|---|---|---|---|---|---|")
    measured = {}
    for code in sorted(default_wording()):
        t = tallies[code]
        rates = [f"{100 * t.fired[c] / max(1, counts[c]):.1f}" for c in ("aaec", "asap",
                                                                          "ellipse")]
        precision = t.right / t.judged if t.judged else None
        students = precision is not None and precision >= STUDENT_PRECISION \
            and t.judged >= MIN_CASES
        print(f"| {code} | {' | '.join(rates)} | {t.judged} | "
              f"{'n/a' if precision is None else f'{precision:.2f}'} | "
              f"{t.how or 'not measured'} | {'yes' if students else 'no: check'} |")
        measured[code] = {"precision": None if precision is None else round(precision, 3),
                          "cases": t.judged, "how": t.how or "not measured"}
    print("\nHighlights of the argument against the annotation (AAEC):")
    print("| role | sentences | precision | students see it |")
    print("|---|---|---|---|")
    measured_roles = {}
    for role, (right_roles, total) in roles.items():
        precision = right_roles / total if total else None
        students = precision is not None and precision >= STUDENT_PRECISION \
            and total >= MIN_CASES
        print(f"| {role} | {total} | {'n/a' if precision is None else f'{precision:.2f}'} | "
              f"{'yes' if students else 'no: check'} |")
        measured_roles[role] = {"precision": None if precision is None else round(precision, 3),
                                "cases": total, "how": ARGUMENT_HOW}
    print("\nDetectors against unit cases:")
    print("| detector | right | cases |")
    print("|---|---|---|")
    for name, right_cases, cases in detector_cases(engine):
        print(f"| {name} | {right_cases} | {cases} |")
    generic = Counter()
    for essays in graded.values():
        for g in essays:
            generic[sum(i.code == "language.variety_good" for i in g.result.feedback)] += 1
    print("\nGenuine essays flagged off topic (each against its own question): " + ", ".join(
        f"{corpus} {n} of {counts[corpus]} ({n / max(1, counts[corpus]):.1%})"
        for corpus, n in genuine.items()))
    print(f"\nEssays with more than one generic language tip: "
          f"{sum(n for k, n in generic.items() if k > 1)}")
    print(f"\n{time.perf_counter() - started:.0f} s")
    if args.write:
        PRECISION_FILE.write_text(json.dumps(
            {"threshold": STUDENT_PRECISION, "min_cases": MIN_CASES,
             "written_by": "bench/feedback.py --write", "codes": measured,
             "roles": measured_roles},
            indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"written {PRECISION_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
