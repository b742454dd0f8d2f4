"""questions apart from rubrics: a questions table; assignments, batches and essays name the
question they are graded against; results keep the essay's content words (for class terms)

Rubrics used to carry their question (a top-level ``prompt`` and ``key_terms``). So that
upgrading does not silently drop it, every rubric version that has one gets a question row,
and the assignments whose rubric's active version it is, and the batches and essays graded
against that version, are given it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_REFERRING = ('assignments', 'batches', 'essays')


def upgrade() -> None:
    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('key_terms', sa.JSON(), nullable=False),
    sa.Column('period', sa.String(length=40), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_questions_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questions_digest'), ['digest'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_owner_id'), ['owner_id'], unique=False)

    for table in _REFERRING:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('question_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_question_id'), ['question_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_question_id_questions'), 'questions', ['question_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terms', sa.JSON(), nullable=True))

    _questions_from_rubrics()


def downgrade() -> None:
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_column('terms')

    for table in reversed(_REFERRING):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_question_id_questions'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_question_id'))
            batch_op.drop_column('question_id')

    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questions_owner_id'))
        batch_op.drop_index(batch_op.f('ix_questions_digest'))

    op.drop_table('questions')


# Lightweight tables as of this revision (never grader.tables, which moves on).
_versions = sa.table('rubric_versions', sa.column('id', sa.Integer), sa.column('rubric_id', sa.Integer),
                     sa.column('yaml_text', sa.Text), sa.column('exemplars', sa.JSON),
                     sa.column('number', sa.Integer))
_rubrics = sa.table('rubrics', sa.column('id', sa.Integer), sa.column('slug', sa.String),
                    sa.column('active_version_id', sa.Integer))
_questions = sa.table('questions', sa.column('id', sa.Integer), sa.column('owner_id', sa.Integer),
                      sa.column('text', sa.Text), sa.column('key_terms', sa.JSON),
                      sa.column('period', sa.String), sa.column('sources', sa.JSON),
                      sa.column('digest', sa.String),
                      sa.column('created_at', sa.DateTime(timezone=True)))
_assignments = sa.table('assignments', sa.column('rubric_id', sa.Integer),
                        sa.column('question_id', sa.Integer))
_batches = sa.table('batches', sa.column('rubric_version_id', sa.Integer),
                    sa.column('question_id', sa.Integer))
_essays = sa.table('essays', sa.column('rubric_version_id', sa.Integer),
                   sa.column('question_id', sa.Integer))


def _questions_from_rubrics() -> None:
    """One question row per rubric version that has a question of its own (owner: none, it
    came with the rubric); its essays and batches, and the assignments whose rubric it is the
    active version of, are graded against it from now on as they were before."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(_versions.c.id, _versions.c.number, _rubrics.c.slug,
                                        _versions.c.yaml_text, _versions.c.exemplars,
                                        _rubrics.c.active_version_id, _rubrics.c.id)
                              .join(_rubrics, _rubrics.c.id == _versions.c.rubric_id)).all()
    for version_id, number, slug, yaml_text, exemplars, active_id, rubric_id in rows:
        question = _rubric_question(yaml_text, exemplars or {}, f"{slug} v{number}")
        if question is None:
            continue
        stored = question.to_dict()
        question_id = connection.execute(_questions.insert().values(
            owner_id=None, text=stored['text'], key_terms=stored['key_terms'],
            period=stored['period'], sources=stored['sources'], digest=question.digest,
            created_at=datetime.now(UTC)).returning(_questions.c.id)).scalar_one()
        for table in (_batches, _essays):
            connection.execute(table.update().where(table.c.rubric_version_id == version_id)
                               .values(question_id=question_id))
        if active_id == version_id:
            connection.execute(_assignments.update().where(_assignments.c.rubric_id == rubric_id)
                               .values(question_id=question_id))


def _rubric_question(yaml_text: str, exemplars: dict, source: str):
    """The question a stored rubric version carries, if any: parsed as the engine reads it, or
    (a version today's parser refuses) its bare ``prompt``."""
    import yaml

    from models.errors import GraderError
    from models.question import Question
    from models.rubric import parse_rubric

    try:
        return parse_rubric(yaml_text, source=source, files=exemplars).question
    except GraderError:
        pass
    try:
        data = yaml.safe_load(yaml_text)
        prompt = data.get('prompt') if isinstance(data, dict) else None
        return Question.build(prompt) if isinstance(prompt, str) and prompt.strip() else None
    except (yaml.YAMLError, GraderError):
        return None
