"""Finding the thesis: the sentence in the introduction that takes an arguable position."""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.argument import Argument
from models.document import EssayDoc, Sentence
from models.features.lexicon import (
    ANNOUNCEMENT_PHRASES,
    CAUSAL,
    CONCESSION,
    EVALUATIVE,
    STANCE_PHRASES,
    phrase_finder,
)
from models.features.topic import Topic

_STANCE = phrase_finder(STANCE_PHRASES)
_ANNOUNCEMENT = phrase_finder(ANNOUNCEMENT_PHRASES)
THESIS_THRESHOLD = 0.5
SURE_THESIS = 0.5  # the argument model's probability above which a thesis is commented on
_OPENING_QUOTES = ("“", '"', "‘")


@dataclass(frozen=True)
class ThesisCandidate:
    sentence: int
    score: float
    stance: float
    arguable: float
    specific: float
    prompt_link: float
    length_fit: float
    announcement: bool
    question: bool


@dataclass(frozen=True)
class ThesisFeatures:
    thesis: int | None  # sentence index of the thesis, when one clears the threshold
    in_introduction: bool
    best: ThesisCandidate | None  # best candidate in the introduction, thesis or not
    late: ThesisCandidate | None  # a thesis-like sentence outside the introduction
    introduction: tuple[int, ...]
    # How likely people would call it the thesis (the argument model's probability; None
    # without the model): comments about a thesis wait until this is high enough.
    probability: float | None = None
    # The essay's most thesis-like sentence wherever it stands (no bonus for its place), read
    # when no clear thesis is placed in the introduction: an essay is credited with its best
    # claim at the late rate, whatever the order of its sentences, so moving sentences about
    # can raise the thesis only by bringing a clear claim to the opening.
    anywhere: ThesisCandidate | None = None

    @property
    def found(self) -> bool:
        return self.thesis is not None

    @property
    def sure(self) -> bool:
        """Sure enough of which sentence is the thesis to comment on it (measured: the
        thesis is the annotated one 87% of the time above this, 81% above the threshold that
        only finds it; bench/argument.py)."""
        return self.probability is None or self.probability >= SURE_THESIS


def introduction_sentences(essay: EssayDoc, argument: Argument | None = None
                           ) -> list[Sentence]:
    """The first paragraph; in an essay without paragraphs, its opening sentences (as the
    argument reads them, when there is one)."""
    if not essay.sentences:
        return []
    if argument is not None and argument.parts and argument.parts[0].place == "intro":
        return [essay.sentence(i) for i in argument.parts[0].sentences]
    if len(essay.paragraphs) >= 2:
        return essay.paragraph_sentences(essay.paragraphs[0])
    count = max(1, min(3, math.ceil(len(essay.sentences) / 4)))
    return list(essay.sentences[:count])


def score_candidate(sentence: Sentence, topic: Topic, position_bonus: float) -> ThesisCandidate:
    """How much a sentence reads like a thesis, from 0 to 1, with the reasons kept apart."""
    _, stance, arguable, specific, prompt_link, length_fit, announcement, question = \
        _parts(sentence, topic)
    return ThesisCandidate(sentence.index, _score(sentence, topic, position_bonus), stance,
                           arguable, specific, prompt_link, length_fit, announcement, question)


def _parts(sentence: Sentence, topic: Topic
           ) -> tuple[float, float, float, float, float, float, bool, bool]:
    # By the topic's id, as Topic.term_counts: a sentence lives for one analysis, during which
    # its topic is alive, so the id cannot be reused.
    key = ("thesis_candidate", id(topic))
    parts = sentence.memo.get(key)
    if parts is None:  # a sentence of the introduction is scored with and without its place
        parts = sentence.memo[key] = _candidate_parts(sentence, topic)
    return parts


def _score(sentence: Sentence, topic: Topic, position_bonus: float) -> float:
    """``score_candidate``'s score alone."""
    base, _, arguable, _, _, _, announcement, question = _parts(sentence, topic)
    score = base + position_bonus
    if arguable < 1.0:  # a statement of fact, however specific, is not a position
        score *= 0.75
    if announcement:
        score *= 0.5
    if question:
        score *= 0.3
    if sentence.text.startswith(_OPENING_QUOTES) or sentence.truncated:
        score *= 0.5
    return round(min(score, 1.0), 4)


