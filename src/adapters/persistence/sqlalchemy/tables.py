"""The schema, as SQLAlchemy 2.0 typed mappings. Migrations create it; tests compare against it.

Ids are UUIDs (native on PostgreSQL, 16 bytes on SQLite) and every timestamp is timezone-aware
UTC on both engines (``GUID`` and ``DateTimeUTC``, in ``column_types.py``). Rows never leave the
adapter: each store maps them to domain entities explicitly.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from adapters.persistence.sqlalchemy.column_types import GUID, DateTimeUTC

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Names the adapters translate into domain errors (see _errors.py).
UQ_USERS_EMAIL = "uq_users_email"
UQ_ONE_ACTIVE_PER_PROVIDER = "uq_credentials_one_active_per_provider"
UQ_ONE_DEFAULT_PER_USER = "uq_credentials_one_default_per_user"
UQ_ONE_LIVE_DATA_KEY = "uq_user_data_keys_one_live_per_user"
UQ_GATEWAY_TOKEN_DIGEST = "uq_gateway_tokens_digest"  # noqa: S105 (a name, not a secret)

COST = Numeric(18, 10)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        UUID: GUID(),
        datetime: DateTimeUTC(),
        Decimal: COST,
    }


metadata = Base.metadata


def _user_fk() -> ForeignKey:
    return ForeignKey("users.id", ondelete="CASCADE")


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Failed logins shown to the owner; the network is an address prefix (domain/login_failures).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_login_at: Mapped[datetime | None]
    last_failed_login_from: Mapped[str | None] = mapped_column(String(64))


class DataKeyRow(Base):
    __tablename__ = "user_data_keys"
    __table_args__ = (
        Index(
            UQ_ONE_LIVE_DATA_KEY,
            "user_id",
            unique=True,
            sqlite_where=text("destroyed_at IS NULL"),
            postgresql_where=text("destroyed_at IS NULL"),
        ),
        Index(None, "kek_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(_user_fk(), index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    kek_id: Mapped[str] = mapped_column(String(64))
    seal_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    destroyed_at: Mapped[datetime | None]


class KeyCanaryRow(Base):
    """A data key wrapped by one master key, unwrapped by readiness (application/keys)."""

    __tablename__ = "master_key_canaries"

    kek_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)


class CredentialRow(Base):
    __tablename__ = "user_llm_credentials"
    __table_args__ = (
        Index(
            UQ_ONE_ACTIVE_PER_PROVIDER,
            "user_id",
            "provider",
            unique=True,
            sqlite_where=text("is_active"),
            postgresql_where=text("is_active"),
        ),
        Index(
            UQ_ONE_DEFAULT_PER_USER,
            "user_id",
            unique=True,
            sqlite_where=text("is_default AND is_active"),
            postgresql_where=text("is_default AND is_active"),
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(_user_fk(), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    model_name: Mapped[str | None] = mapped_column(String(200))
    encrypted_api_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    encryption_key_id: Mapped[str] = mapped_column(
        String(64), default="default", server_default="default"
    )
    key_hint: Mapped[str] = mapped_column(String(16))
    base_url: Mapped[str | None] = mapped_column(String(2048))
    is_default: Mapped[bool] = mapped_column(Boolean)
    is_active: Mapped[bool] = mapped_column(Boolean)
    last_validated_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Set by the user; past it the key is never resolved. The expired event is written once
    # per expiry: expiry_recorded_at (0008).
    expires_at: Mapped[datetime | None]
    expiry_recorded_at: Mapped[datetime | None]


class AgentSessionRow(Base):
    __tablename__ = "agent_sessions"
    __table_args__ = (Index(None, "user_id", "created_at"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(_user_fk())
    title: Mapped[str | None] = mapped_column(Text)
    llm_provider: Mapped[str] = mapped_column(String(32))
    llm_model: Mapped[str] = mapped_column(String(200))
    llm_credential_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("user_llm_credentials.id", ondelete="SET NULL"), index=True
    )
    system_prompt: Mapped[str | None] = mapped_column(Text)
    # {provider: prompt}; null when the session has none.
    system_prompts: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AgentMessageRow(Base):
    __tablename__ = "agent_messages"
    __table_args__ = (Index(None, "session_id", "created_at"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    session_id: Mapped[UUID] = mapped_column(ForeignKey("agent_sessions.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    input_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    cost_usd: Mapped[Decimal | None]
    incomplete: Mapped[bool] = mapped_column(Boolean)
    # Cut at the reply cap (application.sessions._turn.MAX_REPLY_LENGTH); false before 0004.
    truncated: Mapped[bool] = mapped_column(Boolean, server_default=false())
    model: Mapped[str | None] = mapped_column(String(200))
    # User turns with images: their parts in order, [{"type": "text", "text"} | {"type":
    # "image", "media_type", "data" (base64), "url", "detail"}] (content holds the text
    # joined), bounded by domain.content's MAX_IMAGE_BYTES and MAX_IMAGES_PER_MESSAGE and the
    # sessions' image caps. Assistant turns: [{"id", "name", "arguments", "signature"?}].
    # Null when there are none.
    parts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))
    tool_calls: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))
    tool_call_id: Mapped[str | None] = mapped_column(String(200))
    tool_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class UsageRow(Base):
    """Audit of provider calls: no foreign key to credentials or sessions, rows outlive them."""

    __tablename__ = "llm_usage"
    __table_args__ = (
        Index(None, "user_id", "created_at"),
        Index(None, "gateway_token_id", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(_user_fk())
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    credential_id: Mapped[UUID | None]
    session_id: Mapped[UUID | None]
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    cost_usd: Mapped[Decimal | None]
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    # No foreign key either: a token's calls stay on record after it is revoked.
    gateway_token_id: Mapped[UUID | None]
    # Tokens counted from the text: the provider reported none (a stream cut short).
    tokens_estimated: Mapped[bool] = mapped_column(Boolean, server_default=false())


class GatewayTokenRow(Base):
    __tablename__ = "gateway_tokens"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(_user_fk(), index=True)
    name: Mapped[str] = mapped_column(String(200))
    digest: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Scopes (null: no limit of that kind); allowed_models is a JSON list of model names.
    expires_at: Mapped[datetime | None]
    allowed_models: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    rpm: Mapped[int | None] = mapped_column(Integer)
    tpm: Mapped[int | None] = mapped_column(Integer)
    monthly_usd: Mapped[Decimal | None]
