"""A calibration model: one estimator per scored column, with its cross-validated agreement,
saved with the library versions and the rubric version it belongs to.

A model loads only into an engine with the same rubric (id, version and content digest), the
same engine version and the same spaCy pipeline, and the same scikit-learn and numpy versions;
anything else is refused with a message saying what differs (features would silently mean
something else otherwise).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from models.calibration.agreement import Agreement, agreement
from models.calibration.features import PRIOR_PREFIX, TERMS, essay_features, row_flags
from models.calibration.scale import ScoreScale
from models.calibration.scorer import EssayScorer
from models.calibration.topic import ClassTopic
from models.calibration.validation import out_of_fold
from models.calibration.versions import library_versions, mismatches
from models.engine import Engine, EssayInput
from models.errors import CalibrationError
from models.question import Question
from models.scoring.caps import OVERALL_CAPPED_BY, caps

MODEL_FORMAT = 3  # 2: estimators take feature rows (term counts included); 3: the question
_MAGIC = "grader-calibration"


@dataclass(frozen=True)
class IntegrityBounds:
    """What the teacher's own scored essays show is normal for this prompt.

    The default detectors know only the rubric's prompt and key terms; a class's essays can
    legitimately share less vocabulary with a short prompt, or (learners of English) read less
    fluently. A calibrated model caps an essay only when it is flagged *and* clearly further out
    than the essays the teacher scored: under half the topic share of the least on-topic 1%, or
    a word-salad score 0.1 above the most disordered 1%. (Capping 1% of ordinary essays to the
    bottom of the scale would cost more agreement than anything else.)

    The class's essays also say what the prompt is about better than the prompt does
    (``ClassTopic``): with enough of them, an essay is off topic exactly when its content words
    are far less like the class's than any class essay's are. The default detector (a low share
    of the prompt's words) then no longer caps: genuine essays on a short prompt trip it, and a
    genuine essay capped to the bottom costs more agreement than anything else.
    """

    topic_share_floor: float
    word_salad_ceiling: float
    topic: ClassTopic | None = None

    @classmethod
    def fit(cls, rows: Sequence[Mapping[str, object]]) -> IntegrityBounds:
        topic = np.array([r["topic_share"] for r in rows])
        salad = np.array([r["word_salad_score"] for r in rows])
        class_topic = (ClassTopic().fit([r[TERMS] for r in rows])
                       if len(rows) >= ClassTopic.MIN_ESSAYS and all(TERMS in r for r in rows)
                       else None)
        return cls(float(np.percentile(topic, 1)) / 2, float(np.percentile(salad, 99)) + 0.1,
                   class_topic)

    def flags(self, row: Mapping[str, object]) -> set[str]:
        """The flags that still hold against this class's own essays."""
        flags = row_flags(row)
        if self.topic is not None and TERMS in row:
            prompt_says_off = "off_topic" in flags
            flags.discard("off_topic")
            if self.topic.off_topic(row[TERMS], prompt_says_off):
                flags.add("off_topic")
        elif "off_topic" in flags and row["topic_share"] >= self.topic_share_floor:
            flags.discard("off_topic")
        if "word_salad" in flags and row["word_salad_score"] <= self.word_salad_ceiling:
            flags.discard("word_salad")
        return flags


def capped_score(criterion: str, scale: ScoreScale, score: float, flags: set[str]) -> float:
    """A prediction after the caps the default model also applies to unassessable essays."""
    capping = OVERALL_CAPPED_BY if criterion == "overall" else [
        f for f, criteria in caps().items() if criterion in criteria]
    if flags & set(capping):
        return scale.minimum
    if "too_short" in flags:  # as the default model: at most a third of the way up
        ceiling = float(scale.snap([scale.minimum + (scale.maximum - scale.minimum) / 3])[0])
        return min(score, ceiling)
    return float(score)


@dataclass
class CalibratedTarget:
    criterion: str  # a rubric criterion id or "overall"
    column: str  # the teacher's column it was fitted on
    estimator: EssayScorer
    agreement: Agreement  # cross-validated, before the final fit


@dataclass
class CalibrationModel:
    rubric: dict[str, object]  # id, version, digest
    pipeline: str
    feature_names: list[str]
    targets: dict[str, CalibratedTarget]
    trained_on: int
    bounds: IntegrityBounds
    versions: dict[str, str] = field(default_factory=library_versions)
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    # The question its essays answered (Question.to_dict()), None if they were read without one:
    # essays it scores later are read against it unless they come with their own.
    question: dict | None = None

    @property
    def question_spec(self) -> Question | None:
        return Question.from_dict(self.question) if self.question else None

    def predict(self, rows: Sequence[Mapping[str, object]]) -> dict[str, np.ndarray]:
        """Scores on each teacher's scale; essays flagged as unassessable are capped."""
        flags = self.flags(rows)
        out = {}
        for criterion, target in self.targets.items():
            scores = target.estimator.predict_scores(rows)
            out[criterion] = np.array([
                capped_score(criterion, target.estimator.scale_, score, essay_flags)
                for score, essay_flags in zip(scores, flags, strict=True)])
        return out

    def scales(self) -> dict[str, ScoreScale]:
        """Each target's score scale (the teacher's), by criterion."""
        return {criterion: t.estimator.scale_ for criterion, t in self.targets.items()}

    def flags(self, rows: Sequence[Mapping[str, object]]) -> list[set[str]]:
        """Per essay, the integrity flags that hold against this class's essays (the ones that
        cap its scores)."""
        return [self.bounds.flags(row) for row in rows]

    def report(self) -> list[dict]:
        return [{"criterion": t.criterion, "column": t.column, **t.agreement.to_dict()}
                for t in self.targets.values()]

    def to_bytes(self) -> bytes:
        payload = {"magic": _MAGIC, "format": MODEL_FORMAT, "model": self}
        return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)

    def save(self, path: str | Path) -> None:
        Path(path).write_bytes(self.to_bytes())

    @classmethod
    def load(cls, path: str | Path, engine: Engine | None = None) -> CalibrationModel:
        """Read a model file (only files this program wrote: it is a pickle) and check that it
        belongs to this engine, rubric and library versions."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CalibrationError(f"{path}: not a readable calibration model ({exc})") from exc
        return cls.from_bytes(data, engine, str(path))

    @classmethod
    def from_bytes(cls, data: bytes, engine: Engine | None = None,
                   path: str = "model") -> CalibrationModel:
        """A model from ``to_bytes`` (this program's own output only: it is a pickle), checked
        against this engine, rubric and library versions."""
        try:
            payload = pickle.loads(data)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError,
                TypeError) as exc:
            raise CalibrationError(f"{path}: not a readable calibration model ({exc})") from exc
        if not isinstance(payload, dict) or payload.get("magic") != _MAGIC:
            raise CalibrationError(f"{path}: not a calibration model made by 'grader calibrate'")
        if payload.get("format") != MODEL_FORMAT:
            raise CalibrationError(f"{path}: model format {payload.get('format')}, this grader "
                                   f"reads format {MODEL_FORMAT}; calibrate again")
        model: CalibrationModel = payload["model"]
        model.check(path, engine)
        return model

    def check(self, path: str | Path, engine: Engine | None) -> None:
        problems = mismatches(self.versions)
        if engine is not None:
            rubric = engine.rubric
            mine = {"id": rubric.id, "version": rubric.version, "digest": rubric.digest}
            if self.rubric != mine:
                problems.append(f"rubric {self.rubric['id']} v{self.rubric['version']} "
                                f"({str(self.rubric['digest'])[:12]}), not {rubric.id} "
                                f"v{rubric.version} ({rubric.digest[:12]})")
            if self.pipeline != engine.pipeline:
                problems.append(f"spaCy pipeline {self.pipeline}, not {engine.pipeline}")
        if problems:
            raise CalibrationError(f"{path}: this model was made with " + "; ".join(problems)
                                   + "; calibrate again with this grader")


def regression_features(row: Mapping[str, object]) -> list[str]:
    """The numeric features a score is fitted on: not the integrity flags. A flag raised by a
    trick (repeats, stuffing) must never carry weight of its own; flags act only through caps.
    (The term counts are not a feature either: content models learn from them.)"""
    return [name for name, value in row.items()
            if not name.startswith("flag_") and isinstance(value, int | float)]


def prior_feature(criterion: str) -> str:
    """The row feature holding a criterion's quality prior (absent for a criterion the prior
    does not know: its calibration then starts from nothing)."""
    return f"{PRIOR_PREFIX}{criterion}"


def features_of(engine: Engine, texts: Iterable[str],
                questions: Question | Sequence[Question | None] | None = None
                ) -> tuple[list[dict[str, object] | None], list[str | None]]:
    """Features per essay (None with the reason when an essay cannot be analysed), each read
    against its question: one for all, one per essay, or none (the rubric's own, if any)."""
    texts = list(texts)
    if questions is None or isinstance(questions, Question):
        questions = [questions] * len(texts)
    rows, errors = [], []
    for _source, analysis, error in engine.analyse_many(
            EssayInput(f"row {i + 1}", t, q) for i, (t, q) in enumerate(
                zip(texts, questions, strict=True))):
        rows.append(essay_features(analysis) if analysis is not None else None)
        errors.append(error)
    return rows, errors


def calibrate(engine: Engine, rows: Sequence[Mapping[str, object] | None],
              scores: dict[str, tuple[str, Sequence[float | None]]], folds: int = 5,
              seed: int = 0, question: Question | None = None) -> CalibrationModel:
    """Fit one estimator per target on the essays that have features and a score.

    ``scores`` maps a criterion ("overall" or a rubric criterion id) to (column, scores).
    Agreement is cross-validated (``folds``-fold) before the final fit on all essays.
    ``question`` is the one the essays answered (recorded with the model).
    """
    allowed = {"overall", *(c.id for c in engine.rubric.criteria)}
    names = next((regression_features(r) for r in rows if r is not None), None)
    if names is None:
        raise CalibrationError("none of the essays could be analysed")
    bounds = IntegrityBounds.fit([r for r in rows if r is not None])
    targets = {}
    for criterion, (column, values) in scores.items():
        if criterion not in allowed:
            known = ", ".join(sorted(allowed - {"overall"}))
            raise CalibrationError(f"'{criterion}' is not 'overall' or a criterion of rubric "
                                   f"{engine.rubric.id} ({known})")
        keep = [i for i, (r, v) in enumerate(zip(rows, values, strict=True))
                if r is not None and v is not None]
        if len(keep) < 10:
            raise CalibrationError(f"column '{column}': {len(keep)} scored essays; calibration "
                                   f"needs at least 10")
        kept = [rows[i] for i in keep]
        y = np.array([values[i] for i in keep], dtype=float)
        try:
            scale = ScoreScale.infer(y)
        except ValueError as exc:
            raise CalibrationError(f"column '{column}': {exc}") from exc
        essay_flags = [bounds.flags(rows[i]) for i in keep]
        prior = prior_feature(criterion)
        predicted = [capped_score(criterion, scale, p, f) for p, f in zip(
            out_of_fold(kept, y, names, folds, seed, prior), essay_flags, strict=True)]
        estimator = EssayScorer(names, scale=scale, prior=prior).fit(kept, y)
        targets[criterion] = CalibratedTarget(criterion, column, estimator,
                                              agreement(y, predicted, scale))
    rubric = engine.rubric
    return CalibrationModel(
        rubric={"id": rubric.id, "version": rubric.version, "digest": rubric.digest},
        pipeline=engine.pipeline, feature_names=names, targets=targets,
        trained_on=sum(r is not None for r in rows), bounds=bounds,
        question=question.to_dict() if question is not None else None)
