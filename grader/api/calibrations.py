"""Calibrations: fit the grader to teachers' scores, then activate or roll back the model.

Teachers and admins ask for a calibration (a CSV of scored essays, or the overrides teachers
made); a worker fits it and reports cross-validated agreement; only an admin activates a model
or rolls one back, since that changes how everyone's essays are scored.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from grader import queries
from grader.api import schemas
from grader.api.common import ID, form_question, rubric_version, upload_limits
from grader.api.present import iso, rubric_ref
from grader.auth import current_user, require_user
from grader.db import get_session
from grader.errors import ApiError
from grader.services.calibrations import (
    CalibrationRequestError,
    CalibrationStateError,
    TrainingSet,
    activate,
    request_calibration,
    rollback,
    score_columns,
    training_from_csv,
    training_from_overrides,
)
from grader.tables import Calibration as CalibrationRow
from grader.tables import RubricVersion
from models.calibration.versions import mismatches

blp = Blueprint("calibrations", __name__, url_prefix="/api/v1",
                description="Calibrating the grader on teachers' scores: model versions with "
                            "their agreement, activated and rolled back by an admin.")

_REQUEST_BODY = {"content": {
    "multipart/form-data": {"schema": schemas.CalibrationIn},
    "application/json": {"schema": schemas.CalibrationFromOverridesIn},
}}


def calibration_detail(session: Session, calibration: CalibrationRow) -> dict[str, Any]:
    active = queries.active_activation(session, calibration.rubric_version_id)
    return {
        "id": calibration.id,
        "url": url_for("calibrations.Calibration", calibration_id=calibration.id,
                       _external=True),
        "rubric": rubric_ref(calibration.rubric_version),
        "status": calibration.status,
        "error": calibration.error,
        "source": calibration.source,
        "source_name": calibration.source_name,
        "essays": calibration.essays,
        "attempts": calibration.attempts,
        "created_by": calibration.created_by.email if calibration.created_by else None,
        "created_at": iso(calibration.created_at),
        "started_at": iso(calibration.started_at),
        "finished_at": iso(calibration.finished_at),
        "report": calibration.report,
        "active": active is not None and active.calibration_id == calibration.id,
        "usable": calibration.status == "ready" and not mismatches(calibration.versions),
        "activate_url": url_for("calibrations.activate", calibration_id=calibration.id,
                                _external=True),
    }


def _training_from_request(session: Session,
                           version: RubricVersion) -> tuple[str, str, TrainingSet]:
    """(source, source name, scored essays) from a JSON or multipart request."""
    if request.is_json:
        try:
            schemas.CalibrationFromOverridesIn().load(request.get_json(silent=True) or {})
        except ValidationError as exc:
            raise ApiError(422, "send {\"source\": \"overrides\"}, or a CSV as a multipart form",
                           fields=exc.messages) from exc
        return "overrides", "teacher overrides", training_from_overrides(
            session, current_user(), version, current_app.config["GRADER_CALIBRATION_MAX_ESSAYS"])
    storage = request.files.get("file")
    text_column = (request.form.get("text_column") or "").strip()
    if storage is None or not text_column or not request.form.getlist("score"):
        raise ApiError(422, "send the scored essays as a multipart form: 'file' (a CSV), "
                            "'text_column', and 'score' as COLUMN=CRITERION (once per column)")
    question = form_question()
    limit = upload_limits().max_file_bytes
    name, data = storage.filename or "", storage.stream.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, f"{name or 'the file'} is larger than the {limit / 1e6:g} MB a "
                            f"file may be")
    training = training_from_csv(version, data, name or "scores.csv", text_column,
                                 score_columns(request.form.getlist("score")),
                                 current_app.config["GRADER_CALIBRATION_MAX_ESSAYS"],
                                 question=question)
    return "csv", name, training


@blp.route("/rubrics/<string:rubric>/calibrations")
class RubricCalibrations(MethodView):
    @blp.doc(requestBody=_REQUEST_BODY)
    @blp.response(202, schemas.CalibrationAccepted)
    @blp.alt_response(422, schema=schemas.ErrorOut,
                      description="the scores cannot be calibrated on (the message says why: a "
                                  "missing column, too few scored essays, a question or "
                                  "period that cannot be used, ...)")
    @blp.alt_response(409, schema=schemas.ErrorOut,
                      description="a calibration you asked for is still queued or running")
    @blp.alt_response(413, schema=schemas.ErrorOut,
                      description="the CSV is larger than a file may be")
    @require_user("teacher", "admin")
    def post(self, rubric: str) -> tuple[dict, int, dict[str, str]]:
        """Calibrate the rubric's active version on scored essays: a CSV, or the levels
        teachers set as overrides. A worker fits it; poll its url for the agreement report."""
        session = get_session()
        version = rubric_version(session, rubric)
        try:
            source, source_name, training = _training_from_request(session, version)
            calibration = request_calibration(session, current_app, current_user(), version,
                                              source, source_name, training)
        except CalibrationRequestError as exc:
            raise ApiError(422, str(exc)) from exc
        except CalibrationStateError as exc:
            raise ApiError(409, str(exc)) from exc
        body = calibration_detail(session, calibration)
        return {"url": body["url"], "status": calibration.status, "calibration": body}, 202, {
            "Location": body["url"]}

    @require_user("teacher", "admin")
    @blp.arguments(schemas.ListArgs, location="query")
    @blp.response(200, schemas.CalibrationOut(many=True))
    def get(self, args: dict, rubric: str) -> list[dict]:
        """The rubric's calibrations, newest first (a teacher sees their own; an admin all)."""
        session = get_session()
        version = rubric_version(session, rubric)
        calibrations = session.scalars(
            queries.calibrations_of(current_user())
            .join(RubricVersion, RubricVersion.id == CalibrationRow.rubric_version_id)
            .where(RubricVersion.rubric_id == version.rubric_id)
            .order_by(CalibrationRow.id.desc()).limit(args["limit"]).offset(args["offset"]))
        return [calibration_detail(session, c) for c in calibrations]


