"""Access control, swept over every route the app has.

One school (tests/pages_support.py: teacher@ teaches 9A with student@ and student2@; teacher2@
teaches 9B with student3@; admin@), each person's own essay, upload and calibration, and a
table saying who may use each route on each of those. The sweep then asks every route as every
person (signed in for pages, by token for the API) and as nobody, and checks:

* everyone not allowed is refused (401, or sign-in for pages, when anonymous; 403 for the wrong
  role; 404 for someone else's thing) and the refusal carries none of the thing's content;
* everyone allowed gets past the check (no 401/403/404, no 5xx);
* revoked and expired tokens, and a disabled account's token and session, are refused
  everywhere;
* the table covers every route, so a new route cannot be added without saying who may use it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from grader.db import database
from grader.ingest.limits import IngestLimits
from grader.services.accounts import create_token, revoke_tokens, set_active
from grader.services.submissions import submit_text, submit_upload
from grader.tables import ApiToken, Assignment, User, utcnow
from tests.pages_support import csrf_token, make_school, sign_in
from tests.planted import planted_set, scored_csv
from tests.service_support import make_app, service_env

PEOPLE = ("student", "student2", "student3", "teacher", "teacher2", "admin")
ROLE = {"student": "student", "student2": "student", "student3": "student",
        "teacher": "teacher", "teacher2": "teacher", "admin": "admin", "anonymous": ""}
SIGNED_IN = frozenset(PEOPLE)
STAFF = frozenset({"teacher", "teacher2", "admin"})
ADMIN = frozenset({"admin"})
PUBLIC = frozenset({"anonymous", *PEOPLE})
SLUG = "history-argument"


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    allowed: frozenset[str]
    secret: str = ""  # content of someone's thing that no refusal may show
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Things:
    """Each person's own things, by owner: essays, batches, calibrations, classes, assignments."""

    essay: dict[str, int]
    batch: dict[str, int]
    calibration: dict[str, int]
    school_class: dict[str, int]
    assignment: dict[str, int]
    secret: dict[str, str]


@pytest.fixture(scope="module")
def school(tmp_path_factory, grade_pending):
    # High limits so that the sweep's own requests are not what refuses them.
    app = make_app(service_env(tmp_path_factory.mktemp("access") / "instance",
                               GRADER_SUBMISSIONS_PER_MINUTE="10000",
                               GRADER_LOGIN_FAILURES="10000"))
    layout = make_school(app)
    texts, levels = planted_set(12)
    with app.app_context(), database(app).session() as session:
        users = {u.email.split("@")[0]: u for u in session.scalars(select(User))}
        version = session.get(Assignment, layout.assignment_id).rubric.active_version
        assignments = {"teacher": layout.assignment_id, "teacher2": layout.other_assignment_id}
        secret = {who: f"Marker{who.capitalize()}Zebra" for who in ("student", "student3",
                                                                    "teacher", "teacher2")}
        essays, batches = {}, {}
        for student, teacher in (("student", "teacher"), ("student3", "teacher2")):
            essays[student] = submit_text(
                session, users[student], version,
                f"{secret[student]} argues that the Five-Year Plans built industry. " * 8,
                assignment_id=assignments[teacher]).id
            batches[teacher] = submit_upload(
                session, users[teacher], version,
                [("class.txt", (f"{secret[teacher]} wrote about collectivisation. " * 8
                                ).encode())], "uploads", IngestLimits(),
                assignment_id=assignments[teacher]).id
        classes = {"teacher": layout.class_id,
                   "teacher2": session.get(Assignment, layout.other_assignment_id).class_id}
    client = app.test_client()
    calibrations = {}
    for teacher in ("teacher", "teacher2"):
        with database(app).session() as session:
            user = session.scalar(select(User).where(User.email == f"{teacher}@school.example"))
            headers = {"Authorization": f"Bearer {create_token(session, user)}"}
        response = client.post(f"/api/v1/rubrics/{SLUG}/calibrations", headers=headers,
                               data={"file": (io.BytesIO(scored_csv(texts, levels)), "s.csv"),
                                     "text_column": "essay",
                                     "score": "teacher score=overall"},
                               content_type="multipart/form-data")
        assert response.status_code == 202, response.get_json()
        calibrations[teacher] = response.get_json()["calibration"]["id"]
    grade_pending(app)  # graded, so that a teacher may override them
    return app, Things(essays, batches, calibrations, classes, assignments, secret)


