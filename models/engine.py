"""The engine: essays in, GradeResults out, through one spaCy pipeline run in batches.

    engine = Engine(load_rubric("rubrics/history-argument.yaml"))
    result = engine.grade(text, question=Question.build("How far did the New Deal end ...?"))
    for outcome in engine.grade_many(inputs): ...

Each essay is graded against its own question (``EssayInput.question``; the rubric's own
question when it has none, and no judgement of the topic when neither exists). The engine
reads each question once and keeps its topic.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from spacy.language import Language
from spacy.tokens import Doc

from models import ENGINE_VERSION
from models.argument import Argument, ArgumentModel, find_argument
from models.calibration.applied import AppliedCalibration, calibrated
from models.calibration.features import essay_features, numeric_features, row_flags
from models.criteria import CriterionContext, registered
from models.document import EssayDoc, build_essay
from models.errors import EssayInputError
from models.features.by_name import BuiltinFeatures
from models.features.chronology import DatedSentence, dates_out_of_period
from models.features.integrity import (
    Flag,
    IntegrityReport,
    check_integrity,
    without_stuffed_lists,
)
from models.features.language import unknown_word_share
from models.features.topic import Topic, build_topic, own_words_topic, question_key_terms
from models.feedback.compose import FeedbackContext, criterion_feedback
from models.feedback.precision import TEACHERS, role_audience, with_audience
from models.pipeline import load_pipeline, pipeline_version
from models.prior.model import PRIOR_SHARE, QualityPrior, load_prior
from models.question import Question
from models.result import (
    CriterionResult,
    FlagResult,
    GradeResult,
    KeyTermUsed,
    QuestionUsed,
    SentenceRef,
    SentenceRoles,
)
from models.rubric import Rubric
from models.scoring.caps import cap_reason, ceilings
from models.scoring.raw import RawScore
from models.scoring.rubric_model import LevelScore, OverallScore, RubricModel
from models.text import PreparedText, prepare_text

# Essays are parsed in batches of at most DEFAULT_BATCH_CHARS characters (and
# DEFAULT_BATCH_SIZE essays): short drafts batch together, where the parser is fastest, while
# a batch of long essays cannot grow the worker's memory past its bound (a longer essay is
# parsed alone). Measured on 500 ASAP essays in chunks of 32: peak RSS 345 MB at 25,000
# characters, 328 MB at 20,000 (a Celery worker adds ~60 MB: 404 MB against its 400 MB
# target at 25,000), with no measurable loss of speed.
DEFAULT_BATCH_SIZE = 64
DEFAULT_BATCH_CHARS = 20_000
T = TypeVar("T")
MISDATED_LISTED = 4  # years named in a date_out_of_period message; the sentences hold them all
OVERALL = "overall"  # the prior's whole-essay judgement
TOPICS_KEPT = 256  # questions whose topic an engine keeps (a worker sees a school's questions)


def level_input(prior: float | None, raw: float) -> float:
    """What places a criterion on the rubric's scale: its raw score (what the rubric's
    descriptors ask for: an ordered argument, explained evidence, correct sentences) blended
    with the quality prior (how raters of many prompts score such writing), where the prior
    knows the criterion; the raw score alone where it does not."""
    return raw if prior is None else PRIOR_SHARE * prior + (1 - PRIOR_SHARE) * raw


@dataclass(frozen=True)
class Analysis(BuiltinFeatures):
    """Everything the engine knows about one essay, before it is turned into levels."""

    essay: EssayDoc  # the whole essay
    scored: EssayDoc  # the essay without repeated or stuffed sentences
    integrity: IntegrityReport
    features: Mapping[str, Any]  # each registered criterion's features, by name
    raw: dict[str, RawScore]  # each registered criterion's raw score
    topic: Topic  # the question it was graded against, as the engine reads it
    misdated: tuple[DatedSentence, ...] = ()  # years far outside the question's period
    question_source: str = "given"  # "given" with the essay, or "rubric"
    argument: Argument = field(default_factory=Argument)  # thesis, claims, support, links
    # The quality prior's prediction per criterion, a share of its scale (models/prior/).
    prior: Mapping[str, float] = field(default_factory=dict)
    # The named numbers the prior read (models/calibration/features.py), kept for calibration.
    numeric: Mapping[str, float] = field(default_factory=dict)

    def level_inputs(self) -> dict[str, float]:
        """What places each criterion on the rubric's scale (``level_input``)."""
        return {name: level_input(self.prior.get(name), raw.value)
                for name, raw in self.raw.items()}

    @property
    def context(self) -> CriterionContext:
        """What the criteria read (and read again for calibration)."""
        return CriterionContext(self.essay, self.scored, self.topic, self.argument,
                                self.integrity, frozenset(d.sentence for d in self.misdated),
                                self.features)

    @property
    def flags(self) -> tuple[Flag, ...]:
        """Every flag for a teacher: the integrity checks', then the dates' (not for an essay
        off topic: its dates belong to the question it does answer)."""
        if not self.misdated or self.integrity.has("off_topic"):
            return self.integrity.flags
        written = list(dict.fromkeys(d.written for d in self.misdated))
        listed = ", ".join(written[:MISDATED_LISTED]) + (
            f" and {len(written) - MISDATED_LISTED} more" if len(written) > MISDATED_LISTED
            else "")
        return (*self.integrity.flags, Flag(
            "date_out_of_period",
            f"The essay gives {listed}, more than two centuries outside the question's period "
            f"({self.topic.period}); check the date. Facts are not otherwise checked.",
            tuple(dict.fromkeys(d.sentence for d in self.misdated)),
            {"years": [d.year for d in self.misdated]}))


