"""Hostile and broken input, through the real API: every file of a corpus of 60 ends as an
essay graded safely or a problem named with its file; nothing else in the upload is lost; no
request gets a server error or a traceback; the server stays up."""

from __future__ import annotations

import io
import json

import pytest

from tests.hostile import ESSAYISH, hostile_files

GOOD = ("My essay argues that Stalin's industrialisation succeeded for heavy industry. " * 3
        + ESSAYISH)


@pytest.fixture(scope="module")
def corpus() -> dict[str, bytes]:
    files = hostile_files()
    assert len(files) >= 50
    return files


def _accounted_for(name: str, problems: list[dict], essays: list[dict]) -> bool:
    """Named as uploaded, as a zip member or csv row of it, or by its base name (a path in a
    file name is dropped, never used)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    sent = name.replace("\\", "")  # how the test client sends backslashes in a file name
    names = [p["name"] for p in problems] + [e["source_name"] for e in essays]
    return any(n in (name, base, sent) or n.startswith((f"{name}/", f"{name} row "))
               for n in names)


def test_a_batch_of_hostile_files_loses_none_and_grades_the_good_one(
        client, accounts, service_app, grade_pending, corpus):
    files = [(io.BytesIO(data), name) for name, data in corpus.items()]
    files.append((io.BytesIO(GOOD.encode()), "good.txt"))
    response = client.post("/api/v1/batches", data={"files": files, "title": "hostile"},
                           headers=accounts["teacher"], content_type="multipart/form-data")
    assert response.status_code == 202, response.get_data(as_text=True)[:500]
    batch = response.get_json()["batch"]
    problems = batch["report"]["problems"]
    essays = client.get(batch["url"], headers=accounts["teacher"]).get_json()["essays"]
    assert all(p["message"].strip() for p in problems)
    assert not any("Traceback" in p["message"] for p in problems)
    missing = [name for name in [*corpus, "good.txt"]
               if not _accounted_for(name, problems, essays)]
    assert missing == [], (missing, sorted(e['source_name'] for e in essays))  # all kept
    assert len(problems) >= 35

    grade_pending(service_app)
    graded = client.get(batch["url"], headers=accounts["teacher"]).get_json()
    assert graded["complete"]
    for essay in graded["essays"]:
        assert essay["status"] in ("done", "failed")
        if essay["status"] == "failed":
            assert essay["error"] and "Traceback" not in essay["error"]
    [good] = [e for e in graded["essays"] if e["source_name"] == "good.txt"]
    assert good["status"] == "done" and good["overall_level"] >= 1
    exported = client.get(batch["results_csv"], headers=accounts["teacher"])
    text = exported.get_data(as_text=True)
    assert "'=HYPERLINK" in text and "'+cmd" in text and "'@SUM" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    assert client.get("/healthz", headers=accounts["admin"]).get_json()["database"]["ok"]


def test_each_hostile_file_alone_gets_a_clear_answer(client, accounts, service_app, corpus):
    service_app.config["GRADER_SUBMISSIONS_PER_MINUTE"] = 1000  # not what this test is about
    for name, data in corpus.items():
        response = client.post("/api/v1/essays", data={"file": (io.BytesIO(data), name)},
                               headers=accounts["student"], content_type="multipart/form-data")
        assert response.status_code in (202, 413, 422), (name, response.status_code)
        body = response.get_json()
        if response.status_code != 202:
            assert body["error"]["message"].strip(), name
            assert "Traceback" not in body["error"]["message"]


@pytest.mark.parametrize("headers, body, expected", [
    ({"Content-Type": "application/json"}, b"{not json", (400, 422)),
    ({"Content-Type": "application/json"}, json.dumps({"text": 42}).encode(), (422,)),
    ({"Content-Type": "application/json"}, json.dumps({"text": GOOD, "label": "x" * 1000})
     .encode(), (422,)),
    ({"Content-Type": "application/json"}, json.dumps([GOOD]).encode(), (400, 422)),
    ({"Content-Type": "application/json"},
     ("[" * 100_000 + "]" * 100_000).encode(), (400, 422)),
    ({"Content-Type": "text/plain"}, GOOD.encode(), (400, 415, 422)),
    ({"Content-Type": "application/xml"}, b"<essay>" + GOOD.encode() + b"</essay>",
     (400, 415, 422)),
    ({"Content-Type": "application/json"}, json.dumps({"text": "a" * 12_000_000}).encode(),
     (413,)),
])
def test_malformed_requests_get_json_errors_not_server_errors(client, accounts, headers, body,
                                                              expected):
    response = client.post("/api/v1/essays", data=body,
                           headers={**accounts["student"], **headers})
    assert response.status_code in expected, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize(("text", "says"), [
    ("Stalin " + "a-" * 50_000, "characters; the limit is 100,000"),  # 100 KB: 17 s, 1.7 GB
    ("Stalin " + "a-" * 20_000, "pieces for 2 words"),  # under the cap, a token per character
    ("Stalin " + "a-a " * 11_000, "30,000 in all"),  # words of three pieces each
])
def test_a_draft_that_would_tie_up_the_parser_is_refused_before_it_is_stored(
        client, accounts, service_app, text, says):
    """A 100 KB hyphen chain took 17 s and 1.7 GB in the grading worker, and every other
    student's draft waited behind it."""
    from sqlalchemy import func, select

    from grader.db import database
    from grader.tables import Essay

    response = client.post("/api/v1/essays", json={"text": text}, headers=accounts["student"])
    assert response.status_code == 422 and says in response.get_json()["error"]["message"]
    with database(service_app).session() as session:
        assert session.scalar(select(func.count()).select_from(Essay)) == 0


def test_drafts_refused_as_unreadable_still_count_against_the_limit(client, accounts,
                                                                     service_app):
    """40 failing PDFs in under a minute got 40 x 422 and no 429: a draft was counted only
    once its file had been parsed."""
    service_app.config["GRADER_SUBMISSIONS_PER_MINUTE"] = 3

    def send():
        return client.post("/api/v1/essays", headers=accounts["student"],
                           data={"file": (io.BytesIO(b"%PDF-1.4 not really"), "draft.pdf")},
                           content_type="multipart/form-data")

    assert [send().status_code for _ in range(4)] == [422, 422, 422, 429]
    again = client.post("/api/v1/essays", json={"text": GOOD}, headers=accounts["student"])
    assert again.status_code == 429  # the limit holds for readable drafts too