def page_cases(things: Things) -> list[Case]:
    e, b, c, k, a = (things.essay, things.batch, things.calibration, things.school_class,
                     things.assignment)
    s = things.secret
    cases = [
        Case("GET", "/login", PUBLIC), Case("POST", "/login", PUBLIC),
        Case("GET", "/healthz", PUBLIC),
        Case("GET", "/static/grader.css", PUBLIC),
        Case("GET", "/", SIGNED_IN), Case("GET", "/assignments", SIGNED_IN),
        Case("GET", "/account/password", SIGNED_IN),
        Case("POST", "/account/password", SIGNED_IN),
        Case("GET", "/admin/rubrics", STAFF),
        Case("GET", f"/admin/rubrics/{SLUG}", ADMIN), Case("POST", f"/admin/rubrics/{SLUG}", ADMIN),
        Case("GET", "/admin/rubrics/new", STAFF), Case("POST", "/admin/rubrics/new", STAFF),
        Case("GET", f"/admin/rubrics/{SLUG}/calibrations", STAFF),
        Case("POST", f"/admin/rubrics/{SLUG}/calibrations", STAFF),
        Case("POST", f"/admin/rubrics/{SLUG}/calibrations/rollback", ADMIN),
        Case("POST", "/classes", STAFF),
    ]
    for owner in ("teacher", "teacher2"):
        mine = frozenset({owner, "admin"})
        cases += [
            Case("GET", f"/admin/calibrations/{c[owner]}", mine),
            Case("GET", f"/admin/calibrations/{c[owner]}/status.json", mine),
            Case("POST", f"/admin/calibrations/{c[owner]}/activate", ADMIN),
            Case("GET", f"/batches/{b[owner]}", mine, s[owner]),
            Case("GET", f"/batches/{b[owner]}/status.json", mine, s[owner]),
            Case("GET", f"/batches/{b[owner]}/results.csv", mine, s[owner]),
            Case("POST", f"/batches/{b[owner]}/retry", mine, s[owner]),
            Case("POST", f"/batches/{b[owner]}/students", mine, s[owner]),
            Case("GET", f"/classes/{k[owner]}", mine),
            Case("POST", f"/classes/{k[owner]}/students", mine),
            Case("POST", f"/classes/{k[owner]}/assignments", mine),
            Case("POST", f"/assignments/{a[owner]}/batches", mine),
            Case("POST", f"/assignments/{a[owner]}/release", mine),
            Case("POST", f"/assignments/{a[owner]}/question", mine),
            Case("GET", f"/assignments/{a[owner]}/gradebook.csv", mine),
        ]
    classes = {"teacher": ("student", "student2"), "teacher2": ("student3",)}
    for teacher, students in classes.items():
        class_members = frozenset({teacher, "admin", *students})
        cases += [Case("GET", f"/assignments/{a[teacher]}", class_members),
                  Case("POST", f"/assignments/{a[teacher]}", class_members)]
    for student, teacher in (("student", "teacher"), ("student3", "teacher2")):
        readers = frozenset({student, teacher, "admin"})
        cases += [
            Case("GET", f"/essays/{e[student]}", readers, s[student]),
            Case("GET", f"/essays/{e[student]}/status.json", readers, s[student]),
            Case("POST", f"/essays/{e[student]}/retry", readers, s[student]),
            Case("POST", f"/essays/{e[student]}/override", frozenset({teacher, "admin"}),
                 s[student]),
        ]
    return cases


