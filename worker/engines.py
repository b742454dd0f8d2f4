"""One engine per rubric version per worker process, over one shared spaCy pipeline."""

from __future__ import annotations

import logging

from grader.services.rubrics import spec_of
from grader.tables import RubricVersion
from models.engine import Engine
from models.pipeline import load_pipeline

log = logging.getLogger(__name__)
_engines: dict[int, Engine] = {}


def warm_up() -> None:
    """Load the pipeline now rather than on the first essay (a draft should not wait for it)."""
    load_pipeline()


def engine_for(version: RubricVersion) -> Engine:
    engine = _engines.get(version.id)
    if engine is None:
        log.info("building the engine for rubric %s v%s", version.rubric.slug, version.number)
        engine = _engines[version.id] = Engine(spec_of(version), nlp=load_pipeline())
    return engine


