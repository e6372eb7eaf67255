"""Wiring: the adapters the settings choose (or a test's fakes) into every use case."""

from __future__ import annotations

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from adapters.auth.zxcvbn_strength import ZxcvbnPasswordStrength
from adapters.call_slots import InProcessCallSlots
from adapters.clock import SystemClock
from adapters.crypto.aes_gcm import AesGcmCipher
from adapters.ids import UuidV7Generator
from adapters.metrics import (
    MeteredProviderRegistry,
    PrometheusSpendMetrics,
    ProviderMetrics,
    TokenLimitMetrics,
)
from adapters.model_list_cache import InMemoryModelListCache
from application.accounts.authenticate_user import AuthenticateUser
from application.accounts.change_password import ChangePassword
from application.accounts.delete_account import DeleteAccount
from application.accounts.get_user import GetUser
from application.accounts.log_out import LogOut
from application.accounts.register_user import RegisterUser
from application.budgets._spend_guard import OperatorCaps, SpendGuard
from application.budgets.get_budget import GetBudget
from application.budgets.set_budget import SetBudget
from application.credentials._events import CredentialEvents
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
from application.llm._expiry import ExpiredCredentials
from application.llm._key_check import ApiKeyChecker
from application.llm._provider_failures import ProviderFailures
from application.llm._reachable_models import ReachableModels
from application.llm.explain_llm import ExplainLlm
from application.llm.list_providers import ListProviders
from application.llm.resolve_llm import ResolveLlm
from application.sessions._history import SessionLimits
from application.sessions.get_agent_session import GetAgentSession
from application.sessions.list_agent_sessions import ListAgentSessions
from application.sessions.list_session_messages import ListSessionMessages
from application.sessions.send_message import SendMessage
from application.sessions.start_agent_session import StartAgentSession
from application.usage._meter import UsageMeter
from application.usage.export_usage import ExportUsage
from application.usage.get_usage import GetUsage
from domain.ports import (
    ChangeFeed,
    Clock,
    IdGenerator,
    LlmProviderRegistry,
    LoginThrottle,
    ModelCatalog,
    PasswordHasher,
    ProviderCallSlots,
)
from domain.usage import UsageSource
from entrypoints.bootstrap.adapters import (
    Database,
    provider_registry,
    shared_store,
    sql_database,
    system_default,
)
from entrypoints.bootstrap.change_feed import change_feed
from entrypoints.bootstrap.container import Container
from entrypoints.bootstrap.key_wrapping import key_wrapping
from entrypoints.bootstrap.remembering import memories
from entrypoints.http.access_tokens import JwtTokenIssuer
from entrypoints.http.gateway.token_rate_meter import StoreTokenRateMeter
from entrypoints.http.login_throttle import StoreLoginThrottle
from entrypoints.http.session_revocations import StoreSessionRevocations
from entrypoints.settings import Settings


