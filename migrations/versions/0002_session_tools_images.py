"""Agent sessions carry tools and images: per-provider system prompts on a session; a user
message's parts in order (text and images), tool calls and the answered call on a message.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MESSAGE_COLUMNS = ("parts", "tool_calls", "tool_call_id", "tool_name")


def upgrade() -> None:
    with op.batch_alter_table("agent_sessions") as batch:
        batch.add_column(sa.Column("system_prompts", sa.JSON(), nullable=True))
    with op.batch_alter_table("agent_messages") as batch:
        batch.add_column(sa.Column("parts", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("tool_calls", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("tool_call_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("tool_name", sa.String(64), nullable=True))


def downgrade() -> None:
    # Lost: tool turns (an older BYOM would replay them as text, wrongly paired) and the
    # assistant turns that made tool calls, their text included; images (a user message keeps
    # its text, joined); per-provider system prompts (the fallback prompt stays).
    op.execute(
        "DELETE FROM agent_messages WHERE tool_call_id IS NOT NULL OR tool_calls IS NOT NULL"
    )
    with op.batch_alter_table("agent_messages") as batch:
        for column in reversed(_MESSAGE_COLUMNS):
            batch.drop_column(column)
    with op.batch_alter_table("agent_sessions") as batch:
        batch.drop_column("system_prompts")
