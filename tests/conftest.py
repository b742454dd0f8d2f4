"""Shared fixtures: the spaCy pipeline and the engine are built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.engine import Engine
from models.pipeline import load_pipeline
from models.rubric import Rubric, load_rubric

ROOT = Path(__file__).resolve().parents[1]
ESSAYS = Path(__file__).resolve().parent / "essays"
DEFAULT_RUBRIC = ROOT / "rubrics" / "history-argument.yaml"


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
def essays() -> dict[str, str]:
    """Short essays written for these tests, plus the rubric's exemplar."""
    texts = {path.stem: path.read_text(encoding="utf-8") for path in ESSAYS.glob("*.txt")}
    texts["exemplar"] = (ROOT / "rubrics" / "exemplars" / "stalin-industrialisation.txt"
                         ).read_text(encoding="utf-8")
    return texts


@pytest.fixture(scope="session")
def analyse(engine: Engine):
    """Features of a text, as the engine computes them."""
    from models.text import prepare_text

    def run(text: str):
        prepared = prepare_text(text)
        return engine.analyse(prepared, engine.nlp(prepared.analysis_text))

    return run
