"""Helpers for page tests: accounts with passwords, a class with an assignment, signing in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask

from grader import queries
from grader.db import database
from grader.services.accounts import ensure_user, set_password
from grader.services.classes import create_assignment, create_class, enrol
from models.question import Question

PASSWORD = "correct horse battery"
# The question the school's classes answer (the default rubric is question-free).
STALIN = Question.build("How successful was Stalin's industrialisation of the Soviet Union? "
                        "Assess its aims, methods and results, using evidence from the period.",
                        period="1928-1941")


@dataclass(frozen=True)
class School:
    class_id: int
    assignment_id: int
    other_assignment_id: int


def make_school(app: Flask, show_levels: bool = False) -> School:
    """teacher@ teaches 'History 9A' (student@, student2@); teacher2@ teaches 'History 9B'
    (student3@). Every account's password is PASSWORD."""
    with database(app).session() as session:
        people = {}
        for email, role in (("teacher", "teacher"), ("teacher2", "teacher"),
                            ("student", "student"), ("student2", "student"),
                            ("student3", "student"), ("admin", "admin")):
            people[email] = ensure_user(session, f"{email}@school.example", role,
                                        name=email.capitalize())
            set_password(session, people[email], PASSWORD)
        rubric = queries.rubric_by_slug(session, "history-argument")
        nine_a = create_class(session, people["teacher"], "History 9A")
        nine_b = create_class(session, people["teacher2"], "History 9B")
        for student in ("student", "student2"):
            enrol(session, nine_a, people[student])
        enrol(session, nine_b, people["student3"])
        essay = create_assignment(session, nine_a, "Stalin's industrialisation", rubric,
                                  "How successful was it? Use evidence.", show_levels,
                                  question=STALIN)
        other = create_assignment(session, nine_b, "The Five-Year Plans", rubric,
                                  question=STALIN)
        return School(nine_a.id, essay.id, other.id)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, who: str, password: str = PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"email": f"{who}@school.example", "password": password,
                                       "csrf_token": csrf_token(page.get_data(as_text=True))})


def sign_out(client) -> None:
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_token(page)}).status_code == 302
