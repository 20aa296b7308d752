"""verification runs and rollout steps

Revision ID: de9fa0b1c2d3
Revises: cd8e9fa0b1c2
Create Date: 2026-12-02 06:55:34.347923

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'de9fa0b1c2d3'
down_revision = 'cd8e9fa0b1c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rollout_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_percentage', sa.Integer(), nullable=False),
    sa.Column('to_percentage', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_by', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('guardrails', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('baseline', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.CheckConstraint("action IN ('widen', 'rollback')", name=op.f('ck_rollout_step_action_known')),
    sa.CheckConstraint('from_percentage BETWEEN 0 AND 100 AND to_percentage BETWEEN 0 AND 100', name=op.f('ck_rollout_step_percentages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollout_step'))
    )
    with op.batch_alter_table('rollout_step', schema=None) as batch_op:
        batch_op.create_index('ix_rollout_step_flag_taken_at', ['flag', 'taken_at'], unique=False)

    op.create_table('verification_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_name', sa.String(length=16), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('violations', sa.Integer(), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.CheckConstraint("check_name IN ('ledger', 'audit')", name=op.f('ck_verification_run_check_known')),
    sa.CheckConstraint('violations >= 0', name=op.f('ck_verification_run_violations_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_run'))
    )
    with op.batch_alter_table('verification_run', schema=None) as batch_op:
        batch_op.create_index('ix_verification_run_check_name_ran_at', ['check_name', 'ran_at'], unique=False)



def downgrade():
    with op.batch_alter_table('verification_run', schema=None) as batch_op:
        batch_op.drop_index('ix_verification_run_check_name_ran_at')

    op.drop_table('verification_run')
    with op.batch_alter_table('rollout_step', schema=None) as batch_op:
        batch_op.drop_index('ix_rollout_step_flag_taken_at')

    op.drop_table('rollout_step')
