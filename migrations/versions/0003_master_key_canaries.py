"""Master-key canaries: one data key wrapped by each master key, which readiness unwraps to
prove the primary key is the one that wrapped the stored data keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "master_key_canaries",
        sa.Column("kek_id", sa.String(64), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("kek_id", name="pk_master_key_canaries"),
    )


def downgrade() -> None:
    # Only readiness reads canaries; the next check after an upgrade stores them again.
    op.drop_table("master_key_canaries")
