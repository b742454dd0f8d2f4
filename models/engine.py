"""The engine: essays in, GradeResults out, through one spaCy pipeline run in batches.

    engine = Engine(load_rubric("rubrics/history-argument.yaml"))
    result = engine.grade(text)
    for outcome in engine.grade_many(inputs): ...
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language

from models import ENGINE_VERSION
from models.document import EssayDoc, build_essay
from models.errors import EssayInputError
from models.features.evidence import EvidenceFeatures, extract_evidence
from models.features.integrity import IntegrityReport, check_integrity
from models.features.language import LanguageFeatures, extract_language, unknown_word_share
from models.features.structure import StructureFeatures, extract_structure
from models.features.thesis import ThesisFeatures, extract_thesis
from models.features.topic import Topic, build_topic
from models.feedback.compose import COMPOSERS, FeedbackContext
from models.pipeline import load_pipeline, pipeline_version
from models.result import (
    CriterionResult,
    FlagResult,
    GradeResult,
    SentenceRef,
    SentenceRoles,
)
from models.rubric import Rubric
from models.scoring.criteria import (
    RawScore,
    evidence_raw,
    language_raw,
    structure_raw,
    thesis_raw,
)
from models.scoring.rubric_model import RubricModel
from models.text import PreparedText, prepare_text

DEFAULT_BATCH_SIZE = 8  # larger batches gain little speed and cost ~50 MB per 8 essays


@dataclass(frozen=True)
class Analysis:
    """Everything the engine knows about one essay, before it is turned into levels."""

    essay: EssayDoc  # the whole essay
    scored: EssayDoc  # the essay without repeated or stuffed sentences
    integrity: IntegrityReport
    thesis: ThesisFeatures
    evidence: EvidenceFeatures
    structure: StructureFeatures
    language: LanguageFeatures
    raw: dict[str, RawScore]


@dataclass(frozen=True)
class EssayInput:
    source: str
    text: str


@dataclass(frozen=True)
class GradeOutcome:
    source: str
    result: GradeResult | None = None
    error: str | None = None


class Engine:
    """Grades essays against one rubric. Build it once per process; it is reused per essay."""

    def __init__(self, rubric: Rubric, nlp: Language | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.rubric = rubric
        self.nlp = nlp if nlp is not None else load_pipeline()
        self.batch_size = batch_size
        self.pipeline = pipeline_version(self.nlp)
        self.topic: Topic = build_topic(rubric, self.nlp)
        exemplars = [prepare_text(e.text, e.source) for e in rubric.exemplars]
        analyses = [self.analyse(p, self.nlp(p.analysis_text)) for p in exemplars]
        self.model = RubricModel(rubric).fit(
            [{k: v.value for k, v in a.raw.items()} for a in analyses])

    def grade(self, text: str, source: str = "essay") -> GradeResult:
        """Grade one essay; raises EssayInputError when the text cannot be graded."""
        prepared = prepare_text(text, source, max_words=self.rubric.max_words)
        return self.result(source, self.analyse(prepared, self.nlp(prepared.analysis_text)))

    def grade_many(self, inputs: Iterable[EssayInput]) -> Iterator[GradeOutcome]:
        """Grade essays in pipeline batches, yielding one outcome per input, in order."""
        for source, analysis, error in self.analyse_many(inputs):
            if analysis is None:
                yield GradeOutcome(source, error=error)
            else:
                yield GradeOutcome(source, self.result(source, analysis))

    def analyse_many(self, inputs: Iterable[EssayInput]
                     ) -> Iterator[tuple[str, Analysis | None, str | None]]:
        """(source, analysis, error) per input, in order, parsed in pipeline batches."""
        prepared: list[tuple[int, PreparedText]] = []
        done: dict[int, tuple[str, Analysis | None, str | None]] = {}
        sources: list[str] = []
        for position, item in enumerate(inputs):
            sources.append(item.source)
            try:
                prepared.append((position, prepare_text(item.text, item.source,
                                                        max_words=self.rubric.max_words)))
            except EssayInputError as exc:
                done[position] = (item.source, None, str(exc))
        docs = self.nlp.pipe(((p.analysis_text, (position, p)) for position, p in prepared),
                             as_tuples=True, batch_size=self.batch_size)
        next_position = 0
        for doc, (position, p) in docs:
            done[position] = (sources[position], self.analyse(p, doc), None)
            while next_position in done:
                yield done.pop(next_position)
                next_position += 1
        while next_position in done:
            yield done.pop(next_position)
            next_position += 1

    def analyse(self, prepared: PreparedText, doc) -> Analysis:
        essay = build_essay(prepared, doc)
        integrity = check_integrity(essay, self.topic, self.rubric.min_words,
                                    unknown_word_share(essay))
        scored = essay.view(integrity.drop)
        thesis = extract_thesis(scored, self.topic)
        evidence = extract_evidence(scored, self.topic, thesis.thesis)
        structure = extract_structure(scored, thesis, evidence)
        language = extract_language(scored, self.topic)
        raw = {
            "thesis": thesis_raw(thesis),
            "evidence": evidence_raw(evidence, scored),
            "structure": structure_raw(structure, thesis, scored),
            "language": language_raw(language, scored),
        }
        if not scored.sentences:  # all repeats or stuffing: nothing of the student's to credit
            raw = {name: RawScore(0.0, score.components) for name, score in raw.items()}
        return Analysis(essay, scored, integrity, thesis, evidence, structure, language, raw)

    def result(self, source: str, a: Analysis) -> GradeResult:
        """Levels, feedback and flags for an analysed essay."""
        flags = {f.code for f in a.integrity.flags}
        levels = self.model.score({k: v.value for k, v in a.raw.items()}, flags)
        context = FeedbackContext(a.scored, self.rubric, a.thesis, a.evidence, a.structure,
                                  a.language)
        criteria = []
        for criterion in self.rubric.criteria:
            score = levels[criterion.id]
            feedback = () if a.integrity.has("word_salad") or a.integrity.has("gibberish") \
                else tuple(COMPOSERS[criterion.id](context))
            criteria.append(CriterionResult(
                id=criterion.id, name=criterion.name, weight=round(criterion.weight, 4),
                level=score.level, label=self.rubric.levels[score.level],
                descriptor=criterion.descriptors[score.level], score=score.continuous,
                confidence=score.confidence, raw=a.raw[criterion.id].value,
                components=a.raw[criterion.id].components, capped_by=score.capped_by,
                feedback=feedback))
        overall, overall_level, confidence = self.model.overall(levels, flags)
        return GradeResult(
            source=source,
            words=a.essay.word_count,
            overall_score=overall,
            overall_level=overall_level,
            overall_label=self.rubric.levels[overall_level],
            overall_confidence=confidence,
            criteria=tuple(criteria),
            flags=tuple(FlagResult(f.code, f.message, tuple(self._ref(a.essay, i)
                                                            for i in f.sentences))
                        for f in a.integrity.flags),
            sentences=_roles(a),
            rubric_id=self.rubric.id,
            rubric_version=self.rubric.version,
            rubric_digest=self.rubric.digest,
            engine_version=ENGINE_VERSION,
            pipeline=self.pipeline,
        )

    @staticmethod
    def _ref(essay: EssayDoc, index: int) -> SentenceRef:
        s = essay.sentence(index)
        return SentenceRef(s.index, s.start, s.end, s.text)


def _roles(a: Analysis) -> tuple[SentenceRoles, ...]:
    roles: dict[int, list[str]] = {s.index: [] for s in a.essay.sentences}
    if a.thesis.thesis is not None:
        roles[a.thesis.thesis].append("thesis")
    for i in a.evidence.evidence:
        roles[i].append("evidence")
    for i, mark in a.evidence.sentences.items():
        if mark.analysis:
            roles[i].append("analysis")
    for i in a.evidence.unsupported:
        roles[i].append("unsupported_claim")
    for t in a.structure.topic_sentences:
        roles[t.sentence].append("topic_sentence")
    for t in a.structure.transitions:
        roles[t.sentence].append("transition")
    for m in a.language.misspellings:
        if "spelling" not in roles[m.sentence]:
            roles[m.sentence].append("spelling")
    for flag in a.integrity.flags:
        if flag.code in {"repeated_text", "keyword_stuffing"}:
            for i in flag.sentences:
                roles[i].append("not_scored")
    return tuple(SentenceRoles(s.index, s.paragraph, s.start, s.end, tuple(roles[s.index]))
                 for s in a.essay.sentences)