def _candidate_parts(sentence: Sentence, topic: Topic
                     ) -> tuple[float, float, float, float, float, float, bool, bool]:
    """What ``score_candidate`` reads of a sentence, before its place in the essay."""
    lemmas, words, text = sentence.lemmas, sentence.words, sentence.lower_text
    # Evaluative lemmas, and evaluative words whose lemma is another ("worse" for "bad").
    evaluative_lemmas = EVALUATIVE.intersection(lemmas)
    evaluative = len(evaluative_lemmas) + len(EVALUATIVE.intersection(words) - evaluative_lemmas)
    causal = not CAUSAL.isdisjoint(lemmas)
    concession = not CONCESSION.isdisjoint(words)
    stance_phrase = bool(_STANCE.search(text))
    stance = min(1.0, 0.35 * min(evaluative, 2) + 0.25 * causal + 0.25 * concession
                 + 0.3 * stance_phrase)
    arguable = 1.0 if (evaluative or causal or stance_phrase) else (
        0.3 if sentence.has_subordinate_clause else 0.0)
    proper = sentence.n_proper
    terms = len(topic.terms_named(sentence))
    specific = 0.6 * min(1.0, len(sentence.content_lemmas) / 8) + 0.4 * min(1.0, (proper + terms)
                                                                            / 2)
    prompt_link = min(1.0, (len(sentence.content_lemmas & topic.prompt_lemmas) + terms) / 3)
    # Nothing to link to (a question naming no words): the other parts carry its weight.
    link_weight = 0.15 if topic.prompt_lemmas or topic.key_terms else 0.0
    n = sentence.n_words
    length_fit = 1.0 if 12 <= n <= 45 else 0.6 if 8 <= n <= 60 else 0.2
    announcement = bool(_ANNOUNCEMENT.search(text))
    question = sentence.text.rstrip("”\"' ").endswith("?")
    base = (0.35 * stance + 0.2 * arguable + 0.15 * specific + link_weight * prompt_link
            + 0.15 * length_fit) / (0.85 + link_weight)
    return base, stance, arguable, specific, prompt_link, length_fit, announcement, question


def _best_anywhere(essay: EssayDoc, topic: Topic,
                   placed: ThesisCandidate | None = None) -> ThesisCandidate | None:
    """The most thesis-like sentence anywhere in the essay, scored without regard to its
    place; None when a clear thesis is placed well enough that the late rate cannot beat it
    (read only otherwise: it costs a pass over the essay)."""
    from models.criteria.thesis import LATE_PLACEMENT

    if placed is not None and placed.score >= max(THESIS_THRESHOLD, LATE_PLACEMENT):
        return None
    # Only the best is wanted: the others' scores alone are compared.
    best = max(essay.sentences, key=lambda s: (_score(s, topic, 0.0), -s.index), default=None)
    return score_candidate(best, topic, 0.0) if best is not None else None


def extract_thesis(essay: EssayDoc, topic: Topic,
                   argument: Argument | None = None) -> ThesisFeatures:
    """Which sentence is the thesis, and how good a claim it is.

    With the essay's argument (models/argument), the thesis is the sentence it finds: a model
    of where people find theses agrees with them far more often than the best-sounding claim
    does (bench/argument.py). The candidate score still says how clear and arguable it is.
    Without a thesis in the introduction, the thesis restated in the conclusion (or failing
    that the most thesis-like sentence elsewhere) is the essay's late thesis."""
    intro = introduction_sentences(essay, argument)
    intro_ids = tuple(s.index for s in intro)
    candidates = []
    for position, sentence in enumerate(intro):
        # Theses conventionally close the introduction; the opening line sometimes holds one.
        bonus = 0.1 if position == len(intro) - 1 else 0.03 if position == 0 else 0.0
        candidates.append(score_candidate(sentence, topic, bonus))
    best = max(candidates, key=lambda c: (c.score, -c.sentence), default=None)
    if argument is not None and argument.thesis in intro_ids:
        chosen = next(c for c in candidates if c.sentence == argument.thesis)
        return ThesisFeatures(chosen.sentence, True, chosen, None, intro_ids,
                              argument.roles[argument.thesis].probability,
                              _best_anywhere(essay, topic, chosen))
    if argument is None and best is not None and best.score >= THESIS_THRESHOLD:
        return ThesisFeatures(best.sentence, True, best, None, intro_ids,
                              anywhere=_best_anywhere(essay, topic, best))
    late = None
    rest = [s for s in essay.sentences if s.index not in intro_ids]
    if argument is not None and argument.restatement is not None:
        restated = score_candidate(essay.sentence(argument.restatement), topic, 0.0)
        late = restated if restated.score >= THESIS_THRESHOLD else None
    elif rest:
        # (What the essay is credited with, whatever the order, is ``anywhere`` below; which
        # sentence is marked as the late thesis stays the argument's restatement when it has
        # one: marking the best claim instead took the thesis highlight's precision below 0.8.)
        top = score_candidate(max(rest, key=lambda s: (_score(s, topic, 0.0), -s.index)), topic,
                              0.0)
        late = top if top.score >= THESIS_THRESHOLD + 0.1 else None
    return ThesisFeatures(late.sentence if late else None, False, best, late, intro_ids,
                          anywhere=_best_anywhere(essay, topic))
