"""The SQL tables (SQLAlchemy 2 declarative). Alembic migrations in grader/migrations/ create them.

Times are UTC. Essays carry their own lifecycle (queued -> running -> done | failed) so the
database, not the broker, is the record of what must still be graded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("student", "teacher", "admin")
STATUSES = ("queued", "running", "done", "failed")
PENDING = ("queued", "running")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    # Named constraints so Alembic can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Carried by every session and remember cookie (``get_id``): moving it on (sign-out,
    # a new password, "sign out everywhere") ends them all.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # What Flask-Login asks of a signed-in user (a disabled account's session stops working).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only a hash is kept: a leaked database does not leak working tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A token stops working at this time (None: never), so a forgotten one does not live on.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class Rubric(Base):
    __tablename__ = "rubrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    # The teacher who wrote it and may edit it (administrators edit every rubric); None: the
    # school's (imported from a file, or written by an administrator).
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    active_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("rubric_versions.id", use_alter=True, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    active_version: Mapped[RubricVersion | None] = relationship(
        foreign_keys=[active_version_id], post_update=True)


class RubricVersion(Base):
    __tablename__ = "rubric_versions"
    __table_args__ = (UniqueConstraint("rubric_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    yaml_text: Mapped[str] = mapped_column(Text)
    # Exemplar essays the YAML names by path, stored with it so a version is self-contained.
    exemplars: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    digest: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    rubric: Mapped[Rubric] = relationship(foreign_keys=[rubric_id])


class SchoolClass(Base):
    """A teacher's class: its students' essays are the teacher's to read and grade."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    teacher: Mapped[User] = relationship()


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("class_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)


class Question(Base):
    """What an essay answers (models.question.Question, stored): its text, the teacher's key
    terms, a period and the sources students were given. Rows never change: editing an
    assignment's question makes a new row, so an essay keeps the question it was graded
    against. Rows are found again by ``digest`` per owner (grader/services/questions.py)."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who typed it; a question outlives its author's account for the essays graded against it.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 index=True)
    text: Mapped[str] = mapped_column(Text)
    # [{"term": ..., "aliases": [...]}]: the teacher's; empty when derived from the text.
    key_terms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    period: Mapped[str | None] = mapped_column(String(40))  # str(models.question.Period)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    digest: Mapped[str] = mapped_column(String(64), index=True)  # models Question.digest
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Assignment(Base):
    """What a class is asked to write, graded against a rubric the teacher chose and the
    question the teacher set. Students see their levels while drafting only if
    ``show_levels``; their final results once released."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"),
                                          index=True)
    title: Mapped[str] = mapped_column(String(300))
    instructions: Mapped[str] = mapped_column(Text, default="")
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id"))
    # The question new drafts and uploads are graded against (None: the topic is not judged).
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), index=True)
    show_levels: Mapped[bool] = mapped_column(Boolean, default=False)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    school_class: Mapped[SchoolClass] = relationship()
    rubric: Mapped[Rubric] = relationship()
    question: Mapped[Question | None] = relationship()


class Batch(Base):
    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("owner_id", "idempotency_key",
                                       name="uq_batches_owner_id_idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    title: Mapped[str] = mapped_column(String(300), default="")
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL"), index=True)
    # The question the upload's essays are graded against (each essay records it too).
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), index=True)
    # What the upload held: files read, and a named problem for every file not turned into an essay.
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The client's Idempotency-Key: a retried request finds this batch instead of a new one.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))

    rubric_version: Mapped[RubricVersion] = relationship()
    question: Mapped[Question | None] = relationship()
    assignment: Mapped[Assignment | None] = relationship()


