"""Shared state of the in-memory stores.

Reads inside a unit of work see committed rows overlaid with its own pending writes (like READ
COMMITTED in PostgreSQL); ``commit`` publishes the pending writes, leaving without it drops them.
Rows are copied on the way in and on the way out, so a caller mutating an entity changes nothing
stored until it saves the entity again.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

from adapters.persistence.memory.spend_ledger import SpendState
from adapters.persistence.memory.unit_of_work import MemoryUnitOfWork
from domain.agent_session import AgentMessage, AgentSession
from domain.credential import LlmCredential
from domain.credential_event import CredentialEvent
from domain.gateway_token import GatewayToken
from domain.ports import UnitOfWorkFactory
from domain.sealing import DataKey, WrappedKey
from domain.usage import UsageRecord
from domain.user import User


class MemoryDatabase(UnitOfWorkFactory):
    """The committed state. ``unit_of_work()`` is the ``UnitOfWorkFactory``."""

    def __init__(self) -> None:
        self.users: dict[UUID, User] = {}
        self.credentials: dict[UUID, LlmCredential] = {}
        self.credential_events: dict[UUID, CredentialEvent] = {}
        self.data_keys: dict[UUID, DataKey] = {}
        self.sessions: dict[UUID, AgentSession] = {}
        self.messages: dict[UUID, AgentMessage] = {}
        self.usage: dict[UUID, UsageRecord] = {}
        self.gateway_tokens: dict[UUID, GatewayToken] = {}
        self.key_canaries: dict[str, WrappedKey] = {}
        self.spend = SpendState()
        self.commits = 0
        self.rollbacks = 0
        self.user_locks: dict[UUID, asyncio.Lock] = {}

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    __call__ = unit_of_work
