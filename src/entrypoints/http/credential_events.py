"""The audit trail of the caller's credentials: ``GET /api/v1/users/me/credential-events``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from application.credentials.list_credential_events import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    ListCredentialEvents,
)
from domain.credential_event import CredentialEvent
from entrypoints.http.deps import CURRENT_USER, use_cases
from entrypoints.http.openapi import problem_responses


class CredentialEventOut(msgspec.Struct):
    event: str
    credential_id: UUID | None
    provider: str
    key_hint: str
    at: datetime
    request_id: str | None
    client_address: str | None

    @classmethod
    def of(cls, e: CredentialEvent) -> CredentialEventOut:
        return cls(
            e.kind.value,
            e.credential_id,
            e.provider.value,
            f"…{e.key_hint}",
            e.at,
            e.request_id,
            e.client_address,
        )


class CredentialEventPageOut(msgspec.Struct):
    events: list[CredentialEventOut]
    next: str | None


class CredentialEventController(Controller):
    path = "/api/v1/users/me/credential-events"
    tags = ["LLM credentials"]
    dependencies = {**CURRENT_USER, **use_cases("list_credential_events")}

    @get(
        "/",
        operation_id="ListCredentialEvents",
        summary="What happened to your keys, newest first (a page at a time)",
        description=(
            "`event` is one of `created`, `validated`, `validation_failed`, `rotated`, "
            "`model_changed`, `default_set`, `expired`, `revoked`, `rejected_by_provider`. "
            "`credential_id` is null for a new key the provider refused (never stored); "
            "`request_id` and `client_address` are null for actions not made over HTTP. "
            "`next` is the cursor of the older page (`?before=`); null on the oldest page."
        ),
        responses=problem_responses(400, 422),
    )
    async def list(
        self,
        user_id: NamedDependency[UUID],
        list_credential_events: NamedDependency[ListCredentialEvents],
        before: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
    ) -> CredentialEventPageOut:
        page = await list_credential_events.execute(user_id, before=before, limit=limit)
        return CredentialEventPageOut([CredentialEventOut.of(e) for e in page.events], page.next)
