"""indexes for keyset pages: every list's filter with its order; the agent an audit event belongs to

Revision ID: 8f4a5b6c7d8e
Revises: 7e3f4a5b6c7d
Create Date: 2026-12-02 01:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '8f4a5b6c7d8e'
down_revision = '7e3f4a5b6c7d'
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_audit_event_actor_seq", "audit_event", ["actor", "seq"]),
    ("ix_audit_event_entity_type_seq", "audit_event", ["entity_type", "seq"]),
    ("ix_audit_event_action_seq", "audit_event", ["action", "seq"]),
    ("ix_audit_event_agent_seq", "audit_event", ["agent_id", "seq"]),
    ("ix_invoice_status_id", "invoice", ["status", "id"]),
    ("ix_invoice_agent_id_id", "invoice", ["agent_id", "id"]),
    ("ix_wallet_transaction_agent_id_id", "wallet_transaction", ["agent_id", "id"]),
    ("ix_payout_status_id", "payout", ["status", "id"]),
    ("ix_commission_status_id", "commission", ["status", "id"]),
    ("ix_commission_agent_id_id", "commission", ["agent_id", "id"]),
    ("ix_notification_agent_id_id", "notification", ["agent_id", "id"]),
]


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_id', sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        belongs = ("COALESCE((after->>'agent_id')::bigint, (before->>'agent_id')::bigint)")
        agent = "CAST(entity_id AS BIGINT)"
    else:
        belongs = ("COALESCE(CAST(json_extract(after, '$.agent_id') AS INTEGER), "
                   "CAST(json_extract(before, '$.agent_id') AS INTEGER))")
        agent = "CAST(entity_id AS INTEGER)"
    op.execute(f"UPDATE audit_event SET agent_id = CASE WHEN entity_type = 'Agent' THEN {agent} ELSE {belongs} END")
    op.drop_index('ix_audit_event_actor', table_name='audit_event')
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.create_index('ix_agent_lower_name_id', 'agent', [sa.text('lower(name)'), 'id'], unique=False)


def downgrade():
    op.drop_index('ix_agent_lower_name_id', table_name='agent')
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.create_index('ix_audit_event_actor', 'audit_event', ['actor'], unique=False)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('agent_id')
