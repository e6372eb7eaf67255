"""The ports: what the application needs from the outside world, named for the role they play,
grouped by feature. Import them from here (``from domain.ports import CredentialStore``).

Every read of user-owned data takes the owner's id: there is no "get by id" that ignores it.
"""

from domain.ports.accounts import (
    LoginThrottle,
    PasswordHasher,
    PasswordStrength,
    SessionRevocations,
    TokenIssuer,
    UserStore,
)
from domain.ports.budgets import BudgetStore, SpendLedger, SpendMetrics
from domain.ports.changes import ChangeFeed, ChangeListener
from domain.ports.credentials import CredentialEventLog, CredentialStore
from domain.ports.gateway import GatewayTokenStore, TokenRateMeter
from domain.ports.keys import Cipher, DataKeyStore, KeyCanaryStore, KeyWrapper
from domain.ports.limits import CallSlot, ProviderCallSlots
from domain.ports.llm import LlmProvider, LlmProviderRegistry, ModelCatalog, ModelListCache
from domain.ports.sessions import AgentSessionStore, SessionTurns
from domain.ports.system import Clock, IdGenerator
from domain.ports.unit_of_work import HealthProbe, UnitOfWork, UnitOfWorkFactory
from domain.ports.usage import UsageJournal, UsageStore

__all__ = [
    "AgentSessionStore",
    "BudgetStore",
    "CallSlot",
    "ChangeFeed",
    "ChangeListener",
    "Cipher",
    "Clock",
    "CredentialEventLog",
    "CredentialStore",
    "DataKeyStore",
    "GatewayTokenStore",
    "HealthProbe",
    "IdGenerator",
    "KeyCanaryStore",
    "KeyWrapper",
    "LlmProvider",
    "LlmProviderRegistry",
    "LoginThrottle",
    "ModelCatalog",
    "ModelListCache",
    "PasswordHasher",
    "PasswordStrength",
    "ProviderCallSlots",
    "SessionRevocations",
    "SessionTurns",
    "SpendLedger",
    "SpendMetrics",
    "TokenIssuer",
    "TokenRateMeter",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UsageJournal",
    "UsageStore",
    "UserStore",
]