@blp.route("/rubrics/<string:rubric>/calibrations/rollback", methods=["POST"],
           endpoint="rollback")
@blp.response(200, schemas.RollbackOut)
@blp.alt_response(409, schema=schemas.ErrorOut,
                  description="no calibration is active for the rubric")
@require_user("admin")
def rollback_calibration(rubric: str) -> dict:
    """Undo the latest activation: the calibration active before it (or the default model)
    scores the rubric's essays from now on."""
    session = get_session()
    version = rubric_version(session, rubric)
    try:
        now_active = rollback(session, current_user(), version)
    except CalibrationStateError as exc:
        raise ApiError(409, str(exc)) from exc
    return {"active": calibration_detail(session, now_active) if now_active else None}


def _visible(calibration_id: int) -> CalibrationRow:
    calibration = queries.calibration_for(get_session(), current_user(), calibration_id)
    if calibration is None:
        raise ApiError(404, f"there is no calibration {calibration_id} among yours")
    return calibration


@blp.route(f"/calibrations/<{ID}:calibration_id>")
class Calibration(MethodView):
    @blp.response(200, schemas.CalibrationOut)
    @require_user("teacher", "admin")
    def get(self, calibration_id: int) -> dict:
        """A calibration's status and, once ready, its cross-validated agreement."""
        return calibration_detail(get_session(), _visible(calibration_id))


@blp.route(f"/calibrations/<{ID}:calibration_id>/activate", methods=["POST"],
           endpoint="activate")
@blp.response(200, schemas.CalibrationOut)
@blp.alt_response(409, schema=schemas.ErrorOut, description="the calibration is not ready")
@require_user("admin")
def activate_calibration(calibration_id: int) -> dict:
    """Make a ready calibration score its rubric version's essays from now on."""
    session = get_session()
    calibration = _visible(calibration_id)
    try:
        activate(session, current_user(), calibration)
    except CalibrationStateError as exc:
        raise ApiError(409, str(exc)) from exc
    return calibration_detail(session, calibration)
