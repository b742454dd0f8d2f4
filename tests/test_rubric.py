import hashlib
import textwrap

import pytest

from models.errors import RubricError
from models.rubric import known_criteria, load_rubric, parse_rubric

MINIMAL = """
id: mini
levels: {1: Low, 2: High}
criteria:
  thesis:
    name: Thesis
    weight: 2
    descriptors: {1: No claim., 2: A claim.}
  evidence:
    name: Evidence
    weight: 1
    descriptors: {1: None., 2: Some.}
exemplars:
  - text: Stalin's plans changed the Soviet Union, although the cost was immense.
    levels: {thesis: 2, evidence: 1}
"""


def test_default_rubric_has_four_criteria_and_states_the_exemplar_levels(rubric):
    assert {c.id for c in rubric.criteria} == set(known_criteria())
    assert sorted(rubric.levels) == [1, 2, 3, 4]
    assert abs(sum(c.weight for c in rubric.criteria) - 1.0) < 1e-9
    exemplar = rubric.exemplars[0]
    assert "middle of paper" in exemplar.text
    assert set(exemplar.levels) == set(known_criteria())
    # A capable but imperfect essay: not at the top of the scale.
    assert all(level < rubric.max_level for level in exemplar.levels.values())
    # Question-free: the exemplar records the question it answered, the rubric asks nothing.
    assert rubric.question is None
    assert exemplar.question.text.startswith("How successful was Stalin's industrialisation")


def test_the_default_rubric_names_no_topic_anywhere(rubric):
    """Wording that names a topic would reach essays on every question."""
    import yaml

    from tests.conftest import DEFAULT_RUBRIC

    data = yaml.safe_load(DEFAULT_RUBRIC.read_text(encoding="utf-8"))
    assert "prompt" not in data and "key_terms" not in data and "question" not in data
    wording = " ".join(w.message + " " + w.next_step for c in rubric.criteria
                       for w in c.wording.values())
    descriptors = " ".join(d for c in rubric.criteria for d in c.descriptors.values())
    for word in ("Stalin", "Soviet", "Five-Year", "industrialisation", "Lenin"):
        assert word not in wording and word not in descriptors


def test_exemplar_is_the_seed_essay_verbatim(rubric):
    # sha256 of ../shared/seed/exemplar-essay.txt, the essay the project was created from.
    seed_digest = "f410690833ee02ec232d468efc01cc35379398a1c25950d5e062fed9ed430808"
    assert hashlib.sha256(rubric.exemplars[0].text.encode("utf-8")).hexdigest() == seed_digest


LEGACY = MINIMAL + """
prompt: How successful were Stalin's Five-Year Plans?
key_terms:
  - Stalin
  - term: Five-Year Plan
    aliases: [five year plan]
"""


def test_an_older_rubric_with_a_prompt_and_key_terms_loads_them_as_its_own_question():
    rubric = parse_rubric(LEGACY, "old.yaml")
    assert rubric.question.text == "How successful were Stalin's Five-Year Plans?"
    assert [t.term for t in rubric.question.key_terms] == ["Stalin", "Five-Year Plan"]
    assert rubric.question.key_terms[1].aliases == ("five year plan",)
    assert rubric.exemplar_question(rubric.exemplars[0]) == rubric.question


def test_a_rubric_question_and_an_exemplar_question_are_read_and_checked():
    text = MINIMAL.replace("    levels: {thesis: 2, evidence: 1}", "    levels: {thesis: 2, "
                           "evidence: 1}\n    question: {text: 'Why did the plans fail?', "
                           "period: 1928-1932}")
    text += "question:\n  text: 'How far did the New Deal end the Depression?'\n  key_terms: " \
            "[New Deal]\n  period: 1933-1939\n"
    rubric = parse_rubric(text, "q.yaml")
    assert str(rubric.question.period) == "1933–1939"
    assert rubric.exemplars[0].question.text == "Why did the plans fail?"
    assert rubric.exemplar_question(rubric.exemplars[0]).period.start == 1928
    bad = text.replace("period: 1933-1939", "period: soon")
    error = _error(bad)
    assert error.field == "question" and "period" in error.expected
    both = text + "prompt: Another question?\n"
    assert _error(both).field == "prompt"


