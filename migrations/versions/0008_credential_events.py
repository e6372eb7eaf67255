"""Credential events (the audit trail) and key expiry: a ``credential_events`` table cascaded
with its user, and ``expires_at`` / ``expiry_recorded_at`` on credentials.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.persistence.sqlalchemy.column_types import GUID, DateTimeUTC

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credential_events",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("user_id", GUID(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        # No foreign key: an event outlives its credential's soft delete.
        sa.Column("credential_id", GUID(), nullable=True),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("key_hint", sa.String(16), nullable=False),
        sa.Column("at", DateTimeUTC(), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("client_address", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_credential_events"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_credential_events_user_id_users",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_credential_events_user_id_at_id", "credential_events", ["user_id", "at", "id"]
    )
    with op.batch_alter_table("user_llm_credentials") as batch:
        batch.add_column(sa.Column("expires_at", DateTimeUTC(), nullable=True))
        batch.add_column(sa.Column("expiry_recorded_at", DateTimeUTC(), nullable=True))


def downgrade() -> None:
    # Lost: the audit trail and every key's expiry (the keys themselves stay, without one).
    with op.batch_alter_table("user_llm_credentials") as batch:
        batch.drop_column("expiry_recorded_at")
        batch.drop_column("expires_at")
    op.drop_index("ix_credential_events_user_id_at_id", table_name="credential_events")
    op.drop_table("credential_events")
