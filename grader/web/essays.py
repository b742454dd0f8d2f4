"""One essay's page: progress while it is graded, then its sentences highlighted by role and
a card per criterion whose comments link to the sentences they are about."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from grader import queries
from grader.api.common import ID
from grader.db import get_session
from grader.services.classes import levels_visible_to_student
from grader.services.overrides import final_levels
from grader.services.rubrics import spec_of
from grader.services.submissions import retry_failed
from grader.tables import Essay
from models.criteria import registered
from models.feedback.precision import students_view

bp = Blueprint("essay_pages", __name__)

# Roles a reader can see in the text, with the words shown beside colour (never colour alone):
# each criterion's (models/criteria/), then the argument's and the flags'.
ROLE_LABELS = {
    **{role: label for criterion in registered().values()
       for role, label in criterion.role_labels.items()},
    "claim": "Point", "counterclaim": "Counterclaim", "rebuttal": "Rebuttal",
    "support": "Support", "not_scored": "Not scored", "date_out_of_period": "Date to check",
}


@dataclass(frozen=True)
class Highlighted:
    paragraphs: list[Markup]
    roles_used: list[str]


@dataclass(frozen=True)
class Cap:
    """Why a level is capped, and the level the essay would have had without the cap: shown
    instead of the level's descriptor, which is no judgement of a capped essay's writing."""

    reason: str
    uncapped_level: int | None


def caps(document: dict, levels: dict[int, str]) -> dict[str, Cap]:
    """The capped levels of a result document, by criterion id (and "overall").

    Documents from before questions were separate (schema_version 1) have no reason in words
    and kept the uncapped score as ``score``."""
    old = document.get("schema_version", 1) < 2
    entries = [(c["id"], c) for c in document.get("criteria", [])]
    entries.append(("overall", document.get("overall", {})))
    out = {}
    for key, entry in entries:
        flag = entry.get("capped_by")
        if not flag:
            continue
        uncapped = entry.get("score") if old else entry.get("uncapped_score")
        level = None
        if isinstance(uncapped, int | float) and levels:
            level = min(max(math.floor(uncapped + 0.5), min(levels)), max(levels))
        out[key] = Cap(entry.get("cap_reason")
                       or f"Capped because the essay was flagged: {flag.replace('_', ' ')}.",
                       level)
    return out


def graded_against(essay: Essay, document: dict | None) -> dict | None:
    """The question the essay is graded against: the one stored with it, else the one its
    result names (a rubric's own question)."""
    if essay.question is not None:
        return {"text": essay.question.text, "period": essay.question.period}
    question = (document or {}).get("question")
    return {"text": question.get("text", ""), "period": question.get("period")} \
        if isinstance(question, dict) else None


def _visible_essay(essay_id: int) -> Essay:
    essay = queries.essay_for(get_session(), current_user, essay_id)
    if essay is None:
        abort(404)
    return essay


def highlight(text: str, sentences: list[dict]) -> Highlighted:
    """The essay as paragraphs of sentence spans (id ``s-N``) marked with their roles; the text
    between sentences is kept as it was. Everything is escaped."""
    paragraphs: dict[int, list[Markup]] = {}
    used: list[str] = []
    for sentence in sentences:
        roles = [r for r in sentence["roles"] if r in ROLE_LABELS]
        check = set(sentence.get("check", ()))  # for a teacher to check: not yet reliable
        used += [r for r in roles if r not in used]
        classes = " ".join(["sentence", *(f"role-{r.replace('_', '-')}" for r in roles)])
        tags = Markup("").join(
            Markup('<span class="role-tag{}">{}{}</span>').format(
                " role-check" if r in check else "", ROLE_LABELS[r],
                " (check)" if r in check else "")
            for r in roles)
        span = Markup('<span id="s-{}" class="{}" tabindex="-1">{}{}</span>').format(
            sentence["index"], classes, escape(text[sentence["start"]:sentence["end"]]), tags)
        paragraphs.setdefault(sentence["paragraph"], []).append(span)
    return Highlighted([Markup(" ").join(p) for _, p in sorted(paragraphs.items())],
                       [r for r in ROLE_LABELS if r in used])


@bp.route(f"/essays/<{ID}:essay_id>")
@login_required
def essay(essay_id: int):
    essay = _visible_essay(essay_id)
    document = essay.result.document if essay.result else None
    if document is not None and current_user.role == "student":
        document = students_view(document)  # no comment or highlight still to be checked
    show_levels = current_user.role != "student" or levels_visible_to_student(essay.assignment)
    highlighted = highlight(essay.text, document["sentences"]) if document else None
    overrides = queries.latest_overrides(get_session(), [essay.id]).get(essay.id, {})
    spec = spec_of(essay.result.rubric_version if essay.result else essay.rubric_version)
    levels = spec.levels
    return render_template("essays/essay.html", essay=essay, document=document,
                           highlighted=highlighted, role_labels=ROLE_LABELS,
                           show_levels=show_levels, overrides=overrides, levels=levels,
                           final=final_levels(essay.result, overrides) or {},
                           author=essay.student,
                           descriptors={c.id: c.descriptors for c in spec.criteria},
                           caps=caps(document, levels) if document else {},
                           question=graded_against(essay, document))


@bp.route(f"/essays/<{ID}:essay_id>/status.json")
@login_required
def status(essay_id: int):
    """For the page's progress indicator: the essay's status, polled until it is final."""
    essay = _visible_essay(essay_id)
    return jsonify({"status": essay.status, "error": essay.error})


@bp.route(f"/essays/<{ID}:essay_id>/retry", methods=["POST"])
@login_required
def retry(essay_id: int) -> Response:
    """Grade a failed essay again (a passing crash or time limit may have failed it)."""
    essay = _visible_essay(essay_id)
    if not retry_failed(get_session(), current_user, [essay.id],
                        current_app.config["GRADER_CHUNK_SIZE"], app=current_app):
        flash("This essay has not failed: there is nothing to grade again.", "info")
    return redirect(url_for("essay_pages.essay", essay_id=essay.id))
