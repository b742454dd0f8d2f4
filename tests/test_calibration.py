"""Calibration on a small scored set the tests make themselves, with a planted signal."""

from __future__ import annotations

import csv
import random

import numpy as np
import pytest

from grader.cli import main
from models.calibration.agreement import agreement, quadratic_weighted_kappa
from models.calibration.model import (
    CalibrationModel,
    calibrate,
    features_of,
    library_versions,
)
from models.calibration.scale import ScoreScale
from models.engine import Engine
from models.errors import CalibrationError
from models.rubric import parse_rubric
from tests.conftest import DEFAULT_RUBRIC, ESSAYS, STALIN
from tests.planted import planted_essay


@pytest.fixture(scope="module")
def scored_set():
    rng = random.Random(7)
    levels = [1, 2, 3, 4] * 10
    rng.shuffle(levels)
    texts = [planted_essay(level, rng) for level in levels]
    return texts, levels


@pytest.fixture(scope="module")
def scored_features(engine, scored_set):
    texts, _ = scored_set
    rows, errors = features_of(engine, texts)
    assert not any(errors)
    return rows


def test_scales_take_whole_or_half_points_on_any_range():
    assert ScoreScale.infer([2, 12, 7]) == ScoreScale(2.0, 12.0, 1.0)
    half = ScoreScale.infer([1.0, 4.5, 2.5])
    assert half == ScoreScale(1.0, 4.5, 0.5) and half.points == 8
    assert half.snap([0.2, 2.74, 2.76, 9.0]).tolist() == [1.0, 2.5, 3.0, 4.5]
    with pytest.raises(ValueError):
        ScoreScale.infer([1.0, 2.3])


def test_agreement_figures_are_the_standard_ones():
    scale = ScoreScale(1, 4, 1)
    perfect = agreement([1, 2, 3, 4], [1, 2, 3, 4], scale)
    assert (perfect.qwk, perfect.exact, perfect.adjacent) == (1.0, 1.0, 1.0)
    off = agreement([1, 2, 3, 4], [2, 3, 4, 4], scale)
    assert off.exact == 0.25 and off.adjacent == 1.0 and 0 < off.qwk < 1
    assert off.confusion[0] == [0, 1, 0, 0] and sum(map(sum, off.confusion)) == 4
    assert quadratic_weighted_kappa([0, 1, 2], [2, 1, 0], 3) == pytest.approx(-1.0)


def test_calibration_learns_a_planted_signal_and_reports_cross_validated_agreement(
        engine, scored_set, scored_features):
    _, levels = scored_set
    halves = [1.5 + (level - 1) * 0.5 for level in levels]  # another teacher's half-point scale
    model = calibrate(engine, scored_features, {"overall": ("grade", levels),
                                                "evidence": ("evidence_mark", halves)})
    overall = model.targets["overall"].agreement
    assert overall.n == 40 and overall.qwk >= 0.8 and overall.adjacent >= 0.95
    assert model.targets["evidence"].agreement.labels == [1.5, 2.0, 2.5, 3.0]
    rng = random.Random(99)
    fresh, _ = features_of(engine, [planted_essay(1, rng), planted_essay(4, rng)])
    predicted = model.predict(fresh)
    assert predicted["overall"][0] < predicted["overall"][1]
    assert set(predicted["evidence"]) <= {1.5, 2.0, 2.5, 3.0}


def test_flagged_essays_are_capped_whatever_the_regression_says(engine, scored_set,
                                                                 scored_features):
    _, levels = scored_set
    model = calibrate(engine, scored_features, {"overall": ("grade", levels)})
    rng = random.Random(3)
    strong = planted_essay(4, rng)
    words = strong.split()
    rng.shuffle(words)
    salad = " ".join(words)
    rows, _ = features_of(engine, [strong, salad])
    assert rows[1]["flag_word_salad"] == 1.0
    predicted = model.predict(rows)["overall"]
    assert predicted[1] == 1.0 < predicted[0]


def test_a_model_loads_only_where_its_versions_and_rubric_match(engine, nlp, scored_set,
                                                                 scored_features, tmp_path):
    _, levels = scored_set
    model = calibrate(engine, scored_features, {"overall": ("grade", levels)})
    path = tmp_path / "model.bin"
    model.save(path)
    assert CalibrationModel.load(path, engine).targets["overall"].column == "grade"
    model.versions["scikit-learn"] = "0.1.0"
    model.save(path)
    with pytest.raises(CalibrationError, match=r"scikit-learn 0\.1\.0 \(this grader has"):
        CalibrationModel.load(path, engine)
    model.versions = library_versions()
    model.save(path)
    edited = parse_rubric(DEFAULT_RUBRIC.read_text(encoding="utf-8").replace(
        "title: Argumentative history essay", "title: Edited"), base_dir=DEFAULT_RUBRIC.parent)
    other = Engine(edited, nlp=nlp)
    with pytest.raises(CalibrationError, match="rubric history-argument v1"):
        CalibrationModel.load(path, other)
    (tmp_path / "junk.bin").write_bytes(b"not a model")
    with pytest.raises(CalibrationError, match="not a readable calibration model"):
        CalibrationModel.load(tmp_path / "junk.bin", engine)


