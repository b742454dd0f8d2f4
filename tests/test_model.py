"""The rubric model: anchoring on the exemplar, feedback anchored on sentences, determinism."""

import json

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from models.engine import EssayInput
from models.scoring.anchor import ExemplarAnchoredScale
from tests.conftest import STALIN


def test_exemplar_grades_at_the_levels_the_rubric_states(engine, rubric, essays):
    exemplar = rubric.exemplars[0]
    result = engine.grade(essays["exemplar"], "exemplar", question=exemplar.question)
    assert result.levels == exemplar.levels
    assert result.flags == ()
    assert result.question.text.startswith("How successful was Stalin's industrialisation")


def test_essays_are_ordered_as_a_teacher_would_order_them(grade, essays):
    results = {name: grade(essays[name]) for name in ("strong", "exemplar", "narrative",
                                                       "opinion")}
    overall = {name: r.overall_score for name, r in results.items()}
    # The two argued essays share a level, above both short ones (a narrative arguing nothing,
    # an opinion with no facts, both under the rubric's length). Within a level, the overall
    # is the quality prior's judgement of the writing (models/prior/), finer than a teacher's
    # ranking of these four.
    assert results["strong"].overall_level >= results["exemplar"].overall_level
    assert min(overall["strong"], overall["exemplar"]) > max(overall["narrative"],
                                                             overall["opinion"])
    strong = grade(essays["strong"])
    narrative = grade(essays["narrative"])
    assert strong.criterion("thesis").level > narrative.criterion("thesis").level
    opinion = grade(essays["opinion"])
    assert opinion.criterion("evidence").level == 1
    # A narrative retells with facts and argues nothing; an opinion argues with no facts.
    assert narrative.criterion("thesis").level == 1
    assert opinion.criterion("thesis").level > narrative.criterion("thesis").level
    assert narrative.criterion("evidence").level > opinion.criterion("evidence").level


def test_result_carries_levels_descriptors_and_confidence(grade, rubric, essays):
    result = grade(essays["strong"], "strong.txt")
    assert result.source == "strong.txt"
    for criterion in result.criteria:
        assert criterion.level in rubric.levels
        assert criterion.label == rubric.levels[criterion.level]
        assert criterion.descriptor == rubric.criterion(criterion.id).descriptors[
            criterion.level]
        assert 0.5 <= criterion.confidence <= 1.0
        assert rubric.min_level <= criterion.score <= rubric.max_level
    assert rubric.min_level <= result.overall_score <= rubric.max_level
    assert result.overall_level == int(np.floor(result.overall_score + 0.5))


@pytest.mark.parametrize("name", ["strong", "exemplar", "narrative", "opinion"])
def test_every_feedback_item_quotes_the_essay_at_its_offsets(grade, essays, name):
    text = essays[name]
    result = grade(text)
    items = [item for c in result.criteria for item in c.feedback]
    assert items, "every essay gets some feedback"
    for item in items:
        assert item.sentences, item.code
        assert item.next_step
        for ref in item.sentences:
            assert text[ref.start:ref.end] == ref.text
        # The comment itself quotes (the start of) one of the sentences it is about.
        first_words = " ".join(item.sentences[0].text.split()[:6])
        quoted = [" ".join(r.text.split()[:6]) for r in item.sentences]
        assert any(q in " ".join(item.message.split()) for q in quoted) or \
            item.code in {"structure.single_block", "structure.transitions_repeated",
                          "language.repetitive_openers", "evidence.key_terms"}, \
            (item.code, first_words)


def test_feedback_differs_between_essays(grade, essays):
    """No generic comments: two essays never get the same message for the same code."""
    seen: dict[str, set[str]] = {}
    for name in ("strong", "exemplar", "narrative", "opinion"):
        for c in grade(essays[name]).criteria:
            for item in c.feedback:
                assert item.message not in seen.get(item.code, set()), item.message
                seen.setdefault(item.code, set()).add(item.message)


def test_sentence_roles_mark_thesis_and_evidence(grade, essays):
    result = grade(essays["strong"])
    roles = {r.index: r.roles for r in result.sentences}
    backs = {r.index: r.backs for r in result.sentences}
    # The thesis in the introduction, and restated in the conclusion (which backs it).
    thesis, restated = [i for i, r in roles.items() if "thesis" in r]
    assert backs[restated] == thesis and result.sentences[restated].paragraph > 0
    assert sum("evidence" in r for r in roles.values()) >= 5
    assert any("transition" in r for r in roles.values())
    # Each body paragraph's point, and the support that backs it.
    claims = [i for i, r in roles.items() if "claim" in r]
    assert claims and all(backs[c] == thesis for c in claims)
    supports = [i for i, r in roles.items() if "support" in r]
    assert supports and all(backs[i] in claims for i in supports)


def test_same_text_gives_identical_output(grade, essays):
    first = json.dumps(grade(essays["strong"]).to_dict(), sort_keys=True)
    second = json.dumps(grade(essays["strong"]).to_dict(), sort_keys=True)
    assert first == second


def test_batch_grading_matches_single_grading_and_keeps_order(grade, engine, essays):
    names = ["opinion", "strong", "narrative"]
    inputs = [EssayInput(n, essays[n], STALIN) for n in names]
    inputs.insert(1, EssayInput("blank", "   ", STALIN))
    outcomes = list(engine.grade_many(inputs))
    assert [o.source for o in outcomes] == ["opinion", "blank", "strong", "narrative"]
    assert outcomes[1].result is None and "empty" in outcomes[1].error
    for outcome in (outcomes[0], outcomes[2], outcomes[3]):
        single = grade(essays[outcome.source], outcome.source)
        assert outcome.result.to_dict() == single.to_dict()


def test_json_document_shape(grade, engine, essays):
    document = grade(essays["strong"], "s").to_dict()
    assert document["schema_version"] == 2
    assert set(document) == {"schema_version", "source", "words", "question", "overall",
                             "criteria", "flags", "sentences", "rubric", "engine"}
    assert document["question"]["text"].startswith("How successful was Stalin")
    assert {"capped_by", "cap_reason", "uncapped_score"} <= set(document["overall"])
    assert {"uncapped_score", "cap_reason"} <= set(document["criteria"][0])
    assert [c["id"] for c in document["criteria"]] == ["thesis", "evidence", "structure",
                                                       "language"]
    assert document["rubric"]["id"] == "history-argument"
    assert len(document["rubric"]["digest"]) == 64


def test_anchored_scale_passes_through_the_exemplar_and_is_monotone():
    scale = ExemplarAnchoredScale(min_level=1, max_level=4).fit(np.array([[0.6]]), [3])
    raw = np.linspace(0, 1, 21).reshape(-1, 1)
    levels = scale.predict(raw)
    assert np.all(np.diff(levels) >= 0)
    assert scale.predict(np.array([[0.6]]))[0] == pytest.approx(3.0)
    assert levels[0] == 1 and levels[-1] == 4
    assert scale.get_params() == {"min_level": 1, "max_level": 4, "end_offset": 0.5}
    # The engine's one-score path gives what predict gives, and refuses an unfitted scale.
    assert [scale.level_of(x) for x in raw[:, 0]] == levels.tolist()
    with pytest.raises(NotFittedError):
        ExemplarAnchoredScale().level_of(0.5)


def test_anchored_scale_with_disagreeing_exemplars_stays_monotone():
    scale = ExemplarAnchoredScale().fit(np.array([[0.5], [0.6], [0.4]]), [3, 2, 2])
    levels = scale.predict(np.linspace(0, 1, 11).reshape(-1, 1))
    assert np.all(np.diff(levels) >= 0)