def api_cases(things: Things) -> list[Case]:
    e, b, c, a = things.essay, things.batch, things.calibration, things.assignment
    s = things.secret
    v1 = "/api/v1"
    cases = [
        Case("GET", f"{v1}/healthz", PUBLIC), Case("GET", f"{v1}/openapi.json", PUBLIC),
        Case("GET", f"{v1}/essays", SIGNED_IN), Case("POST", f"{v1}/essays", SIGNED_IN),
        Case("GET", f"{v1}/batches", SIGNED_IN), Case("POST", f"{v1}/batches", STAFF),
        Case("GET", f"{v1}/assignments", SIGNED_IN),
        Case("GET", f"{v1}/rubrics", SIGNED_IN),
        Case("GET", f"{v1}/rubrics/{SLUG}/calibrations", STAFF),
        Case("POST", f"{v1}/rubrics/{SLUG}/calibrations", STAFF),
        Case("POST", f"{v1}/rubrics/{SLUG}/calibrations/rollback", ADMIN),
    ]
    for owner in ("teacher", "teacher2"):
        mine = frozenset({owner, "admin"})
        cases += [
            Case("GET", f"{v1}/batches/{b[owner]}", mine, s[owner]),
            Case("GET", f"{v1}/batches/{b[owner]}/results.csv", mine, s[owner]),
            Case("POST", f"{v1}/batches/{b[owner]}/retry", mine, s[owner]),
            Case("GET", f"{v1}/assignments/{a[owner]}/gradebook.csv", mine),
            Case("GET", f"{v1}/calibrations/{c[owner]}", mine),
            Case("POST", f"{v1}/calibrations/{c[owner]}/activate", ADMIN),
        ]
    classes = {"teacher": ("student", "student2"), "teacher2": ("student3",)}
    for teacher, students in classes.items():
        cases.append(Case("GET", f"{v1}/assignments/{a[teacher]}",
                          frozenset({teacher, "admin", *students})))
    for student, teacher in (("student", "teacher"), ("student3", "teacher2")):
        readers = frozenset({student, teacher, "admin"})
        cases += [
            Case("GET", f"{v1}/essays/{e[student]}", readers, s[student]),
            Case("POST", f"{v1}/essays/{e[student]}/retry", readers, s[student]),
            Case("POST", f"{v1}/essays/{e[student]}/overrides", frozenset({teacher, "admin"}),
                 s[student], data={"json": {"criterion": "thesis"}}),
        ]
    return cases


def _rule_of(app, method: str, path: str) -> str:
    adapter = app.url_map.bind("localhost")
    rule, _ = adapter.match(path.split("?")[0], method=method, return_rule=True)
    return f"{method} {rule.rule}"


