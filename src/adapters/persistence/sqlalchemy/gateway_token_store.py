"""Gateway token digests in SQL (unique across all users)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import case, literal, or_, select, update

from adapters.persistence.errors import MissingRow
from adapters.persistence.sqlalchemy._db import Db
from adapters.persistence.sqlalchemy.tables import GatewayTokenRow
from domain.errors import GatewayTokenNotFound
from domain.gateway_token import GatewayToken
from domain.ports import GatewayTokenStore
from domain.ports.gateway import ZERO


class SqlAlchemyGatewayTokenStore(GatewayTokenStore):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, token: GatewayToken) -> None:
        async with self._db.savepoint() as session:
            row = GatewayTokenRow(id=token.id, user_id=token.user_id)
            _apply(row, token)
            session.add(row)

    async def get(self, user_id: UUID, token_id: UUID) -> GatewayToken | None:
        row = await self._db.scalar(
            select(GatewayTokenRow).where(
                GatewayTokenRow.id == token_id, GatewayTokenRow.user_id == user_id
            )
        )
        return None if row is None else _entity(row)

    async def by_digest(self, digest: bytes) -> GatewayToken | None:
        row = await self._db.scalar(select(GatewayTokenRow).where(GatewayTokenRow.digest == digest))
        return None if row is None else _entity(row)

    async def list_for_user(self, user_id: UUID) -> list[GatewayToken]:
        rows: Sequence[GatewayTokenRow] = await self._db.scalars(
            select(GatewayTokenRow)
            .where(GatewayTokenRow.user_id == user_id)
            .order_by(GatewayTokenRow.created_at.desc(), GatewayTokenRow.id.desc())
        )
        return [_entity(row) for row in rows]

    async def save(self, token: GatewayToken) -> None:
        # Locked, then checked: a revoke committed since the caller read its copy wins.
        row = await self._db.get(GatewayTokenRow, token.id, for_update=True)
        if row is None or row.user_id != token.user_id:
            raise MissingRow("gateway_tokens")
        if row.revoked_at is not None:
            raise GatewayTokenNotFound()
        async with self._db.savepoint():
            _apply(row, token)

    async def touch(
        self, user_id: UUID, token_id: UUID, used_at: datetime, *, not_within: timedelta = ZERO
    ) -> bool:
        row = GatewayTokenRow
        last_used = row.last_used_at
        live = (row.id == token_id, row.user_id == user_id, row.revoked_at.is_(None))
        # Only a use past the window writes: every worker of every instance may ask each minute.
        due = or_(last_used.is_(None), last_used <= literal(used_at - not_within, last_used.type))
        matched = await self._db.rowcount(
            update(row)
            .where(*live, due)
            .values(
                last_used_at=case(
                    (last_used > used_at, last_used), else_=literal(used_at, last_used.type)
                )
            )
        )
        if matched == 1:
            return True
        # Nothing written: revoked, not this user's, or used within the window (still live).
        return await self._db.scalar(select(row.id).where(*live)) is not None


def _apply(row: GatewayTokenRow, token: GatewayToken) -> None:
    row.name = token.name
    row.digest = token.digest
    row.hint = token.hint
    row.created_at = token.created_at
    row.last_used_at = token.last_used_at
    row.revoked_at = token.revoked_at
    row.expires_at = token.expires_at
    row.allowed_models = None if token.allowed_models is None else list(token.allowed_models)
    row.rpm = token.rpm
    row.tpm = token.tpm
    row.monthly_usd = token.monthly_usd


def _entity(row: GatewayTokenRow) -> GatewayToken:
    return GatewayToken(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        digest=row.digest,
        hint=row.hint,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
        allowed_models=None if row.allowed_models is None else tuple(row.allowed_models),
        rpm=row.rpm,
        tpm=row.tpm,
        monthly_usd=row.monthly_usd,
    )
