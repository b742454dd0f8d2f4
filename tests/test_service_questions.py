"""Questions in the service: sent with an essay or a batch through the API, set with an
assignment on the pages and the command line, stored with every essay and graded against by
the real engine (in this process, with the worker's own code: ``grade_pending``)."""

from __future__ import annotations

import html
import io
import random
import re

import pytest
import yaml
from sqlalchemy import select

from grader.db import database
from grader.tables import Assignment, Essay, Question, Result
from tests.conftest import ESSAYS
from tests.pages_support import csrf_token, make_school, sign_in, sign_out
from tests.planted import planted_essay, planted_set, scored_csv

QUESTIONS = ESSAYS / "questions"
META = yaml.safe_load((QUESTIONS / "questions.yaml").read_text(encoding="utf-8"))
NEW_DEAL = META["new-deal-strong"]["question"]
REVOLUTION = META["american-revolution-strong"]["question"]


def essay_text(name: str) -> str:
    return (QUESTIONS / f"{name}.txt").read_text(encoding="utf-8")


def comments(document: dict) -> list[dict]:
    return [item for c in document["criteria"] for item in c["feedback"]]


def words_of(document: dict) -> str:
    return " ".join(f"{item['message']} {item['next_step']}" for item in comments(document))


def graded(client, headers, url: str) -> dict:
    body = client.get(url, headers=headers).get_json()
    assert body["status"] == "done", body
    return body


# --- the API ----------------------------------------------------------------------------------

def test_an_essay_sent_with_its_question_is_graded_against_it_and_not_against_another(
        client, accounts, service_app, grade_pending, measured):
    measured(trusted=["thesis.off_topic"])
    headers = accounts["student"]
    text = essay_text("new-deal-strong")
    on_topic = client.post("/api/v1/essays", headers=headers, json={
        "text": text, "question": NEW_DEAL, "key_terms": ["Roosevelt", "Hundred Days"],
        "period": "1933-1939"})
    other = client.post("/api/v1/essays", headers=headers, json={
        "text": text, "question": REVOLUTION})
    plain = client.post("/api/v1/essays", headers=headers, json={"text": text})
    assert on_topic.status_code == other.status_code == plain.status_code == 202
    assert on_topic.get_json()["essay"]["question"] == {
        "text": NEW_DEAL, "key_terms": ["Roosevelt", "Hundred Days"], "period": "1933–1939"}
    grade_pending(service_app)

    answered = graded(client, headers, on_topic.get_json()["url"])
    document = answered["result"]
    assert document["schema_version"] == 2
    # A student reads no teacher's flag (as in the pages); a cap still says why.
    assert all(c["capped_by"] is None for c in document["criteria"])
    assert document["question"]["text"] == NEW_DEAL
    assert document["question"]["source"] == "given"
    assert document["question"]["period"] == "1933–1939"
    assert [t["term"] for t in document["question"]["key_terms"]
            if t["source"] == "teacher"] == ["Roosevelt", "Hundred Days"]
    assert "Stalin" not in words_of(document)
    assert answered["question"]["text"] == NEW_DEAL

    elsewhere = graded(client, headers, other.get_json()["url"])
    assert elsewhere["flags"] == []
    off = [item for item in comments(elsewhere["result"]) if item["code"] == "thesis.off_topic"]
    assert len(off) == 1 and REVOLUTION[:40] in off[0]["message"]
    assert "Stalin" not in words_of(elsewhere["result"])
    thesis = next(c for c in elsewhere["result"]["criteria"] if c["id"] == "thesis")
    assert thesis["capped_by"] == "off_topic" and thesis["cap_reason"].startswith("Capped at")

    unjudged = graded(client, headers, plain.get_json()["url"])
    assert unjudged["question"] is None and unjudged["result"]["question"] is None
    assert all(c["capped_by"] is None for c in unjudged["result"]["criteria"])
    listed = client.get("/api/v1/essays", headers=headers).get_json()
    assert {e["id"]: (e["question"] or {}).get("text") for e in listed} == {
        on_topic.get_json()["essay"]["id"]: NEW_DEAL,
        other.get_json()["essay"]["id"]: REVOLUTION, plain.get_json()["essay"]["id"]: None}


