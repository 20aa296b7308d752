"""the ledger-kind CHECK is generated from the rules table in portal/models/ledger_rules.py

Same rules, one text: the constraint is recreated from LEDGER_RULES so the database
holds exactly what the model declares.

Revision ID: 5c1d2e3f4a5b
Revises: bbfb0b09d9ab
Create Date: 2026-12-01 22:00:00.000000

"""
from alembic import op


revision = '5c1d2e3f4a5b'
down_revision = 'bbfb0b09d9ab'
branch_labels = None
depends_on = None

# Frozen here: a migration must not change when the model does later.
GENERATED = (
    "(kind = 'commission_credit' AND available_delta_minor > 0 AND held_delta_minor = 0)"
    " OR (kind = 'clawback' AND available_delta_minor < 0 AND held_delta_minor = 0)"
    " OR (kind = 'payout_hold' AND held_delta_minor > 0 AND available_delta_minor = -held_delta_minor)"
    " OR (kind = 'payout_release' AND held_delta_minor < 0 AND available_delta_minor = -held_delta_minor)"
    " OR (kind = 'payout_debit' AND available_delta_minor = 0 AND held_delta_minor < 0)"
    " OR (kind = 'adjustment' AND available_delta_minor <> 0 AND held_delta_minor = 0)"
)
PREVIOUS = (
    "(kind = 'commission_credit' AND available_delta_minor > 0 AND held_delta_minor = 0)"
    " OR (kind = 'clawback' AND available_delta_minor < 0 AND held_delta_minor = 0)"
    " OR (kind = 'payout_hold' AND held_delta_minor > 0"
    "     AND available_delta_minor = -held_delta_minor)"
    " OR (kind = 'payout_release' AND held_delta_minor < 0"
    "     AND available_delta_minor = -held_delta_minor)"
    " OR (kind = 'payout_debit' AND held_delta_minor < 0 AND available_delta_minor = 0)"
    " OR (kind = 'adjustment' AND available_delta_minor <> 0 AND held_delta_minor = 0)"
)


def _replace(text):
    with op.batch_alter_table('wallet_transaction', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_wallet_transaction_deltas_match_kind'), type_='check')
        batch_op.create_check_constraint('deltas_match_kind', text)


def upgrade():
    _replace(GENERATED)


def downgrade():
    _replace(PREVIOUS)
