"""An administrator's pages: rubrics (edit as YAML, upload exemplars, every save a version) and
calibrations (ask for one, read its agreement, activate or roll back a model). Teachers may ask
for calibrations and read their own; activating and editing rubrics are for admins."""

from __future__ import annotations

import yaml
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from grader import queries
from grader.api.common import ID
from grader.db import get_session
from grader.services.calibrations import (
    CalibrationRequestError,
    CalibrationStateError,
    activate,
    essays_to_review_first,
    request_calibration,
    rollback,
    score_columns,
    training_from_csv,
    training_from_overrides,
)
from grader.services.rubric_form import rubric_fields, yaml_from_form
from grader.services.rubrics import can_edit_rubric, import_rubric
from grader.tables import Calibration, RubricVersion
from models.calibration.versions import mismatches
from models.errors import EssayInputError, RubricError
from models.rubric import exemplar_paths, parse_rubric
from models.text import decode_bytes

bp = Blueprint("admin", __name__, url_prefix="/admin")

# A new rubric starts as a copy of the default rubric (its criteria, levels, descriptors and
# exemplars, which anchor the scale) under a new id: it saves and grades as it is. Only with
# no default rubric stored does it start from this, which needs criteria and an exemplar.
REVIEW_FIRST = 20  # essays the calibration page asks a teacher to review first
NEW_RUBRIC_HEADER = """\
# A new rubric, copied from "{title}": change the id and title, then the criteria,
# levels, descriptors and weights. A rubric says how to judge, not what is asked: teachers set
# the question with each assignment. Its exemplar anchors the quality scale; upload your own
# (.txt, below) and name it under exemplars as exemplars/FILE with its levels.
"""
NEW_RUBRIC = """\
# A new rubric. A rubric says how to judge, not what is asked: teachers set the question
# with each assignment. Add criteria (thesis, evidence, structure, language) with descriptors
# for every level, and an exemplar essay (uploaded below) that anchors the scale.
id: my-rubric
title: My rubric
levels: {1: Beginning, 2: Developing, 3: Secure, 4: Exemplary}
criteria: {}
exemplars: []
"""
NEW_ID, NEW_TITLE = "my-rubric", "My rubric"


def _require(*roles: str) -> None:
    if not current_user.is_authenticated or current_user.role not in roles:
        abort(403)


def _rubric(slug: str):
    rubric = queries.rubric_by_slug(get_session(), slug)
    if rubric is None:
        abort(404)
    return rubric


@bp.route("/rubrics")
@login_required
def rubrics():
    _require("admin", "teacher")
    return render_template("admin/rubrics.html", rubrics=queries.all_rubrics(get_session()))


@bp.route("/rubrics/<slug>", methods=["GET", "POST"])
@bp.route("/rubrics/new", methods=["GET", "POST"], defaults={"slug": None})
@login_required
def rubric(slug: str | None):
    """Edit a rubric as a form or as YAML (or write a new one); each save that changes it is a
    new version. Administrators edit every rubric, teachers the ones they wrote."""
    _require("admin", "teacher")
    session = get_session()
    current = _rubric(slug) if slug else None
    if not can_edit_rubric(current_user, current):
        abort(403)
    version = current.active_version if current else None
    if version is not None:
        yaml_text, exemplars = version.yaml_text, dict(version.exemplars)
    else:
        yaml_text, exemplars = _starter(session)
    problem = None
    if request.method == "POST":
        try:
            if request.form.get("editor") == "form":
                upload = request.files.get("exemplars")
                fields = {**request.form, **({"new-exemplar": f"exemplars/{upload.filename}"}
                                             if upload and upload.filename else {})}
                yaml_text = yaml_from_form(yaml_text, fields)
            else:
                yaml_text = request.form.get("yaml", "")
        except RubricError as exc:
            problem = exc
        if version is None:  # the starter's exemplars, as far as the rubric still names them
            named = set(exemplar_paths(yaml_text))
            exemplars = {path: text for path, text in exemplars.items() if path in named}
        try:
            for storage in request.files.getlist("exemplars"):
                if storage.filename:
                    exemplars[f"exemplars/{storage.filename}"] = _exemplar_text(storage)
            if problem is not None:
                raise problem
            _same_rubric(session, slug, parse_rubric(yaml_text, source="the rubric",
                                                     files=exemplars).id)
            outcome = import_rubric(session, yaml_text, exemplars, source="the rubric",
                                    author=current_user,
                                    owner=current_user if current_user.role == "teacher"
                                    else None)
        except RubricError as exc:
            problem = exc
        else:
            if outcome.created:
                flash(f"Saved as version {outcome.version.number}; it is now active.", "info")
            else:
                flash("Nothing changed: the active version already says this.", "info")
            return redirect(url_for("admin.rubric", slug=outcome.version.rubric.slug))
    versions = list(session.scalars(select(RubricVersion).where(
        RubricVersion.rubric_id == current.id).order_by(RubricVersion.number.desc()))) \
        if current else []
    try:
        fields = rubric_fields(yaml_text)
    except (RubricError, TypeError, ValueError, AttributeError):  # YAML the form cannot show
        fields = None
    return render_template("admin/rubric.html", rubric=current, yaml_text=yaml_text,
                           exemplars=sorted(exemplars), problem=problem, versions=versions,
                           fields=fields, editor=request.form.get("editor") or (
                               "yaml" if "yaml" in request.form else "form")), \
        (422 if problem else 200)