@pytest.mark.parametrize(("payload", "expected"), [
    ({"question": NEW_DEAL, "period": "the thirties"}, "is not a year or a range"),
    ({"question": NEW_DEAL, "period": "1939-1933"}, "ends before it starts"),
    ({"key_terms": ["Roosevelt"]}, "belong to a question"),
    ({"period": "1933-1939"}, "belong to a question"),
    ({"question": NEW_DEAL, "key_terms": ["x" * 101]}, "longer than 100 characters"),
    ({"question": NEW_DEAL, "key_terms": [f"term {i}" for i in range(41)]}, "the limit is 40"),
    ({"question": "Why? " * 500}, "the limit is 2,000"),
    ({"question": NEW_DEAL, "key_terms": "Roosevelt, Hoover"}, "not a valid draft"),
])
def test_a_question_that_cannot_be_used_is_a_422_with_the_reason(client, accounts, payload,
                                                                 expected):
    response = client.post("/api/v1/essays", headers=accounts["student"],
                           json={"text": essay_text("new-deal-weak"), **payload})
    assert response.status_code == 422, response.get_json()
    assert expected in str(response.get_json()["error"])


def test_a_form_takes_key_terms_repeated_or_separated_by_commas(client, accounts):
    headers = accounts["student"]
    for terms in (["Roosevelt", "WPA / Works Progress Administration"],
                  "Roosevelt, WPA / Works Progress Administration"):
        response = client.post("/api/v1/essays", headers=headers,
                               content_type="multipart/form-data", data={
                                   "text": essay_text("new-deal-weak"), "question": NEW_DEAL,
                                   "key_terms": terms, "period": "1933 to 1939"})
        assert response.status_code == 202, response.get_json()
        assert response.get_json()["essay"]["question"] == {
            "text": NEW_DEAL, "key_terms": ["Roosevelt", "WPA / Works Progress Administration"],
            "period": "1933–1939"}
    bad = client.post("/api/v1/essays", headers=headers, content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"An essay."), "a.txt"), "question": NEW_DEAL,
                            "period": "soon"})
    assert bad.status_code == 422 and "period" in bad.get_json()["error"]["message"]


def test_the_same_question_is_stored_once_per_owner(client, accounts, service_app):
    for who in ("student", "student", "student2"):
        assert client.post("/api/v1/essays", headers=accounts[who], json={
            "text": essay_text("new-deal-weak"), "question": NEW_DEAL}).status_code == 202
    with database(service_app).session() as session:
        rows = session.scalars(select(Question)).all()
        essays = session.scalars(select(Essay)).all()
    assert len(rows) == 2 and {r.owner_id for r in rows} == {e.owner_id for e in essays}
    assert len({e.question_id for e in essays}) == 2


def test_an_idempotency_key_sent_again_with_another_question_is_refused(client, accounts):
    headers = {**accounts["student"], "Idempotency-Key": "draft-1"}
    body = {"text": essay_text("new-deal-weak"), "question": NEW_DEAL}
    first = client.post("/api/v1/essays", headers=headers, json=body)
    again = client.post("/api/v1/essays", headers=headers, json=body)
    assert first.status_code == again.status_code == 202
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["essay"]["id"] == first.get_json()["essay"]["id"]
    for changed in ({**body, "question": REVOLUTION}, {**body, "period": "1933-1939"},
                    {"text": body["text"]}):
        reused = client.post("/api/v1/essays", headers=headers, json=changed)
        assert reused.status_code == 422, changed
        assert "used for another question" in reused.get_json()["error"]["message"]
    batch_headers = {**accounts["teacher"], "Idempotency-Key": "upload-1"}

    def upload(question: str):
        return client.post("/api/v1/batches", headers=batch_headers,
                           content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(body["text"].encode()), "a.txt")],
                                 "question": question})

    assert upload(NEW_DEAL).status_code == 202
    assert upload(NEW_DEAL).headers["Idempotent-Replayed"] == "true"
    assert upload(REVOLUTION).status_code == 422


