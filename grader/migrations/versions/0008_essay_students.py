"""essays belong to students: a student column on essays, so an essay a teacher uploads for an
assignment is that student's draft (a student's own drafts are theirs, filled in here)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('essays', schema=None) as batch_op:
        batch_op.add_column(sa.Column('student_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_essays_student_id'), ['student_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_essays_student_id_users'), 'users',
                                    ['student_id'], ['id'], ondelete='SET NULL')
    # A student's own submissions were always theirs.
    op.execute("UPDATE essays SET student_id = owner_id WHERE owner_id IN "
               "(SELECT id FROM users WHERE role = 'student')")


def downgrade() -> None:
    with op.batch_alter_table('essays', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_essays_student_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_essays_student_id'))
        batch_op.drop_column('student_id')
