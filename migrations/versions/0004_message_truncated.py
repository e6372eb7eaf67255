"""A stored reply says whether it was cut at the reply cap (``truncated``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Replies stored before this revision were not cut: false for them.
    with op.batch_alter_table("agent_messages") as batch:
        batch.add_column(
            sa.Column("truncated", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    # A truncated reply stays, as text; only the mark is lost.
    with op.batch_alter_table("agent_messages") as batch:
        batch.drop_column("truncated")
