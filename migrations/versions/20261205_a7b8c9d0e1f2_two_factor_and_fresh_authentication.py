"""two-factor log-in and fresh authentication: TOTP credentials, recovery codes, when a session last proved itself

``two_factor_credential`` holds one person's TOTP secret, sealed like a secret
setting (its key version indexed, so key rotation finds it), and a secret being
enrolled until it is confirmed. ``recovery_code`` holds keyed hashes of the ten
one-time codes. ``login_session.authenticated_at`` is when the session last
proved who its person is (log-in or re-authentication), filled for open
sessions with their start; ``must_enrol_two_factor`` marks a session that only
enrolment may use.

Revision ID: a7b8c9d0e1f2
Revises: f1a2b3c4d5e6
Create Date: 2026-12-05 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "a7b8c9d0e1f2"
down_revision = "f1a2b3c4d5e6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "two_factor_credential",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=True),
        sa.Column("key_version", sa.String(length=80), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending_ciphertext", sa.Text(), nullable=True),
        sa.Column("pending_key_version", sa.String(length=80), nullable=True),
        sa.Column("pending_session_hash", sa.String(length=64), nullable=True),
        sa.Column("pending_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(confirmed_at IS NULL AND ciphertext IS NULL) OR (confirmed_at IS NOT NULL AND ciphertext IS NOT NULL)",
            name=op.f("ck_two_factor_credential_confirmed_secret_has_a_date"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_two_factor_credential_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_two_factor_credential")),
    )
    op.create_index("ix_two_factor_credential_key_version", "two_factor_credential", ["key_version"])
    op.create_index("ix_two_factor_credential_pending_key_version", "two_factor_credential", ["pending_key_version"])
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_recovery_code_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
        sa.UniqueConstraint("user_id", "code_hash", name=op.f("uq_recovery_code_user_id_code_hash")),
    )
    op.create_index("ix_recovery_code_user_id", "recovery_code", ["user_id"])
    op.add_column("login_session", sa.Column("authenticated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "login_session", sa.Column("must_enrol_two_factor", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.execute("UPDATE login_session SET authenticated_at = created_at")


def downgrade():
    op.drop_column("login_session", "must_enrol_two_factor")
    op.drop_column("login_session", "authenticated_at")
    op.drop_index("ix_recovery_code_user_id", table_name="recovery_code")
    op.drop_table("recovery_code")
    op.drop_index("ix_two_factor_credential_pending_key_version", table_name="two_factor_credential")
    op.drop_index("ix_two_factor_credential_key_version", table_name="two_factor_credential")
    op.drop_table("two_factor_credential")