def _starter(session) -> tuple[str, dict[str, str]]:
    """A new rubric's first text and exemplars: the default rubric's, under a new id and title,
    without any question of its own (an older default may still carry one)."""
    default = queries.rubric_by_slug(session, current_app.config["GRADER_DEFAULT_RUBRIC"])
    version = default.active_version if default is not None else None
    if version is None:
        return NEW_RUBRIC, {}
    data = yaml.safe_load(version.yaml_text)
    for field in ("prompt", "key_terms", "question", "description"):
        data.pop(field, None)
    data.update(id=NEW_ID, title=NEW_TITLE, version=1)
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=96)
    text = NEW_RUBRIC_HEADER.format(title=default.title) + body
    exemplars = {path: version.exemplars[path] for path in exemplar_paths(text)
                 if path in version.exemplars}
    try:
        parse_rubric(text, source="the starter", files=exemplars)
    except RubricError:  # a default this page cannot copy: start from the bare outline
        return NEW_RUBRIC, {}
    return text, exemplars


def _same_rubric(session, slug: str | None, saved_id: str) -> None:
    """A save edits the rubric it was opened on; a new one must not take an existing id."""
    if slug is not None and saved_id != slug:
        raise RubricError("the rubric", "id", f"'{slug}', the rubric being edited (to start "
                                              f"another rubric, write a new one)")
    if slug is None and queries.rubric_by_slug(session, saved_id) is not None:
        raise RubricError("the rubric", "id", f"an id no rubric has yet ('{saved_id}' exists; "
                                              f"edit it instead)")


def _exemplar_text(storage) -> str:
    try:
        return decode_bytes(storage.stream.read(2_000_001), storage.filename,
                            max_bytes=2_000_000)
    except EssayInputError as exc:
        raise RubricError("the rubric", f"exemplar {storage.filename}",
                          f"a plain-text essay ({exc})") from exc


@bp.route("/rubrics/<slug>/calibrations", methods=["GET", "POST"])
@login_required
def calibrations(slug: str):
    _require("admin", "teacher")
    session = get_session()
    rubric = _rubric(slug)
    version = rubric.active_version
    if version is None:
        abort(404)
    if request.method == "POST":
        try:
            if request.form.get("source") == "overrides":
                source, name = "overrides", "teacher overrides"
                training = training_from_overrides(
                    session, current_user, version,
                    current_app.config["GRADER_CALIBRATION_MAX_ESSAYS"])
            else:
                source, name, training = "csv", *_csv_training(version)
            created = request_calibration(session, current_app, current_user, version,
                                          source, name, training)
        except (CalibrationRequestError, CalibrationStateError) as exc:
            flash(str(exc), "error")
        else:
            return redirect(url_for("admin.calibration", calibration_id=created.id))
    rows = list(session.scalars(queries.calibrations_of(current_user).join(
        RubricVersion, RubricVersion.id == Calibration.rubric_version_id).where(
        RubricVersion.rubric_id == rubric.id).order_by(Calibration.id.desc()).limit(100)))
    active = queries.active_activation(session, version.id)
    return render_template("admin/calibrations.html", rubric=rubric, rows=rows,
                           active_id=active.calibration_id if active else None,
                           review_first=essays_to_review_first(session, current_user, version,
                                                               REVIEW_FIRST))


def _csv_training(version: RubricVersion):
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        raise CalibrationRequestError("choose the CSV of scored essays")
    scores = score_columns(request.form.get("scores", "").splitlines())
    limit = int(current_app.config["GRADER_UPLOAD_MAX_FILE_MB"] * 1_000_000)
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        raise CalibrationRequestError(f"{storage.filename} is larger than {limit / 1e6:g} MB")
    training = training_from_csv(version, data, storage.filename,
                                 request.form.get("text_column", "").strip(), scores,
                                 current_app.config["GRADER_CALIBRATION_MAX_ESSAYS"])
    return storage.filename, training


def _visible_calibration(calibration_id: int) -> Calibration:
    _require("admin", "teacher")
    calibration = queries.calibration_for(get_session(), current_user, calibration_id)
    if calibration is None:
        abort(404)
    return calibration


@bp.route(f"/calibrations/<{ID}:calibration_id>")
@login_required
def calibration(calibration_id: int):
    calibration = _visible_calibration(calibration_id)
    active = queries.active_activation(get_session(), calibration.rubric_version_id)
    return render_template("admin/calibration.html", calibration=calibration,
                           active=active is not None and active.calibration_id == calibration.id,
                           problems=mismatches(calibration.versions)
                           if calibration.status == "ready" else [])


@bp.route(f"/calibrations/<{ID}:calibration_id>/status.json")
@login_required
def calibration_status(calibration_id: int):
    calibration = _visible_calibration(calibration_id)
    return jsonify({"status": calibration.status, "error": calibration.error})


@bp.route(f"/calibrations/<{ID}:calibration_id>/activate", methods=["POST"])
@login_required
def activate_calibration(calibration_id: int):
    calibration = _visible_calibration(calibration_id)
    _require("admin")
    try:
        activate(get_session(), current_user, calibration)
    except CalibrationStateError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Calibration {calibration.id} now scores new essays for this rubric.", "info")
    return redirect(url_for("admin.calibration", calibration_id=calibration.id))


@bp.route("/rubrics/<slug>/calibrations/rollback", methods=["POST"])
@login_required
def rollback_calibration(slug: str):
    _require("admin")
    rubric = _rubric(slug)
    if rubric.active_version is None:
        abort(404)
    try:
        now_active = rollback(get_session(), current_user, rubric.active_version)
    except CalibrationStateError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Rolled back: calibration {now_active.id} is active again." if now_active
              else "Rolled back: the rubric's default model scores new essays.", "info")
    return redirect(url_for("admin.calibrations", slug=rubric.slug))
