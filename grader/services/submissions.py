"""Accepting essays: store them first, then send their grading messages.

An essay is committed (status queued) before any message is sent, so a broker that is down,
or a crash between the two steps, delays grading but never loses an essay: the sweeper sends
whatever still has ``enqueued_at`` NULL.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader import queries
from grader.errors import ApiError
from grader.ingest import (
    ExtractedEssay,
    IngestLimits,
    IngestReport,
    ingest_isolated,
    ingest_text,
)
from grader.queueing import BATCH_QUEUE, DRAFT_QUEUE, send_grading
from grader.services.matching import evidence_of, match_student
from grader.services.questions import QuestionSpec, stored_question
from grader.services.ratelimit import count_submission
from grader.tables import Assignment, Batch, Essay, Question, RubricVersion, User, utcnow

# A submission's question: a stored row (an assignment's), one sent with it, or none.
QuestionGiven = Question | QuestionSpec | None


@dataclass(frozen=True)
class SubmissionError(ValueError):
    message: str

    def __str__(self) -> str:
        return self.message


class AlreadySubmitted(Exception):
    """The submission was made before under the same idempotency key: ``earlier`` is it."""

    def __init__(self, earlier: Essay | Batch) -> None:
        super().__init__(f"already submitted as {type(earlier).__name__.lower()} {earlier.id}")
        self.earlier = earlier


class UnchangedDraft(Exception):
    """A draft the same as the student's newest one for the assignment: ``earlier`` is it."""

    def __init__(self, earlier: Essay) -> None:
        super().__init__(f"the same as draft {earlier.id}")
        self.earlier = earlier


class KeyReused(ApiError):
    """An idempotency key sent again with another essay, or with another question: refused
    rather than answered with the first one, which would silently drop the new text or grade
    it against the wrong question."""

    def __init__(self, key: str, what: str = "essay") -> None:
        super().__init__(422, f"the Idempotency-Key {key!r} was used for another {what}; "
                              f"send a new key with each new submission")


def _digest(question: QuestionGiven) -> str | None:
    if question is None:
        return None
    if isinstance(question, Question):
        return question.digest
    return question.with_class_terms(()).digest


def _earlier(session: Session, kind: type[Essay] | type[Batch], owner: User,
             key: str | None, sha256: str | None = None,
             question: QuestionGiven = None, compare: bool = True) -> None:
    """Raise AlreadySubmitted if ``owner`` made a submission under ``key`` before (KeyReused if
    ``compare`` and that was an essay with other text than ``sha256``'s, or a submission with
    another question)."""
    if key is None:
        return
    earlier = session.scalar(select(kind).where(kind.owner_id == owner.id,
                                                kind.idempotency_key == key))
    if earlier is None:
        return
    if compare and isinstance(earlier, Essay) and earlier.sha256 != sha256:
        raise KeyReused(key)
    if compare and (earlier.question.digest if earlier.question else None) != _digest(question):
        raise KeyReused(key, "question")
    raise AlreadySubmitted(earlier)


def _question_row(session: Session, owner: User, question: QuestionGiven) -> Question | None:
    """The stored row for a submission's question (a new one is stored with the submission)."""
    if question is None or isinstance(question, Question):
        return question
    return stored_question(session, owner, question)


@contextmanager
def _stored_once(session: Session, kind: type[Essay] | type[Batch], owner: User,
                 key: str | None) -> Iterator[None]:
    """Commit the new submission added in the block, or roll it back. If the same request,
    repeated, stored its submission first (the unique key refuses ours, at the flush or the
    commit), AlreadySubmitted with that one."""
    try:
        yield
        session.commit()
    except IntegrityError:
        session.rollback()
        _earlier(session, kind, owner, key, compare=False)
        raise
    except BaseException:
        session.rollback()
        raise


def _essay(owner: User, version: RubricVersion, item: ExtractedEssay,
           batch: Batch | None = None, assignment_id: int | None = None,
           idempotency_key: str | None = None, question: Question | None = None,
           student: User | None = None) -> Essay:
    """A new essay row: a student's own submission is theirs; an upload's, the student it was
    matched to (``student``), if any."""
    if student is None and owner.role == "student":
        student = owner
    return Essay(owner_id=owner.id, batch=batch, rubric_version_id=version.id,
                 assignment_id=assignment_id, label=item.label[:300],
                 source_name=item.name[:500], text=item.text, sha256=item.sha256,
                 status="queued", idempotency_key=idempotency_key, question=question,
                 student_id=student.id if student is not None else None)


