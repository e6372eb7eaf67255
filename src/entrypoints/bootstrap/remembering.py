"""What each worker remembers between requests, and the feed that keeps it honest
(docs/architecture.md, "What a worker remembers")."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.accounts.get_user import KnownUsers
from application.budgets._spend_guard import KnownCaps
from application.caching._remembered import Remembered
from application.credentials._sealer import wipe
from application.gateway.authenticate_gateway_token import KnownTokens
from application.llm._resolved import KnownChoices
from domain.ports import ChangeFeed, Clock
from entrypoints.settings import Settings


@dataclass(frozen=True, slots=True)
class Memories:
    """One cache per fact, each subscribed to ``changes`` (off without a feed)."""

    changes: ChangeFeed | None
    tokens: KnownTokens
    users: KnownUsers
    choices: KnownChoices
    data_keys: Remembered[tuple[UUID, UUID], bytearray]
    caps: KnownCaps


def memories(settings: Settings, changes: ChangeFeed | None, clock: Clock) -> Memories:
    ttl_s, size = settings.caches.ttl_s, settings.caches.max_entries
    return Memories(
        changes,
        tokens=Remembered(changes, clock, lifetime_s=ttl_s, max_entries=size),
        users=Remembered(changes, clock, lifetime_s=ttl_s, max_entries=size),
        choices=Remembered(changes, clock, lifetime_s=ttl_s, max_entries=size),
        data_keys=Remembered(changes, clock, lifetime_s=ttl_s, max_entries=size, forget=wipe),
        caps=Remembered(changes, clock, lifetime_s=ttl_s, max_entries=size),
    )
