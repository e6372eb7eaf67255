"""The in-memory unit of work: one transaction over every memory store."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from adapters.persistence.memory._table import Table
from adapters.persistence.memory.agent_session_store import MemoryAgentSessionStore
from adapters.persistence.memory.credential_event_log import MemoryCredentialEventLog
from adapters.persistence.memory.credential_store import MemoryCredentialStore
from adapters.persistence.memory.data_key_store import MemoryDataKeyStore
from adapters.persistence.memory.gateway_token_store import MemoryGatewayTokenStore
from adapters.persistence.memory.spend_ledger import MemoryBudgetStore, MemorySpendLedger
from adapters.persistence.memory.usage_store import MemoryUsageStore
from adapters.persistence.memory.user_store import MemoryUserStore
from domain.ports import (
    AgentSessionStore,
    BudgetStore,
    CredentialEventLog,
    CredentialStore,
    DataKeyStore,
    GatewayTokenStore,
    SpendLedger,
    UnitOfWork,
    UsageStore,
    UserStore,
)

if TYPE_CHECKING:
    from adapters.persistence.memory.database import MemoryDatabase


class MemoryUnitOfWork(UnitOfWork):
    """``committed`` tells a unit test whether the use case committed; ``db.commits`` counts."""

    def __init__(self, db: MemoryDatabase) -> None:
        self.db = db
        self.committed = False
        users = Table("users", db.users)
        credentials = Table("user_llm_credentials", db.credentials)
        data_keys = Table("user_data_keys", db.data_keys)
        sessions = Table("agent_sessions", db.sessions)
        messages = Table("agent_messages", db.messages)
        usage = Table("llm_usage", db.usage)
        tokens = Table("gateway_tokens", db.gateway_tokens)
        events = Table("credential_events", db.credential_events)
        self._tables: tuple[Table[Any], ...] = (
            users,
            credentials,
            data_keys,
            sessions,
            messages,
            usage,
            tokens,
            events,
        )
        self._user_store = MemoryUserStore(users, db.user_locks)
        self._credential_store = MemoryCredentialStore(credentials, users)
        self._data_key_store = MemoryDataKeyStore(data_keys, users)
        self._token_store = MemoryGatewayTokenStore(tokens, users)
        # Typed as the ports: the protocol's attributes are mutable, so they must match exactly.
        self.users: UserStore = self._user_store
        self.credentials: CredentialStore = self._credential_store
        self.credential_events: CredentialEventLog = MemoryCredentialEventLog(events, users)
        self.data_keys: DataKeyStore = self._data_key_store
        self.sessions: AgentSessionStore = MemoryAgentSessionStore(
            sessions, messages, users, credentials
        )
        self.usage: UsageStore = MemoryUsageStore(usage, users)
        self.gateway_tokens: GatewayTokenStore = self._token_store
        self._budget_store = MemoryBudgetStore(db.spend)
        self._ledger = MemorySpendLedger(db.spend, usage)
        self.budgets: BudgetStore = self._budget_store
        self.spend: SpendLedger = self._ledger

    async def __aenter__(self) -> Self:
        for table in self._tables:
            table.open = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end()
        for table in self._tables:
            table.open = False

    async def commit(self) -> None:
        # Uniqueness is checked again here: another unit of work may have committed a
        # conflicting row since this one wrote its own (the database would refuse it too).
        self._user_store.verify()
        self._credential_store.verify()
        self._data_key_store.verify()
        self._token_store.verify()
        for table in self._tables:
            table.publish()
        self._budget_store.commit()
        self._ledger.commit()
        self.db.commits += 1
        self.committed = True
        self._user_store.release_locks()

    async def rollback(self) -> None:
        self.db.rollbacks += 1
        self._end()

    def _end(self) -> None:
        self._budget_store.rollback()
        self._ledger.rollback()
        for table in self._tables:
            table.discard()
        self._user_store.release_locks()
