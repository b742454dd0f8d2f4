"""Shared fixtures: the spaCy pipeline and the engine are built once per test session."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from models.engine import Engine
from models.pipeline import load_pipeline
from models.question import Question
from models.rubric import Rubric, load_rubric

ROOT = Path(__file__).resolve().parents[1]
ESSAYS = Path(__file__).resolve().parent / "essays"
DEFAULT_RUBRIC = ROOT / "rubrics" / "history-argument.yaml"
QUESTIONS = ESSAYS / "questions"
# The question the test essays on Stalin answer, as a teacher would set it (with key terms).
STALIN = Question.build(
    "How successful was Stalin's industrialisation of the Soviet Union? Assess its aims, methods "
    "and results, using evidence from the period.",
    key_terms=["Stalin", "Lenin", "industrialisation / industrialization / industry / "
               "industrial", "Five-Year Plan / five year plan / Five-Year Plans",
               "collectivisation / collectivization / collective farms",
               "kulaks / kulak / dekulakisation", "peasants / peasant / peasantry",
               "communism / communist / socialism", "output / production / steel / coal",
               "Soviet Union / USSR / Soviet / Russia", "Gosplan", "famine", "purges / purge",
               "Stakhanovite / Stakhanov"])


@pytest.fixture(scope="session")
def nlp():
    return load_pipeline()


@pytest.fixture(scope="session")
def rubric() -> Rubric:
    return load_rubric(DEFAULT_RUBRIC)


@pytest.fixture(scope="session")
def engine(rubric: Rubric, nlp) -> Engine:
    return Engine(rubric, nlp=nlp)


@pytest.fixture(scope="session")
def grade(engine: Engine):
    """``engine.grade`` against the Stalin question, which the test essays answer."""
    return partial(engine.grade, question=STALIN)


@pytest.fixture
def measured(monkeypatch):
    """``measured(trusted=[codes], untrusted=[codes])``: pin the measured precision of feedback
    codes (models/feedback/precision.json) for a test, so what students see does not depend
    on the latest benchmark run."""
    from models.feedback import precision

    def pin(trusted=(), untrusted=(), roles=None):
        data = {"codes": {**{c: {"precision": 0.95, "cases": 100, "how": "test"}
                              for c in trusted},
                           **{c: {"precision": 0.5, "cases": 100, "how": "test"}
                              for c in untrusted}},
                "roles": roles or {}}
        monkeypatch.setattr(precision, "_file", lambda: data)
    return pin


@pytest.fixture(scope="session")
def essays() -> dict[str, str]:
    """Short essays written for these tests, plus the rubric's exemplar."""
    texts = {path.stem: path.read_text(encoding="utf-8") for path in ESSAYS.glob("*.txt")}
    texts["exemplar"] = (ROOT / "rubrics" / "exemplars" / "stalin-industrialisation.txt"
                         ).read_text(encoding="utf-8")
    return texts


@pytest.fixture(scope="session")
def analyse(engine: Engine):
    """Features of a text, as the engine computes them (against the Stalin question unless
    told another, or None)."""
    from models.text import prepare_text

    def run(text: str, question: Question | None = STALIN):
        prepared = prepare_text(text)
        return engine.analyse(prepared, engine.nlp(prepared.analysis_text), question)

    return run


# --- faults survived: the fault tests record what became of the essays they accepted --------

FAULTS = pytest.StashKey[list]()


@pytest.fixture(scope="session")
def faults(request):
    """``faults.append((fault, FaultOutcome, how it recovered))``; printed as a table at the
    end of the run (tests/test_service_processes.py)."""
    return request.config.stash.setdefault(FAULTS, [])


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    rows = config.stash.get(FAULTS, [])
    if not rows:
        return
    write = terminalreporter.write_line
    terminalreporter.write_sep("-", "faults survived")
    write("| fault | accepted | graded once | failed with reason | results stored twice | lost "
          "| started again | survived | recovery |")
    write("|---|---|---|---|---|---|---|---|---|")
    for fault, outcome, recovery in rows:
        write(f"| {fault} | {outcome.accepted} | {outcome.graded_once} | "
              f"{outcome.failed_with_reason} | {outcome.stored_twice} | {outcome.lost} | "
              f"{outcome.started_again} | {'yes' if outcome.survived else 'NO'} | {recovery} |")


# --- the service: a real app on SQLite with the embedded broker (no worker process) -------------

@pytest.fixture
def service_app(tmp_path):
    from tests.service_support import make_app, service_env

    return make_app(service_env(tmp_path / "instance"))


@pytest.fixture
def client(service_app):
    return service_app.test_client()


@pytest.fixture
def runner(service_app):
    return service_app.test_cli_runner()


@pytest.fixture
def accounts(service_app) -> dict[str, dict[str, str]]:
    """Authorization headers for two students, two teachers and an admin."""
    from tests.service_support import token_for

    people = {"student": "student", "student2": "student", "teacher": "teacher",
              "teacher2": "teacher", "admin": "admin"}
    return {key: token_for(service_app, f"{key}@school.example", role)
            for key, role in people.items()}


@pytest.fixture(scope="session")
def grade_pending(nlp):
    """Grade every pending essay of an app in this process, with the real engine and the
    worker's own grading code (what a worker does, minus the broker), scoring with the active
    calibration as a worker does. ``run.calibrate(app)`` fits pending calibrations likewise."""
    from sqlalchemy import select

    from grader.db import database
    from grader.services.rubrics import spec_of
    from grader.tables import Calibration, Essay
    from worker.calibrating import run_calibration
    from worker.engines import calibration_for
    from worker.grading import grade_chunk

    engines: dict[str, Engine] = {}

    def engine_for(version):
        if version.digest not in engines:
            engines[version.digest] = Engine(spec_of(version), nlp=nlp)
        return engines[version.digest]

    def run(app, max_attempts: int = 3, token: str = "test-message"):
        with database(app).session() as session:
            ids = list(session.scalars(select(Essay.id).where(
                Essay.status.in_(("queued", "running"))).order_by(Essay.id)))
        return grade_chunk(database(app).sessions, ids, engine_for, max_attempts, token,
                           stale_after=600, calibration_for=partial(
                               calibration_for, secret_key=app.config["SECRET_KEY"]))

    def calibrate(app, token: str = "test-calibration") -> dict[int, str]:
        with database(app).session() as session:
            ids = list(session.scalars(select(Calibration.id).where(
                Calibration.status.in_(("queued", "running"))).order_by(Calibration.id)))
        return {i: run_calibration(database(app).sessions, i, engine_for, token,
                                   max_attempts=3, stale_after=600, time_limit=600,
                                   secret_key=app.config["SECRET_KEY"])
                for i in ids}

    run.engine_for = engine_for
    run.calibrate = calibrate
    return run
