"""overdue invoices from their own index: invoices still owed, in due-date order

Revision ID: ef0a1b2c3d4e
Revises: de9fa0b1c2d3
Create Date: 2026-12-03 09:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


revision = "ef0a1b2c3d4e"
down_revision = "de9fa0b1c2d3"
branch_labels = None
depends_on = None

PAYABLE = "status IN ('issued', 'partially_paid')"


def upgrade():
    op.create_index(
        "ix_invoice_payable_due_date",
        "invoice",
        ["due_date", "id"],
        unique=False,
        postgresql_where=sa.text(PAYABLE),
        sqlite_where=sa.text(PAYABLE),
    )


def downgrade():
    op.drop_index("ix_invoice_payable_due_date", table_name="invoice")
