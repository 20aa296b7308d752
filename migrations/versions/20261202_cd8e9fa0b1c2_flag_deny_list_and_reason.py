"""feature flags gain a deny-list of agents and the reason they are as they are

Revision ID: cd8e9fa0b1c2
Revises: bc7d8e9fa0b1
Create Date: 2026-12-02 04:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'cd8e9fa0b1c2'
down_revision = 'bc7d8e9fa0b1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feature_flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deny_list', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('feature_flag', schema=None) as batch_op:
        batch_op.drop_column('reason')
        batch_op.drop_column('deny_list')
