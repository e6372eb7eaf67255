"""Initial schema: users, data keys, credentials, sessions and messages, usage, gateway tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.persistence.sqlalchemy.column_types import GUID, DateTimeUTC

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[object]:
    return sa.Column("id", GUID(), nullable=False)


def _user_id() -> sa.Column[object]:
    return sa.Column("user_id", GUID(), nullable=False)


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, DateTimeUTC(), nullable=nullable)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=f"fk_{table}_user_id_users", ondelete="CASCADE"
    )


def _partial_unique(name: str, table: str, columns: list[str], where: str) -> None:
    op.create_index(
        name,
        table,
        columns,
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    op.create_table(
        "users",
        _id(),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )

    op.create_table(
        "user_data_keys",
        _id(),
        _user_id(),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("kek_id", sa.String(64), nullable=False),
        sa.Column("seal_count", sa.Integer(), nullable=False),
        _at("created_at"),
        _at("destroyed_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_user_data_keys"),
        _user_fk("user_data_keys"),
    )
    op.create_index("ix_user_data_keys_user_id", "user_data_keys", ["user_id"])
    op.create_index("ix_user_data_keys_kek_id", "user_data_keys", ["kek_id"])
    _partial_unique(
        "uq_user_data_keys_one_live_per_user",
        "user_data_keys",
        ["user_id"],
        "destroyed_at IS NULL",
    )

    op.create_table(
        "user_llm_credentials",
        _id(),
        _user_id(),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=True),
        sa.Column("encrypted_api_key", sa.LargeBinary(), nullable=True),
        sa.Column("encryption_key_id", sa.String(64), server_default="default", nullable=False),
        sa.Column("key_hint", sa.String(16), nullable=False),
        sa.Column("base_url", sa.String(2048), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        _at("last_validated_at", nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        _at("revoked_at", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_user_llm_credentials"),
        _user_fk("user_llm_credentials"),
    )
    op.create_index("ix_user_llm_credentials_user_id", "user_llm_credentials", ["user_id"])
    _partial_unique(
        "uq_credentials_one_active_per_provider",
        "user_llm_credentials",
        ["user_id", "provider"],
        "is_active",
    )
    _partial_unique(
        "uq_credentials_one_default_per_user",
        "user_llm_credentials",
        ["user_id"],
        "is_default AND is_active",
    )

    op.create_table(
        "agent_sessions",
        _id(),
        _user_id(),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("llm_provider", sa.String(32), nullable=False),
        sa.Column("llm_model", sa.String(200), nullable=False),
        sa.Column("llm_credential_id", GUID(), nullable=True),
        sa.Column("system_prompt", sa.Text(), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_agent_sessions"),
        _user_fk("agent_sessions"),
        sa.ForeignKeyConstraint(
            ["llm_credential_id"],
            ["user_llm_credentials.id"],
            name="fk_agent_sessions_llm_credential_id_user_llm_credentials",
            ondelete="SET NULL",
        ),
    )
    op.create_index(
        "ix_agent_sessions_user_id_created_at", "agent_sessions", ["user_id", "created_at"]
    )
    op.create_index("ix_agent_sessions_llm_credential_id", "agent_sessions", ["llm_credential_id"])

    op.create_table(
        "agent_messages",
        _id(),
        sa.Column("session_id", GUID(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("cost_usd", sa.Numeric(18, 10), nullable=True),
        sa.Column("incomplete", sa.Boolean(), nullable=False),
        sa.Column("model", sa.String(200), nullable=True),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_agent_messages"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["agent_sessions.id"],
            name="fk_agent_messages_session_id_agent_sessions",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_agent_messages_session_id_created_at",
        "agent_messages",
        ["session_id", "created_at"],
    )

    op.create_table(
        "llm_usage",
        _id(),
        _user_id(),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("credential_id", GUID(), nullable=True),
        sa.Column("session_id", GUID(), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Numeric(18, 10), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_llm_usage"),
        _user_fk("llm_usage"),
    )
    op.create_index("ix_llm_usage_user_id_created_at", "llm_usage", ["user_id", "created_at"])

    op.create_table(
        "gateway_tokens",
        _id(),
        _user_id(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("digest", sa.LargeBinary(64), nullable=False),
        sa.Column("hint", sa.String(16), nullable=False),
        _at("created_at"),
        _at("last_used_at", nullable=True),
        _at("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_gateway_tokens"),
        _user_fk("gateway_tokens"),
        sa.UniqueConstraint("digest", name="uq_gateway_tokens_digest"),
    )
    op.create_index("ix_gateway_tokens_user_id", "gateway_tokens", ["user_id"])


def downgrade() -> None:
    # Children before parents; dropping a table drops its indexes.
    for table in (
        "gateway_tokens",
        "llm_usage",
        "agent_messages",
        "agent_sessions",
        "user_llm_credentials",
        "user_data_keys",
        "users",
    ):
        op.drop_table(table)
