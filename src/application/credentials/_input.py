"""Parsing of what a client sends about a credential, shared by the credential use cases."""

from __future__ import annotations

from dataclasses import dataclass

from domain.api_key import ApiKey
from domain.base_url import normalise_base_url
from domain.errors import InvalidBaseUrl
from domain.model_name import parse_model_name
from domain.provider import Provider


@dataclass(frozen=True, slots=True)
class CredentialInput:
    provider: Provider
    key: ApiKey
    base_url: str | None
    model_name: str | None


def parse_credential_input(
    provider: str,
    api_key: str,
    *,
    base_url: str | None,
    model_name: str | None,
    allow_http_base_urls: bool,
) -> CredentialInput:
    """- provider names are case-insensitive and accept aliases;
    - ``base_url`` is required for openai_compatible and refused for every other provider;
    - the key is checked for shape and for another provider's prefix before any network call."""
    parsed = Provider.parse(provider)
    if parsed.takes_base_url:
        if base_url is None:
            raise InvalidBaseUrl("base_url is required for openai_compatible credentials")
        url: str | None = normalise_base_url(base_url, allow_http=allow_http_base_urls)
    elif base_url is not None:
        raise InvalidBaseUrl(f"base_url is accepted only for openai_compatible, not {parsed.value}")
    else:
        url = None
    return CredentialInput(
        provider=parsed,
        key=ApiKey.for_provider(api_key, parsed),
        base_url=url,
        model_name=parse_model_name(model_name),
    )