def test_too_few_scores_or_an_unknown_criterion_are_refused(engine, scored_features):
    with pytest.raises(CalibrationError, match="at least 10"):
        calibrate(engine, scored_features[:6], {"overall": ("grade", [1, 2, 3, 4, 1, 2])})
    with pytest.raises(CalibrationError, match="'handwriting' is not 'overall'"):
        calibrate(engine, scored_features, {"handwriting": ("h", [1] * 40)})


def test_the_cli_calibrates_from_a_csv_and_adds_calibrated_columns_to_another(
        scored_set, tmp_path, capsys):
    texts, levels = scored_set
    train = tmp_path / "train.csv"
    with train.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "essay", "teacher"])
        writer.writerows([i, t, level] for i, (t, level) in enumerate(zip(texts, levels,
                                                                         strict=True)))
    model = tmp_path / "model.bin"
    question = STALIN.text
    assert main(["calibrate", str(train), "--text-column", "essay", "--score",
                 "teacher=overall", "--question", question, "--out", str(model)]) == 0
    printed = capsys.readouterr().out
    assert "| overall | teacher | 40 |" in printed and "confusion matrix" in printed
    assert f"question: {question}" in printed
    assert CalibrationModel.load(model).question_spec.text == question
    rng = random.Random(5)
    given = tmp_path / "in.csv"
    with given.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "essay"])
        writer.writerows([["weak", planted_essay(1, rng)], ["strong", planted_essay(4, rng)],
                          ["blank", "  "], ["elsewhere", (ESSAYS / "off_topic.txt").read_text(
                              encoding="utf-8")]])
    out = tmp_path / "out.csv"
    code = main(["grade", "--model", str(model), "--csv", str(given), "--text-column", "essay",
                 "--out", str(out)])
    assert code == 1  # one row could not be graded, and says so
    assert "in.csv row 4: " in capsys.readouterr().err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["student"] for r in rows] == ["weak", "strong", "blank", "elsewhere"]
    assert float(rows[0]["overall"]) < float(rows[1]["overall"]) and rows[2]["overall"] == ""
    # Read against the model's question: the essay on social media is off topic, capped.
    assert float(rows[3]["overall"]) == 1
    assert np.isin([float(r["overall"]) for r in rows[:2]], [1, 2, 3, 4]).all()


