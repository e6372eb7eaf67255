"""Gateway token digests in memory: a digest is unique across all users."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from adapters.persistence.errors import ConstraintViolation, MissingRow
from adapters.persistence.memory._table import Table, copies
from domain.errors import GatewayTokenNotFound
from domain.gateway_token import GatewayToken
from domain.ports import GatewayTokenStore
from domain.ports.gateway import ZERO
from domain.user import User


class MemoryGatewayTokenStore(GatewayTokenStore):
    def __init__(self, tokens: Table[GatewayToken], users: Table[User]) -> None:
        self._tokens = tokens
        self._users = users

    async def add(self, token: GatewayToken) -> None:
        if token.id in self._tokens:
            raise ConstraintViolation("pk_gateway_tokens")
        if token.user_id not in self._users:
            raise ConstraintViolation("fk_gateway_tokens_user_id_users")
        self._check(token)
        self._tokens.put(token.id, token)

    async def get(self, user_id: UUID, token_id: UUID) -> GatewayToken | None:
        found = self._tokens.get(token_id)
        return found if found is not None and found.user_id == user_id else None

    async def by_digest(self, digest: bytes) -> GatewayToken | None:
        found = next((t for t in self._tokens.rows() if t.digest == digest), None)
        return None if found is None else self._tokens.get(found.id)

    async def list_for_user(self, user_id: UUID) -> list[GatewayToken]:
        rows = [t for t in self._tokens.rows() if t.user_id == user_id]
        rows.sort(key=lambda t: (t.created_at, t.id), reverse=True)
        return copies(rows)

    async def save(self, token: GatewayToken) -> None:
        current = self._tokens.get(token.id)
        if current is None or current.user_id != token.user_id:
            raise MissingRow("gateway_tokens")
        if not current.is_active:
            raise GatewayTokenNotFound()
        self._check(token)
        self._tokens.put(token.id, token)

    async def touch(
        self, user_id: UUID, token_id: UUID, used_at: datetime, *, not_within: timedelta = ZERO
    ) -> bool:
        current = self._tokens.get(token_id)
        if current is None or current.user_id != user_id or not current.is_active:
            return False
        last = current.last_used_at
        if last is None or (last < used_at and last <= used_at - not_within):
            current.last_used_at = used_at
            self._tokens.put(token_id, current)
        return True

    def verify(self) -> None:
        for token in self._tokens.pending():
            committed = self._tokens.committed(token.id)
            if committed is not None and not committed.is_active and committed != token:
                raise GatewayTokenNotFound()
            self._check(token)

    def _check(self, new: GatewayToken) -> None:
        if any(t.digest == new.digest and t.id != new.id for t in self._tokens.rows()):
            raise ConstraintViolation("uq_gateway_tokens_digest")