def test_minimal_rubric_normalises_weights():
    rubric = parse_rubric(MINIMAL, "mini.yaml")
    assert [round(c.weight, 3) for c in rubric.criteria] == [0.667, 0.333]
    assert rubric.wording("thesis.missing").message.startswith("Your introduction")


def _error(text: str) -> RubricError:
    with pytest.raises(RubricError) as info:
        parse_rubric(textwrap.dedent(text), "bad.yaml")
    return info.value


def test_unknown_criterion_names_file_field_and_expectation():
    error = _error(MINIMAL.replace("  evidence:", "  evidense:").replace(
        "evidence: 1}", "evidense: 1}"))
    assert error.source == "bad.yaml"
    assert error.field == "criteria.evidense"
    assert "thesis, evidence, structure, language" in error.expected
    assert str(error).startswith("bad.yaml: criteria.evidense: ")


def test_missing_level_descriptor_is_named():
    error = _error(MINIMAL.replace("descriptors: {1: None., 2: Some.}",
                                   "descriptors: {1: None.}"))
    assert error.field == "criteria.evidence.descriptors.2"
    assert "level 2" in error.expected


def test_unknown_top_level_field_is_named():
    error = _error(MINIMAL + "colour: blue\n")
    assert error.field == "colour"
    assert "known field" in error.expected


def test_wrong_weight_type():
    error = _error(MINIMAL.replace("weight: 2", "weight: heavy"))
    assert error.field == "criteria.thesis.weight"
    assert "positive number" in error.expected


def test_exemplar_without_a_level_for_each_criterion():
    error = _error(MINIMAL.replace("levels: {thesis: 2, evidence: 1}", "levels: {thesis: 2}"))
    assert error.field == "exemplars[0].levels.evidence"


def test_exemplar_level_outside_the_scale():
    error = _error(MINIMAL.replace("levels: {thesis: 2, evidence: 1}",
                                   "levels: {thesis: 5, evidence: 1}"))
    assert error.field == "exemplars[0].levels.thesis"
    assert "[1, 2]" in error.expected


def test_unknown_feedback_code():
    error = _error(MINIMAL.replace("    weight: 1\n", "    weight: 1\n    feedback:\n"
                                   "      evidence.nice: {message: hi}\n"))
    assert error.field == "criteria.evidence.feedback.evidence.nice"
    assert "evidence.unsupported" in error.expected


def test_levels_must_be_consecutive():
    error = _error(MINIMAL.replace("levels: {1: Low, 2: High}", "levels: {1: Low, 3: High}"))
    assert error.field == "levels"


def test_yaml_that_does_not_parse_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\ncriteria: [unclosed\n", encoding="utf-8")
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert str(path) in str(info.value)
    assert info.value.field.startswith("line ")
    assert "valid YAML" in info.value.expected


def test_missing_rubric_file(tmp_path):
    with pytest.raises(RubricError, match="readable rubric file"):
        load_rubric(tmp_path / "nope.yaml")


def test_exemplar_path_is_resolved_beside_the_rubric(tmp_path):
    (tmp_path / "ex.txt").write_text("An exemplar essay text.", encoding="utf-8")
    text = MINIMAL.replace("  - text: Stalin's plans changed the Soviet Union, although the "
                           "cost was immense.", "  - path: ex.txt")
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_rubric(path).exemplars[0].text == "An exemplar essay text."
    path.write_text(text.replace("ex.txt", "missing.txt"), encoding="utf-8")
    with pytest.raises(RubricError, match=r"exemplars\[0\]\.path"):
        load_rubric(path)
