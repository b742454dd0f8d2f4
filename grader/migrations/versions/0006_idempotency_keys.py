"""idempotency keys on drafts and batches: a client retrying after a cut connection gets the
submission it already made, not a second one

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('essays', 'batches'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('idempotency_key', sa.String(length=100),
                                          nullable=True))
            batch_op.create_unique_constraint(op.f(f'uq_{table}_owner_id_idempotency_key'),
                                              ['owner_id', 'idempotency_key'])


def downgrade() -> None:
    for table in ('essays', 'batches'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'uq_{table}_owner_id_idempotency_key'), type_='unique')
            batch_op.drop_column('idempotency_key')
