"""The argument as people annotate it: thesis and its restatement, a point per paragraph,
support linked to what it backs; the model file; the annotated corpus's format."""

from __future__ import annotations

import json
import math

import pytest

from models.argument import ROLES, find_argument
from models.argument.corpus import gold_targets, overlaps, read_corpus, sentence_gold
from models.argument.features import SentenceFeatures, sections, sentence_features
from models.argument.model import LABELS, MODEL_FILE, ArgumentModel, load_model
from tests.test_questions import essay, question_of

STRONG = ("new-deal-strong", "american-revolution-strong", "first-world-war-strong",
          "french-revolution-strong", "roman-republic-strong", "stalin-strong-short")


@pytest.mark.parametrize("name", STRONG)
def test_the_thesis_and_its_restatement_are_found_in_essays_on_any_question(analyse, name):
    a = analyse(essay(name), question_of(name))
    argument = find_argument(a.scored, a.topic)
    assert a.essay.sentence(argument.thesis).text.startswith("This essay argues that")
    assert argument.restatement in a.essay.paragraphs[-1].sentences
    assert argument.roles[argument.restatement].backs == argument.thesis
    # One point per body paragraph, every support linked to its paragraph's point.
    bodies = a.essay.paragraphs[1:-1]
    assert len(argument.claims) >= len(bodies)
    for paragraph in bodies:
        points = [i for i in paragraph.sentences
                  if argument.role(i) in {"claim", "counterclaim"}]
        assert len(points) == 1
        for i in paragraph.sentences:
            if argument.role(i) == "support":
                assert argument.roles[i].backs == points[0]
                assert i in argument.backed_by(points[0])
    assert {r.role for r in argument.roles.values()} <= set(ROLES)


def test_an_essay_in_one_block_is_read_with_an_introduction_and_a_conclusion(analyse):
    text = " ".join(" ".join(p.split()) for p in essay("american-revolution-strong")
                    .split("\n\n"))
    a = analyse(text, question_of("american-revolution-strong"))
    parts = sections(a.scored)
    assert [p.place for p in parts] == ["intro", "body", "conclusion"]
    assert len(parts[0].sentences) <= 3
    assert a.scored.sentence(parts[2].sentences[0]).text.startswith("In conclusion")
    argument = find_argument(a.scored, a.topic)
    assert argument.thesis in parts[0].sentences


def test_features_are_named_numbers_and_see_the_neighbours_and_the_section(analyse):
    a = analyse(essay("first-world-war-strong"), question_of("first-world-war-strong"))
    features = sentence_features(a.scored, a.topic)
    rows = features.rows()
    assert len(features) == len(rows) == len(a.scored.sentences)
    assert all(isinstance(v, float) for row in rows for v in row.values())
    assert rows[0]["place=intro"] == 1.0 and rows[0]["previous=none"] == 1.0
    assert "relative_centrality" in rows[5] and "question_overlap" in rows[5]
    # Each number is the one its name says (a column out of place would move the model).
    parts = sections(a.scored)
    assert len(parts) == len(a.scored.paragraphs) >= 3
    row_of = {s.index: row for s, row in zip(a.scored.sentences, rows, strict=True)}
    for part in parts:
        n = len(part.sentences)
        for k, index in enumerate(part.sentences):
            row, sentence = row_of[index], a.scored.sentence(index)
            assert row["paragraph_sentences"] == min(n, 8) / 8
            assert row["essay_paragraphs"] == min(len(parts), 7) / 7
            assert row["relative_position"] == (k / (n - 1) if n > 1 else 0.0)
            assert row["words_log"] == pytest.approx(math.log1p(sentence.n_words))
            assert row["question_mark"] == float(sentence.text.rstrip().endswith("?"))
            assert row["number"] == float(sentence.has_number)
            assert row[f"place={part.place}"] == 1.0
            assert row.get("previous=none", 0.0) == float(k == 0)
            assert row.get("next=none", 0.0) == float(k == n - 1)


def test_the_shipped_model_is_plain_json_with_its_origin_and_reads_back(tmp_path):
    model = load_model()
    assert set(model.roles) == set(LABELS)
    assert "Argument Annotated Essays" in str(model.about["data"])
    assert "python -m models.argument.training" in str(model.about["rebuilt_by"])
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert data["format"] == 1
    copy = ArgumentModel.from_json(model.to_json())
    rows = SentenceFeatures.from_rows([{"place=intro": 1.0, "slot=last": 1.0, "opinion": 1.0}])
    assert copy.probabilities(rows) == model.probabilities(rows)
    with pytest.raises(ValueError, match="rebuild it"):
        ArgumentModel.from_json(json.dumps({"format": 99, "roles": {}}))


def test_the_corpus_format_is_read_and_sentences_take_the_roles_they_overlap(tmp_path,
                                                                              analyse):
    text = ("Schools should teach history. I think so.\n\nFirst, history explains the present. "
            "For example, wars shape borders.\n\nIn conclusion, history matters.")
    components = [
        {"type": "MajorClaim", "stance": "For", "start": 0, "end": 29,
         "text": "Schools should teach history"},
        {"type": "Claim", "stance": "For", "start": 50, "end": 81, "text": "x"},
        {"type": "Premise", "stance": "-1", "start": 96, "end": 117, "text": "x"},
        {"type": "Claim", "stance": "Against", "start": 120, "end": 150, "text": "x"}]
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "e1", "topic": "History", "text": text,
                                "components": components}) + "\n", encoding="utf-8")
    [annotated] = read_corpus(path)
    assert annotated.components[2].target == 1
    a = analyse(text, None)
    gold = sentence_gold(a.essay, annotated)
    assert [sorted(g.roles) for g in gold] == [["thesis"], [], ["claim"], ["support"],
                                               ["claim", "counterclaim"]]
    assert list(gold_targets(gold, annotated)) == [(3, {2})]
    assert overlaps((0, 10), (5, 12)) and not overlaps((0, 10), (9, 30))
