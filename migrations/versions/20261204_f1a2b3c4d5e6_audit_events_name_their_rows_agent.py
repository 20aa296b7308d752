"""audit events name the agent of their row: earlier updates (and refunds) read their agent from the row

An event's ``agent_id`` (revision 8f4a5b6c7d8e) was read from its documents, and an
update keeps only the columns it changed: a wallet's new balance, a payout's new
status, a voided invoice never said whose they were, so they were missing from
the agent's audit tab. The unit of work now takes the agent from the row itself;
this fills in the events written before, each from its row: the ``agent_id``
column of its table, a refund's through its payment.

Safe against the chain: ``agent_id`` is not one of the hashed fields
(``HASHED_FIELDS`` in portal/persistence/audit_chain.py), so ``flask audit
verify`` checks exactly what it checked before. The trail is append-only in the
ORM (a mapper hook refuses any UPDATE of an ``AuditEvent``); the database has no
trigger or rule against it, and this statement, like 8f4a5b6c7d8e's, goes round
the ORM on purpose: it touches only ``agent_id``, a fact derived from the rows,
and only where it is still NULL, never a hashed column.

Only events still without an agent are filled, and only from a row that is still
there (the application deletes no row that belongs to an agent, so ids are never
reused); an event whose row is gone keeps NULL rather than a guess. The entities
and tables are listed as they stand at this revision, not read from the models.

Revision ID: f1a2b3c4d5e6
Revises: ef0a1b2c3d4e
Create Date: 2026-12-04 09:00:00.000000

"""

from alembic import op


revision = "f1a2b3c4d5e6"
down_revision = "ef0a1b2c3d4e"
branch_labels = None
depends_on = None

#: Each audited entity whose rows have an ``agent_id`` column, and its table.
OWN_AGENT = {
    "ApiToken": "api_token",
    "Commission": "commission",
    "Invoice": "invoice",
    "Payment": "payment",
    "Payout": "payout",
    "PortalAppearance": "portal_appearance",
    "PortalLogo": "portal_logo",
    "User": "user_account",
    "Wallet": "wallet",
    "WalletTransaction": "wallet_transaction",
}
#: A refund belongs to the agent of its payment.
REFUND_AGENT = (
    "SELECT payment.agent_id FROM refund JOIN payment ON payment.id = refund.payment_id WHERE refund.id = {row}"
)


def _fill(entity_type: str, agent_of_row: str) -> None:
    op.execute(
        f"UPDATE audit_event SET agent_id = ({agent_of_row}) "
        f"WHERE entity_type = '{entity_type}' AND agent_id IS NULL"
    )


def upgrade():
    # Every entity id of these types is a row's integer primary key.
    row = "CAST(audit_event.entity_id AS INTEGER)"
    for entity_type, table in OWN_AGENT.items():
        _fill(entity_type, f"SELECT {table}.agent_id FROM {table} WHERE {table}.id = {row}")
    _fill("Refund", REFUND_AGENT.format(row=row))


def downgrade():
    # Nothing to undo: the filled-in agents are true of their rows, the column is outside the hash, and the
    # revision before reads it the same way. Emptying them again would only hide those events from the agent's tab.
    pass
