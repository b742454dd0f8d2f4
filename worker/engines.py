"""One engine per rubric version per worker process, over one shared spaCy pipeline, and the
calibration model active for each version, loaded once per process."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import queries
from grader.db import database
from grader.queries import active_activation
from grader.services.rubrics import spec_of
from grader.signing import verified
from grader.tables import Calibration, RubricVersion
from models.calibration.applied import AppliedCalibration
from models.calibration.model import CalibrationModel
from models.engine import Engine
from models.errors import CalibrationError
from models.pipeline import load_pipeline

log = logging.getLogger(__name__)
_engines: dict[int, Engine] = {}
# By database and id: a process (a test run) may serve more than one database.
_calibrations: dict[tuple[str, int], ActiveCalibration] = {}


# The calibration that scores a rubric version's essays; its model is None (and its error
# says why) when it cannot be used by this worker, e.g. after a library upgrade.
ActiveCalibration = AppliedCalibration


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


def calibration_for(session: Session, version: RubricVersion,
                    secret_key: str) -> ActiveCalibration | None:
    """The calibration active for this rubric version now (None: the default model); its
    model is unpickled only if its signature holds under ``secret_key``."""
    activation = active_activation(session, version.id)
    if activation is None:
        return None
    key = (str(session.get_bind().url), activation.calibration_id)
    active = _calibrations.get(key)
    if active is None:
        signed, source = session.execute(select(Calibration.model, Calibration.source).where(
            Calibration.id == activation.calibration_id)).one()
        data = verified(signed or b"", secret_key)
        try:
            if data is None:
                raise CalibrationError("its stored model is not signed with this service's "
                                       "secret key (GRADER_SECRET_KEY changed, or it was "
                                       "written by something else)")
            model = CalibrationModel.from_bytes(data, engine_for(version),
                                                f"calibration {activation.calibration_id}")
            active = ActiveCalibration(activation.calibration_id, model, source=source)
        except CalibrationError as exc:
            log.error("calibration %s cannot be used: %s", activation.calibration_id, exc)
            active = ActiveCalibration(activation.calibration_id, None, str(exc), source)
        _calibrations[key] = active
    return active
