"""Each hostile input of issue 16, sent to `grader serve` (the embedded default: one grading
process, the easiest to stall) at the same moment as a normal student's draft: the attack is
answered within seconds, and the normal draft is still graded within 5 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from tests.hostile import NORMAL_DRAFT, Attack, attacks, race
from tests.service_support import ROOT, free_port, service_env, wait_for


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, dict[str, dict[str, str]]]]:
    folder = tmp_path_factory.mktemp("hostile-serve")
    env = service_env(folder / "instance", GRADER_SUBMISSIONS_PER_MINUTE="1000")
    port = free_port()
    log_path = folder / "serve.log"
    with log_path.open("wb") as log:
        serve = subprocess.Popen([sys.executable, "-m", "grader.cli", "serve", "--port",
                                  str(port)], env=env, cwd=ROOT, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"

        def tail() -> str:
            return log_path.read_text(errors="replace")[-3000:]

        def token(email: str, role: str) -> dict[str, str]:
            created = subprocess.run([sys.executable, "-m", "grader.cli", "token", "create",
                                      email, "--role", role], env=env, cwd=ROOT,
                                     capture_output=True, text=True, check=True)
            return {"Authorization": f"Bearer {created.stdout.strip()}"}

        def healthy() -> bool:
            try:
                return requests.get(f"{base}/healthz", timeout=2).json()["status"] == "ok"
            except (requests.RequestException, ValueError):
                return False

        try:
            wait_for(healthy, 120, "grader serve to be healthy", on_timeout=tail)
            headers = {"attacker": token("mallory@school.example", "student"),
                       "student": token("kid@school.example", "student"),
                       "teacher": token("teacher@school.example", "teacher")}
            warm = requests.post(f"{base}/api/v1/essays", json={"text": NORMAL_DRAFT},
                                 headers=headers["student"], timeout=30).json()["url"]
            wait_for(lambda: requests.get(warm, headers=headers["student"], timeout=5).json()
                     ["status"] == "done", 120, "the engine to load", on_timeout=tail)
            yield base, headers
        finally:
            os.killpg(serve.pid, signal.SIGINT)
            try:
                serve.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)


@pytest.mark.parametrize("attack", attacks(), ids=lambda a: a.name)
def test_a_hostile_input_is_answered_in_seconds_while_a_neighbours_draft_is_graded(
        served, attack: Attack):
    base, headers = served
    raced = race(base, attack, headers)
    assert raced.status in attack.answers, raced
    assert raced.message.strip() and "Traceback" not in raced.message
    assert raced.seconds < 15, raced
    assert raced.neighbour_status == "done" and raced.neighbour_seconds < 5, raced
