"""Which enrolled student an uploaded essay belongs to: by the email or the name its CSV row
or its file name carries. Only a single, unambiguous match links an essay; the rest are left
for the teacher to choose on the upload page, never guessed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from grader.tables import User

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WORD = re.compile(r"[^\W\d_]+")


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


def _name_words(student: User) -> set[str]:
    """The words of a student's name; a name of one word (or only the email's local part)
    must be unmistakable, so it counts only with at least three letters."""
    return {w for w in _words(student.name) if len(w) >= 3}


def evidence_of(label: str, source_name: str) -> str:
    """What an uploaded essay says of its author: a CSV row's label column, or a file's label
    and its own name (not the folders or archive around it, which name the class)."""
    if " row " in source_name:  # "marks.csv row 3": the row's label is all it says
        return label
    return f"{label} {PurePosixPath(source_name.split('/')[-1]).stem}"


def match_student(roster: Sequence[User], evidence: str) -> User | None:
    """The one student of ``roster`` whose email, or every word of whose name, ``evidence``
    holds; None when none or several do."""
    emails = {e.casefold() for e in _EMAIL.findall(evidence)}
    by_email = [s for s in roster if s.email.casefold() in emails]
    if by_email:
        return by_email[0] if len(by_email) == 1 else None
    words = _words(evidence)
    by_name = [s for s in roster if (name := _name_words(s)) and name <= words]
    if len(by_name) > 1:  # "Anna" and "Anna Smith": the fuller name is the one meant
        longest = max(len(_name_words(s)) for s in by_name)
        by_name = [s for s in by_name if len(_name_words(s)) == longest]
    return by_name[0] if len(by_name) == 1 else None
