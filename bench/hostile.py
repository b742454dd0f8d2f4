"""Hostile-input benchmark: each input of issue 16 against `grader serve`, raced against a normal
student's draft.

Run by hand (it is not a test; tests/test_hostile_service.py asserts the same bounds):

    .venv/bin/python bench/hostile.py [--workers 1]

It starts the embedded default (``grader serve``: gunicorn, one grading process, SQLite) in a
temporary folder and, for each attack in tests/hostile.py, sends it and 0.1 s later a normal
~300-word draft from another student. Per attack it prints the answer, the seconds to answer,
the peak resident memory of each kind of process while it ran (sampled every 20 ms: the web
workers, the child that reads uploads, the grading worker) and the seconds until the
neighbour's draft was graded.

Targets: every attack answered (422/413, or accepted and graded) within 15 s; the neighbour's
draft graded within 5 s; the process that handled the attack under ~200 MB above its start.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from service import deploy, grader, wait_graded  # noqa: E402

from tests.hostile import NORMAL_DRAFT, attacks, race  # noqa: E402

KINDS = ("web", "upload reader", "grading worker")


def kind_of(cmdline: str) -> str | None:
    if "forkserver" in cmdline:
        return "upload reader"
    if "gunicorn" in cmdline:
        return "web"
    if "celery" in cmdline and " worker" in cmdline:
        return "grading worker"
    return None


class PeakMemory:
    """The largest resident set of any process of each kind, from start() to stop()."""

    def __init__(self, instance: str) -> None:
        self.instance = instance.encode()
        self.peaks: dict[str, int] = {}
        self._running = False

    def sample(self) -> dict[str, int]:
        now: dict[str, int] = {}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if self.instance not in (proc / "environ").read_bytes():
                    continue
                kind = kind_of((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
                status = (proc / "status").read_text()
            except OSError:
                continue
            if kind is None:
                continue
            rss = next((int(line.split()[1]) for line in status.splitlines()
                        if line.startswith("VmRSS:")), 0)
            now[kind] = max(now.get(kind, 0), rss // 1024)
        return now

    def _loop(self) -> None:
        while self._running:
            for kind, mb in self.sample().items():
                self.peaks[kind] = max(self.peaks.get(kind, 0), mb)
            time.sleep(0.02)

    def start(self) -> None:
        self.peaks, self._running = {}, True
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, int]:
        self._running = False
        self._thread.join()
        return self.peaks


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="grading processes")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, \
            deploy("embedded", args.workers, Path(folder)) as deployment:
        env = deployment.env
        headers = {role: {"Authorization": "Bearer " + grader(
            env, "token", "create", f"{role}@school.example", "--role", kind)}
            for role, kind in (("attacker", "student"), ("student", "student"),
                               ("teacher", "teacher"))}
        import requests

        warm = requests.post(deployment.base + "/api/v1/essays", json={"text": NORMAL_DRAFT},
                             headers=headers["student"], timeout=30).json()["url"]
        wait_graded(requests.Session(), warm, headers["student"])
        memory = PeakMemory(env["GRADER_INSTANCE_PATH"])
        at_rest = memory.sample()
        print(f"grader serve --workers {args.workers}; resident MB at rest: "
              + ", ".join(f"{k} {at_rest.get(k, 0)}" for k in KINDS) + "\n")
        print("| input | answer | seconds to answer | peak MB: web | upload reader | "
              "grading worker | neighbour's draft graded in (s) |")
        print("|---|---|---|---|---|---|---|")
        failures = 0
        for attack in attacks():
            memory.start()
            raced = race(deployment.base, attack, headers)
            time.sleep(0.2)
            peaks = memory.stop()
            ok = (raced.status in attack.answers and raced.seconds < 15
                  and raced.neighbour_status == "done" and raced.neighbour_seconds < 5)
            failures += not ok
            answer = f"{raced.status}: {raced.message[:90]}"
            print(f"| {attack.name} | {answer} | {raced.seconds:.2f} | "
                  + " | ".join(str(peaks.get(k, "-")) for k in KINDS)
                  + f" | {raced.neighbour_seconds:.2f}{'' if ok else ' (MISSED)'} |")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as exc:
        sys.exit(f"{exc.cmd}: {exc.stderr}")
