"""calibrations: models fitted on teacher-scored essays, their activations, and which one scored each result

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calibrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rubric_version_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_name', sa.String(length=500), nullable=False),
    sa.Column('training', sa.JSON(), nullable=False),
    sa.Column('essays', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('model', sa.LargeBinary(), nullable=True),
    sa.Column('versions', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_calibrations_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rubric_version_id'], ['rubric_versions.id'], name=op.f('fk_calibrations_rubric_version_id_rubric_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibrations'))
    )
    with op.batch_alter_table('calibrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibrations_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calibrations_rubric_version_id'), ['rubric_version_id'], unique=False)
        batch_op.create_index('ix_calibrations_status_enqueued_at', ['status', 'enqueued_at'], unique=False)

    op.create_table('calibration_activations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rubric_version_id', sa.Integer(), nullable=False),
    sa.Column('calibration_id', sa.Integer(), nullable=False),
    sa.Column('activated_by_id', sa.Integer(), nullable=True),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rolled_back_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rolled_back_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activated_by_id'], ['users.id'], name=op.f('fk_calibration_activations_activated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['calibration_id'], ['calibrations.id'], name=op.f('fk_calibration_activations_calibration_id_calibrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rolled_back_by_id'], ['users.id'], name=op.f('fk_calibration_activations_rolled_back_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rubric_version_id'], ['rubric_versions.id'], name=op.f('fk_calibration_activations_rubric_version_id_rubric_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_activations'))
    )
    with op.batch_alter_table('calibration_activations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_activations_rubric_version_id'), ['rubric_version_id'], unique=False)

    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calibration_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('calibrated_scores', sa.JSON(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_results_calibration_id_calibrations'), 'calibrations', ['calibration_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_results_calibration_id_calibrations'), type_='foreignkey')
        batch_op.drop_column('calibrated_scores')
        batch_op.drop_column('calibration_id')

    with op.batch_alter_table('calibration_activations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_activations_rubric_version_id'))

    op.drop_table('calibration_activations')
    with op.batch_alter_table('calibrations', schema=None) as batch_op:
        batch_op.drop_index('ix_calibrations_status_enqueued_at')
        batch_op.drop_index(batch_op.f('ix_calibrations_rubric_version_id'))
        batch_op.drop_index(batch_op.f('ix_calibrations_created_by_id'))

    op.drop_table('calibrations')
