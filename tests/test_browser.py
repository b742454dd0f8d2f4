"""Journeys through the pages in real headless Chromium (Debian's, driven by Playwright),
against the real app served over HTTP and a real Celery worker grading the essays.

Screenshots of every page visited are saved under build/screenshots/ (printed at the end).
"""

from __future__ import annotations

import random
import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from tests.pages_support import PASSWORD, make_school
from tests.planted import planted_essay, planted_set, scored_csv
from tests.service_support import (
    ROOT,
    WorkerProcess,
    free_port,
    make_app,
    service_env,
    wait_for,
    worker_alive,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "build" / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app on a real HTTP server, a worker on the embedded broker, and a school."""
    instance = tmp_path_factory.mktemp("browser")
    env = service_env(instance)
    app = make_app(env)
    school = make_school(app)
    worker = WorkerProcess(env, instance / "worker.log", concurrency=1)
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        wait_for(lambda: worker_alive(app, worker.process.pid), 120, "the worker",
                 on_timeout=worker.tail)
        yield f"http://127.0.0.1:{port}", school, worker
    finally:
        server.shutdown()
        worker.stop()


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install chromium"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()
    print(f"\nscreenshots: {SHOTS}")


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, base: str, who: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(f"{who}@school.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_student_drafts_reads_feedback_revises_and_compares(site, browser):
    base, _school, _worker = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "01-sign-in")
    sign_in(page, base, "student")
    expect(page.get_by_role("heading", name="My assignments")).to_be_visible()
    shot(page, "02-student-assignments")

    page.get_by_role("link", name="Stalin's industrialisation").click()
    page.get_by_label("Paste your essay").fill(planted_essay(2, random.Random(5)))
    page.get_by_role("button", name="Get feedback").click()
    expect(page.get_by_text("Reading your essay")).to_be_visible()
    shot(page, "03-draft-being-graded")
    # The page polls and reloads itself when the worker has finished.
    expect(page.get_by_role("heading", name="Feedback")).to_be_visible(timeout=120_000)
    expect(page.locator("#s-0")).to_be_visible()
    expect(page.locator(".role-tag").first).to_be_visible()  # roles in words, not colour alone
    shot(page, "04-draft-feedback")
    first_link = page.locator("a.sentence-link").first
    target = first_link.get_attribute("href")
    first_link.click()
    expect(page.locator(target)).to_have_class(re.compile(r"\bfocused\b"))
    essay_url = page.url

    page.get_by_role("link", name="Stalin's industrialisation").first.click()
    page.get_by_label("Paste your essay").fill(planted_essay(4, random.Random(6)))
    page.get_by_role("button", name="Get feedback").click()
    expect(page.get_by_role("heading", name="Feedback")).to_be_visible(timeout=120_000)
    page.get_by_role("link", name="Stalin's industrialisation").first.click()
    expect(page.get_by_role("link", name="Draft 1")).to_be_visible()
    expect(page.get_by_role("link", name="Draft 2")).to_be_visible()
    shot(page, "05-drafts-compared")

    phone = browser.new_page(viewport={"width": 375, "height": 740})
    sign_in(phone, base, "student")
    phone.goto(essay_url)
    expect(phone.get_by_role("heading", name="Feedback")).to_be_visible()
    shot(phone, "06-feedback-on-a-phone")
    phone.close()
    page.close()

    other = browser.new_context().new_page()
    sign_in(other, base, "student2")
    response = other.goto(essay_url)
    assert response is not None and response.status == 404
    expect(other.get_by_role("heading", name="Nothing here")).to_be_visible()
    shot(other, "07-another-students-essay-404")
    other.close()


def test_a_teacher_reads_the_class_table_overrides_a_level_and_releases(site, browser):
    base, _school, _worker = site
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "teacher")
    expect(page.get_by_role("heading", name="Your classes")).to_be_visible()
    shot(page, "08-teacher-classes")
    page.get_by_role("link", name="Stalin's industrialisation").click()
    table = page.locator("#class-table")
    expect(table).to_be_visible()
    page.get_by_role("button", name="Overall").click()  # sortable by any column
    expect(page.locator("th[aria-sort=ascending]")).to_have_count(1)
    shot(page, "09-teacher-class-table")

    page.get_by_role("link", name="Student", exact=True).click()
    expect(page.get_by_role("heading", name="Override a level")).to_be_visible()
    page.get_by_label("Criterion", exact=True).select_option("evidence")
    page.get_by_label("Level", exact=True).select_option("3")
    page.get_by_label("Comment for the student").fill("Good use of the 1932 figures.")
    page.get_by_role("button", name="Save level").click()
    expect(page.get_by_text("Evidence set to level 3.")).to_be_visible()
    shot(page, "10-teacher-override")

    page.get_by_role("link", name="Stalin's industrialisation").first.click()
    expect(page.get_by_text("overridden").first).to_be_visible()
    page.get_by_role("button", name="Release levels to the class").click()
    expect(page.get_by_text("Levels are released")).to_be_visible()
    shot(page, "11-teacher-released")

    page.locator("#batch-files").set_input_files([
        {"name": "anna.txt", "mimeType": "text/plain",
         "buffer": planted_essay(3, random.Random(9)).encode()},
        {"name": "ben.txt", "mimeType": "text/plain",
         "buffer": planted_essay(1, random.Random(10)).encode()},
        {"name": "notes.rar", "mimeType": "application/octet-stream", "buffer": b"Rar!"}])
    expect(page.get_by_text("3 file(s): anna.txt, ben.txt, notes.rar")).to_be_visible()
    page.get_by_role("button", name="Upload and grade").click()
    expect(page.get_by_role("heading", name="Files that could not be read (1)")).to_be_visible()
    expect(page.get_by_text("2 of 2 essays graded.")).to_be_visible(timeout=120_000)
    expect(page.get_by_role("link", name="Download the results (CSV for the gradebook)")
           ).to_be_visible()
    shot(page, "12-teacher-batch-graded")


def test_an_admin_edits_a_rubric_and_calibrates_it_on_a_real_worker(site, browser):
    base, _school, _worker = site
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "admin")
    page.get_by_role("link", name="Rubrics and calibration").click()
    expect(page.get_by_role("heading", name="Rubrics", exact=True)).to_be_visible()
    shot(page, "13-admin-rubrics")
    page.get_by_role("link", name="Argumentative history essay").click()
    page.get_by_label("Weight of Evidence and analysis").fill("0.35")  # the form first
    page.get_by_label("Level 4", exact=True).fill("Excellent")
    shot(page, "13b-admin-rubric-form")
    page.get_by_role("button", name="Save the form as a new version").click()
    expect(page.get_by_text("Saved as version 2; it is now active.")).to_be_visible()
    page.get_by_text("Advanced: edit the rubric as YAML").click()  # YAML, for the rest
    editor = page.locator("#rubric-yaml")
    original = editor.input_value()
    editor.fill(original.replace("levels:", "levelz:", 1))
    page.get_by_role("button", name="Save as a new version", exact=True).click()
    expect(page.locator("#yaml-problem")).to_be_visible()  # the message sits by the field
    shot(page, "14-admin-rubric-invalid")
    page.locator("#rubric-yaml").fill(original.replace("Excellent", "Outstanding", 1))
    page.get_by_role("button", name="Save as a new version", exact=True).click()
    expect(page.get_by_text("Saved as version 3; it is now active.")).to_be_visible()
    shot(page, "15-admin-rubric-saved")

    page.get_by_role("link", name="Calibrate this rubric on teachers' scores").click()
    texts, levels = planted_set(40)
    page.locator("#cal-file").set_input_files({"name": "term1.csv", "mimeType": "text/csv",
                                               "buffer": scored_csv(texts, levels)})
    page.get_by_label("Scored columns").fill("teacher score=overall")
    page.get_by_role("button", name="Calibrate", exact=True).click()
    expect(page.get_by_role("heading", name="Agreement with the teachers (5-fold cross-validated)")
           ).to_be_visible(timeout=180_000)
    expect(page.locator("table.confusion")).to_be_visible()
    shot(page, "16-admin-calibration-report")
    page.get_by_role("button", name="Activate: grade new essays with it").click()
    expect(page.get_by_text("now scores new essays for this rubric")).to_be_visible()
    shot(page, "17-admin-calibration-active")


NEW_DEAL = "How far did the New Deal (1933-1939) end the Great Depression?"


def test_a_teacher_sets_a_question_of_their_own_and_a_students_essay_is_graded_against_it(
        site, browser):
    base, _school, _worker = site
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "teacher")
    page.get_by_role("link", name="History 9A").click()
    page.get_by_label("Title").fill("The New Deal")
    page.get_by_label("Question", exact=True).fill(NEW_DEAL)
    page.get_by_label("Period (optional)").fill("1933-1939 and then some")
    page.get_by_role("button", name="Set assignment").click()
    problem = page.locator("#assignment-problem")  # beside the form, what was typed kept
    expect(problem).to_contain_text("is not a year or a range")
    expect(page.get_by_label("Question", exact=True)).to_have_value(NEW_DEAL)
    shot(page, "18-teacher-assignment-question-refused")
    page.get_by_label("Period (optional)").fill("1933-1939")
    page.get_by_label("Key terms (optional)").fill("Roosevelt, Hundred Days")
    page.get_by_role("button", name="Set assignment").click()
    expect(page.get_by_role("heading", name="What the grader checks")).to_be_visible()
    expect(page.locator(".question-text")).to_have_text(NEW_DEAL)
    expect(page.locator(".key-terms")).to_contain_text("Hundred Days")
    shot(page, "19-teacher-assignment-with-question")
    page.context.close()

    student = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(student, base, "student")
    student.get_by_role("link", name="The New Deal").click()
    expect(student.get_by_role("heading", name="The question")).to_be_visible()
    expect(student.locator(".question-text")).to_have_text(NEW_DEAL)
    essay = (ROOT / "tests" / "essays" / "questions" / "new-deal-strong.txt").read_text(
        encoding="utf-8")
    student.get_by_label("Paste your essay").fill(essay)
    student.get_by_role("button", name="Get feedback").click()
    expect(student.get_by_role("heading", name="Feedback")).to_be_visible(timeout=120_000)
    expect(student.locator(".graded-against")).to_contain_text(NEW_DEAL)
    expect(student.get_by_text("Off topic")).to_have_count(0)
    expect(student.get_by_text("different question")).to_have_count(0)
    expect(student.get_by_text("does not check facts or quotations")).to_be_visible()
    shot(student, "20-student-feedback-against-the-question")
    essay_url = student.url
    student.context.close()

    teacher = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(teacher, base, "teacher")
    teacher.goto(essay_url)
    expect(teacher.locator(".graded-against")).to_contain_text("Graded against")
    expect(teacher.locator(".graded-against")).to_contain_text(NEW_DEAL)
    shot(teacher, "21-teacher-reads-the-essay-with-its-question")
    teacher.context.close()


WW1 = "How far was the alliance system responsible for the outbreak of the First World War in 1914?"


def test_a_teachers_week_uploads_belong_to_students_overrides_apply_everywhere_one_gradebook(
        site, browser):
    """Issue 15: uploads for an assignment belong to students, the teacher's level is the level
    everywhere, one gradebook per assignment, the student's page holds only what is theirs."""
    import csv
    import io
    import zipfile

    from tests.test_gaming import FRENCH_ESSAY

    base, _school, _worker = site
    essays = ROOT / "tests" / "essays" / "questions"
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "teacher")
    page.get_by_role("link", name="History 9A").click()
    page.get_by_label("Title").fill("Causes of the First World War")
    page.get_by_label("Question", exact=True).fill(WW1)
    page.get_by_label("Students see their levels while drafting").check()
    page.get_by_role("button", name="Set assignment").click()
    expect(page.locator(".question-text")).to_have_text(WW1)

    sheet = io.StringIO()
    csv.writer(sheet).writerows([["student", "essay"], [
        "student@school.example",
        (essays / "first-world-war-strong.txt").read_text(encoding="utf-8")]])
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("9A/student2@school.example.txt", planted_essay(2, random.Random(21)))
        zipped.writestr("9A/mystery.txt", planted_essay(3, random.Random(22)))
    page.locator("#batch-files").set_input_files([
        {"name": "marks.csv", "mimeType": "text/csv", "buffer": sheet.getvalue().encode()},
        {"name": "class.zip", "mimeType": "application/zip", "buffer": archive.getvalue()}])
    page.get_by_role("button", name="Upload and grade").click()
    expect(page.get_by_text("3 of 3 essays graded.")).to_be_visible(timeout=180_000)
    page.reload()
    expect(page.get_by_role("heading", name="Essays to match to a student (1)")).to_be_visible()
    shot(page, "22-teacher-upload-to-match")
    page.get_by_label("mystery").select_option(label="Student2 (student2@school.example)")
    page.get_by_role("button", name="Save the matches").click()
    expect(page.get_by_text("1 essay(s) matched to students.")).to_be_visible()
    expect(page.get_by_role("heading", name="Essays to match to a student")).to_have_count(0)

    page.get_by_role("link", name="Back to the assignment").click()
    table = page.locator("#class-table")
    expect(table.get_by_text("no draft")).to_have_count(0)  # every student has their essay
    table.get_by_role("link", name="Student", exact=True).click()
    expect(page.locator(".essay-owner")).to_contain_text("student@school.example")
    expect(page.locator(".essay-owner")).to_contain_text("Causes of the First World War")
    page.get_by_label("Criterion", exact=True).select_option("evidence")
    page.get_by_label("Level", exact=True).select_option("1")
    page.get_by_role("button", name="Save level").click()
    page.get_by_label("Criterion", exact=True).select_option("overall")
    page.get_by_label("Level", exact=True).select_option("2")
    page.get_by_role("button", name="Save level").click()
    expect(page.locator("p.overall")).to_contain_text("Level 2")
    expect(page.locator("#c-evidence")).to_contain_text("Level 1 · Beginning")
    shot(page, "23-teacher-levels-at-the-top")
    essay_url = page.url

    page.get_by_role("link", name="Causes of the First World War").first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the gradebook")).click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    by_email = {r["email"]: r for r in rows}
    assert set(by_email) == {"student@school.example", "student2@school.example"}
    mine = by_email["student@school.example"]
    assert (mine["evidence"], mine["overall"], mine["overridden"]) == ("1", "2",
                                                                       "evidence;overall")
    assert mine["essay_url"] == essay_url and mine["status"] == "done"
    theirs = by_email["student2@school.example"]
    assert theirs["status"] == "done" and theirs["overridden"] == "" and theirs["overall"]
    page.context.close()

    student = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(student, base, "student")
    student.get_by_role("link", name="Causes of the First World War").click()
    expect(student.get_by_text("your teacher").first).to_be_visible()  # the drafts table
    box = student.get_by_label("Paste your essay")
    assert box.input_value().startswith("On 28 June 1914 the heir")  # revising starts from it
    shot(student, "24-student-drafts-with-teachers-levels")
    student.goto(essay_url)
    expect(student.locator("#c-evidence")).to_contain_text("(your teacher)")
    expect(student.locator("p.overall")).to_contain_text("Level 2")
    expect(student.get_by_text("For your teacher")).to_have_count(0)
    shot(student, "25-student-sees-the-teachers-levels")

    student.get_by_role("link", name="Causes of the First World War").first.click()
    student.get_by_label("Paste your essay").fill(FRENCH_ESSAY)
    student.get_by_role("button", name="Get feedback").click()
    expect(student.get_by_role("heading", name="Grader reads essays in English")).to_be_visible(
        timeout=120_000)
    expect(student.get_by_text("Gibberish")).to_have_count(0)
    shot(student, "26-student-essay-in-french")
    student.context.close()
