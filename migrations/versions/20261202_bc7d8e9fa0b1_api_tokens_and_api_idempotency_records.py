"""API tokens (hashed, scoped, owned by a staff role or one agent) and the API's stored answers per Idempotency-Key

Revision ID: bc7d8e9fa0b1
Revises: ab6c7d8e9fa0
Create Date: 2026-12-02 03:50:20.207262

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'bc7d8e9fa0b1'
down_revision = 'ab6c7d8e9fa0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_idempotency_record',
    sa.Column('owner', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('location', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('owner', 'key', name=op.f('pk_api_idempotency_record'))
    )
    with op.batch_alter_table('api_idempotency_record', schema=None) as batch_op:
        batch_op.create_index('ix_api_idempotency_record_created_at', ['created_at'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('owner_role', sa.String(length=16), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(owner_role = 'agent' AND agent_id IS NOT NULL) OR (owner_role <> 'agent' AND agent_id IS NULL)", name=op.f('ck_api_token_agent_tokens_belong_to_an_agent')),
    sa.CheckConstraint("owner_role <> 'agent' OR scope <> 'admin'", name=op.f('ck_api_token_agent_tokens_are_not_admin')),
    sa.CheckConstraint("owner_role IN ('admin', 'finance', 'viewer', 'agent')", name=op.f('ck_api_token_owner_role_known')),
    sa.CheckConstraint("scope IN ('read', 'write', 'admin')", name=op.f('ck_api_token_scope_known')),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_api_token_agent_id_agent'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_agent_id'), ['agent_id'], unique=False)



def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_agent_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('api_idempotency_record', schema=None) as batch_op:
        batch_op.drop_index('ix_api_idempotency_record_created_at')

    op.drop_table('api_idempotency_record')
