"""Activity: what happened to your keys (the credential events), newest first, a page at a
time with an "Older" link carrying the same cursor as the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from application.credentials.list_credential_events import ListCredentialEvents
from domain.credential_event import CredentialEvent, CredentialEventKind
from domain.user import User
from entrypoints.http.deps import use_cases
from entrypoints.web.session import WEB_USER

PAGE_SIZE = 25

_WHAT = {
    CredentialEventKind.CREATED: "Key added",
    CredentialEventKind.VALIDATED: "Checked: the provider accepted the key",
    CredentialEventKind.VALIDATION_FAILED: "Checked: the provider rejected the key",
    CredentialEventKind.ROTATED: "Key rotated",
    CredentialEventKind.MODEL_CHANGED: "Model changed",
    CredentialEventKind.DEFAULT_SET: "Made the default",
    CredentialEventKind.EXPIRED: "Expired",
    CredentialEventKind.REVOKED: "Key deleted",
    CredentialEventKind.REJECTED_BY_PROVIDER: "Rejected by the provider during a call",
}
_WARNINGS = frozenset(
    {
        CredentialEventKind.VALIDATION_FAILED,
        CredentialEventKind.EXPIRED,
        CredentialEventKind.REJECTED_BY_PROVIDER,
    }
)


@dataclass(frozen=True, slots=True)
class EventView:
    at: datetime
    what: str
    kind: str
    warning: bool
    provider_label: str
    key: str
    credential_id: UUID | None
    request_id: str | None
    client_address: str | None

    @classmethod
    def of(cls, e: CredentialEvent) -> EventView:
        return cls(
            e.at,
            _WHAT[e.kind],
            e.kind.value,
            e.kind in _WARNINGS,
            e.provider.label,
            f"…{e.key_hint}",
            e.credential_id,
            e.request_id,
            e.client_address,
        )


class ActivityPage(Controller):
    path = "/activity"
    dependencies = {**WEB_USER, **use_cases("list_credential_events")}

    @get("/", name="web-activity")
    async def show(
        self,
        user: NamedDependency[User],
        list_credential_events: NamedDependency[ListCredentialEvents],
        before: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Template:
        page = await list_credential_events.execute(user.id, before=before, limit=PAGE_SIZE)
        context = {
            "user": user,
            "active": "activity",
            "events": [EventView.of(e) for e in page.events],
            "older": page.next,
            "paged": before is not None,
        }
        return Template(template_name="activity.html", context=context)
