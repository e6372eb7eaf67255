"""Failed logins per account, for its owner to see: how many, when and from which network
the last one came (an address prefix, never the address).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.persistence.sqlalchemy.column_types import DateTimeUTC

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("last_failed_login_at", DateTimeUTC(), nullable=True))
        batch.add_column(sa.Column("last_failed_login_from", sa.String(64), nullable=True))


def downgrade() -> None:
    # Lost: the failed-login record (counts, last time and network). Nothing else depends on it.
    with op.batch_alter_table("users") as batch:
        batch.drop_column("last_failed_login_from")
        batch.drop_column("last_failed_login_at")
        batch.drop_column("failed_logins")
