"""Usage rows name the gateway token that made the call and say whether their tokens were
estimated; gateway tokens gain scopes (expiry, allowed models, per-minute limits, a monthly cap).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.persistence.sqlalchemy.column_types import GUID, DateTimeUTC

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("llm_usage") as batch:
        batch.add_column(sa.Column("gateway_token_id", GUID(), nullable=True))
        batch.add_column(
            sa.Column("tokens_estimated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index(
            "ix_llm_usage_gateway_token_id_created_at", ["gateway_token_id", "created_at"]
        )
    with op.batch_alter_table("gateway_tokens") as batch:
        batch.add_column(sa.Column("expires_at", DateTimeUTC(), nullable=True))
        batch.add_column(sa.Column("allowed_models", sa.JSON(none_as_null=True), nullable=True))
        batch.add_column(sa.Column("rpm", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("tpm", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("monthly_usd", sa.Numeric(18, 10), nullable=True))


def downgrade() -> None:
    # Lost: which token made each call, whether its tokens were estimated, and every token's
    # scopes (tokens become unlimited again, as they were before 0006).
    with op.batch_alter_table("gateway_tokens") as batch:
        for column in ("monthly_usd", "tpm", "rpm", "allowed_models", "expires_at"):
            batch.drop_column(column)
    with op.batch_alter_table("llm_usage") as batch:
        batch.drop_index("ix_llm_usage_gateway_token_id_created_at")
        batch.drop_column("tokens_estimated")
        batch.drop_column("gateway_token_id")