def build(
    settings: Settings,
    *,
    database: Database | None = None,
    providers: LlmProviderRegistry | None = None,
    catalog: ModelCatalog | None = None,
    hasher: PasswordHasher | None = None,
    login_throttle: LoginThrottle | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    call_slots: ProviderCallSlots | None = None,
    changes: ChangeFeed | None = None,
) -> Container:
    clock = clock or SystemClock()
    ids = ids or UuidV7Generator()
    wrapper, closers, openers = key_wrapping(settings, clock)
    if database is None:
        database = sql_database(settings)
    closers.append(database.aclose)
    if providers is None or catalog is None:
        built_providers, built_catalog, close_clients = provider_registry(settings)
        providers = providers or built_providers
        catalog = catalog or built_catalog
        closers.append(close_clients)
    if changes is None:
        changes = change_feed(settings)  # opened and closed by the container
    # Every provider call is counted and timed (GET /metrics), whichever adapters serve.
    providers = MeteredProviderRegistry(providers, ProviderMetrics.for_registry())
    TokenLimitMetrics.for_registry()  # the gateway's refusals series, shown from the start
    hasher = hasher or Argon2PasswordHasher()
    strength = ZxcvbnPasswordStrength()
    uow = database.unit_of_work
    journal = database.journal(closers)
    known = memories(settings, changes, clock)
    cipher = AesGcmCipher()
    sealer = CredentialSealer(wrapper, cipher, ids, clock, known.data_keys)
    slots = call_slots or InProcessCallSlots(settings.limits.provider_calls_per_user)
    checker = ApiKeyChecker(providers, slots)
    allow_http = settings.providers.allow_private_base_urls
    throttle = login_throttle or StoreLoginThrottle(shared_store(settings, "byom-login"), clock)
    ttl = settings.auth.access_token_ttl_s
    tokens = JwtTokenIssuer(settings.auth.jwt_secret, ttl, clock)
    revocations = StoreSessionRevocations(
        shared_store(settings, "byom-sessions"), clock, token_ttl_s=ttl
    )
    system = system_default(settings, catalog)
    events = CredentialEvents(ids, clock)
    expiry = ExpiredCredentials(clock, events, changes=changes)
    resolve_llm = ResolveLlm(
        uow, providers, sealer, catalog, system, slots, expiry=expiry, known=known.choices
    )
    meter = UsageMeter(catalog, ids, clock, settings.budgets.model_prices)
    lists = InMemoryModelListCache(clock, ttl_s=settings.providers.model_list_ttl_s)
    timeout_s = settings.providers.model_list_timeout_s
    reachable = ReachableModels(uow, sealer, checker, lists, catalog, timeout_s=timeout_s)
    list_gateway_models = ListGatewayModels(uow, catalog, system, reachable, clock)
    failures = ProviderFailures(uow, clock, events, changes=changes)
    caps = OperatorCaps(
        settings.budgets.system_default_monthly_usd, settings.budgets.system_default_daily_tokens
    )
    spend_metrics = PrometheusSpendMetrics.for_registry()

    def guard(source: UsageSource) -> SpendGuard:
        return SpendGuard(uow, meter, clock, ids, caps, spend_metrics, source.value, known.caps)

    limits = SessionLimits(settings.sessions.max_messages, settings.sessions.history_max_bytes)
    chats = guard(UsageSource.SESSION)
    return Container(
        settings=settings,
        uow=uow,
        health=database.health,
        keyring=wrapper,
        clock=clock,
        ids=ids,
        catalog=catalog,
        providers=providers,
        call_slots=slots,
        changes=changes,
        sealer=sealer,
        register_user=RegisterUser(uow, hasher, strength, ids, clock),
        session_revocations=revocations,
        authenticate_user=AuthenticateUser(
            uow, hasher, tokens, throttle, revocations, clock, changes=changes
        ),
        log_out=LogOut(revocations),
        change_password=ChangePassword(
            uow, hasher, strength, revocations, tokens, throttle, changes=changes
        ),
        get_user=GetUser(uow, known.users),
        delete_account=DeleteAccount(uow, revocations, clock, changes=changes),
        add_credential=AddCredential(
            uow,
            checker,
            sealer,
            ids,
            clock,
            events,
            reachable=reachable,
            allow_http_base_urls=allow_http,
            changes=changes,
        ),
        list_credentials=ListCredentials(uow),
        list_credential_events=ListCredentialEvents(uow),
        get_credential=GetCredential(uow),
        update_credential=UpdateCredential(
            uow, checker, sealer, clock, events, reachable=reachable, changes=changes
        ),
        set_default_credential=SetDefaultCredential(uow, clock, events, changes=changes),
        revoke_credential=RevokeCredential(uow, clock, events, changes=changes),
        validate_api_key=ValidateApiKey(checker, allow_http_base_urls=allow_http),
        revalidate_credential=RevalidateCredential(
            uow, checker, sealer, clock, events, reachable=reachable, changes=changes
        ),
        resolve_llm=resolve_llm,
        explain_llm=ExplainLlm(resolve_llm),
        list_providers=ListProviders(catalog),
        rewrap_data_keys=RewrapDataKeys(uow, wrapper, changes=changes),
        keyring_census=KeyringCensus(uow, wrapper),
        prove_keyring=ProveKeyring(database.key_canaries, wrapper, cipher),
        rotate_user_data_key=RotateUserDataKey(uow, sealer, clock, changes=changes),
        start_agent_session=StartAgentSession(uow, resolve_llm, ids, clock),
        send_message=SendMessage(
            uow, database.turns(), resolve_llm, meter, failures, ids, clock, limits, chats
        ),
        list_agent_sessions=ListAgentSessions(uow),
        get_agent_session=GetAgentSession(uow),
        list_session_messages=ListSessionMessages(uow),
        get_usage=GetUsage(uow),
        export_usage=ExportUsage(uow),
        create_gateway_token=CreateGatewayToken(uow, ids, clock, changes=changes),
        list_gateway_tokens=ListGatewayTokens(uow),
        revoke_gateway_token=RevokeGatewayToken(uow, clock, changes=changes),
        update_gateway_token=UpdateGatewayToken(uow, clock, changes=changes),
        authenticate_gateway_token=AuthenticateGatewayToken(uow, clock, known.tokens),
        admit_gateway_call=AdmitGatewayCall(
            StoreTokenRateMeter(shared_store(settings, "byom-token-rate"), clock), meter
        ),
        relay_completion=RelayCompletion(
            journal, resolve_llm, meter, failures, guard(UsageSource.GATEWAY)
        ),
        in_process_completion=RelayCompletion(
            journal,
            resolve_llm,
            meter,
            failures,
            guard(UsageSource.IN_PROCESS),
            source=UsageSource.IN_PROCESS,
        ),
        list_gateway_models=list_gateway_models,
        list_models_for_token=ListModelsForToken(list_gateway_models),
        get_budget=GetBudget(uow, clock, caps),
        set_budget=SetBudget(uow, clock, caps, changes=changes),
        closers=closers,
        openers=openers,
    )