def test_a_csv_batch_is_graded_against_the_question_sent_with_it(client, accounts,
                                                                 service_app, grade_pending):
    headers = accounts["teacher"]
    rows = "name,essay\n" + "".join(
        f'{name},"{essay_text(name).replace(chr(34), chr(34) * 2)}"\n'
        for name in ("new-deal-strong", "new-deal-weak", "first-world-war-strong"))
    response = client.post("/api/v1/batches", headers=headers,
                           content_type="multipart/form-data", data={
                               "files": [(io.BytesIO(rows.encode()), "class.csv")],
                               "question": NEW_DEAL, "key_terms": "Roosevelt",
                               "period": "1933-1939"})
    assert response.status_code == 202, response.get_json()
    batch = response.get_json()["batch"]
    assert batch["question"]["text"] == NEW_DEAL and batch["total"] == 3
    bad = client.post("/api/v1/batches", headers=headers, content_type="multipart/form-data",
                      data={"files": [(io.BytesIO(rows.encode()), "class.csv")],
                            "question": NEW_DEAL, "period": "1066 and all that"})
    assert bad.status_code == 422 and "period" in bad.get_json()["error"]["message"]
    grade_pending(service_app)
    essays = client.get(batch["url"], headers=headers).get_json()["essays"]
    flags = {e["label"]: e["flags"] for e in essays}
    assert "off_topic" not in flags["new-deal-strong"]
    assert "off_topic" in flags["first-world-war-strong"]
    for essay in essays:
        detail = graded(client, headers, essay["url"])
        assert detail["question"]["text"] == NEW_DEAL
        assert detail["result"]["question"]["text"] == NEW_DEAL


def test_a_csv_calibration_records_the_question_its_essays_answered(client, accounts,
                                                                    service_app,
                                                                    grade_pending):
    texts, levels = planted_set(12)
    stalin = "How successful was Stalin's industrialisation of the Soviet Union?"
    data = {"file": (io.BytesIO(scored_csv(texts, levels)), "s.csv"), "text_column": "essay",
            "score": "teacher score=overall", "question": stalin, "period": "1928-1941"}
    response = client.post("/api/v1/rubrics/history-argument/calibrations",
                           headers=accounts["teacher"], content_type="multipart/form-data",
                           data=data)
    assert response.status_code == 202, response.get_json()
    bad = client.post("/api/v1/rubrics/history-argument/calibrations",
                      headers=accounts["teacher2"], content_type="multipart/form-data",
                      data={**data, "file": (io.BytesIO(scored_csv(texts, levels)), "s.csv"),
                            "period": "last week"})
    assert bad.status_code == 422 and "period" in bad.get_json()["error"]["message"]
    calibration = response.get_json()["calibration"]
    assert grade_pending.calibrate(service_app) == {calibration["id"]: "ready"}
    ready = client.get(calibration["url"], headers=accounts["teacher"]).get_json()
    assert ready["report"]["question"] == stalin


# --- assignments on the pages -----------------------------------------------------------------

@pytest.fixture
def school(service_app):
    return make_school(service_app, show_levels=True)


def set_assignment(client, class_id: int, **fields: str):
    page = client.get(f"/classes/{class_id}").get_data(as_text=True)
    return client.post(f"/classes/{class_id}/assignments", data={
        "title": "The New Deal", "rubric": "history-argument", "csrf_token": csrf_token(page),
        **fields})


def submit_draft(client, assignment_id: int, text: str) -> str:
    url = f"/assignments/{assignment_id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"text": text, "csrf_token": token})
    assert response.status_code == 302
    return response.headers["Location"]


