"""The one form in which a token's model names are kept and compared.

``openai/gpt-4o`` and ``gpt-4o`` route to the same model (``_routing.route``), so a token
allowed one of them is allowed both and refused both otherwise: names are kept and compared in
their routed form, ``provider/model`` (case aside), never as typed."""

from __future__ import annotations

from datetime import datetime

from application.gateway._routing import route
from domain.errors import InvalidModelName, InvalidTokenScope
from domain.token_scopes import TokenScopes

# A default model is whatever the caller's default credential names: allowing ``default``
# allows exactly that, so it must be listed to be used.
DEFAULT_KEY = "default"


def model_key(name: str) -> str:
    """The routed form of a model name: ``openai/gpt-4o`` for ``gpt-4o`` and for
    ``openai/gpt-4o``; ``default`` for ``default`` and ``byom/default``."""
    target = route(name)
    if target.model is None:
        return DEFAULT_KEY
    if target.provider is None:
        return target.model
    return f"{target.provider.value}/{target.model}"


def checked(scopes: TokenScopes, now: datetime | None) -> TokenScopes:
    """``scopes`` checked (``TokenScopes.check``) with its model names in routed form, one of
    each; or ``InvalidTokenScope``."""
    scopes.check(now)
    if scopes.allowed_models is None:
        return scopes
    keys: dict[str, str] = {}
    for i, name in enumerate(scopes.allowed_models):
        try:
            key = model_key(name)
        except InvalidModelName as exc:
            raise InvalidTokenScope(f"allowed_models[{i}]: {exc.message}") from None
        keys.setdefault(key.casefold(), key)
    return TokenScopes(
        scopes.expires_at, tuple(keys.values()), scopes.rpm, scopes.tpm, scopes.monthly_usd
    )
