"""One transaction over every store, and whether the backing store answers."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from domain.ports.accounts import UserStore
from domain.ports.budgets import BudgetStore, SpendLedger
from domain.ports.credentials import CredentialEventLog, CredentialStore
from domain.ports.gateway import GatewayTokenStore
from domain.ports.keys import DataKeyStore
from domain.ports.sessions import AgentSessionStore
from domain.ports.usage import UsageStore


class UnitOfWork(Protocol):
    """One transaction over every store. Leaving the block without ``commit()`` rolls back."""

    users: UserStore
    credentials: CredentialStore
    credential_events: CredentialEventLog
    data_keys: DataKeyStore
    sessions: AgentSessionStore
    usage: UsageStore
    gateway_tokens: GatewayTokenStore
    budgets: BudgetStore
    spend: SpendLedger

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork:
        """A fresh unit of work: one per use-case call, never shared between requests."""
        ...


class HealthProbe(Protocol):
    async def check(self) -> None:
        """Raises when the backing store cannot be reached (an error of the adapter's own)."""
        ...
