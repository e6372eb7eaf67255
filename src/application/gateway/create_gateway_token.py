"""Create a token for the OpenAI-compatible gateway."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.gateway import _token_secret as secret
from domain.errors import InvalidMessage
from domain.gateway_token import GatewayToken
from domain.ports import Clock, IdGenerator, UnitOfWorkFactory

MAX_NAME_LENGTH = 100


@dataclass(frozen=True, slots=True)
class NewGatewayToken:
    """``secret`` is shown once, now; it is never retrievable afterwards."""

    token: GatewayToken
    secret: str


class CreateGatewayToken:
    """- the secret is 256 random bits behind a ``byom_`` prefix, returned once;
    - only its SHA-256 digest and its last four characters (a hint) are stored;
    - the token acts for its owner only: their credentials, their usage."""

    def __init__(self, uow: UnitOfWorkFactory, ids: IdGenerator, clock: Clock) -> None:
        self._uow = uow
        self._ids = ids
        self._clock = clock

    async def execute(self, user_id: UUID, name: str) -> NewGatewayToken:
        label = name.strip()
        if not label or len(label) > MAX_NAME_LENGTH or not label.isprintable():
            raise InvalidMessage(f"a token name is 1 to {MAX_NAME_LENGTH} printable characters")
        raw = secret.new_secret()
        token = GatewayToken(
            id=self._ids.new_id(),
            user_id=user_id,
            name=label,
            digest=secret.digest(raw),
            hint=secret.hint(raw),
            created_at=self._clock.now(),
        )
        async with self._uow() as uow:
            await uow.gateway_tokens.add(token)
            await uow.commit()
        return NewGatewayToken(token, raw)