def test_a_teachers_question_grades_the_drafts_and_is_shown_to_student_and_teacher(
        client, school, service_app, grade_pending):
    sign_in(client, "teacher")
    created = set_assignment(client, school.class_id, question=NEW_DEAL,
                             key_terms="Roosevelt, WPA / Works Progress Administration",
                             period="1933-1939",
                             sources="Roosevelt, first inaugural address, 1933.\n\n"
                                     "A WPA poster, 1936.", show_levels="yes")
    assert created.status_code == 302
    assignment_url = created.headers["Location"]
    assignment_id = int(assignment_url.rsplit("/", 1)[1])
    page = client.get(assignment_url).get_data(as_text=True)
    assert "What the grader checks" in page and "Roosevelt" in page and "1933–1939" in page
    assert "does not check facts or quotations" in page
    sign_out(client)

    sign_in(client, "student")
    drafting = client.get(assignment_url).get_data(as_text=True)
    assert "The question" in drafting and "How far did the New Deal" in drafting
    assert "Sources (2)" in drafting and "A WPA poster, 1936." in drafting
    essay_url = submit_draft(client, assignment_id, essay_text("new-deal-strong"))
    grade_pending(service_app)
    feedback = client.get(essay_url).get_data(as_text=True)
    assert "The question:" in feedback and "How far did the New Deal" in feedback
    assert "Off topic" not in feedback and "Stalin" not in feedback
    assert "does not check facts or quotations" in feedback
    sign_out(client)

    sign_in(client, "teacher")
    reading = client.get(essay_url).get_data(as_text=True)
    assert "Graded against:" in reading and "How far did the New Deal" in reading
    page = client.get(assignment_url).get_data(as_text=True)
    assert "— yours" in page  # the key terms as the grader read them, with their source
    with database(service_app).session() as session:
        essay = session.scalar(select(Essay).where(Essay.assignment_id == assignment_id))
        assignment = session.get(Assignment, assignment_id)
        assert essay.question_id == assignment.question_id is not None
        assert essay.result.document["question"]["source"] == "given"
        assert assignment.question.sources == ["Roosevelt, first inaugural address, 1933.",
                                               "A WPA poster, 1936."]


@pytest.mark.parametrize(("fields", "expected"), [
    ({"question": ""}, "Write the question the students answer."),
    ({"question": NEW_DEAL, "period": "the thirties"}, "is not a year or a range"),
    ({"question": NEW_DEAL, "key_terms": "x" * 101}, "longer than 100 characters"),
    ({"question": NEW_DEAL, "title": " "}, "An assignment needs a title."),
])
def test_an_assignment_form_that_cannot_be_used_is_explained_beside_it(client, school, fields,
                                                                       expected):
    sign_in(client, "teacher")
    sent = {"key_terms": "Roosevelt", "period": "1933-1939", **fields}
    response = set_assignment(client, school.class_id, **sent)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert expected.replace("'", "&#39;") in page and 'id="assignment-problem"' in page
    # What the teacher typed is kept.
    assert f'value="{sent["key_terms"]}"' in page and f'value="{sent["period"]}"' in page
    with database(client.application).session() as session:
        assert len(session.scalars(select(Assignment)).all()) == 2  # make_school's


def test_changing_the_question_keeps_graded_essays_on_theirs(client, school, service_app,
                                                            grade_pending):
    sign_in(client, "student")
    first = submit_draft(client, school.assignment_id, planted_essay(3, random.Random(1)))
    grade_pending(service_app)
    sign_out(client)
    sign_in(client, "teacher")
    url = f"/assignments/{school.assignment_id}"
    page = client.get(url).get_data(as_text=True)
    assert "essays already graded keep the question they were graded against" in page
    bad = client.post(url + "/question", data={"question": NEW_DEAL, "period": "x",
                                               "csrf_token": csrf_token(page)},
                      follow_redirects=True).get_data(as_text=True)
    assert "The question was not changed" in bad
    changed = client.post(url + "/question", data={"question": NEW_DEAL,
                                                   "csrf_token": csrf_token(page)},
                          follow_redirects=True).get_data(as_text=True)
    assert "Question changed" in changed and "How far did the New Deal" in changed
    sign_out(client)
    sign_in(client, "student")
    second = submit_draft(client, school.assignment_id, essay_text("new-deal-strong"))
    grade_pending(service_app)
    assert "Stalin" in client.get(first).get_data(as_text=True)
    assert "How far did the New Deal" in client.get(second).get_data(as_text=True)
    with database(service_app).session() as session:
        texts = [e.question.text for e in session.scalars(
            select(Essay).where(Essay.assignment_id == school.assignment_id).order_by(Essay.id))]
    assert texts[0].startswith("How successful was Stalin") and texts[1] == NEW_DEAL


