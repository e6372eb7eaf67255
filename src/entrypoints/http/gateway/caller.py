"""Who calls the gateway, and what their token lets them do: authenticated once per request
(the per-user rate limit asks first, the routes reuse its answer), then admitted by its scopes."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State

from application.gateway.admit_gateway_call import AdmitGatewayCall
from application.gateway.relay_completion import RelayRequest
from domain import errors
from domain.errors import DomainError
from domain.gateway_token import GatewayToken
from entrypoints.http.deps import container_of
from entrypoints.http.gateway.rate_headers import remember

_TOKEN = "gateway_token"  # noqa: S105 (a state key, not a secret)
_REFUSED = "gateway_token_refused"


async def provide_gateway_token(request: Request[Any, Any, State]) -> GatewayToken:
    """The caller's token, authenticated once per request (the rate limit may have asked):
    what it found, token or refusal, is kept for the controller. Kept in the scope's state
    dict itself: ``request.state`` builds a new ``State`` (and its lock) on every access."""
    kept: dict[str, Any] = request.scope.setdefault("state", {})
    known = kept.get(_TOKEN)
    if isinstance(known, GatewayToken):
        return known
    if isinstance(refused := kept.get(_REFUSED), DomainError):
        raise refused
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise errors.InvalidGatewayToken()
        authenticate = container_of(request.app.state).authenticate_gateway_token
        kept[_TOKEN] = found = await authenticate.execute(token.strip())
    except DomainError as exc:
        kept[_REFUSED] = exc
        raise
    return found


async def gateway_rate_subject(request: Request[Any, Any, State]) -> str | None:
    """Whose bucket a completion counts against: its token's owner; None for a token that is
    not valid (the controller refuses it) or cannot be checked now."""
    try:
        return str((await provide_gateway_token(request)).user_id)
    except DomainError:  # the controller meets the same failure and answers it
        return None


async def admit(
    request: Request[Any, Any, State],
    admit_gateway_call: AdmitGatewayCall,
    token: GatewayToken,
    call: RelayRequest,
) -> None:
    """The token's scopes, before any provider is asked; its ``x-ratelimit-*`` go on the
    answer, a refusal's included."""
    try:
        use = await admit_gateway_call.execute(token, call)
    except errors.TokenRateLimited as exc:
        remember(request.scope, exc.use)
        raise
    if use is not None:
        remember(request.scope, use)
