"""rubrics have an owner: a teacher edits the rubrics they wrote (administrators, every one);
rubrics imported from files or written by an administrator belong to the school (no owner)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rubrics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_rubrics_owner_id'), ['owner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_rubrics_owner_id_users'), 'users',
                                    ['owner_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('rubrics', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rubrics_owner_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_rubrics_owner_id'))
        batch_op.drop_column('owner_id')