def test_a_capped_level_says_so_and_why_instead_of_its_descriptor(client, school, service_app,
                                                                  grade_pending, measured):
    measured(trusted=["thesis.off_topic"])
    sign_in(client, "student")  # the class answers the Stalin question
    essay_url = submit_draft(client, school.assignment_id,
                             essay_text("american-revolution-strong"))
    grade_pending(service_app)
    page = client.get(essay_url).get_data(as_text=True)
    assert re.search(r"Level 1 · Beginning \(capped\)", page)
    assert "Capped at level 1 (Beginning): the essay seems to answer a different question" \
        in page
    assert re.search(r"Without the cap: level [2-4]\.", page)
    assert "No identifiable claim" not in page  # the thesis descriptor a capped level is not
    assert 'badge-capped">capped' in page  # the overall line says it is capped, and why
    assert page.count("This essay seems to answer a different question") == 1
    assert "Stalin&#39;s industrialisation of the Soviet Union" in page


def test_a_comment_not_yet_reliable_reaches_the_teacher_marked_check_not_the_student(
        client, school, service_app, grade_pending, measured, accounts):
    measured(untrusted=["thesis.off_topic"], trusted=["structure.transitions_good"])
    sign_in(client, "student")
    essay_url = submit_draft(client, school.assignment_id,
                             essay_text("american-revolution-strong"))
    grade_pending(service_app)
    page = client.get(essay_url).get_data(as_text=True)
    assert "This essay seems to answer a different question" not in page
    assert "badge-check" not in page
    assert "show the reader how your ideas connect" in page  # a trusted comment stays
    sign_out(client)
    sign_in(client, "teacher")
    page = client.get(essay_url).get_data(as_text=True)
    assert page.count("This essay seems to answer a different question") == 1
    assert "badge-check" in page and "right 50% of the time" in page
    # The API holds back the same from the student, and gives it to the teacher, marked.
    essay_id = int(essay_url.rsplit("/", 1)[1])
    student = client.get(f"/api/v1/essays/{essay_id}", headers=accounts["student"])
    assert student.status_code == 200
    codes = [i["code"] for c in student.get_json()["result"]["criteria"] for i in c["feedback"]]
    assert "thesis.off_topic" not in codes and "structure.transitions_good" in codes
    teacher = client.get(f"/api/v1/essays/{essay_id}", headers=accounts["teacher"])
    items = [i for c in teacher.get_json()["result"]["criteria"] for i in c["feedback"]]
    off = [i for i in items if i["code"] == "thesis.off_topic"]
    assert off and off[0]["audience"] == "teachers" and off[0]["precision"] == 0.5


def test_a_date_far_outside_the_period_is_flagged_for_the_teacher(client, school, service_app,
                                                                  grade_pending):
    sign_in(client, "teacher")
    assignment_url = set_assignment(client, school.class_id, question=NEW_DEAL,
                                    period="1933-1939").headers["Location"]
    sign_out(client)
    sign_in(client, "student")
    essay_url = submit_draft(client, int(assignment_url.rsplit("/", 1)[1]),
                             essay_text("new-deal-invented"))
    grade_pending(service_app)
    sign_out(client)
    sign_in(client, "teacher")
    page = client.get(essay_url).get_data(as_text=True)
    assert "Date out of period" in page and "1066" in page and "1933–1939" in page
    table = client.get(assignment_url).get_data(as_text=True)
    assert "date out of period" in table


