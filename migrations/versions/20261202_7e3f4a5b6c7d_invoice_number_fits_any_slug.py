"""an invoice number fits any slug: SLUG-00001 with a 64-character slug is 70 characters

Revision ID: 7e3f4a5b6c7d
Revises: 6d2e3f4a5b6c
Create Date: 2026-12-02 00:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '7e3f4a5b6c7d'
down_revision = '6d2e3f4a5b6c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.String(length=40), type_=sa.String(length=80),
                              existing_nullable=False)


def downgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.String(length=80), type_=sa.String(length=40),
                              existing_nullable=False)
