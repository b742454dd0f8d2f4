"""The HTML pages in-process: sign-in, CSRF, headers, scoping, and the student's draft page."""

from __future__ import annotations

import html
import random
import re

import pytest

from grader.db import database
from grader.tables import Rubric
from tests.pages_support import PASSWORD, csrf_token, make_school, sign_in, sign_out
from tests.planted import planted_essay

ESSAY = planted_essay(4, random.Random(2))


@pytest.fixture
def school(service_app):
    return make_school(service_app)


def test_signing_in_takes_a_student_to_their_assignments(client, school):
    assert client.get("/").headers["Location"].startswith("/login")
    response = sign_in(client, "student")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/assignments"
    page = client.get("/assignments").get_data(as_text=True)
    assert "Stalin&#39;s industrialisation" in page and "The Five-Year Plans" not in page


def test_a_wrong_password_or_unknown_account_is_refused_alike(client, school):
    wrong = sign_in(client, "student", password="not the password")
    unknown = sign_in(client, "nobody")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "do not match an account" in response.get_data(as_text=True)
    assert client.get("/assignments").status_code == 302


def test_forms_need_a_csrf_token(client, school):
    response = client.post("/login", data={"email": "student@school.example",
                                           "password": PASSWORD})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    sign_in(client, "student")
    assert client.post("/logout").status_code == 400  # a forged sign-out does nothing
    assert client.get("/assignments").status_code == 200
    token = csrf_token(client.get("/assignments").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/assignments").status_code == 302


def test_pages_send_security_headers_and_a_hardened_cookie(client, school):
    response = sign_in(client, "student")
    [session_cookie] = [c for c in response.headers.getlist("Set-Cookie")
                        if c.startswith("session=")]
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    headers = client.get("/assignments").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_sign_in_never_redirects_off_the_site(client, school):
    page = client.get("/login?next=//evil.example/x")
    response = client.post("/login?next=//evil.example/x", data={
        "email": "student@school.example", "password": PASSWORD,
        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.headers["Location"] == "/"


def graded_draft(client, school, service_app, grade_pending, text: str) -> tuple[str, int]:
    """A draft the student submitted, graded; the student signed out again. (URL, id)."""
    sign_in(client, "student")
    essay_url = submit_draft(client, school.assignment_id, text).headers["Location"]
    grade_pending(service_app)
    sign_out(client)
    return essay_url, int(essay_url.rsplit("/", 1)[1])


def teacher_overrides(client, essay_url: str, **fields: str):
    """The signed-in teacher's override form on the essay's page, sent with ``fields``."""
    page = client.get(essay_url).get_data(as_text=True)
    essay_id = essay_url.rsplit("/", 1)[1]
    return client.post(f"/essays/{essay_id}/override",
                       data={**fields, "csrf_token": csrf_token(page)})


def submit_draft(client, assignment_id: int, text: str):
    url = f"/assignments/{assignment_id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"text": text, "csrf_token": token})


def test_a_draft_is_graded_and_shown_with_highlights_and_linked_comments(
        client, school, service_app, grade_pending):
    sign_in(client, "student")
    response = submit_draft(client, school.assignment_id, ESSAY)
    assert response.status_code == 302
    essay_url = response.headers["Location"]
    pending = client.get(essay_url).get_data(as_text=True)
    assert "Reading your essay" in pending and "status.json" in pending
    assert client.get(essay_url + "/status.json").get_json()["status"] == "queued"

    grade_pending(service_app)
    page = client.get(essay_url).get_data(as_text=True)
    assert 'id="s-0"' in page and "role-thesis" in page and "role-tag" in page
    assert 'class="sentence-link" href="#s-' in page
    assert "Thesis" in page and "Evidence" in page and "Structure" in page
    # Levels are the teacher's to release for this assignment: comments only until then.
    assert "Level " not in page
    assert client.get(essay_url + "/status.json").get_json()["status"] == "done"


def test_levels_appear_once_released_and_drafts_compare_side_by_side(
        client, school, service_app, grade_pending, runner):
    sign_in(client, "student")
    first = submit_draft(client, school.assignment_id, planted_essay(1, random.Random(3)))
    second = submit_draft(client, school.assignment_id, ESSAY)
    assert first.status_code == second.status_code == 302
    grade_pending(service_app)
    result = runner.invoke(args=["assignment", "release", str(school.assignment_id)])
    assert result.exit_code == 0, result.output
    page = client.get(f"/assignments/{school.assignment_id}").get_data(as_text=True)
    assert "Draft 1" in page and "Draft 2" in page and "Level " in page
    assert 'class="change' in page  # what changed since the draft before
    assert "Evidence: points to improve" in page
    essay_page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Overall: <strong>Level" in essay_page


def test_essay_pages_are_scoped_a_wrong_id_is_a_404(client, school, service_app,
                                                      grade_pending):
    sign_in(client, "student")
    essay_url = submit_draft(client, school.assignment_id, ESSAY).headers["Location"]
    grade_pending(service_app)
    sign_out(client)

    expected = {"student2": 404, "student3": 404, "teacher2": 404, "teacher": 200, "admin": 200}
    for who, status in expected.items():
        sign_in(client, who)
        assert client.get(essay_url).status_code == status, who
        assert client.get(essay_url + "/status.json").status_code == status, who
        sign_out(client)
    sign_in(client, "student3")
    assert client.get(f"/assignments/{school.assignment_id}").status_code == 404
    missing = client.get("/essays/999999")
    assert missing.status_code == 404 and "Nothing here" in missing.get_data(as_text=True)


def test_the_essay_text_is_escaped(client, school, service_app, grade_pending):
    sign_in(client, "student")
    hostile = ESSAY + "\n\n<script>alert('x')</script> The plans mattered a great deal."
    essay_url = submit_draft(client, school.assignment_id, hostile).headers["Location"]
    grade_pending(service_app)
    page = client.get(essay_url).get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_a_teacher_reads_their_class_drafts_through_the_api_too(client, school, service_app,
                                                                 grade_pending):
    from tests.service_support import token_for

    sign_in(client, "student")
    essay_id = int(submit_draft(client, school.assignment_id, ESSAY).headers["Location"]
                   .rsplit("/", 1)[1])
    teacher = token_for(service_app, "teacher@school.example", "teacher")
    other = token_for(service_app, "teacher2@school.example", "teacher")
    assert client.get(f"/api/v1/essays/{essay_id}", headers=teacher).status_code == 200
    assert client.get(f"/api/v1/essays/{essay_id}", headers=other).status_code == 404


def test_a_teacher_sees_the_class_table_overrides_a_level_and_releases(
        client, school, service_app, grade_pending):
    sign_in(client, "student")
    essay_url = submit_draft(client, school.assignment_id, ESSAY).headers["Location"]
    essay_id = int(essay_url.rsplit("/", 1)[1])
    grade_pending(service_app)
    sign_out(client)

    sign_in(client, "teacher")
    table = client.get(f"/assignments/{school.assignment_id}").get_data(as_text=True)
    assert "Student" in table and "Student2" in table and "no draft" in table
    assert f'href="/essays/{essay_id}"' in table and "Release levels to the class" in table
    page = client.get(essay_url).get_data(as_text=True)
    assert "Override a level" in page and "Level " in page  # teachers always see levels
    response = client.post(f"/essays/{essay_id}/override", data={
        "criterion": "evidence", "level": "2", "comment": "Explain the 1932 figures.",
        "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    page = client.get(essay_url).get_data(as_text=True)
    assert "Evidence set to level 2." in page and "Explain the 1932 figures." in page
    table = client.get(f"/assignments/{school.assignment_id}").get_data(as_text=True)
    assert "overridden" in table
    release = client.post(f"/assignments/{school.assignment_id}/release",
                          data={"csrf_token": csrf_token(table)})
    assert release.status_code == 302
    assert "Levels are released" in client.get(
        f"/assignments/{school.assignment_id}").get_data(as_text=True)
    sign_out(client)

    sign_in(client, "student")
    page = client.get(essay_url).get_data(as_text=True)
    assert "Your teacher set this to level 2" in page and "Overall: <strong>Level" in page
    token = csrf_token(page)
    assert client.post(f"/essays/{essay_id}/override", data={
        "criterion": "evidence", "level": "4", "csrf_token": token}).status_code == 404
    assert client.post(f"/assignments/{school.assignment_id}/release",
                       data={"csrf_token": token}).status_code == 404
    sign_out(client)

    sign_in(client, "teacher2")  # not their class: as if the essay did not exist
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post(f"/essays/{essay_id}/override", data={
        "criterion": "evidence", "level": "4", "csrf_token": token}).status_code == 404
    assert client.get(f"/assignments/{school.assignment_id}").status_code == 404


def test_a_teacher_uploads_a_stack_sees_bad_files_named_and_exports(
        client, school, service_app, grade_pending):
    import io

    sign_in(client, "teacher")
    page = client.get(f"/assignments/{school.assignment_id}").get_data(as_text=True)
    assert "Grade a stack of essays" in page
    files = [(io.BytesIO(ESSAY.encode()), "anna.txt"),
             (io.BytesIO(planted_essay(1, random.Random(8)).encode()), "ben.txt"),
             (io.BytesIO(b"PK\x03\x04 not really a zip"), "broken.zip")]
    response = client.post(f"/assignments/{school.assignment_id}/batches",
                           data={"files": files, "csrf_token": csrf_token(page)},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    pending = client.get(batch_url).get_data(as_text=True)
    assert "0 of 2 essays graded" in pending and "broken.zip" in pending
    assert client.get(batch_url + "/status.json").get_json()["complete"] is False

    grade_pending(service_app)
    done = client.get(batch_url).get_data(as_text=True)
    assert "2 of 2 essays graded" in done and "anna" in done and "results.csv" in done
    exported = client.get(batch_url + "/results.csv")
    assert exported.mimetype == "text/csv"
    rows = exported.get_data(as_text=True).splitlines()
    assert rows[0].startswith("essay_id,label,file,status,thesis") and len(rows) == 3
    sign_out(client)

    sign_in(client, "teacher2")
    assert client.get(batch_url).status_code == 404
    assert client.get(batch_url + "/results.csv").status_code == 404
    sign_out(client)
    sign_in(client, "student")
    token = csrf_token(client.get("/assignments").get_data(as_text=True))
    assert client.post(f"/assignments/{school.assignment_id}/batches",
                       data={"csrf_token": token}).status_code == 404


def test_the_class_overview_charts_levels_and_names_common_weaknesses(
        client, school, service_app, grade_pending):
    for who, level in (("student", 4), ("student2", 1)):
        sign_in(client, who)
        submit_draft(client, school.assignment_id, planted_essay(level, random.Random(level)))
        sign_out(client)
    grade_pending(service_app)
    sign_in(client, "teacher")
    page = client.get(f"/assignments/{school.assignment_id}").get_data(as_text=True)
    assert "Overview of 2 graded essays" in page
    assert page.count('<meter class="bar"') == 5 * 4  # 4 criteria and overall, levels 1-4
    assert "What the class most needs to work on" in page
    assert "style=" not in page  # the CSP forbids inline styles: charts are <meter>s


def test_a_teacher_creates_a_class_adds_a_student_and_sets_an_assignment(client, school):
    sign_in(client, "teacher")
    home = client.get("/").get_data(as_text=True)
    created = client.post("/classes", data={"name": "History 10C",
                                            "csrf_token": csrf_token(home)})
    assert created.status_code == 302
    class_url = created.headers["Location"]
    page = client.get(class_url).get_data(as_text=True)
    assert "History 10C" in page and "No students yet." in page
    added = client.post(class_url + "/students", data={
        "email": "newpupil@school.example", "name": "New Pupil",
        "csrf_token": csrf_token(page)})
    assert added.status_code == 200 and added.headers["Cache-Control"] == "no-store"
    password = re.search(r"<code>([^<]+)</code>", added.get_data(as_text=True)).group(1)
    assert "password" not in client.get_cookie("session").value  # never put in a cookie
    page = client.get(class_url).get_data(as_text=True)
    assert "New Pupil" in page
    staff = client.post(class_url + "/students", data={
        "email": "admin@school.example", "csrf_token": csrf_token(page)},
        follow_redirects=True).get_data(as_text=True)
    bogus = client.post(class_url + "/students", data={
        "email": "x@y", "csrf_token": csrf_token(page)},
        follow_redirects=True).get_data(as_text=True)
    for refused in (staff, bogus):  # the same words: no account or role is revealed
        assert "That email cannot be added as a student" in refused
        assert "is a admin" not in refused and "not a student" not in refused
    added = page
    assignment = client.post(class_url + "/assignments", data={
        "title": "Causes of the First World War", "rubric": "history-argument",
        "question": "How far was the alliance system responsible for the outbreak of the "
                    "First World War in 1914?",
        "instructions": "Which cause mattered most?", "show_levels": "yes",
        "csrf_token": csrf_token(added)})
    assert assignment.status_code == 302
    teachers_page = client.get(assignment.headers["Location"]).get_data(as_text=True)
    assert "Causes of the First World War" in teachers_page
    assert "How far was the alliance system responsible" in teachers_page
    sign_out(client)

    assert sign_in(client, "newpupil", password=password).status_code == 302
    assert "Causes of the First World War" in client.get("/assignments").get_data(as_text=True)
    sign_out(client)
    sign_in(client, "teacher2")  # another teacher's class does not exist for them
    assert client.get(class_url).status_code == 404
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post(class_url + "/students", data={
        "email": "student3@school.example", "csrf_token": token}).status_code == 404


def test_every_form_post_needs_a_csrf_token(client, school, service_app):
    sign_in(client, "admin")
    routes = [rule for rule in service_app.url_map.iter_rules()
              if "POST" in rule.methods and not rule.rule.startswith(("/api/", "/healthz"))]
    assert len(routes) >= 12
    for rule in routes:
        url = re.sub(r"<[^>]*>", "1", rule.rule).replace("/rubrics/1", "/rubrics/history-argument")
        assert client.post(url, data={}).status_code == 400, rule.rule


def test_oversized_ids_and_missing_rubric_versions_are_explained_not_500(client, school,
                                                                           service_app):
    sign_in(client, "teacher")
    for url in ("/essays/99999999999999999999", "/assignments/99999999999999999999",
                "/batches/99999999999999999999", "/classes/99999999999999999999"):
        assert client.get(url).status_code == 404, url
    with database(service_app).session() as session:
        rubric = session.query(Rubric).filter_by(slug="history-argument").one()
        rubric.active_version_id = None
        session.commit()
    response = client.get(f"/assignments/{school.assignment_id}")
    assert response.status_code == 409 and "no active version" in response.get_data(
        as_text=True)


def test_signed_in_pages_are_not_cached_and_secure_cookies_bring_hsts(client, school,
                                                                       service_app):
    sign_in(client, "student")
    assert client.get("/assignments").headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in client.get("/assignments").headers
    service_app.config["SESSION_COOKIE_SECURE"] = True
    assert "max-age" in client.get("/login").headers["Strict-Transport-Security"]


def test_a_user_changes_their_password(client, school):
    sign_in(client, "student")
    page = client.get("/account/password").get_data(as_text=True)
    wrong = client.post("/account/password", data={
        "current": "nope", "new": "a brand new passphrase", "again": "a brand new passphrase",
        "csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "current password is not right" in wrong.get_data(as_text=True)
    common = client.post("/account/password", data={
        "current": PASSWORD, "new": "password1234", "again": "password1234",
        "csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "too easy to guess. This is a very common password." in \
        common.get_data(as_text=True)
    done = client.post("/account/password", data={
        "current": PASSWORD, "new": "a brand new passphrase", "again": "a brand new passphrase",
        "csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "Your password is changed;" in done.get_data(as_text=True)
    sign_out(client)
    assert sign_in(client, "student").status_code == 401
    assert sign_in(client, "student", password="a brand new passphrase").status_code == 302


def test_sign_in_stops_after_repeated_failures_even_with_the_right_password(client, school,
                                                                            service_app):
    service_app.config["GRADER_LOGIN_FAILURES"] = 3
    for _ in range(3):
        assert sign_in(client, "student", password="guess").status_code == 401
    locked = sign_in(client, "student")  # right password, but guessing must stop paying
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.get_data(
        as_text=True)
    assert sign_in(client, "student2").status_code == 302  # other accounts are unaffected


def test_submissions_are_limited_per_account_per_minute(client, school, service_app,
                                                         accounts):
    service_app.config["GRADER_SUBMISSIONS_PER_MINUTE"] = 2
    headers = accounts["student"]
    for _ in range(2):
        assert client.post("/api/v1/essays", json={"text": ESSAY},
                           headers=headers).status_code == 202
    refused = client.post("/api/v1/essays", json={"text": ESSAY}, headers=headers)
    assert refused.status_code == 429
    assert "submissions in a minute" in refused.get_json()["error"]["message"]
    assert client.post("/api/v1/essays", json={"text": ESSAY},
                       headers=accounts["student2"]).status_code == 202
    sign_in(client, "student")  # the pages share the same count
    page = submit_draft(client, school.assignment_id, ESSAY)
    assert page.status_code == 429 and "submissions in a minute" in page.get_data(as_text=True)


def test_a_failed_draft_offers_grade_it_again_and_is_then_graded(client, school, service_app,
                                                                  grade_pending):
    from sqlalchemy import update

    from grader.tables import Essay

    sign_in(client, "student")
    essay_url = submit_draft(client, school.assignment_id, ESSAY).headers["Location"]
    with database(service_app).session() as session:  # as the worker leaves a crashed essay
        session.execute(update(Essay).values(status="failed", attempts=3,
                                             error="the grader failed on this essay"))
        session.commit()
    page = client.get(essay_url).get_data(as_text=True)
    assert "could not be graded" in page and "Grade it again" in page
    retried = client.post(essay_url + "/retry", data={"csrf_token": csrf_token(page)})
    assert retried.status_code == 302 and retried.headers["Location"].endswith(essay_url)
    assert client.get(essay_url + "/status.json").get_json() == {"status": "queued",
                                                                "error": None}
    grade_pending(service_app)
    assert client.get(essay_url + "/status.json").get_json()["status"] == "done"
    assert "Grade it again" not in client.get(essay_url).get_data(as_text=True)


def test_a_form_sent_twice_makes_one_draft_and_one_upload(client, school, service_app):
    """A double click, or Resend after a timeout on slow school wifi, posts the same page's
    form again: the hidden submission key makes it the same draft (and the same upload)."""
    import io

    from sqlalchemy import func, select

    from grader.tables import Batch, Essay

    sign_in(client, "student")
    url = f"/assignments/{school.assignment_id}"
    page = client.get(url).get_data(as_text=True)
    key = re.search(r'name="submission" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    form = {"text": ESSAY, "csrf_token": csrf_token(page), "submission": key}
    first, second = client.post(url, data=form), client.post(url, data=form)
    assert first.headers["Location"] == second.headers["Location"]
    # Back to that page, the text edited, sent again: a new draft, not the old one.
    edited = client.post(url, data={**form, "text": ESSAY + " One more sentence here."})
    assert edited.headers["Location"] not in (first.headers["Location"], None)
    assert key not in client.get(url).get_data(as_text=True)  # a new page, a new key
    sign_out(client)

    sign_in(client, "teacher")
    page = client.get(url).get_data(as_text=True)
    key = re.search(r'name="submission" value="([0-9a-f]{32})"', page).group(1)

    def send():
        return client.post(f"{url}/batches", content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(ESSAY.encode()), "anna.txt")],
                                 "csrf_token": csrf_token(page), "submission": key})

    assert send().headers["Location"] == send().headers["Location"]
    with database(service_app).session() as session:
        assert session.scalar(select(func.count()).select_from(Essay)) == 3
        assert session.scalar(select(func.count()).select_from(Batch)) == 1


def test_revising_starts_from_the_last_draft_and_an_unchanged_one_is_not_graded_again(
        client, school, service_app, grade_pending):
    from sqlalchemy import func, select

    from grader.tables import Essay

    sign_in(client, "student")
    url = f"/assignments/{school.assignment_id}"
    assert ESSAY.split()[0] not in client.get(url).get_data(as_text=True).split("<textarea")[1]
    first = submit_draft(client, school.assignment_id, ESSAY)
    grade_pending(service_app)
    box = client.get(url).get_data(as_text=True).split("<textarea")[1].split("</textarea>")[0]
    assert " ".join(ESSAY.split()) in " ".join(html.unescape(box).split())  # the revise box

    again = submit_draft(client, school.assignment_id, "  " + ESSAY.upper() + "\n")
    assert again.headers["Location"] == first.headers["Location"]
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "the same as your last one, so it was not graded again" in page
    revised = submit_draft(client, school.assignment_id, ESSAY + " One more sentence here.")
    assert revised.headers["Location"] != first.headers["Location"]
    with database(service_app).session() as session:
        assert session.scalar(select(func.count()).select_from(Essay)) == 2


def test_flags_are_for_the_teacher_not_the_student(client, school, service_app, grade_pending):
    """Students saw "For your teacher's attention", the flags box meant for the teacher."""
    sign_in(client, "student")
    padded = ESSAY + "\n\n" + ESSAY  # the essay twice: flagged as repeated text
    essay_url = submit_draft(client, school.assignment_id, padded).headers["Location"]
    grade_pending(service_app)
    assert "teacher’s attention" not in client.get(essay_url).get_data(as_text=True)
    sign_out(client)
    sign_in(client, "teacher")
    teacher_page = client.get(essay_url).get_data(as_text=True)
    assert "teacher’s attention" in teacher_page and "Repeated text" in teacher_page


def test_a_student_who_wrote_in_french_is_told_the_grader_reads_english(
        client, school, service_app, grade_pending):
    from tests.test_gaming import FRENCH_ESSAY

    sign_in(client, "student")
    essay_url = submit_draft(client, school.assignment_id, FRENCH_ESSAY).headers["Location"]
    grade_pending(service_app)
    page = client.get(essay_url).get_data(as_text=True)
    assert "Grader reads essays in English" in page and "written in French" in page
    assert "Gibberish" not in page


def test_an_upload_for_an_assignment_gives_each_essay_to_its_student(
        client, school, service_app, grade_pending):
    """After a bulk upload the class table said "no draft" for every student: uploaded essays
    belonged to no one."""
    import io

    from sqlalchemy import select

    from grader import queries
    from grader.services.accounts import ensure_user
    from grader.services.classes import enrol
    from grader.tables import Essay, SchoolClass

    with database(service_app).session() as session:
        ben = ensure_user(session, "b.okafor@school.example", "student", name="Ben Okafor")
        enrol(session, session.get(SchoolClass, school.class_id), ben)
        student2 = queries.user_by_email(session, "student2@school.example")
        student3 = queries.user_by_email(session, "student3@school.example")
    sign_in(client, "teacher")
    url = f"/assignments/{school.assignment_id}"
    page = client.get(url).get_data(as_text=True)
    sheet = 'student,essay\nSTUDENT@school.example,"{}"\n'.format(
        planted_essay(3, random.Random(5)).replace('"', "'"))
    files = [(io.BytesIO(sheet.encode()), "marks.csv"),
             (io.BytesIO(planted_essay(2, random.Random(6)).encode()), "Okafor Ben - essay.txt"),
             (io.BytesIO(planted_essay(1, random.Random(7)).encode()), "essay 3.txt")]
    batch_url = client.post(f"{url}/batches", data={"files": files,
                                                     "csrf_token": csrf_token(page)},
                            content_type="multipart/form-data").headers["Location"]
    grade_pending(service_app)
    batch_page = client.get(batch_url).get_data(as_text=True)
    assert "Essays to match to a student (1)" in batch_page and "essay 3" in batch_page

    table = client.get(url).get_data(as_text=True).split("<tbody>")[-1]
    rows = {re.search(r">([^<>]+)</(?:a|th)>", row).group(1): row
            for row in table.split("<tr>")[1:]}
    assert "no draft" not in rows["Student"] and "no draft" not in rows["Ben Okafor"]
    assert "no draft" in rows["Student2"]

    with database(service_app).session() as session:
        unmatched = session.scalar(select(Essay).where(Essay.student_id.is_(None),
                                                             Essay.assignment_id.is_not(None)))
    token = csrf_token(batch_page)
    refused = client.post(batch_url + "/students", follow_redirects=True,
                          data={"csrf_token": token, f"essay-{unmatched.id}": str(student3.id)})
    assert "not a student of this assignment" in refused.get_data(as_text=True)
    matched = client.post(batch_url + "/students", follow_redirects=True,
                          data={"csrf_token": token, f"essay-{unmatched.id}": str(student2.id)})
    assert "1 essay(s) matched to students" in matched.get_data(as_text=True)
    assert "Essays to match" not in matched.get_data(as_text=True)
    sign_out(client)

    sign_in(client, "student2")  # the essay is theirs now: listed, and readable
    assert "Draft 1" in client.get(url).get_data(as_text=True)
    assert client.get(f"/essays/{unmatched.id}").status_code == 200



def test_one_gradebook_per_assignment_in_the_pages_and_the_api(
        client, school, service_app, grade_pending, accounts):
    """The gradebook CSV existed only per upload and had no student column."""
    import csv
    import io

    from grader import queries

    with database(service_app).session() as session:  # a name a spreadsheet would run
        queries.user_by_email(session, "student2@school.example").name = "=HYPERLINK(1)"
        session.commit()
    essay_url, essay_id = graded_draft(client, school, service_app, grade_pending, ESSAY)
    sign_in(client, "teacher")
    teacher_overrides(client, essay_url, criterion="evidence", level="1")
    url = f"/assignments/{school.assignment_id}/gradebook.csv"
    assert url in client.get(f"/assignments/{school.assignment_id}").get_data(as_text=True)
    download = client.get(url)
    assert download.mimetype == "text/csv" and "gradebook" in download.headers[
        "Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    by_row = {r["email"]: r for r in rows}  # one row per student of the class, by name
    assert [r["email"] for r in rows] == ["student2@school.example", "student@school.example"]
    mine, none = by_row["student@school.example"], by_row["student2@school.example"]
    assert mine["essay_id"] == str(essay_id) and mine["evidence"] == "1"
    assert mine["overridden"] == "evidence" and mine["essay_url"].endswith(f"/essays/{essay_id}")
    assert mine["thesis"].isdigit() and mine["overall"].isdigit()
    assert none["status"] == "no draft" and none["student"] == "'=HYPERLINK(1)"

    teacher = accounts["teacher"]  # the API's gradebook is the same table
    api_rows = list(csv.DictReader(io.StringIO(client.get(
        f"/api/v1{url}", headers=teacher).get_data(as_text=True))))
    strip = [{k: v for k, v in r.items() if k != "essay_url"} for r in api_rows]
    assert strip == [{k: v for k, v in r.items() if k != "essay_url"} for r in rows]
    listed = client.get("/api/v1/assignments", headers=teacher).get_json()
    detail = next(a for a in listed if a["id"] == school.assignment_id)
    assert detail["question"]["text"].startswith("How successful")
    by_email = {r["student"]["email"]: r for r in detail["students"]}
    assert by_email["student@school.example"]["levels"]["evidence"] == 1
    assert by_email["student@school.example"]["overridden"] == ["evidence"]
    assert by_email["student2@school.example"]["essay"] is None
    own = client.get(f"/api/v1/assignments/{school.assignment_id}",
                     headers=accounts["student"]).get_json()
    assert [d["id"] for d in own["drafts"]] == [essay_id]
    assert "students" not in own and "gradebook_csv" not in own


def test_a_teachers_level_is_the_level_everywhere_and_moves_the_overall(
        client, school, service_app, grade_pending, runner):
    """After an override the big badge still showed the grader's level and descriptor, the
    drafts table the grader's level, and the overall did not move."""
    import math

    from grader import queries
    from grader.services.overrides import final_levels
    from grader.tables import Essay

    sign_in(client, "student")
    essay_url = submit_draft(client, school.assignment_id, ESSAY).headers["Location"]
    essay_id = int(essay_url.rsplit("/", 1)[1])
    grade_pending(service_app)
    runner.invoke(args=["assignment", "release", str(school.assignment_id)])
    with database(service_app).session() as session:
        result = session.get(Essay, essay_id).result
        grader_evidence = next(c.level for c in result.criteria if c.criterion == "evidence")
        grader_score = result.overall_score
    teacher_evidence = 4 if grader_evidence <= 2 else 1  # two levels or more away
    sign_out(client)

    sign_in(client, "teacher")
    page = client.get(essay_url).get_data(as_text=True)
    assert "Student:</strong> Student" in page and "Assignment:</strong>" in page
    assert page.index("Override a level") < page.index('id="c-thesis"')  # at the top
    client.post(f"/essays/{essay_id}/override", data={
        "criterion": "evidence", "level": str(teacher_evidence), "comment": "",
        "csrf_token": csrf_token(page)})
    with database(service_app).session() as session:
        essay = session.get(Essay, essay_id)
        final = final_levels(essay.result, queries.latest_overrides(session, [essay_id])[
            essay_id])
    assert final["evidence"] == teacher_evidence
    # The overall moves by evidence's weight in the rubric (0.30) times the change.
    expected = math.floor(grader_score + 0.3 * (teacher_evidence - grader_evidence) + 0.5)
    assert final["overall"] == min(max(expected, 1), 4)
    sign_out(client)

    sign_in(client, "student")
    page = client.get(essay_url).get_data(as_text=True)
    evidence = page.split('id="c-evidence"')[1].split("</article>")[0]
    assert f"Level {teacher_evidence} ·" in evidence and "(your teacher)" in evidence
    assert f"grader said level {grader_evidence}" in evidence
    descriptor = {1: "Little or no specific historical evidence",
                  4: "Precise, well-chosen and attributed evidence"}[teacher_evidence]
    assert descriptor in evidence
    assert f"Overall: <strong>Level {final['overall']}</strong>" in page
    drafts = client.get(f"/assignments/{school.assignment_id}").get_data(as_text=True)
    assert "your teacher</span>" in drafts and f"Level {teacher_evidence}" in drafts
    sign_out(client)

    sign_in(client, "teacher")  # an overall of her own stands, and is marked
    page = client.get(essay_url).get_data(as_text=True)
    client.post(f"/essays/{essay_id}/override", data={
        "criterion": "overall", "level": "2", "comment": "", "csrf_token": csrf_token(page)})
    page = client.get(essay_url).get_data(as_text=True)
    assert "Overall: <strong>Level 2</strong>" in page and "set by a teacher" in page
    table = client.get(f"/assignments/{school.assignment_id}").get_data(as_text=True)
    row = table.split(f'href="/essays/{essay_id}"')[1].split("</tr>")[0]
    assert row.count("overridden") == 2  # evidence and the overall


def test_draft_files_refused_as_unreadable_count_against_the_limit_on_the_page(
        client, school, service_app):
    import io

    service_app.config["GRADER_SUBMISSIONS_PER_MINUTE"] = 2
    sign_in(client, "student")
    url = f"/assignments/{school.assignment_id}"

    def send():
        token = csrf_token(client.get(url).get_data(as_text=True))
        return client.post(url, content_type="multipart/form-data", data={
            "csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4 not really"), "draft.pdf")})

    first, second, third = send(), send(), send()
    assert first.status_code == second.status_code == 200  # the problem shown on the page
    assert third.status_code == 429


def test_the_api_shows_a_student_what_the_pages_show_before_and_after_release(
        client, school, service_app, grade_pending, accounts, runner):
    """GET /api/v1/essays/{id} gave the student the levels, the whole result document and the
    teacher's override (level, comment, teacher id) before the teacher released them."""
    essay_url, essay_id = graded_draft(client, school, service_app, grade_pending,
                                       ESSAY + "\n\n" + ESSAY)  # repeated: a teacher's flag
    sign_in(client, "teacher")
    teacher_overrides(client, essay_url, criterion="thesis", level="1",
                      comment="Say what you argue.")
    teacher_view = client.get(f"/api/v1/essays/{essay_id}", headers=accounts["teacher"]
                              ).get_json()
    assert teacher_view["levels"]["thesis"] == 1 and "repeated_text" in teacher_view["flags"]
    sign_out(client)

    sign_in(client, "student")
    api = f"/api/v1/essays/{essay_id}"

    def views():
        return (client.get(essay_url).get_data(as_text=True),
                client.get(api, headers=accounts["student"]).get_json(),
                next(e for e in client.get("/api/v1/essays", headers=accounts["student"])
                     .get_json() if e["id"] == essay_id))

    page, body, listed = views()  # not released: no level anywhere, no override, no flag
    assert "Level " not in page and "Say what you argue" not in page
    for view in (body, listed):
        assert view["levels"] is None and view["overall_level"] is None and view["flags"] == []
    assert body["overrides"] == [] and "overall" not in body["result"]
    assert all(set(c) & {"level", "label", "descriptor", "score", "prior"} == set()
               for c in body["result"]["criteria"])
    assert body["result"]["flags"] == [] and "teacher’s attention" not in page
    page_comments = page.count('class="comment comment-')
    assert page_comments == sum(len(c["feedback"]) for c in body["result"]["criteria"])

    runner.invoke(args=["assignment", "release", str(school.assignment_id)])
    page, body, listed = views()  # released: the same levels in both, the teacher's comment
    assert body["levels"] == listed["levels"] and body["levels"]["thesis"] == 1
    assert f"Overall: <strong>Level {body['levels']['overall']}</strong>" in page
    for criterion, level in body["levels"].items():
        if criterion != "overall":
            section = page.split(f'id="c-{criterion}"')[1].split("</h3>")[0]
            assert f"Level {level} ·" in section
    assert [o["comment"] for o in body["overrides"]] == ["Say what you argue."]
    assert "teacher" not in body["overrides"][0] and "Say what you argue" in page
    assert body["flags"] == [] and "teacher’s attention" not in page


def _signed_in_with_remember(service_app):
    """A new browser, signed in as student@ with "keep me signed in"."""
    browser = service_app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    assert browser.post("/login", data={
        "email": "student@school.example", "password": PASSWORD, "remember": "y",
        "csrf_token": csrf_token(page)}).status_code == 302
    return browser


def _cookies(browser) -> dict[str, str]:
    return {name: browser.get_cookie(name).value for name in ("session", "remember_token")
            if browser.get_cookie(name) is not None}


def _replayed(service_app, cookies: dict[str, str]) -> int:
    """The status of the home page for a browser holding these cookies (an attacker who kept
    them)."""
    thief = service_app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief.get("/assignments").status_code


@pytest.mark.parametrize("ending", ["sign out", "new password", "sign out everywhere"])
def test_sessions_and_remember_cookies_end_on_the_server(client, school, service_app, ending):
    """After sign-out and after a password change the old session cookie still answered 200,
    and the remember cookie (id|HMAC(id), the same at every login) stayed valid."""
    laptop, phone = _signed_in_with_remember(service_app), _signed_in_with_remember(service_app)
    kept = _cookies(laptop)
    assert set(kept) == {"session", "remember_token"}
    assert _replayed(service_app, kept) == 200
    assert _replayed(service_app, {"remember_token": kept["remember_token"]}) == 200
    page = laptop.get("/account/password").get_data(as_text=True)
    if ending == "sign out":
        response = laptop.post("/logout", data={"csrf_token": csrf_token(page)})
        deleted = [h for h in response.headers.getlist("Set-Cookie")
                   if h.startswith("remember_token=")]
        assert deleted and "Expires=Thu, 01 Jan 1970" in deleted[0]
    elif ending == "new password":
        changed = laptop.post("/account/password", follow_redirects=True, data={
            "current": PASSWORD, "new": "a brand new passphrase",
            "again": "a brand new passphrase", "csrf_token": csrf_token(page)})
        assert "signed out everywhere else" in changed.get_data(as_text=True)
        assert laptop.get("/assignments").status_code == 200  # this browser carries on
    else:
        laptop.post("/account/sessions", data={"csrf_token": csrf_token(page)})
    assert _replayed(service_app, kept) == 302  # to the sign-in page
    assert _replayed(service_app, {"remember_token": kept["remember_token"]}) == 302
    assert phone.get("/assignments").status_code == 302  # the other device too


def test_parallel_guesses_at_one_account_meet_the_limit_exactly(school, service_app):
    """60 parallel guesses at one account got 17 checked against a limit of 10: the limiter
    checked, then verified, then recorded."""
    from concurrent.futures import ThreadPoolExecutor

    limit = service_app.config["GRADER_LOGIN_FAILURES"]

    def guess(_):
        return sign_in(service_app.test_client(), "teacher", password="wrong guess").status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(guess, range(60)))
    assert answers.count(401) <= limit and answers.count(429) >= 60 - limit
    assert sign_in(service_app.test_client(), "teacher").status_code == 429  # locked, even so


def test_the_current_password_cannot_be_guessed_on_the_password_page(client, school,
                                                                     service_app):
    limit = service_app.config["GRADER_LOGIN_FAILURES"]
    sign_in(client, "student")
    page = client.get("/account/password").get_data(as_text=True)

    def change(current):
        return client.post("/account/password", data={
            "current": current, "new": "a brand new passphrase",
            "again": "a brand new passphrase", "csrf_token": csrf_token(page)})

    assert [change(f"guess {n}").status_code for n in range(limit)] == [200] * limit
    refused = change(PASSWORD)  # the right one, too late
    assert refused.status_code == 429 and "Too many wrong passwords" in refused.get_data(
        as_text=True)