@dataclass(frozen=True)
class EssayInput:
    source: str
    text: str
    question: Question | None = None  # None: the rubric's own question, if it has one


@dataclass(frozen=True)
class GradeOutcome:
    source: str
    result: GradeResult | None = None
    error: str | None = None


def batched(items: Iterable[T], size: Callable[[T], int], max_size: int, max_count: int
            ) -> Iterator[list[T]]:
    """Consecutive items in batches of at most ``max_count`` items whose sizes add up to at most
    ``max_size`` (an item larger than that alone)."""
    batch: list[T] = []
    total = 0
    for item in items:
        length = size(item)
        if batch and (total + length > max_size or len(batch) == max_count):
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += length
    if batch:
        yield batch


class Engine:
    """Grades essays against one rubric. Build it once per process; it is reused per essay."""

    def __init__(self, rubric: Rubric, nlp: Language | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE, prior: QualityPrior | None = None,
                 batch_chars: int = DEFAULT_BATCH_CHARS) -> None:
        self.rubric = rubric
        self.nlp = nlp if nlp is not None else load_pipeline()
        self.batch_size = batch_size
        self.batch_chars = batch_chars
        self.pipeline = pipeline_version(self.nlp)
        # The writing-quality prior (None: the shipped one); a benchmark may measure another.
        self.prior = prior if prior is not None else load_prior()
        self._topics: OrderedDict[str, Topic] = OrderedDict()
        # The argument model (None: the shipped one); a benchmark may measure another.
        self.argument_model: ArgumentModel | None = None
        # Each exemplar is read against the question it answered: it anchors the quality
        # scale, and a topic it was never about must not lower its scores.
        analyses = []
        for exemplar in rubric.exemplars:
            question = rubric.exemplar_question(exemplar)
            prepared = prepare_text(exemplar.text, exemplar.source,
                                    question=question.text if question else None)
            analyses.append(self.analyse(prepared, self.nlp(prepared.analysis_text), question))
        self.model = RubricModel(rubric).fit(
            [a.level_inputs() for a in analyses],
            [a.prior[OVERALL] for a in analyses] if OVERALL in self.prior.criteria else None)

    def topic_for(self, question: Question | None) -> Topic:
        """The question as the engine reads it (key terms, words, period), built once."""
        if question is None:
            return build_topic(None, self.nlp)
        key = question.digest
        topic = self._topics.get(key)
        if topic is None:
            topic = self._topics[key] = build_topic(question, self.nlp)
            if len(self._topics) > TOPICS_KEPT:
                self._topics.popitem(last=False)
        else:
            self._topics.move_to_end(key)
        return topic

    def _question_text(self, question: Question | None) -> str | None:
        """The text of the question an essay answers (given, else the rubric's own): a first
        line copying it is the essay's heading, not its introduction."""
        asked = question if question is not None else self.rubric.question
        return asked.text if asked is not None else None

    def key_terms(self, question: Question) -> list[tuple[str, str]]:
        """(term, source) for the key terms a question is graded with: for showing a teacher
        what the engine will look for before any essay is graded."""
        return [(t.term, source) for t, source in question_key_terms(question, self.nlp)]

    def grade(self, text: str, source: str = "essay", question: Question | None = None,
              calibration: AppliedCalibration | None = None) -> GradeResult:
        """Grade one essay against ``question`` (else the rubric's own, if any), scored by
        ``calibration`` when given; raises EssayInputError when the text cannot be graded."""
        prepared = prepare_text(text, source, max_words=self.rubric.max_words,
                                question=self._question_text(question))
        return self.result(source, self.analyse(prepared, self.nlp(prepared.analysis_text),
                                                question), calibration)

    def grade_many(self, inputs: Iterable[EssayInput],
                   calibration: AppliedCalibration | None = None) -> Iterator[GradeOutcome]:
        """Grade essays in pipeline batches, yielding one outcome per input, in order."""
        for source, analysis, error in self.analyse_many(inputs):
            if analysis is None:
                yield GradeOutcome(source, error=error)
            else:
                yield GradeOutcome(source, self.result(source, analysis, calibration))

    def analyse_many(self, inputs: Iterable[EssayInput]
                     ) -> Iterator[tuple[str, Analysis | None, str | None]]:
        """(source, analysis, error) per input, in order, parsed in pipeline batches."""
        prepared: list[tuple[int, PreparedText, Question | None]] = []
        done: dict[int, tuple[str, Analysis | None, str | None]] = {}
        sources: list[str] = []
        for position, item in enumerate(inputs):
            sources.append(item.source)
            try:
                prepared.append((position, prepare_text(
                    item.text, item.source, max_words=self.rubric.max_words,
                    question=self._question_text(item.question)), item.question))
            except EssayInputError as exc:
                done[position] = (item.source, None, str(exc))
        next_position = 0
        for doc, (position, p, question) in self._parsed(prepared):
            done[position] = (sources[position], self.analyse(p, doc, question), None)
            while next_position in done:
                yield done.pop(next_position)
                next_position += 1
        while next_position in done:
            yield done.pop(next_position)
            next_position += 1

    def _parsed(self, prepared: list[tuple[int, PreparedText, Question | None]]
                ) -> Iterator[tuple[Doc, tuple[int, PreparedText, Question | None]]]:
        """Each essay's Doc with its item, parsed in batches bounded by characters."""
        for batch in batched(prepared, lambda item: len(item[1].analysis_text),
                             self.batch_chars, self.batch_size):
            texts = (p.analysis_text for _, p, _ in batch)
            yield from zip(self.nlp.pipe(texts, batch_size=len(batch)), batch, strict=True)

    def analyse(self, prepared: PreparedText, doc, question: Question | None = None
                ) -> Analysis:
        """Features of one parsed essay, read against ``question`` (else the rubric's own)."""
        source = "given" if question is not None else "rubric"
        topic = self.topic_for(question if question is not None else self.rubric.question)
        essay = build_essay(prepared, doc)
        if topic.question is None:
            topic = own_words_topic(essay)
        integrity = check_integrity(essay, topic, self.rubric.min_words,
                                    unknown_word_share(essay))
        scored = without_stuffed_lists(essay.view(integrity.drop), topic)
        misdated = tuple(dates_out_of_period(scored, topic.period))
        argument = find_argument(scored, topic, self.argument_model)
        # Every registered criterion reads the essay, each after those whose features it
        # reads; the rubric chooses which of them are scored.
        features: dict[str, Any] = {}
        context = CriterionContext(essay, scored, topic, argument, integrity,
                                   frozenset(d.sentence for d in misdated), features)
        criteria = registered()
        for name, criterion in criteria.items():
            features[name] = criterion.features(context)
        raw = {name: criterion.raw(features[name], context)
               for name, criterion in criteria.items()}
        if not scored.sentences:  # all repeats or stuffing: nothing of the student's to credit
            raw = {name: RawScore(0.0, score.components) for name, score in raw.items()}
        analysis = Analysis(essay, scored, integrity, features, raw, topic, misdated, source,
                            argument)
        numeric = numeric_features(analysis)
        prior = (self.prior.predict_one(numeric) if scored.sentences
                 else dict.fromkeys(self.prior.criteria, 0.0))
        return replace(analysis, prior=prior, numeric=numeric)

    def score_features(self, row: Mapping[str, Any]) -> tuple[dict[str, LevelScore],
                                                              OverallScore]:
        """The levels and overall of an essay known only by its features (a row of
        ``essay_features``), as ``result`` would give them: for benchmarks that score cached
        features with another prior."""
        prior = self.prior.predict_one(row)
        inputs = {c.id: level_input(prior.get(c.id), float(row[f"raw_{c.id}"]))
                  for c in self.rubric.criteria}
        flags = row_flags(row)
        levels = self.model.score(inputs, flags, ceilings(row))
        return levels, self.model.overall(levels, flags, prior.get(OVERALL))

    def result(self, source: str, a: Analysis,
               calibration: AppliedCalibration | None = None) -> GradeResult:
        """Levels, feedback and flags for an analysed essay, scored by ``calibration`` when
        given (models/calibration/applied.py)."""
        result = self._default_result(source, a)
        if calibration is None:
            return result
        return calibrated(result, essay_features(a), calibration, self.rubric)

    def _default_result(self, source: str, a: Analysis) -> GradeResult:
        flags = {f.code for f in a.integrity.flags}
        levels = self.model.score(a.level_inputs(), flags, ceilings(a.numeric))
        context = FeedbackContext(a.scored, self.rubric, a.features, a.topic, frozenset(flags))
        criterion_ids = [c.id for c in self.rubric.criteria]
        criteria = []
        for criterion in self.rubric.criteria:
            score = levels[criterion.id]
            label = self.rubric.levels[score.level]
            criteria.append(CriterionResult(
                id=criterion.id, name=criterion.name, weight=round(criterion.weight, 4),
                level=score.level, label=label,
                descriptor=criterion.descriptors[score.level], score=score.continuous,
                confidence=score.confidence, raw=a.raw[criterion.id].value,
                components=a.raw[criterion.id].components, capped_by=score.capped_by,
                feedback=tuple(with_audience(item) for item in
                               criterion_feedback(criterion.id, context, criterion_ids)),
                uncapped_score=score.uncapped, prior=_rounded(a.prior.get(criterion.id)),
                cap_reason=cap_reason(score.capped_by, score.level, label)
                if score.capped_by else None))
        overall = self.model.overall(levels, flags, a.prior.get(OVERALL))
        overall_label = self.rubric.levels[overall.level]
        return GradeResult(
            source=source,
            words=a.essay.word_count,
            overall_score=overall.score,
            overall_level=overall.level,
            overall_label=overall_label,
            overall_confidence=overall.confidence,
            criteria=tuple(criteria),
            flags=tuple(FlagResult(f.code, f.message, tuple(self._ref(a.essay, i)
                                                            for i in f.sentences))
                        for f in a.flags),
            sentences=_roles(a),
            rubric_id=self.rubric.id,
            rubric_version=self.rubric.version,
            rubric_digest=self.rubric.digest,
            engine_version=ENGINE_VERSION,
            pipeline=self.pipeline,
            question=_question_used(a),
            overall_capped_by=overall.capped_by,
            overall_cap_reason=cap_reason(overall.capped_by, overall.level, overall_label)
            if overall.capped_by else None,
            overall_uncapped_score=overall.uncapped,
            prior_version=self.prior.version,
        )

    @staticmethod
    def _ref(essay: EssayDoc, index: int) -> SentenceRef:
        s = essay.sentence(index)
        return SentenceRef(s.index, s.start, s.end, s.text)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _question_used(a: Analysis) -> QuestionUsed | None:
    topic = a.topic
    if topic.question is None:
        return None
    return QuestionUsed(
        text=topic.question.text,
        key_terms=tuple(KeyTermUsed(t.term, t.source) for t in topic.key_terms),
        period=str(topic.period) if topic.period else None,
        period_source=topic.question.period_source, source=a.question_source,
        topic_judged=topic.unjudged is None, not_judged_because=topic.unjudged)


