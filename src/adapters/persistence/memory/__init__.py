"""In-memory stores honouring the database's invariants: for unit tests and other modules' tests.

``MemoryDatabase()`` holds the committed state; ``db.unit_of_work`` (or ``db`` itself) is a
``UnitOfWorkFactory``.
"""

from adapters.persistence.memory.agent_session_store import MemoryAgentSessionStore
from adapters.persistence.memory.credential_event_log import MemoryCredentialEventLog
from adapters.persistence.memory.credential_store import MemoryCredentialStore
from adapters.persistence.memory.data_key_store import MemoryDataKeyStore
from adapters.persistence.memory.database import MemoryDatabase
from adapters.persistence.memory.gateway_token_store import MemoryGatewayTokenStore
from adapters.persistence.memory.key_canary_store import MemoryKeyCanaryStore
from adapters.persistence.memory.unit_of_work import MemoryUnitOfWork
from adapters.persistence.memory.usage_store import MemoryUsageStore
from adapters.persistence.memory.user_store import MemoryUserStore

__all__ = [
    "MemoryAgentSessionStore",
    "MemoryCredentialEventLog",
    "MemoryCredentialStore",
    "MemoryDataKeyStore",
    "MemoryDatabase",
    "MemoryGatewayTokenStore",
    "MemoryKeyCanaryStore",
    "MemoryUnitOfWork",
    "MemoryUsageStore",
    "MemoryUserStore",
]
