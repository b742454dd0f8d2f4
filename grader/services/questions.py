"""Questions as stored rows and as the engine's ``models.question.Question``: the one place that
maps between them.

A question row never changes: an essay keeps the question it was graded against, so editing an
assignment's question stores a new row. Rows are found again by digest per owner, so sending
the same question with every draft does not store it every time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.tables import Question, User
from models.question import KeyTerm, Period, QuestionError
from models.question import Question as QuestionSpec

__all__ = ["QuestionError", "QuestionSpec", "build_question", "question_summary",
           "spec_of_question", "split_sources", "stored_question"]


def build_question(text: str | None, key_terms: str | Iterable[str] | None = None,
                   period: str | None = None, sources: Iterable[str] = ()
                   ) -> QuestionSpec | None:
    """The question a person typed (a form, a request, the command line), or None when the
    text is blank and nothing else was given. QuestionError says what is wrong, for a person:
    key terms or a period without a question, a period that is no period, ..."""
    sources = [s for s in sources if s and s.strip()]
    terms = [key_terms] if isinstance(key_terms, str) else list(key_terms or [])
    if not (text or "").strip():
        if any(t.strip() for t in terms if isinstance(t, str)) or (period or "").strip() \
                or sources:
            raise QuestionError("key terms, a period and sources belong to a question: "
                                "write the question too")
        return None
    # One string is what a person typed ("a, b; c"); a list holds one term per item.
    given = key_terms if isinstance(key_terms, str) or key_terms is None else terms
    return QuestionSpec.build(text or "", key_terms=given, period=period or None,
                              sources=sources)


def split_sources(text: str | None) -> list[str]:
    """Sources typed in one box, one per block of lines with a blank line between them."""
    return [block.strip() for block in re.split(r"\n\s*\n", (text or "").replace("\r", ""))
            if block.strip()]


def stored_question(session: Session, owner: User | None, spec: QuestionSpec) -> Question:
    """The owner's row for this question, found by digest or added to the session (flushed,
    not committed: it is stored with whatever the caller commits it with).

    Class terms are never stored: they are the class's, added when its essays are graded."""
    if spec.class_terms:
        spec = spec.with_class_terms(())
    digest = spec.digest
    owner_id = owner.id if owner is not None else None
    same_owner = Question.owner_id.is_(None) if owner_id is None else \
        Question.owner_id == owner_id
    found = session.scalar(select(Question).where(Question.digest == digest, same_owner)
                           .order_by(Question.id).limit(1))
    if found is not None:
        return found
    data = spec.to_dict()
    row = Question(owner_id=owner_id, text=data["text"], key_terms=data["key_terms"],
                   period=data["period"], sources=data["sources"], digest=digest)
    session.add(row)
    session.flush()
    return row


def spec_of_question(row: Question | None) -> QuestionSpec | None:
    """The engine's question for a stored row (None for none)."""
    if row is None:
        return None
    return spec_from_columns(row.text, row.key_terms, row.period, row.sources)


def spec_from_columns(text: str, key_terms: list[Mapping[str, Any]] | None,
                      period: str | None, sources: list[str] | None) -> QuestionSpec:
    """The engine's question from a row's columns (for queries that select them alone)."""
    terms = tuple(KeyTerm(t["term"], tuple(t.get("aliases") or ())) for t in key_terms or ())
    return QuestionSpec(text, terms, Period.parse(period) if period else None,
                        tuple(sources or ()))


def term_label(term: Mapping[str, Any]) -> str:
    """A stored key term as a person types it: 'USSR / Soviet Union'."""
    return " / ".join([term["term"], *(term.get("aliases") or ())])


def question_summary(row: Question | None) -> dict[str, Any] | None:
    """What the API and pages say of an essay's or assignment's question."""
    if row is None:
        return None
    return {"text": row.text, "key_terms": [term_label(t) for t in row.key_terms or ()],
            "period": row.period}
