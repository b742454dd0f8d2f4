"""One engine per rubric version per worker process, over one shared spaCy pipeline."""

from __future__ import annotations

import logging

from flask import Flask

from grader import queries
from grader.db import database
from grader.services.rubrics import spec_of
from grader.tables import RubricVersion
from models.engine import Engine
from models.pipeline import load_pipeline

log = logging.getLogger(__name__)
_engines: dict[int, Engine] = {}


def warm_up(app: Flask) -> None:
    """Load the pipeline and build the active rubrics' engines now, when the process starts,
    rather than on the first essay: a draft should not wait for them, nor use up its time limit.
    """
    load_pipeline()
    try:
        with app.app_context(), database(app).session() as session:
            for rubric in queries.all_rubrics(session):
                if rubric.active_version is not None:
                    engine_for(rubric.active_version)
    except Exception as exc:  # the database may not be up yet: engines get built on first use
        log.warning("could not build the rubric engines at start: %s", exc)


def engine_for(version: RubricVersion) -> Engine:
    engine = _engines.get(version.id)
    if engine is None:
        log.info("building the engine for rubric %s v%s", version.rubric.slug, version.number)
        engine = _engines[version.id] = Engine(spec_of(version), nlp=load_pipeline())
    return engine


