"""The writing-quality prior: how it is fitted, what it reads, how levels and calibration use
it, and which essays a teacher is asked to score first."""

from __future__ import annotations

import csv
import json
import random

import numpy as np
import pytest

from grader.cli import main
from models.calibration.estimator import CalibratedCriterion
from models.calibration.features import FEATURES_VERSION
from models.calibration.model import calibrate, features_of
from models.calibration.suggest import OVERALL_PRIOR, suggest
from models.engine import level_input
from models.errors import CalibrationError
from models.prior.model import NOT_READ, PRIOR_FILE, PRIOR_SHARE, QualityPrior, load_prior
from tests.conftest import STALIN
from tests.planted import planted_essay


def synthetic(prompts: int = 6, per_prompt: int = 60, seed: int = 0):
    """Rows where length is high for whole prompts whose raters mark hard (so pooled over
    prompts, longer looks worse) but, within every prompt, longer and richer essays score
    higher."""
    rng = np.random.default_rng(seed)
    rows, targets, groups = [], [], []
    for p in range(prompts):
        shift = p * 0.5  # long prompts ...
        harsh = -0.12 * p  # ... marked harder
        for _ in range(per_prompt):
            quality = rng.normal()
            rows.append({"words_log": 5 + shift + 0.3 * quality + rng.normal(0, 0.05),
                         "noise": rng.normal(), "topic_share": rng.random(),
                         "flag_off_topic": 0.0})
            targets.append(float(np.clip(0.7 + harsh + 0.1 * quality, 0, 1)))
            groups.append(f"prompt {p}")
    return rows, {"overall": targets}, groups


def test_the_prior_learns_within_prompts_what_pooling_would_get_backwards():
    rows, targets, groups = synthetic()
    prior = QualityPrior().fit(rows, targets, groups)
    weights = dict(zip(prior.feature_names_, prior.coef_["overall"], strict=True))
    assert weights["words_log"] > 0  # longer is better within a prompt
    # Pooled, the same data says the opposite: what the within-prompt fit exists to avoid.
    pooled = np.polyfit([r["words_log"] for r in rows], targets["overall"], 1)[0]
    assert pooled < 0
    predicted = prior.predict(rows)["overall"]
    assert predicted.min() >= 0 and predicted.max() <= 1


def test_the_prior_reads_neither_the_prompts_words_nor_the_flags():
    rows, targets, groups = synthetic()
    prior = QualityPrior().fit(rows, targets, groups)
    assert not {"topic_share", "flag_off_topic"} & set(prior.feature_names_)
    row = dict(rows[0])
    before = prior.predict_one(row)["overall"]
    row.update(topic_share=0.0, flag_off_topic=1.0)
    assert prior.predict_one(row)["overall"] == pytest.approx(before)
    assert prior.predict_one(row)["overall"] == pytest.approx(prior.predict([row])["overall"][0])


def test_the_prior_round_trips_through_json_and_refuses_other_features():
    rows, targets, groups = synthetic()
    prior = QualityPrior().fit(rows, targets, groups)
    text = prior.to_json({"data": "synthetic"})
    again = QualityPrior.from_json(text)
    assert again.predict(rows)["overall"] == pytest.approx(prior.predict(rows)["overall"],
                                                           abs=1e-5)
    stale = json.loads(text)
    stale["features_version"] = FEATURES_VERSION - 1
    with pytest.raises(CalibrationError, match="rebuild"):
        QualityPrior.from_json(json.dumps(stale))


def test_the_shipped_prior_matches_these_features_and_names_its_data():
    prior = load_prior()
    data = json.loads(PRIOR_FILE.read_text(encoding="utf-8"))
    assert data["features_version"] == FEATURES_VERSION
    assert {"asap", "ellipse", "rebuild"} <= set(data["origin"])
    assert set(prior.criteria) == {"overall", "structure", "evidence", "language"}
    assert not NOT_READ & set(prior.feature_names_)


def test_levels_blend_the_prior_with_the_criterions_own_raw_score():
    assert level_input(None, 0.4) == 0.4  # a criterion no corpus scores: its raw score
    assert level_input(0.8, 0.4) == pytest.approx(PRIOR_SHARE * 0.8 + (1 - PRIOR_SHARE) * 0.4)


