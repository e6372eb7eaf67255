"""Create a token for the OpenAI-compatible gateway."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.caching._changes import announce
from application.gateway import _token_secret as secret
from application.gateway._token_scopes import checked
from domain.errors import InvalidMessage
from domain.gateway_token import GatewayToken
from domain.ports import ChangeFeed, Clock, IdGenerator, UnitOfWorkFactory
from domain.token_scopes import TokenScopes

MAX_NAME_LENGTH = 100


@dataclass(frozen=True, slots=True)
class NewGatewayToken:
    """``secret`` is shown once, now; it is never retrievable afterwards."""

    token: GatewayToken
    secret: str


class CreateGatewayToken:
    """- the secret is 256 random bits behind a ``byom_`` prefix, returned once;
    - only its SHA-256 digest and its last four characters (a hint) are stored;
    - the token acts for its owner only: their credentials, their usage;
    - scopes are checked (``_token_scopes.checked``): a future ``expires_at``, rates of at least
      one, a bounded list of models kept in routed form; nothing is stored otherwise."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        ids: IdGenerator,
        clock: Clock,
        *,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._changes = changes
        self._uow = uow
        self._ids = ids
        self._clock = clock

    async def execute(
        self, user_id: UUID, name: str, scopes: TokenScopes | None = None
    ) -> NewGatewayToken:
        label = token_name(name)
        now = self._clock.now()
        allowed = checked(scopes or TokenScopes(), now)
        raw = secret.new_secret()
        token = GatewayToken(
            id=self._ids.new_id(),
            user_id=user_id,
            name=label,
            digest=secret.digest(raw),
            hint=secret.hint(raw),
            created_at=now,
        )
        token.rescope(label, allowed)
        async with self._uow() as uow:
            await uow.gateway_tokens.add(token)
            await uow.commit()
            await announce(self._changes, user_id)
        return NewGatewayToken(token, raw)


def token_name(name: str) -> str:
    label = name.strip()
    if not label or len(label) > MAX_NAME_LENGTH or not label.isprintable():
        raise InvalidMessage(f"a token name is 1 to {MAX_NAME_LENGTH} printable characters")
    return label
