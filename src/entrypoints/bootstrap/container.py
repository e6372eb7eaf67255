"""What one process holds: its adapters and its use cases, each a typed field (the HTTP layer's
dependency providers are checked against these names)."""

from __future__ import annotations

from dataclasses import dataclass, field

from application.accounts.authenticate_user import AuthenticateUser
from application.accounts.change_password import ChangePassword
from application.accounts.delete_account import DeleteAccount
from application.accounts.get_user import GetUser
from application.accounts.log_out import LogOut
from application.accounts.register_user import RegisterUser
from application.budgets.get_budget import GetBudget
from application.budgets.set_budget import SetBudget
from application.credentials._sealer import CredentialSealer
from application.credentials.add_credential import AddCredential
from application.credentials.get_credential import GetCredential
from application.credentials.list_credential_events import ListCredentialEvents
from application.credentials.list_credentials import ListCredentials
from application.credentials.revalidate_credential import RevalidateCredential
from application.credentials.revoke_credential import RevokeCredential
from application.credentials.set_default_credential import SetDefaultCredential
from application.credentials.update_credential import UpdateCredential
from application.credentials.validate_api_key import ValidateApiKey
from application.gateway.admit_gateway_call import AdmitGatewayCall
from application.gateway.authenticate_gateway_token import AuthenticateGatewayToken
from application.gateway.create_gateway_token import CreateGatewayToken
from application.gateway.list_gateway_models import ListGatewayModels
from application.gateway.list_gateway_tokens import ListGatewayTokens
from application.gateway.list_models_for_token import ListModelsForToken
from application.gateway.relay_completion import RelayCompletion
from application.gateway.revoke_gateway_token import RevokeGatewayToken
from application.gateway.update_gateway_token import UpdateGatewayToken
from application.keys.keyring_census import KeyringCensus
from application.keys.prove_keyring import ProveKeyring
from application.keys.rewrap_data_keys import RewrapDataKeys
from application.keys.rotate_user_data_key import RotateUserDataKey
from application.llm.explain_llm import ExplainLlm
from application.llm.list_providers import ListProviders
from application.llm.resolve_llm import ResolveLlm
from application.sessions.get_agent_session import GetAgentSession
from application.sessions.list_agent_sessions import ListAgentSessions
from application.sessions.list_session_messages import ListSessionMessages
from application.sessions.send_message import SendMessage
from application.sessions.start_agent_session import StartAgentSession
from application.usage.export_usage import ExportUsage
from application.usage.get_usage import GetUsage
from domain.ports import (
    ChangeFeed,
    Clock,
    HealthProbe,
    IdGenerator,
    KeyWrapper,
    LlmProviderRegistry,
    ModelCatalog,
    ProviderCallSlots,
    SessionRevocations,
    UnitOfWorkFactory,
)
from entrypoints.bootstrap.adapters import Closer
from entrypoints.settings import Settings


@dataclass
class Container:
    """Adapters and use cases for one process. ``aclose()`` releases pools and clients."""

    settings: Settings
    uow: UnitOfWorkFactory
    health: HealthProbe
    keyring: KeyWrapper
    clock: Clock
    ids: IdGenerator
    catalog: ModelCatalog
    providers: LlmProviderRegistry
    call_slots: ProviderCallSlots
    changes: ChangeFeed | None
    """Notices that a user's state changed, between processes; None: nothing may be cached
    across requests (``change_feed.py`` says when)."""
    sealer: CredentialSealer
    register_user: RegisterUser
    session_revocations: SessionRevocations
    authenticate_user: AuthenticateUser
    log_out: LogOut
    change_password: ChangePassword
    get_user: GetUser
    delete_account: DeleteAccount
    add_credential: AddCredential
    list_credentials: ListCredentials
    list_credential_events: ListCredentialEvents
    get_credential: GetCredential
    update_credential: UpdateCredential
    set_default_credential: SetDefaultCredential
    revoke_credential: RevokeCredential
    validate_api_key: ValidateApiKey
    revalidate_credential: RevalidateCredential
    resolve_llm: ResolveLlm
    explain_llm: ExplainLlm
    list_providers: ListProviders
    rewrap_data_keys: RewrapDataKeys
    keyring_census: KeyringCensus
    prove_keyring: ProveKeyring
    rotate_user_data_key: RotateUserDataKey
    start_agent_session: StartAgentSession
    send_message: SendMessage
    list_agent_sessions: ListAgentSessions
    get_agent_session: GetAgentSession
    list_session_messages: ListSessionMessages
    get_usage: GetUsage
    export_usage: ExportUsage
    create_gateway_token: CreateGatewayToken
    list_gateway_tokens: ListGatewayTokens
    revoke_gateway_token: RevokeGatewayToken
    update_gateway_token: UpdateGatewayToken
    authenticate_gateway_token: AuthenticateGatewayToken
    admit_gateway_call: AdmitGatewayCall
    relay_completion: RelayCompletion
    in_process_completion: RelayCompletion  # the facade's: usage source ``in-process``
    list_gateway_models: ListGatewayModels
    get_budget: GetBudget
    set_budget: SetBudget
    list_models_for_token: ListModelsForToken
    closers: list[Closer] = field(default_factory=list)
    openers: list[Closer] = field(default_factory=list)
    """Steps before the first request or command (a KMS alias resolved to its key); once."""

    async def open(self) -> None:
        while self.openers:
            await self.openers[0]()
            self.openers.pop(0)
        if self.changes is not None:  # idempotent; returns even if it cannot connect yet
            await self.changes.open()

    async def aclose(self) -> None:
        if self.changes is not None:
            await self.changes.aclose()
        for close in reversed(self.closers):
            await close()
        self.closers.clear()
