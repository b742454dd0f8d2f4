"""Assignments: a class's question and rubric, its students' newest drafts, its gradebook."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from grader import queries
from grader.api import schemas
from grader.api.common import ID
from grader.api.present import assignment_detail
from grader.auth import current_user, require_user
from grader.db import get_session
from grader.errors import ApiError
from grader.export import gradebook_response
from grader.tables import Assignment

blp = Blueprint("assignments", __name__, url_prefix="/api/v1/assignments",
                description="Assignments of your classes, and each one's gradebook.")


def _visible(assignment_id: int) -> Assignment:
    found = queries.assignment_for(get_session(), current_user(), assignment_id)
    if found is None:
        raise ApiError(404, f"there is no assignment {assignment_id} among yours")
    return found


@blp.route("", strict_slashes=False)
class Assignments(MethodView):
    @require_user()
    @blp.arguments(schemas.ListArgs, location="query")
    @blp.response(200, schemas.AssignmentOut(many=True))
    def get(self, args):
        """The assignments of your classes (a teacher's, a student's; an admin's: all),
        newest first."""
        session = get_session()
        found = session.scalars(queries.assignments_of(current_user())
                                .limit(args["limit"]).offset(args["offset"]))
        return [assignment_detail(session, a, current_user()) for a in found]


@blp.route(f"/<{ID}:assignment_id>")
class AssignmentView(MethodView):
    @require_user()
    @blp.response(200, schemas.AssignmentOut)
    def get(self, assignment_id: int):
        """One assignment: its question, rubric and, for its teacher, each student's newest
        draft with its final levels; for a student, their own drafts."""
        return assignment_detail(get_session(), _visible(assignment_id), current_user())


@blp.route(f"/<{ID}:assignment_id>/gradebook.csv", endpoint="gradebook_csv")
@blp.response(200, {"type": "string"}, content_type="text/csv",
              description="a row per enrolled student: name, email, the newest draft's final "
                          "levels (the teacher's where overridden, listed in 'overridden'), "
                          "overall, flags, the essay's URL; formula-like cells neutralised")
@require_user("teacher", "admin")
def gradebook_csv(assignment_id: int):
    """The assignment's gradebook as CSV."""
    return gradebook_response(get_session(), _visible(assignment_id), lambda essay_id: url_for(
        "essays.Essay", essay_id=essay_id, _external=True))
