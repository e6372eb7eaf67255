"""Credential events in SQL, read a page at a time by (time, id), newest first."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import and_, delete, or_, select

from adapters.persistence.sqlalchemy._db import Db
from adapters.persistence.sqlalchemy.audit_tables import CredentialEventRow
from domain.credential_event import CredentialEvent, CredentialEventKind, EventCursor
from domain.ports import CredentialEventLog
from domain.provider import Provider


class SqlAlchemyCredentialEventLog(CredentialEventLog):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, event: CredentialEvent) -> None:
        await self._db.add(
            CredentialEventRow(
                id=event.id,
                user_id=event.user_id,
                kind=event.kind.value,
                credential_id=event.credential_id,
                provider=event.provider.value,
                key_hint=event.key_hint,
                at=event.at,
                request_id=event.request_id,
                client_address=event.client_address,
            )
        )

    async def page(
        self, user_id: UUID, *, limit: int, before: EventCursor | None = None
    ) -> list[CredentialEvent]:
        statement = select(CredentialEventRow).where(CredentialEventRow.user_id == user_id)
        if before is not None:
            statement = statement.where(
                or_(
                    CredentialEventRow.at < before.at,
                    and_(
                        CredentialEventRow.at == before.at, CredentialEventRow.id < before.event_id
                    ),
                )
            )
        rows: Sequence[CredentialEventRow] = await self._db.scalars(
            statement.order_by(CredentialEventRow.at.desc(), CredentialEventRow.id.desc()).limit(
                max(limit, 0)
            )
        )
        return [_entity(row) for row in rows]

    async def erase_for_user(self, user_id: UUID) -> int:
        return await self._db.rowcount(
            delete(CredentialEventRow).where(CredentialEventRow.user_id == user_id)
        )


def _entity(row: CredentialEventRow) -> CredentialEvent:
    return CredentialEvent(
        id=row.id,
        user_id=row.user_id,
        kind=CredentialEventKind(row.kind),
        credential_id=row.credential_id,
        provider=Provider(row.provider),
        key_hint=row.key_hint,
        at=row.at,
        request_id=row.request_id,
        client_address=row.client_address,
    )