def test_cli_shapes_are_enforced(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["grade", "--model", "m.bin"])
    assert info.value.code == 2
    assert main(["calibrate", str(tmp_path / "none.csv"), "--text-column", "essay", "--score",
                 "x=overall", "--out", str(tmp_path / "m.bin")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def test_a_class_whose_essays_all_share_little_with_a_short_prompt_is_not_capped():
    from models.calibration.model import IntegrityBounds

    normal = [{"topic_share": 0.02 + 0.001 * i, "word_salad_score": 0.1, "flag_off_topic": 1.0,
               "flag_word_salad": 0.0} for i in range(100)]
    bounds = IntegrityBounds.fit(normal)
    # As on-topic as this class's essays are: the default detector's flag does not hold.
    assert bounds.flags({**normal[50]}) == set()
    # Far less on topic than any essay the teacher scored, or real word salad: it does.
    assert bounds.flags({**normal[50], "topic_share": 0.0}) == {"off_topic"}
    salad = {**normal[50], "word_salad_score": 0.8, "flag_word_salad": 1.0}
    assert "word_salad" in bounds.flags(salad)


OFF_TOPIC = ("My favourite hobby is playing football with my friends after school. We meet at "
             "the park on Saturdays and play until it gets dark. Football keeps me healthy and "
             "teaches me teamwork, because every player has to pass the ball and trust the "
             "others.\n\nI also like computers and video games. Playing games online with my "
             "cousins is fun, although my parents say I spend too much time on the screen. "
             "Last summer I built my own computer from parts I bought with money from my paper "
             "round, and now I write small programs that draw pictures and play music.\n\n"
             "In the future I would like to become a game designer or a sports coach. Both jobs "
             "mean working with people and solving problems, which is what I enjoy most. My "
             "teachers say that if I keep practising and reading, I can do either of them, so "
             "I try to spend an hour every evening on homework before I go out to play.")


def test_term_counts_ride_in_the_row_but_are_not_a_regression_feature(scored_features):
    from models.calibration.features import TERMS
    from models.calibration.model import regression_features

    row = scored_features[0]
    assert row[TERMS]["industrialisation"] >= 1 and TERMS not in regression_features(row)
    assert all(isinstance(row[n], float) for n in regression_features(row))


def test_content_features_are_learnt_from_the_class_and_explained(engine, scored_set,
                                                                  scored_features):
    from models.calibration.model import regression_features
    from models.calibration.scorer import MIN_CONTENT_ESSAYS, EssayScorer

    _, levels = scored_set
    names = regression_features(scored_features[0])
    few = EssayScorer(names).fit(scored_features, levels)  # 40 essays: too few for content
    assert len(scored_features) < MIN_CONTENT_ESSAYS and few.content_ is None
    rows, scores = scored_features * 2, levels * 2
    estimator = EssayScorer(names).fit(rows, scores)
    assert "content_vocabulary" in estimator.feature_names_
    top = estimator.contributions(rows[0], top=5)
    assert len(top) == 5 and all(name in estimator.feature_names_ for name, _ in top)


def test_boosted_trees_blend_in_from_300_essays_and_are_named_in_explanations(
        scored_set, scored_features):
    from models.calibration.model import regression_features
    from models.calibration.scorer import BOOST_NAME, MIN_BOOST_ESSAYS, EssayScorer

    _, levels = scored_set
    copies = -(-MIN_BOOST_ESSAYS // len(levels))
    rows, scores = scored_features * copies, levels * copies
    estimator = EssayScorer(regression_features(rows[0]), content=False).fit(rows, scores)
    assert estimator.trees_ is not None
    assert set(estimator.predict_scores(rows[:4])) <= {1, 2, 3, 4}
    names = [name for name, _ in estimator.contributions(rows[0], top=len(
        estimator.feature_names_) + 1)]
    assert BOOST_NAME in names


def test_an_essay_unlike_the_class_essays_is_off_topic_in_the_calibrated_model(
        engine, scored_set, scored_features):
    _, levels = scored_set
    model = calibrate(engine, scored_features, {"overall": ("grade", levels)})
    rng = random.Random(11)
    rows, _ = features_of(engine, [planted_essay(4, rng), OFF_TOPIC])
    flags = model.flags(rows)
    assert "off_topic" not in flags[0] and "off_topic" in flags[1]
    # The class's vocabulary decides, even where the default detector is fooled.
    fooled = {**rows[1], "flag_off_topic": 0.0, "topic_share": 1.0}
    assert model.flags([fooled]) == [{"off_topic"}]
    predicted = model.predict(rows)["overall"]
    assert predicted[1] == 1.0 < predicted[0]
    # No class essay is capped as off topic against the class it belongs to.
    assert not any("off_topic" in f for f in model.flags(scored_features))


def test_a_calibrated_level_keeps_a_cap_it_keeps_and_drops_one_it_moved(grade, essays, rubric):
    from models.calibration.applied import _replaced

    result = grade(essays["off_topic"])
    capped = next(c for c in result.criteria if c.capped_by == "off_topic")
    kept = _replaced(capped, 1, rubric)  # the calibration capped it too: still capped, and why
    assert kept.capped_by == "off_topic" and kept.cap_reason.startswith("Capped at")
    moved = _replaced(capped, 3, rubric)  # the calibration did not hold the flag
    assert moved.capped_by is None and moved.cap_reason is None
    assert (moved.level, moved.label) == (3, rubric.levels[3])
    assert moved.descriptor == next(c for c in rubric.criteria if c.id == capped.id
                                    ).descriptors[3]
    assert moved.uncapped_score == capped.uncapped_score


def test_the_engine_applies_a_calibration_as_the_service_does(engine, scored_set,
                                                              scored_features, rubric):
    from models.calibration.applied import AppliedCalibration

    texts, levels = scored_set
    model = calibrate(engine, scored_features, {"overall": ("teacher", levels),
                                                "evidence": ("teacher", levels)})
    # Fitted on the rubric's own levels (teachers' overrides): its levels replace the engine's.
    overrides = AppliedCalibration(7, model, source="overrides")
    default = engine.grade(texts[0])
    result = engine.grade(texts[0], calibration=overrides)
    scores = result.calibration.scores
    assert result.overall_level == round(scores["overall"])
    assert result.criterion("evidence").level == round(scores["evidence"])
    assert result.calibration.default_levels == {"overall": default.overall_level,
                                                 "evidence": default.levels["evidence"]}
    assert result.to_dict()["calibration"]["id"] == 7
    # Fitted on a CSV: its scores stand beside the engine's levels.
    beside = engine.grade(texts[0], calibration=AppliedCalibration(8, model))
    assert beside.levels == default.levels and beside.calibration.scores == scores
    unusable = engine.grade(texts[0], calibration=AppliedCalibration(9, None, "too old"))
    assert unusable.levels == default.levels and unusable.calibration.scores is None
    assert "calibration" not in default.to_dict()
