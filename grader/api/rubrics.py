"""Rubrics: which are available to grade against, with their criteria and levels."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from grader import queries
from grader.api import schemas
from grader.auth import require_user
from grader.db import get_session
from grader.services.rubrics import spec_of
from grader.tables import RubricVersion

blp = Blueprint("rubrics", __name__, url_prefix="/api/v1/rubrics",
                description="The rubrics essays are graded against.")


@blp.route("", strict_slashes=False)
class Rubrics(MethodView):
    @blp.response(200, schemas.RubricOut(many=True))
    @require_user()
    def get(self):
        """Rubrics with an active version, their criteria, weights and level descriptors."""
        session = get_session()
        out = []
        for rubric in queries.all_rubrics(session):
            version = rubric.active_version
            if version is None:
                continue
            spec = spec_of(version)
            active = queries.active_activation(session, version.id)
            versions = session.scalar(select(func.count()).where(
                RubricVersion.rubric_id == rubric.id))
            out.append({
                "id": rubric.slug, "title": rubric.title, "active_version": version.number,
                "versions": versions,
                "levels": {str(k): v for k, v in spec.levels.items()},
                "criteria": [{"id": c.id, "name": c.name, "weight": c.weight,
                              "descriptors": {str(k): v for k, v in c.descriptors.items()}}
                             for c in spec.criteria],
                "calibration": active.calibration_id if active else None,
            })
        return out