def upload_as_teacher_then_sign_in_as_student(client, url: str, files: list, service_app,
                                              grade_pending) -> None:
    """The signed-in teacher uploads ``files`` to the assignment at ``url``; once they are
    graded, the student signs in."""
    page = client.get(url).get_data(as_text=True)
    uploaded = client.post(url + "/batches", content_type="multipart/form-data", data={
        "files": files, "csrf_token": csrf_token(page)})
    assert uploaded.status_code == 302
    grade_pending(service_app)
    sign_out(client)
    sign_in(client, "student")


def test_class_terms_join_the_question_once_ten_essays_are_graded(client, school, service_app,
                                                                  grade_pending):
    sign_in(client, "teacher")
    url = f"/assignments/{school.assignment_id}"
    rng = random.Random(5)
    files = [(io.BytesIO(planted_essay(rng.randint(2, 4), rng).encode()), f"e{i}.txt")
             for i in range(9)]
    upload_as_teacher_then_sign_in_as_student(client, url, files, service_app, grade_pending)
    tenth = submit_draft(client, school.assignment_id, planted_essay(3, rng))
    grade_pending(service_app)  # 9 graded before it: no class terms yet
    eleventh_url = submit_draft(client, school.assignment_id, planted_essay(4, rng))
    grade_pending(service_app)  # the student's newest draft counts once: still 10
    with database(service_app).session() as session:
        essays = session.scalars(select(Essay).where(
            Essay.assignment_id == school.assignment_id).order_by(Essay.id)).all()
        documents = {e.id: e.result.document for e in essays}
        stored = session.scalars(select(Result.terms)).all()
    assert len(essays) == 11 and all(stored)  # every result keeps its essay's words
    sources = {i: {t["source"] for t in d["question"]["key_terms"]}
               for i, d in documents.items()}
    tenth_id, eleventh_id = int(tenth.rsplit("/", 1)[1]), int(eleventh_url.rsplit("/", 1)[1])
    assert "class" not in sources[tenth_id]
    assert "class" in sources[eleventh_id]
    class_terms = [t["term"] for t in documents[eleventh_id]["question"]["key_terms"]
                   if t["source"] == "class"]
    assert "steel" in class_terms or "output" in class_terms, class_terms
    sign_out(client)
    sign_in(client, "teacher")
    assert "words most of the class" in client.get(url).get_data(as_text=True)


def test_essays_off_the_question_never_make_the_class_terms_that_would_put_them_on_it(
        client, school, service_app, grade_pending):
    """A class's uploads mostly on another question (the wrong class's folder, say): their
    shared words must not become the class's terms, or the next essay on that other question
    would pass as on this one."""
    sign_in(client, "teacher")
    url = f"/assignments/{school.assignment_id}"  # Stalin's industrialisation
    paragraphs = [p for name in ("new-deal-strong", "new-deal-weak")
                  for p in essay_text(name).split("\n\n")]
    files = [(io.BytesIO("\n\n".join(paragraphs[i:] + paragraphs[:i]).encode()), f"e{i}.txt")
             for i in range(10)]  # ten essays on the New Deal, each its own
    upload_as_teacher_then_sign_in_as_student(client, url, files, service_app, grade_pending)
    draft = submit_draft(client, school.assignment_id, essay_text("new-deal-strong"))
    grade_pending(service_app)
    with database(service_app).session() as session:
        essays = session.scalars(select(Essay).where(
            Essay.assignment_id == school.assignment_id).order_by(Essay.id)).all()
        flags = {e.id: e.result.flags for e in essays}
        terms = {e.id: e.result.terms for e in essays}
        document = next(e.result.document for e in essays
                        if e.id == int(draft.rsplit("/", 1)[1]))
    assert len(essays) == 11 and all("off_topic" in f for f in flags.values()), flags
    assert not any(terms.values())  # none of their words stored for the class
    assert "class" not in {t["source"] for t in document["question"]["key_terms"]}


# --- the command line ---------------------------------------------------------------------------

