"""How often each kind of comment is right, measured, and who may therefore read it.

A false comment is worse than none: it teaches the wrong thing. Every feedback code has a
precision measured by bench/feedback.py (against people's annotation of arguments, against
the text itself for comments that state a fact, against unit cases), stored beside this module
in precision.json. Students see a code only once it is right at least STUDENT_PRECISION of the
time over at least MIN_CASES comments; until then it goes to teachers only, marked "check".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from models.result import FeedbackItem

PRECISION_FILE = Path(__file__).with_name("precision.json")
STUDENT_PRECISION = 0.8
MIN_CASES = 20
EVERYONE, TEACHERS = "everyone", "teachers"


@dataclass(frozen=True)
class Measured:
    precision: float | None  # None: not measurable yet
    cases: int  # comments judged
    how: str  # what it was measured against
    held: str | None = None  # why teachers alone see it, whatever its measure (HELD_BACK)

    @property
    def audience(self) -> str:
        trusted = self.precision is not None and self.precision >= STUDENT_PRECISION \
            and self.cases >= MIN_CASES and self.held is None
        return EVERYONE if trusted else TEACHERS


UNMEASURED = Measured(None, 0, "not measured")
# Codes measured well on the annotated corpora but found wrong on history essays read as a
# teacher would: teachers alone see them until they are measured on history essays.
HELD_BACK = {
    "structure.topic_sentence": "measured on persuasive essays (AAEC) at 0.82, but wrong on 3 "
                                "of the 4 history essays read in the pages (points that name "
                                "people and dates, a paragraph whose point is its opening)",
}


@lru_cache(maxsize=1)
def _file() -> dict:
    if not PRECISION_FILE.exists():
        return {}
    return json.loads(PRECISION_FILE.read_text(encoding="utf-8"))


_parsed: dict[str, tuple[dict, dict[str, Measured]]] = {}


def _read(section: str) -> dict[str, Measured]:
    """A section of the file, parsed once per file read (the file object is kept, so a new
    one, as a test pins, is never mistaken for the last)."""
    data = _file()
    kept = _parsed.get(section)
    if kept is None or kept[0] is not data:
        kept = _parsed[section] = (data, {
            name: Measured(body.get("precision"), int(body.get("cases", 0)),
                           str(body.get("how", "")))
            for name, body in data.get(section, {}).items()})
    return kept[1]


def measured() -> dict[str, Measured]:
    """Every measured feedback code (bench/feedback.py --write rewrites the file)."""
    return _read("codes")


def measure_of(code: str) -> Measured:
    measure = measured().get(code, UNMEASURED)
    return replace(measure, held=HELD_BACK[code]) if code in HELD_BACK else measure


# Highlights that say the same as a comment are as reliable as the comment.
ROLE_CODES = {"unsupported_claim": "evidence.unsupported", "spelling": "language.spelling"}
# Flags for the teacher, shown in the text to teachers only.
TEACHER_ROLES = frozenset({"date_out_of_period"})
# Roles of the argument are measured against people's annotation; the others mark what the
# text plainly holds (a date, a transition word) and need no measure.
ARGUMENT_ROLES = frozenset({"thesis", "claim", "counterclaim", "rebuttal", "support"})


def role_audience(role: str) -> str:
    """Who may see a sentence highlighted with this role."""
    if role in TEACHER_ROLES:
        return TEACHERS
    if role in ARGUMENT_ROLES:
        return _read("roles").get(role, UNMEASURED).audience
    if role in ROLE_CODES:
        return measure_of(ROLE_CODES[role]).audience
    return EVERYONE


def with_audience(item: FeedbackItem) -> FeedbackItem:
    """The comment with who may read it and its kind's measured precision."""
    measure = measure_of(item.code)
    # Made afresh: dataclasses.replace reads the class's fields on every call.
    return FeedbackItem(item.criterion, item.code, item.kind, item.message, item.next_step,
                        item.sentences, measure.audience, measure.precision)


# The one flag a student reads: that the grader reads English (the others are the teacher's).
STUDENT_FLAGS = frozenset({"gibberish"})


def students_view(document: dict) -> dict:
    """A result document as a student may read it: without the comments and highlights
    that are for teachers to check, and with only the flags meant for students. (A document
    stored before audiences existed shows what it always showed.)"""
    view = dict(document)
    view["flags"] = [f for f in document.get("flags", []) if f.get("code") in STUDENT_FLAGS]
    view["criteria"] = [{**c, "feedback": [i for i in c.get("feedback", [])
                                           if i.get("audience", EVERYONE) == EVERYONE]}
                        for c in document.get("criteria", [])]
    view["sentences"] = [{**s, "roles": [r for r in s.get("roles", [])
                                         if r not in s.get("check", [])], "check": []}
                         for s in document.get("sentences", [])]
    return view