def test_the_sweep_covers_every_route_and_method(school):
    app, things = school
    swept = {_rule_of(app, case.method, case.path)
             for case in page_cases(things) + api_cases(things)}
    every = {f"{method} {rule.rule}" for rule in app.url_map.iter_rules()
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    # /logout and /account/sessions are swept below (they end the sessions they are asked in).
    assert every - swept == {"POST /logout", "POST /account/sessions"}, \
        "routes nobody said who may use"


def _page_clients(app) -> dict:
    clients = {"anonymous": app.test_client()}
    for who in PEOPLE:
        clients[who] = app.test_client()
        assert sign_in(clients[who], who).status_code == 302
    return clients


def _refused(case: Case, who: str, response, api: bool) -> str | None:
    """Why a response that should be a refusal is not one (None: it is)."""
    body = response.get_data(as_text=True)
    if case.secret and case.secret in body:
        return "shows the owner's content"
    if who == "anonymous" and not api:
        location = response.headers.get("Location", "")
        return None if response.status_code == 302 and "/login" in location else \
            f"{response.status_code} instead of sign-in"
    if who == "anonymous":
        expected: tuple[int, ...] = (401,)
    elif any(ROLE[who] == ROLE.get(person) for person in case.allowed):
        expected = (404,)  # the right role, someone else's thing: not found, not "forbidden"
    else:
        expected = (403, 404)
    return None if response.status_code in expected else f"{response.status_code}"


def _passes(case: Case, response, api: bool) -> str | None:
    """Why an admitted request was not served (None: it was). A GET must answer 200 (or, for a
    page, send on elsewhere than sign-in); a POST with an empty form may be refused for its
    content (400, 409, 422), never for who sent it."""
    status = response.status_code
    redirected = not api and status == 302 and "/login" not in response.headers["Location"]
    if case.method == "GET" and not (status == 200 or redirected):
        return f"{status}"
    if status >= 500 or status in (401, 403, 404):
        return f"{status}"
    if not api and "/login" in response.headers.get("Location", ""):
        return "sent to sign in"
    return None


def test_every_page_refuses_the_wrong_role_and_owner_and_admits_the_right_ones(school):
    app, things = school
    clients = _page_clients(app)
    tokens = {who: csrf_token(clients[who].get(
        "/login" if who == "anonymous" else "/account/password").get_data(as_text=True))
        for who in clients}
    wrong = []
    for case in page_cases(things):
        for who, client in clients.items():
            # With a valid CSRF token, so that what refuses a request is the access check.
            data = {"csrf_token": tokens[who]} if case.method == "POST" else {}
            response = client.open(case.path, method=case.method, data=data)
            problem = _passes(case, response, api=False) if who in case.allowed \
                else _refused(case, who, response, api=False)
            if problem:
                wrong.append(f"{case.method} {case.path} as {who}: {problem}")
    assert not wrong, "\n".join(wrong)


def _api_headers(app) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    with database(app).session() as session:
        for who in PEOPLE:
            user = session.scalar(select(User).where(User.email == f"{who}@school.example"))
            headers[who] = {"Authorization": f"Bearer {create_token(session, user)}"}
    return headers


def test_every_api_route_refuses_the_wrong_role_and_owner_and_admits_the_right_ones(school):
    app, things = school
    client = app.test_client()
    wrong = []
    for case in api_cases(things):
        for who, headers in _api_headers(app).items():
            response = client.open(case.path, method=case.method, headers=headers,
                                   **case.data)
            problem = _passes(case, response, api=True) if who in case.allowed \
                else _refused(case, who, response, api=True)
            if problem:
                wrong.append(f"{case.method} {case.path} as {who}: {problem}")
            if who not in case.allowed and response.status_code != 405:
                assert response.is_json, f"{case.path} as {who}: the API answers JSON"
    assert not wrong, "\n".join(wrong)


def test_revoked_expired_and_disabled_credentials_are_refused_everywhere(tmp_path):
    app = make_app(service_env(tmp_path / "instance"))
    make_school(app)
    things_free = [case for case in api_cases(Things({"student": 1, "student3": 2},
                                                     {"teacher": 1, "teacher2": 2},
                                                     {"teacher": 1, "teacher2": 2},
                                                     {}, {"teacher": 1, "teacher2": 2},
                                                     {"student": "", "student3": "",
                                                      "teacher": "", "teacher2": ""}))
                   if case.allowed != PUBLIC]
    with database(app).session() as session:
        users = {u.email.split("@")[0]: u for u in session.scalars(select(User))}
        revoked = create_token(session, users["admin"], "revoked")
        revoke_tokens(session, users["admin"])
        expired = create_token(session, users["admin"], "expired", days=1)
        row = session.scalar(select(ApiToken).where(ApiToken.name == "expired"))
        row.expires_at = utcnow() - timedelta(minutes=1)
        disabled = create_token(session, users["teacher"], "disabled")
        session.commit()
    client = app.test_client()
    signed_in = app.test_client()
    assert sign_in(signed_in, "teacher").status_code == 302
    assert signed_in.get("/").status_code == 200
    with database(app).session() as session:
        set_active(session, session.get(User, users["teacher"].id), False)
    for name, token in (("revoked", revoked), ("expired", expired), ("disabled", disabled),
                        ("malformed", "grd_" + "x" * 43), ("not ours", "ghp_abc")):
        for case in things_free:
            response = client.open(case.path, method=case.method,
                                   headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, f"{case.method} {case.path} with a {name} token"
            assert token not in response.get_data(as_text=True)
    # The disabled teacher's open session ends too: every page sends them to sign in.
    for path in ("/", "/assignments", f"/classes/{1}", "/admin/rubrics"):
        response = signed_in.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert "Sign in" in sign_in(signed_in, "teacher").get_data(as_text=True)


@pytest.mark.parametrize("ending", ["/logout", "/account/sessions"])
def test_signing_out_ends_the_session_for_every_page(school, ending):
    app, things = school
    client = app.test_client()
    assert sign_in(client, "teacher").status_code == 302
    page = client.get(f"/essays/{things.essay['student']}")
    assert page.status_code == 200
    assert client.post(ending, data={"csrf_token": csrf_token(page.get_data(as_text=True))}
                       ).status_code == 302
    for case in page_cases(things):
        if case.allowed != PUBLIC and case.method == "GET":
            response = client.get(case.path)
            assert response.status_code == 302 and "/login" in response.headers["Location"]
            assert not case.secret or case.secret not in response.get_data(as_text=True)


def test_stored_credentials_are_hashes_only(school):
    app, _ = school
    with database(app).session() as session:
        for user in session.scalars(select(User).where(User.password_hash.is_not(None))):
            assert user.password_hash.startswith("scrypt:")
            assert "correct horse" not in user.password_hash
        hashes = list(session.scalars(select(ApiToken.token_hash)))
    assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
    assert not any(h.startswith("grd_") for h in hashes)
