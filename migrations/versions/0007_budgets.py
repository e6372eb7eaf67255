"""Budgets: users' own caps, and per cap and period the spend and the calls' reservations.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.persistence.sqlalchemy.column_types import GUID, DateTimeUTC

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPEND = sa.Numeric(24, 10)


def upgrade() -> None:
    op.create_table(
        "user_budgets",
        sa.Column(
            "user_id",
            GUID(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_user_budgets_user_id_users"),
            nullable=False,
        ),
        sa.Column("monthly_usd", sa.Numeric(18, 10), nullable=True),
        sa.Column("alert_percent", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name="pk_user_budgets"),
    )
    op.create_table(
        "spend_counters",
        sa.Column("scope", sa.String(80), nullable=False),
        sa.Column("period_start", DateTimeUTC(), nullable=False),
        sa.Column(
            "user_id",
            GUID(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_spend_counters_user_id_users"),
            nullable=False,
        ),
        sa.Column("spent", SPEND, nullable=False),
        sa.Column("reserved", SPEND, nullable=False),
        sa.PrimaryKeyConstraint("scope", "period_start", name="pk_spend_counters"),
    )
    op.create_index("ix_spend_counters_user_id", "spend_counters", ["user_id"])
    op.create_table(
        "spend_holds",
        sa.Column("hold_id", GUID(), nullable=False),
        sa.Column("scope", sa.String(80), nullable=False),
        sa.Column("period_start", DateTimeUTC(), nullable=False),
        sa.Column(
            "user_id",
            GUID(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_spend_holds_user_id_users"),
            nullable=False,
        ),
        sa.Column("amount", SPEND, nullable=False),
        sa.Column("expires_at", DateTimeUTC(), nullable=False),
        sa.PrimaryKeyConstraint("hold_id", "scope", name="pk_spend_holds"),
    )
    op.create_index("ix_spend_holds_user_id", "spend_holds", ["user_id"])
    op.create_index("ix_spend_holds_scope_expires_at", "spend_holds", ["scope", "expires_at"])


def downgrade() -> None:
    # Lost: users' caps and the counters (rebuilt from the usage rows on the next capped call).
    op.drop_table("spend_holds")
    op.drop_table("spend_counters")
    op.drop_table("user_budgets")
