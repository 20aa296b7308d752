"""indexes the plan test asked for: refunds by day, balances per currency, the staff list

Revision ID: 9a5b6c7d8e9f
Revises: 8f4a5b6c7d8e
Create Date: 2026-12-02 01:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '9a5b6c7d8e9f'
down_revision = '8f4a5b6c7d8e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_refund_created_at', 'refund', ['created_at'], unique=False)
    op.create_index(
        'ix_agent_financial_summary_currency_totals', 'agent_financial_summary', ['currency'], unique=False,
        postgresql_include=['outstanding_minor', 'commissions_pending_minor', 'wallet_available_minor',
                            'wallet_held_minor'],
    )
    op.create_index('ix_user_account_staff_email', 'user_account', ['email'], unique=False,
                    postgresql_where=sa.text("role <> 'agent'"), sqlite_where=sa.text("role <> 'agent'"))


def downgrade():
    op.drop_index('ix_user_account_staff_email', table_name='user_account')
    op.drop_index('ix_agent_financial_summary_currency_totals', table_name='agent_financial_summary')
    op.drop_index('ix_refund_created_at', table_name='refund')
