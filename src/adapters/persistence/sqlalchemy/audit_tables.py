"""The credentials' audit trail (see tables.py for the conventions). Imported by its store,
which the unit of work imports, so ``metadata`` always holds it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from adapters.persistence.sqlalchemy.tables import Base


class CredentialEventRow(Base):
    """The credentials' audit trail: no foreign key to credentials (rows outlive their soft
    delete), cascaded with the user (they go with the account)."""

    __tablename__ = "credential_events"
    __table_args__ = (Index(None, "user_id", "at", "id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    credential_id: Mapped[UUID | None]
    provider: Mapped[str] = mapped_column(String(32))
    key_hint: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    request_id: Mapped[str | None] = mapped_column(String(128))
    client_address: Mapped[str | None] = mapped_column(String(64))