def _roles(a: Analysis) -> tuple[SentenceRoles, ...]:
    """Each sentence's roles: the argument's (thesis, its restatement, each paragraph's point,
    what supports it), then each criterion's marks, then what the flags say of it."""
    roles: dict[int, list[str]] = {s.index: [] for s in a.essay.sentences}

    def mark(index: int, role: str) -> None:
        if index in roles and role not in roles[index]:
            roles[index].append(role)

    context = a.context
    # A text that cannot be read as English prose has no thesis, evidence or spelling to mark.
    criteria = {} if a.integrity.has("gibberish") or a.integrity.has("word_salad") \
        else registered()
    for name in ("thesis", *(n for n in criteria if n != "thesis")):  # the thesis leads
        if name in criteria:
            for i, marked in criteria[name].roles(a.features[name], context).items():
                for role in marked:
                    mark(i, role)
        if name == "thesis" and criteria:
            for i, role in a.argument.roles.items():
                mark(i, role.role)
    for flag in a.flags:
        role = {"repeated_text": "not_scored", "keyword_stuffing": "not_scored",
                "off_topic_part": "not_scored",
                "date_out_of_period": "date_out_of_period"}.get(flag.code)
        for i in flag.sentences if role else ():
            roles[i].append(role)
    backs = {i: role.backs for i, role in a.argument.roles.items()}
    # Each role's audience asked once, not once per sentence it marks.
    teachers_only = {r for r in {r for marked in roles.values() for r in marked}
                     if role_audience(r) == TEACHERS}
    return tuple(SentenceRoles(s.index, s.paragraph, s.start, s.end, tuple(roles[s.index]),
                               backs.get(s.index),
                               tuple(r for r in roles[s.index] if r in teachers_only))
                 for s in a.essay.sentences)
