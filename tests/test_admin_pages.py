"""The administrator's pages in-process: rubric editing with validation, and calibration."""

from __future__ import annotations

import io
import re

import pytest

from grader.db import database
from grader.tables import Rubric
from tests.conftest import ROOT
from tests.pages_support import csrf_token, make_school, sign_in, sign_out
from tests.planted import planted_set, scored_csv


@pytest.fixture
def school(service_app):
    return make_school(service_app)


def test_an_admin_edits_a_rubric_and_every_save_is_a_version(client, school, service_app):
    sign_in(client, "admin")
    page = client.get("/admin/rubrics/history-argument").get_data(as_text=True)
    assert "Save as a new version" in page and "Version 1" in page
    yaml_text = re.search(r'<textarea id="rubric-yaml"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    yaml_text = yaml_text.replace("&#34;", '"').replace("&#39;", "'").replace("&gt;", ">") \
        .replace("&lt;", "<").replace("&amp;", "&")
    broken = client.post("/admin/rubrics/history-argument", data={
        "yaml": yaml_text.replace("levels:", "levelz:", 1), "csrf_token": csrf_token(page)})
    assert broken.status_code == 422
    assert 'aria-invalid="true"' in broken.get_data(as_text=True)
    assert "role=\"alert\"" in broken.get_data(as_text=True)

    hijack = client.post("/admin/rubrics/history-argument", data={
        "yaml": yaml_text.replace("id: history-argument", "id: another-rubric", 1),
        "csrf_token": csrf_token(page)})
    assert hijack.status_code == 422 and "the rubric being edited" in hijack.get_data(
        as_text=True)
    exemplar = (ROOT / "rubrics" / "exemplars" / "stalin-industrialisation.txt").read_bytes()
    taken = client.post("/admin/rubrics/new", data={
        "yaml": yaml_text, "csrf_token": csrf_token(page),
        "exemplars": [(io.BytesIO(exemplar), "stalin-industrialisation.txt")]},
        content_type="multipart/form-data")
    assert taken.status_code == 422 and "edit it instead" in taken.get_data(as_text=True)

    edited = yaml_text.replace("How successful was Stalin", "How far was Stalin", 1)
    saved = client.post("/admin/rubrics/history-argument", data={
        "yaml": edited, "csrf_token": csrf_token(page)}, follow_redirects=True)
    body = saved.get_data(as_text=True)
    assert "Saved as version 2; it is now active." in body and "Version 2" in body
    with database(service_app).session() as session:
        rubric = session.query(Rubric).filter_by(slug="history-argument").one()
        assert rubric.active_version.number == 2
    sign_out(client)

    sign_in(client, "teacher")
    assert client.get("/admin/rubrics/history-argument").status_code == 403
    assert client.get("/admin/rubrics").status_code == 200  # teachers reach calibration
    sign_out(client)
    sign_in(client, "student")
    assert client.get("/admin/rubrics").status_code == 403


def test_calibration_from_the_page_report_confusion_matrix_activate_and_roll_back(
        client, school, service_app, grade_pending):
    texts, levels = planted_set(40)
    sign_in(client, "teacher")
    page = client.get("/admin/rubrics/history-argument/calibrations").get_data(as_text=True)
    response = client.post("/admin/rubrics/history-argument/calibrations", data={
        "file": (io.BytesIO(scored_csv(texts, levels)), "term1.csv"), "text_column": "essay",
        "scores": "teacher score=overall", "csrf_token": csrf_token(page)},
        content_type="multipart/form-data")
    assert response.status_code == 302
    url = response.headers["Location"]
    assert "Fitting the model" in client.get(url).get_data(as_text=True)
    grade_pending.calibrate(service_app)
    report = client.get(url).get_data(as_text=True)
    assert "Agreement with the teachers (5-fold cross-validated)" in report
    assert 'class="confusion"' in report and "diagonal" in report
    assert "Activate" not in report  # teachers do not activate
    token = csrf_token(report)
    calibration_id = url.rsplit("/", 1)[1]
    assert client.post(f"/admin/calibrations/{calibration_id}/activate",
                       data={"csrf_token": token}).status_code == 403
    sign_out(client)

    sign_in(client, "admin")
    report = client.get(url).get_data(as_text=True)
    done = client.post(f"/admin/calibrations/{calibration_id}/activate",
                       data={"csrf_token": csrf_token(report)}, follow_redirects=True)
    assert "now scores new essays" in done.get_data(as_text=True)
    listing = client.get("/admin/rubrics/history-argument/calibrations").get_data(as_text=True)
    assert "active</span>" in listing and "Roll back" in listing
    back = client.post("/admin/rubrics/history-argument/calibrations/rollback",
                       data={"csrf_token": csrf_token(listing)}, follow_redirects=True)
    assert "the rubric&#39;s default model scores new essays" in back.get_data(as_text=True)
    sign_out(client)

    sign_in(client, "teacher2")  # someone else's calibration does not exist for them
    assert client.get(url).status_code == 404


def test_a_bad_calibration_request_is_explained_on_the_page(client, school):
    sign_in(client, "teacher")
    page = client.get("/admin/rubrics/history-argument/calibrations").get_data(as_text=True)
    response = client.post("/admin/rubrics/history-argument/calibrations", data={
        "file": (io.BytesIO(b"essay,score\nhello,1\n"), "tiny.csv"), "text_column": "essay",
        "scores": "score=overall", "csrf_token": csrf_token(page)},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "1 scored essays; calibration needs at least 10" in response.get_data(as_text=True)


def test_a_rubric_is_edited_as_a_form_and_a_teacher_writes_and_edits_their_own(
        client, school, service_app):
    """Rubrics were YAML only, and administrators only."""
    import yaml

    from grader.services.rubrics import spec_of

    sign_in(client, "admin")
    page = client.get("/admin/rubrics/history-argument").get_data(as_text=True)
    assert 'name="criterion-evidence-weight"' in page and "Advanced: edit the rubric as YAML" \
        in page
    form = {"csrf_token": csrf_token(page), "editor": "form", "title": "History argument",
            "level-4": "Excellent", "criterion-evidence-weight": "0.4",
            "criterion-thesis-weight": "0.2",
            "criterion-language-level-1": "Errors make the meaning hard to follow.",
            "exemplar-0-language": "2"}
    saved = client.post("/admin/rubrics/history-argument", data=form, follow_redirects=True)
    assert "Saved as version 2; it is now active." in saved.get_data(as_text=True)
    with database(service_app).session() as session:
        rubric = session.query(Rubric).filter_by(slug="history-argument").one()
        spec = spec_of(rubric.active_version)
        weights = {c.id: round(c.weight, 2) for c in spec.criteria}
        assert spec.title == "History argument" and spec.levels[4] == "Excellent"
        assert weights == {"thesis": 0.2, "evidence": 0.4, "structure": 0.25, "language": 0.15}
        language = next(c for c in spec.criteria if c.id == "language")
        assert language.descriptors[1] == "Errors make the meaning hard to follow."
        assert spec.exemplars[0].levels == {"thesis": 3, "evidence": 3, "structure": 3,
                                            "language": 2}
        assert yaml.safe_load(rubric.active_version.yaml_text)["min_words"] == 150  # kept
    refused = client.post("/admin/rubrics/history-argument",
                          data={**form, "criterion-evidence-weight": "a lot"})
    assert refused.status_code == 422 and "a number" in refused.get_data(as_text=True)
    sign_out(client)

    sign_in(client, "teacher")  # a rubric of her own, from the starter, as a form
    page = client.get("/admin/rubrics/new").get_data(as_text=True)
    created = client.post("/admin/rubrics/new", follow_redirects=True, data={
        "csrf_token": csrf_token(page), "editor": "form", "id": "year-9-history",
        "title": "Year 9 history", "criterion-language-remove": "yes"})
    body = created.get_data(as_text=True)
    assert "Saved as version 1; it is now active." in body, body[:2000]
    with database(service_app).session() as session:
        mine = session.query(Rubric).filter_by(slug="year-9-history").one()
        assert [c.id for c in spec_of(mine.active_version).criteria] == [
            "thesis", "evidence", "structure"]
        assert mine.owner_id is not None
    page = client.get("/admin/rubrics/year-9-history").get_data(as_text=True)
    again = client.post("/admin/rubrics/year-9-history", follow_redirects=True, data={
        "csrf_token": csrf_token(page), "editor": "form", "title": "Year 9 history (v2)"})
    assert "Saved as version 2" in again.get_data(as_text=True)
    assert client.get("/admin/rubrics/history-argument").status_code == 403
    sign_out(client)
    sign_in(client, "teacher2")  # not hers
    assert client.get("/admin/rubrics/year-9-history").status_code == 403


def test_an_exemplar_is_added_with_its_levels_from_the_form(client, school, service_app):
    from grader.services.rubrics import spec_of

    sign_in(client, "admin")
    page = client.get("/admin/rubrics/history-argument").get_data(as_text=True)
    essay = (ROOT / "tests" / "essays" / "questions" / "weimar-strong.txt").read_bytes()
    levels = {"new-exemplar-thesis": "4", "new-exemplar-evidence": "3",
              "new-exemplar-structure": "4", "new-exemplar-language": "3"}
    saved = client.post("/admin/rubrics/history-argument", follow_redirects=True,
                        content_type="multipart/form-data", data={
                            "csrf_token": csrf_token(page), "editor": "form",
                            "exemplars": [(io.BytesIO(essay), "weimar.txt")],
                            "new-exemplar-question": "Why did the Weimar Republic collapse?",
                            **levels})
    assert "Saved as version 2; it is now active." in saved.get_data(as_text=True)
    with database(service_app).session() as session:
        rubric = session.query(Rubric).filter_by(slug="history-argument").one()
        spec = spec_of(rubric.active_version)
        added = spec.exemplars[-1]
        assert len(spec.exemplars) == 2 and added.text.startswith(essay.decode()[:40])
        assert added.levels == {"thesis": 4, "evidence": 3, "structure": 4, "language": 3}
        assert added.question.text == "Why did the Weimar Republic collapse?"
