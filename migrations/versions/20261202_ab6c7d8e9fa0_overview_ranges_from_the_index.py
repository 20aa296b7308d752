"""the overview's date ranges read from covering indexes: payments, refunds and commissions by time

Revision ID: ab6c7d8e9fa0
Revises: 9a5b6c7d8e9f
Create Date: 2026-12-02 02:10:00.000000

"""
from alembic import op


revision = 'ab6c7d8e9fa0'
down_revision = '9a5b6c7d8e9f'
branch_labels = None
depends_on = None

TOTALS = ['currency', 'amount_minor']


def upgrade():
    op.create_index('ix_payment_received_at_totals', 'payment', ['received_at'], postgresql_include=TOTALS)
    op.create_index('ix_commission_created_at_totals', 'commission', ['created_at'], postgresql_include=TOTALS)
    op.drop_index('ix_refund_created_at', table_name='refund')
    op.create_index('ix_refund_created_at', 'refund', ['created_at'], postgresql_include=TOTALS)


def downgrade():
    op.drop_index('ix_refund_created_at', table_name='refund')
    op.create_index('ix_refund_created_at', 'refund', ['created_at'])
    op.drop_index('ix_commission_created_at_totals', table_name='commission')
    op.drop_index('ix_payment_received_at_totals', table_name='payment')