def test_assignment_create_takes_a_question_and_warns_without_one(runner, school, service_app):
    result = runner.invoke(args=["assignment", "create", str(school.class_id), "New Deal",
                                 "--question", NEW_DEAL, "--key-terms", "Roosevelt, Hundred Days",
                                 "--period", "1933-1939"])
    assert result.exit_code == 0, result.output
    assert f"question: {NEW_DEAL}" in result.output
    assert "period: 1933–1939" in result.output
    assert "key terms (yours): Roosevelt, Hundred Days" in result.output
    derived = runner.invoke(args=["assignment", "create", str(school.class_id), "Revolution",
                                  "--question", REVOLUTION])
    assert derived.exit_code == 0, derived.output
    assert "key terms (read off the question):" in derived.output
    assert "period: 1763–1776 (the years the question names)" in derived.output
    bare = runner.invoke(args=["assignment", "create", str(school.class_id), "Old script"])
    assert bare.exit_code == 0 and "warning: no --question" in bare.output
    bad = runner.invoke(args=["assignment", "create", str(school.class_id), "Bad",
                              "--question", NEW_DEAL, "--period", "the thirties"])
    assert bad.exit_code == 2 and "is not a year or a range" in bad.output
    assignment_id = int(re.search(r"assignment (\d+)", bare.output).group(1))
    changed = runner.invoke(args=["assignment", "question", str(assignment_id),
                                  "--question", NEW_DEAL, "--key-terms", "Roosevelt"])
    assert changed.exit_code == 0 and "question changed" in changed.output
    with database(service_app).session() as session:
        assert session.get(Assignment, assignment_id).question.text == NEW_DEAL


# --- the rubric editor's starter ------------------------------------------------------------------

def test_the_new_rubric_starter_saves_as_it_is_and_grades(client, school, service_app,
                                                          grade_pending, accounts):
    sign_in(client, "admin")
    page = client.get("/admin/rubrics/new").get_data(as_text=True)
    starter = re.search(r'<textarea id="rubric-yaml" name="yaml"[^>]*>(.*?)</textarea>', page,
                        re.S).group(1)
    saved = client.post("/admin/rubrics/new", data={"yaml": html.unescape(starter),
                                                    "csrf_token": csrf_token(page)})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    assert saved.headers["Location"].endswith("/admin/rubrics/my-rubric")
    response = client.post("/api/v1/essays", headers=accounts["student"], json={
        "text": essay_text("new-deal-strong"), "rubric": "my-rubric", "question": NEW_DEAL})
    assert response.status_code == 202, response.get_json()
    grade_pending(service_app)
    essay = graded(client, accounts["student"], response.get_json()["url"])
    assert essay["rubric"]["id"] == "my-rubric" and essay["result"]["overall"]["level"] >= 2
    assert essay["result"]["question"]["text"] == NEW_DEAL


def test_an_api_upload_for_an_assignment_links_essays_to_students_by_the_student_column(
        client, school, service_app, grade_pending):
    from tests.service_support import token_for

    teacher = token_for(service_app, "teacher@school.example", "teacher")
    sheet = "pupil,essay\n{},\"{}\"\nsomeone@else.example,\"{}\"\n".format(
        "student2@school.example", planted_essay(3, random.Random(11)),
        planted_essay(2, random.Random(12)))

    def upload(headers, **fields):
        return client.post("/api/v1/batches", headers=headers, data={
            "files": [(io.BytesIO(sheet.encode()), "marks.csv")], **fields},
            content_type="multipart/form-data")

    accepted = upload(teacher, assignment=str(school.assignment_id), student_column="pupil")
    assert accepted.status_code == 202, accepted.get_json()
    body = client.get(accepted.get_json()["url"], headers=teacher).get_json()
    students = {e["label"]: e["student"] for e in body["essays"]}
    assert students["student2@school.example"]["email"] == "student2@school.example"
    assert students["someone@else.example"] is None  # not enrolled: left for the teacher
    assert body["question"]["text"].startswith("How successful was Stalin's")

    assert upload(teacher, assignment=str(school.other_assignment_id)).status_code == 404
    both = upload(teacher, assignment=str(school.assignment_id), question="Why did Rome fall?")
    assert both.status_code == 422 and "assignment's question" in both.get_json()["error"][
        "message"]