def unchanged_draft(session: Session, owner: User, assignment: Assignment,
                    text: str) -> Essay | None:
    """The student's newest draft for ``assignment`` when ``text`` is the same (whitespace and
    case aside) and it was graded, or is being graded, against the assignment's current
    question: sending it again would only grade the same essay twice. EssayInputError for
    unusable text."""
    latest = queries.latest_draft(session, owner, assignment)
    if latest is None or latest.status == "failed":
        return None
    same_question = (latest.question.digest if latest.question else None) == \
        (assignment.question.digest if assignment.question else None)
    same_text = latest.sha256 == ingest_text(text, label="Draft").sha256
    return latest if same_question and same_text else None


def count_before_reading(session: Session, owner: User, idempotency_key: str | None) -> None:
    """Count a draft before its text or file is read: reading costs, and a draft refused as
    unreadable must count against the limit too (RateLimited past it). A request sent again
    with an Idempotency-Key already stored is not counted twice; it is answered with the
    submission it made."""
    if idempotency_key is not None and session.scalar(
            select(Essay.id).where(Essay.owner_id == owner.id,
                                   Essay.idempotency_key == idempotency_key)) is not None:
        return
    count_submission(session, owner)


def submit_text(session: Session, owner: User, version: RubricVersion, text: str,
                label: str = "", name: str = "pasted text",
                assignment_id: int | None = None, idempotency_key: str | None = None,
                question: QuestionGiven = None, counted: bool = False) -> Essay:
    """Store one essay (a student's draft, for an assignment or not), to be graded against
    ``question``; commits. EssayInputError for unusable text; AlreadySubmitted if
    ``idempotency_key`` was used (KeyReused if with another text or question). ``counted``:
    the caller counted it already (``count_before_reading``)."""
    item = ingest_text(text, label=label or "Draft", name=name)
    _earlier(session, Essay, owner, idempotency_key, item.sha256, question)
    if not counted:
        count_submission(session, owner)
    with _stored_once(session, Essay, owner, idempotency_key):
        essay = _essay(owner, version, item, assignment_id=assignment_id,
                       idempotency_key=idempotency_key,
                       question=_question_row(session, owner, question))
        session.add(essay)
    return essay


def submit_upload(session: Session, owner: User, version: RubricVersion,
                  files: Iterable[tuple[str, bytes]], title: str, limits: IngestLimits,
                  text_column: str | None = None, label_column: str | None = None,
                  assignment_id: int | None = None,
                  idempotency_key: str | None = None,
                  question: QuestionGiven = None) -> Batch:
    """Store a bulk upload as a batch of essays plus its report, all to be graded against
    ``question``; commits. For an assignment, each essay is linked to the enrolled student its
    CSV label or file name names (grader/services/matching.py); the others wait for the
    teacher (``assign_students``).

    Every file ends as an essay row or a named problem in ``batch.report``. AlreadySubmitted
    if ``idempotency_key`` was used before (KeyReused if with another question).
    """
    _earlier(session, Batch, owner, idempotency_key, question=question)
    count_submission(session, owner)
    report = ingest_isolated(files, limits, text_column=text_column,
                             label_column=label_column)
    assignment = session.get(Assignment, assignment_id) if assignment_id is not None else None
    roster = queries.roster(session, assignment.school_class) if assignment else []
    essays_by_name: dict[str, Essay] = {}
    with _stored_once(session, Batch, owner, idempotency_key):
        row = _question_row(session, owner, question)
        batch = Batch(owner_id=owner.id, rubric_version_id=version.id, title=title[:300],
                      report=_summary(report), assignment_id=assignment_id,
                      idempotency_key=idempotency_key, question=row)
        session.add(batch)
        for item in report.essays:
            student = match_student(roster, evidence_of(item.label, item.name)) \
                if roster else None
            essay = _essay(owner, version, item, batch, assignment_id, question=row,
                           student=student)
            session.add(essay)
            essays_by_name[item.name] = essay
        session.flush()
        for item in report.essays:
            if item.duplicate_of and item.duplicate_of in essays_by_name:
                essays_by_name[item.name].duplicate_of_id = essays_by_name[item.duplicate_of].id
    return batch


class NotInClass(ApiError):
    """A student chosen for an uploaded essay who is not in the assignment's class."""

    def __init__(self, student_id: int) -> None:
        super().__init__(422, f"user {student_id} is not a student of this assignment's class")


def assign_students(session: Session, batch: Batch, choices: dict[int, int | None]) -> int:
    """Link a batch's essays (by id) to students of its assignment's class (None: to no one);
    commits. Returns how many essays changed. NotInClass for a student not enrolled; essays
    not of the batch are ignored."""
    if batch.assignment is None:
        raise ApiError(422, "only an upload made for an assignment has students to match")
    enrolled = {s.id for s in queries.roster(session, batch.assignment.school_class)}
    for student_id in choices.values():
        if student_id is not None and student_id not in enrolled:
            raise NotInClass(student_id)
    changed = 0
    for essay in session.scalars(queries.batch_essays_query(batch)):
        if essay.id in choices and essay.student_id != choices[essay.id]:
            essay.student_id = choices[essay.id]
            changed += 1
    session.commit()
    return changed


