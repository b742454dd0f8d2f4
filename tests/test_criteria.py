"""One module per criterion: a new criterion is one registered class and an entry in a rubric;
the engine, the caps, the calibration features, the wording and the pages' labels follow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from models.criteria import Criterion, CriterionContext, criterion, registered, unregister
from models.feedback.compose import FeedbackContext
from models.feedback.wording import Wording, default_wording, weakness_names
from models.result import FeedbackItem
from models.rubric import known_criteria, parse_rubric
from models.scoring.caps import caps
from models.scoring.raw import RawScore
from tests.conftest import DEFAULT_RUBRIC
from tests.test_questions import essay, question_of


class Counterargument(Criterion):
    """Does the essay weigh the other side? (A counterclaim, and a rebuttal of it.)"""

    capped_by = ("word_salad", "gibberish")
    role_labels: ClassVar[Mapping[str, str]] = {"other_side": "Other side"}
    wording: ClassVar[Mapping[str, Wording]] = {
        "counterargument.missing": Wording(
            "The essay never weighs the other side of the question, for example near "
            "“{quote}”.", "Add a paragraph that states the strongest objection, then answer it."),
    }
    weaknesses: ClassVar[Mapping[str, str]] = {
        "counterargument.missing": "The other side not weighed"}

    def features(self, ctx: CriterionContext) -> Any:
        return {"against": ctx.argument.sentences("counterclaim"),
                "answered": ctx.argument.sentences("rebuttal"),
                "thesis_found": ctx.features["thesis"].found}

    def raw(self, features: Any, ctx: CriterionContext) -> RawScore:
        parts = {"against": float(bool(features["against"])),
                 "answered": float(bool(features["answered"]))}
        return RawScore(round(0.2 + 0.4 * parts["against"] + 0.4 * parts["answered"], 4),
                        parts)

    def roles(self, features: Any, ctx: CriterionContext) -> Mapping[int, list[str]]:
        return {i: ["other_side"] for i in features["against"]}

    def feedback(self, ctx: FeedbackContext) -> list[FeedbackItem]:
        if ctx.features["counterargument"]["against"] or not ctx.essay.sentences:
            return []
        return [ctx.item("counterargument.missing", "improvement",
                         [ctx.essay.sentences[-1].index])]

    def calibration_features(self, features: Any, ctx: CriterionContext
                             ) -> Mapping[str, float]:
        return {"counterclaims": float(len(features["against"]))}


@pytest.fixture
def counterargument():
    criterion("counterargument", after=("thesis",))(Counterargument)
    yield
    unregister("counterargument")


def rubric_with_counterargument():
    text = DEFAULT_RUBRIC.read_text(encoding="utf-8")
    text = text.replace("  language:\n    name: Language and conventions", (
        "  counterargument:\n    name: Counterargument\n    weight: 0.10\n    descriptors:\n"
        "      1: The other side is ignored.\n      2: The other side is mentioned.\n"
        "      3: The other side is stated and answered.\n"
        "      4: The other side is weighed fairly and answered with evidence.\n"
        "  language:\n    name: Language and conventions"))
    text = text.replace("      language: 3\n", "      language: 3\n      counterargument: 2\n")
    return parse_rubric(text, source="counter.yaml", base_dir=DEFAULT_RUBRIC.parent)


def test_a_new_criterion_is_one_module_and_a_rubric_entry(counterargument, nlp):
    from models.calibration.features import essay_features
    from models.engine import Engine
    from models.text import prepare_text

    assert "counterargument" in known_criteria()
    assert list(registered())[-1] == "counterargument"
    assert caps()["word_salad"][-1] == "counterargument"
    assert "counterargument" not in caps()["off_topic"]
    assert "counterargument.missing" in default_wording()
    assert weakness_names()["counterargument.missing"] == "The other side not weighed"
    engine = Engine(rubric_with_counterargument(), nlp=nlp)
    result = engine.grade(essay("new-deal-strong"), question=question_of("new-deal-strong"))
    graded = result.criterion("counterargument")
    assert graded.name == "Counterargument" and graded.level in (1, 2, 3, 4)
    assert 0.0 <= graded.raw <= 1.0 and set(graded.components) == {"against", "answered"}
    assert all(item.code.startswith("counterargument.") for item in graded.feedback)
    prepared = prepare_text(essay("new-deal-strong"))
    analysis = engine.analyse(prepared, engine.nlp(prepared.analysis_text),
                              question_of("new-deal-strong"))
    assert "counterclaims" in essay_features(analysis)
    assert "raw_counterargument" in essay_features(analysis)


def test_a_rubric_may_not_name_an_unregistered_criterion():
    text = DEFAULT_RUBRIC.read_text(encoding="utf-8").replace(
        "  language:\n    name: Language", "  contextualisation:\n    name: Language")
    from models.errors import RubricError

    with pytest.raises(RubricError, match="a known criterion"):
        parse_rubric(text, source="bad.yaml", base_dir=DEFAULT_RUBRIC.parent)


def test_criteria_are_read_after_those_they_read_and_a_missing_one_is_named():
    order = list(registered())
    assert order.index("thesis") < order.index("evidence") < order.index("structure")

    class Orphan(Counterargument):
        pass

    criterion("orphan", after=("contextualisation",))(Orphan)
    try:
        with pytest.raises(ValueError, match="reads 'contextualisation', which is not "
                                             "registered"):
            registered()
    finally:
        unregister("orphan")
    assert "orphan" not in registered()