class Essay(Base):
    __tablename__ = "essays"
    __table_args__ = (Index("ix_essays_status_enqueued_at", "status", "enqueued_at"),
                      UniqueConstraint("owner_id", "idempotency_key",
                                       name="uq_essays_owner_id_idempotency_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    # A student's draft for an assignment (its class's teacher reads it), if it is one.
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL"), index=True)
    # The student it belongs to: the author of a draft, or the enrolled student a teacher's
    # upload was matched to (None: not matched yet, or not a student's).
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The question it is graded against: its assignment's when it was submitted, the one sent
    # with it, or its batch's (None: the rubric's own question, if any, else none).
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), index=True)
    label: Mapped[str] = mapped_column(String(300), default="")
    source_name: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("essays.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set when the grading message reached the broker; NULL means it still has to be sent.
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The grading message (Celery task id) that holds the essay while it is running: only that
    # message may finish it, and a duplicate message leaves it alone.
    claim_token: Mapped[str | None] = mapped_column(String(64))
    # A draft's Idempotency-Key: a retried request finds this essay instead of a new one.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))

    batch: Mapped[Batch | None] = relationship()
    assignment: Mapped[Assignment | None] = relationship()
    student: Mapped[User | None] = relationship(foreign_keys=[student_id])
    rubric_version: Mapped[RubricVersion] = relationship()
    question: Mapped[Question | None] = relationship()
    result: Mapped[Result | None] = relationship(
        primaryjoin="and_(Result.essay_id == Essay.id, "
                    "Result.rubric_version_id == Essay.rubric_version_id)",
        viewonly=True, uselist=False)


class Result(Base):
    __tablename__ = "results"
    # One result per essay and rubric version, however often a message is redelivered.
    __table_args__ = (UniqueConstraint("essay_id", "rubric_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    essay_id: Mapped[int] = mapped_column(ForeignKey("essays.id", ondelete="CASCADE"))
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    overall_score: Mapped[float] = mapped_column(Float)
    overall_level: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The engine's whole JSON document (schema_version 2; 1 before questions): feedback items
    # with their offsets, and the question it was graded against.
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    engine_version: Mapped[str] = mapped_column(String(40))
    pipeline: Mapped[str] = mapped_column(String(200))
    grading_ms: Mapped[int] = mapped_column(Integer)
    # The calibration model that scored the essay (NULL: the rubric's default model), and its
    # scores on the teacher's scale, by criterion id or "overall".
    calibration_id: Mapped[int | None] = mapped_column(
        ForeignKey("calibrations.id", ondelete="SET NULL"))
    calibrated_scores: Mapped[dict[str, float] | None] = mapped_column(JSON)
    # The essay's content words and their counts (models.features.class_terms.essay_terms):
    # what its assignment's class writes about, once enough of it has written. NULL (not JSON
    # null) for an essay off its question or unreadable, whose words would mislead the class's.
    terms: Mapped[dict[str, int] | None] = mapped_column(JSON(none_as_null=True), deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    criteria: Mapped[list[ResultCriterion]] = relationship(
        order_by="ResultCriterion.id", cascade="all, delete-orphan")
    rubric_version: Mapped[RubricVersion] = relationship()


class ResultCriterion(Base):
    __tablename__ = "result_criteria"
    __table_args__ = (UniqueConstraint("result_id", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"))
    criterion: Mapped[str] = mapped_column(String(50))
    level: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)


class Override(Base):
    __tablename__ = "overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    essay_id: Mapped[int] = mapped_column(ForeignKey("essays.id", ondelete="CASCADE"), index=True)
    # A criterion id, or "overall".
    criterion: Mapped[str] = mapped_column(String(50))
    level: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Calibration(Base):
    """A calibration of one rubric version on teacher-scored essays: queued, fitted by a worker
    (running), then ready with its model and cross-validated agreement, or failed with a reason.

    The scored essays are copied here, so a calibration can be audited and run again whatever
    happens later to the essays or file it came from.
    """

    __tablename__ = "calibrations"
    __table_args__ = (Index("ix_calibrations_status_enqueued_at", "status", "enqueued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_version_id: Mapped[int] = mapped_column(
        ForeignKey("rubric_versions.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # "csv" or "overrides"
    source_name: Mapped[str] = mapped_column(String(500), default="")
    # {"texts": [...], "targets": {criterion: {"column": name, "scores": [score or null]}}}
    # Large (a class's essays; a pickled model): loaded only by the code that needs them.
    training: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    essays: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Cross-validated agreement per target, the essays left out and why.
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # CalibrationModel.to_bytes(): written only by this program's workers.
    model: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    versions: Mapped[dict[str, str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[str | None] = mapped_column(String(64))

    rubric_version: Mapped[RubricVersion] = relationship()
    created_by: Mapped[User | None] = relationship()


class CalibrationActivation(Base):
    """The history of which calibration grades a rubric version. The active one is the newest
    activation not rolled back; rolling back returns to the one before (or to the default
    model), and every step keeps who did it and when."""

    __tablename__ = "calibration_activations"

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_version_id: Mapped[int] = mapped_column(
        ForeignKey("rubric_versions.id", ondelete="CASCADE"), index=True)
    calibration_id: Mapped[int] = mapped_column(
        ForeignKey("calibrations.id", ondelete="CASCADE"))
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    activated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rolled_back_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rolled_back_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    calibration: Mapped[Calibration] = relationship()


class RateEvent(Base):
    """One counted event (a failed sign-in, a submission) under a key such as
    "login:<email>"; limits count the recent ones. Old rows are purged by the sweeper."""

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_key_created_at", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WorkerHeartbeat(Base):
    """Each worker writes here every few seconds; /healthz counts the ones seen recently.

    The database rather than Celery's broadcast: kombu's SQLAlchemy transport has no broadcast.
    """

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