def _summary(report: IngestReport) -> dict:
    """The upload's report as stored with the batch (the texts live in the essay rows)."""
    return {"essays": [{"name": e.name, "label": e.label, "duplicate_of": e.duplicate_of}
                       for e in report.essays],
            "problems": [{"name": p.name, "message": p.message} for p in report.problems]}


# A batch is spread over at least this many messages, so that every worker process gets a
# share of a small class; a large upload goes in chunks of up to GRADER_CHUNK_SIZE essays, each
# message's fixed cost (claim, write, broker round trip) then being shared by many essays.
MIN_MESSAGES_PER_BATCH = 8


def retry_failed(session: Session, user: User, essay_ids: Sequence[int], max_chunk: int,
                 app: Flask | None = None) -> list[int]:
    """Queue the failed ones of these essays to be graded again, with fresh attempts and no
    reason, and send them (drafts on the drafts queue, batch essays on the batch queue);
    commits. Returns the ids requeued.

    A retry counts as a submission for the rate limit, so an essay that crashes the grader
    cannot be retried without end. Compare-and-set on the status: a second click on "grade
    again", or one racing the first, finds nothing failed and queues nothing twice."""
    failed = select(Essay.id).where(Essay.id.in_(essay_ids), Essay.status == "failed")
    if not session.scalars(failed.limit(1)).first():
        return []
    count_submission(session, user)
    requeued = session.execute(
        update(Essay).where(Essay.id.in_(essay_ids), Essay.status == "failed")
        .values(status="queued", error=None, attempts=0, claim_token=None, enqueued_at=None,
                started_at=None, finished_at=None)
        .returning(Essay.id, Essay.batch_id)).all()
    session.commit()
    drafts = sorted(i for i, batch_id in requeued if batch_id is None)
    in_batches = sorted(i for i, batch_id in requeued if batch_id is not None)
    dispatch(session, drafts, 1, queue=DRAFT_QUEUE, app=app)
    dispatch(session, in_batches, max_chunk, queue=BATCH_QUEUE, app=app)
    return sorted(drafts + in_batches)


def retry_batch(session: Session, user: User, batch: Batch, max_chunk: int,
                app: Flask | None = None) -> list[int]:
    """Grade a batch's failed essays again (see retry_failed)."""
    ids = list(session.scalars(select(Essay.id).where(Essay.batch_id == batch.id,
                                                      Essay.status == "failed")))
    return retry_failed(session, user, ids, max_chunk, app=app) if ids else []


# The smallest message of a batch's tapering end (see message_chunks): smaller ones would cost
# more in their fixed share (claim, write, broker) than they save in waiting.
MIN_TAIL_CHUNK = 4


def chunk_size_for(count: int, max_chunk: int) -> int:
    return max(1, min(max_chunk, math.ceil(count / MIN_MESSAGES_PER_BATCH)))


def message_chunks(essay_ids: Sequence[int], max_chunk: int) -> list[list[int]]:
    """The essays split into grading messages: chunks of ``chunk_size_for``, then a tapering
    end (half a chunk twice, a quarter twice, ... down to MIN_TAIL_CHUNK). A batch is done
    when its last message is: with full-size messages to the end, one process would still
    grade a whole chunk while the others wait idle; with small last ones they finish together."""
    size = chunk_size_for(len(essay_ids), max_chunk)
    tail: list[int] = []
    part = size // 2
    while part >= MIN_TAIL_CHUNK:
        tail += [part, part]
        part //= 2
    steady = max(0, len(essay_ids) - sum(tail))
    chunks = [list(essay_ids[start:min(start + size, steady)])
              for start in range(0, steady, size)]
    if chunks and tail and len(chunks[-1]) < tail[0]:
        tail[0] += len(chunks.pop())  # a remainder smaller than the taper's first joins it
    start = sum(map(len, chunks))
    for part in tail:
        if start < len(essay_ids):
            chunks.append(list(essay_ids[start:start + part]))
            start += part
    return chunks


def dispatch(session: Session, essay_ids: Sequence[int], max_chunk: int,
             queue: str = BATCH_QUEUE, app: Flask | None = None) -> int:
    """Send grading messages in chunks and record which were sent; commits. Returns sent count."""
    sent = 0
    for chunk in message_chunks(essay_ids, max_chunk):
        if not send_grading(chunk, queue=queue, app=app):
            break  # the broker is down: the sweeper sends the rest when it is back
        session.execute(update(Essay).where(Essay.id.in_(chunk), Essay.status == "queued")
                        .values(enqueued_at=utcnow()))
        session.commit()
        sent += len(chunk)
    return sent
