"""Try a key against its provider without storing anything."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.credentials._input import parse_credential_input
from application.llm._key_check import ApiKeyChecker
from domain.errors import InvalidApiKey
from domain.provider import Provider


@dataclass(frozen=True, slots=True)
class ValidationResult:
    valid: bool
    provider: Provider
    models: tuple[str, ...] = ()
    model_available: bool | None = None
    detail: str | None = None


class ValidateApiKey:
    """- stores nothing, ever;
    - a wrong key is an answer (``valid=False`` with the provider's scrubbed reason);
    - a provider that cannot be asked is an error (503), never "invalid";
    - the check counts among ``user_id``'s provider calls in flight."""

    def __init__(self, checker: ApiKeyChecker, *, allow_http_base_urls: bool = False) -> None:
        self._checker = checker
        self._allow_http = allow_http_base_urls

    async def execute(
        self,
        *,
        user_id: UUID,
        provider: str,
        api_key: str,
        base_url: str | None = None,
        model_name: str | None = None,
    ) -> ValidationResult:
        given = parse_credential_input(
            provider,
            api_key,
            base_url=base_url,
            model_name=model_name,
            allow_http_base_urls=self._allow_http,
        )
        try:
            check = await self._checker.check(
                given.provider,
                given.key,
                user_id=user_id,
                base_url=given.base_url,
                model_name=given.model_name,
            )
        except InvalidApiKey as exc:
            return ValidationResult(valid=False, provider=given.provider, detail=exc.message)
        return ValidationResult(
            valid=True,
            provider=given.provider,
            models=check.models,
            model_available=check.model_available,
        )
