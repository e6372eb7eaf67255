"""The audit trail of a user's credentials: what happened to which key, when, and from where.
Never the key: only its hint (the last characters every page shows anyway)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

from domain.errors import InvalidCursor
from domain.provider import Provider


class CredentialEventKind(StrEnum):
    CREATED = "created"
    VALIDATED = "validated"
    VALIDATION_FAILED = "validation_failed"
    ROTATED = "rotated"
    MODEL_CHANGED = "model_changed"
    DEFAULT_SET = "default_set"
    EXPIRED = "expired"
    REVOKED = "revoked"
    REJECTED_BY_PROVIDER = "rejected_by_provider"


@dataclass(frozen=True, slots=True)
class CredentialEvent:
    """``credential_id`` is None only for a new key the provider refused (never stored);
    ``request_id`` and ``client_address`` are None outside an HTTP request (the in-process
    facade, the CLI)."""

    id: UUID
    user_id: UUID
    kind: CredentialEventKind
    credential_id: UUID | None
    provider: Provider
    key_hint: str
    at: datetime
    request_id: str | None = None
    client_address: str | None = None


@dataclass(frozen=True, slots=True)
class EventCursor:
    """Where a page of events stops: the events before this one (by time, then id). Clients
    see it as an opaque string, shaped like the session messages' cursor."""

    at: datetime
    event_id: UUID

    @classmethod
    def before(cls, event: CredentialEvent) -> EventCursor:
        return cls(event.at, event.id)

    def encode(self) -> str:
        raw = f"{self.at.isoformat()}|{self.event_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> EventCursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            when, _, event_id = raw.partition("|")
            at = datetime.fromisoformat(when)
            if at.tzinfo is None:
                raise InvalidCursor()
            # In UTC, as the stores compare: a time at the calendar's edge overflows here.
            return cls(at.astimezone(UTC), UUID(event_id))
        except (binascii.Error, ValueError, OverflowError):
            raise InvalidCursor() from None