def test_a_result_records_the_prior_and_each_criterions_share(grade, essays):
    result = grade(essays["strong"])
    document = result.to_dict()
    assert document["engine"]["prior"] == load_prior().version
    shares = {c["id"]: c["prior"] for c in document["criteria"]}
    assert shares["thesis"] is None  # no corpus scores a thesis: its raw score places it
    assert all(0 <= shares[c] <= 1 for c in ("evidence", "structure", "language"))


def test_the_exemplar_keeps_the_overall_the_rubric_gives_it(engine, rubric, essays):
    exemplar = rubric.exemplars[0]
    result = engine.grade(essays["exemplar"], question=exemplar.question)
    stated = sum(c.weight * exemplar.levels[c.id] for c in rubric.criteria)
    assert result.overall_score == pytest.approx(stated, abs=0.01)


def test_a_calibration_centred_on_the_prior_learns_from_30_essays():
    """Thirty essays whose scores follow the prior, and forty features of noise: centred on
    the prior the model follows it; from nothing, the noise costs it."""
    rng = np.random.default_rng(3)
    def sample(n):
        prior = rng.random(n)
        X = np.column_stack([prior, rng.normal(size=(n, 40))])
        y = np.clip(np.rint(1 + 3 * prior + rng.normal(0, 0.3, n)), 1, 4)
        return X, y
    X, y = sample(30)
    test_X, test_y = sample(500)
    centred = CalibratedCriterion(centre=0).fit(X, y)
    plain = CalibratedCriterion().fit(X, y)
    error = lambda model: np.mean(np.abs(model.predict_scores(test_X) - test_y))  # noqa: E731
    assert error(centred) < error(plain)
    assert centred.base_[1] > 0  # a better prior means a higher score
    names = ["prior_overall"] + [f"x{i}" for i in range(40)]
    top = centred.contributions(test_X[0], names, top=1)
    assert top[0][0] == "prior_overall"


def test_calibration_starts_from_the_prior_in_the_rows(engine):
    rng = random.Random(11)
    levels = [1, 2, 3, 4] * 5
    texts = [planted_essay(level, rng) for level in levels]
    rows, errors = features_of(engine, texts, STALIN)
    assert not any(errors) and all(OVERALL_PRIOR in row for row in rows)
    model = calibrate(engine, rows, {"overall": ("teacher", levels)}, question=STALIN)
    assert model.targets["overall"].estimator.criterion_.centre is not None


def test_suggested_essays_span_the_priors_range_and_differ():
    rng = np.random.default_rng(0)
    rows = [{OVERALL_PRIOR: float(p), "a": float(a), "b": float(b)}
            for p, a, b in zip(rng.random(200), rng.normal(size=200), rng.normal(size=200),
                               strict=True)]
    rows[5] = None  # not analysable: never suggested
    chosen = suggest(rows, 10, ["a", "b", OVERALL_PRIOR])
    assert len(set(chosen)) == 10 and 5 not in chosen
    priors = sorted(rows[i][OVERALL_PRIOR] for i in chosen)
    assert priors[0] < 0.15 and priors[-1] > 0.85  # both ends of the range, not the middle
    assert suggest(rows[:8], 10, ["a"]) == [0, 1, 2, 3, 4, 6, 7]


def test_the_cli_suggests_which_essays_to_score_first(tmp_path, capsys):
    rng = random.Random(2)
    path = tmp_path / "class.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "essay"])
        writer.writerows([f"s{i}", planted_essay(1 + i % 4, rng)] for i in range(16))
    out = tmp_path / "first.csv"
    assert main(["calibrate", "--suggest", "5", str(path), "--text-column", "essay",
                 "--question", STALIN.text, "--out", str(out)]) == 0
    assert "Score these 5 essays first" in capsys.readouterr().out
    chosen = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["suggested_order"] for r in chosen] == ["1", "2", "3", "4", "5"]
    assert len({r["student"] for r in chosen}) == 5
    with pytest.raises(SystemExit) as info:  # calibrating, not suggesting: --score, --out
        main(["calibrate", str(path), "--text-column", "essay"])
    assert info.value.code == 2
