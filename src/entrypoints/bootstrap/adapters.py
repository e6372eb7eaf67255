"""Choosing adapters from the settings: the database, the provider clients, the shared counters
(the key wrapper: key_wrapping.py). ``wiring.build`` calls these unless a test hands it its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

import httpx
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

from adapters.llm import (
    AnthropicProvider,
    GeminiProvider,
    OpenAiCompatibleProvider,
    OpenAiProvider,
    SsrfGuard,
    StaticProviderRegistry,
    TomlModelCatalog,
    build_guarded_http_client,
    build_http_client,
)
from adapters.persistence.session_turns import UnitOfWorkSessionTurns
from adapters.persistence.sqlalchemy.engine import build_engine
from adapters.persistence.sqlalchemy.health import SqlAlchemyHealthProbe
from adapters.persistence.sqlalchemy.key_canary_store import SqlAlchemyKeyCanaryStore
from adapters.persistence.sqlalchemy.schema_version import head_revision
from adapters.persistence.sqlalchemy.session_turns import session_turns
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWorkFactory
from adapters.persistence.sqlalchemy.usage_journal import usage_journal
from adapters.persistence.usage_journal import UnitOfWorkUsageJournal
from application.gateway._routing import route
from domain.api_key import ApiKey
from domain.errors import ModelNotAllowed
from domain.model_name import split_provider_prefix
from domain.ports import (
    HealthProbe,
    KeyCanaryStore,
    LlmProviderRegistry,
    ModelCatalog,
    SessionTurns,
    UnitOfWorkFactory,
    UsageJournal,
)
from domain.provider import Provider
from domain.resolution import SystemDefault
from entrypoints.settings import Settings, SettingsError

Closer = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Database:
    """What the composition root needs from a persistence adapter. Without a ``usage_journal``
    the usage rows are written through ``unit_of_work``, and so are chat turns without their
    own ``session_turns``."""

    unit_of_work: UnitOfWorkFactory
    health: HealthProbe
    aclose: Closer
    key_canaries: KeyCanaryStore
    usage_journal: UsageJournal | None = None
    session_turns: SessionTurns | None = None

    def turns(self) -> SessionTurns:
        """Its own chat turns' read and write, else the ones of its unit of work."""
        return self.session_turns or UnitOfWorkSessionTurns(self.unit_of_work)

    def journal(self, closers: list[Closer]) -> UsageJournal:
        """Its own journal, else one writing through its unit of work (closed with ``closers``)."""
        if self.usage_journal is not None:
            return self.usage_journal
        journal = UnitOfWorkUsageJournal(self.unit_of_work)
        closers.append(journal.aclose)
        return journal


def system_default(settings: Settings, catalog: ModelCatalog) -> SystemDefault | None:
    """The operator's fallback with its allow-list checked now, so a typo fails the start, not
    a user's call: each allowed model must route to the fallback's provider (the gateway's
    rules: ``claude-*`` is Anthropic's, ``openai_compatible/gpt-oss`` a compatible server's),
    and the default model must be one of them."""
    configured = settings.providers.system_default
    if configured.provider is None:
        return None
    provider = Provider.parse(configured.provider)
    model = configured.model or catalog.default_model(provider)
    if model is None:
        raise SettingsError(
            "BYOM_SYSTEM_DEFAULT_MODEL is required: the catalog has no default "
            f"{provider.value} model"
        )
    named, bare = split_provider_prefix(model)
    if named is provider:
        model = bare
    raw_key = configured.api_keys.get(provider.value)
    system = SystemDefault(
        provider=provider,
        model=model,
        api_key=ApiKey(raw_key) if raw_key else None,
        base_url=configured.base_url,
        models=tuple(_allowed_name(provider, name) for name in configured.models),
    )
    try:  # the default model in the list's own spelling
        return replace(system, model=system.admit(model))
    except ModelNotAllowed:
        raise SettingsError(
            f"BYOM_SYSTEM_DEFAULT_MODELS must include the default model {model!r} "
            "(BYOM_SYSTEM_DEFAULT_MODEL, else the catalog's default)"
        ) from None


def _allowed_name(provider: Provider, name: str) -> str:
    target = route(name)
    if target.model is None:
        raise SettingsError(f"BYOM_SYSTEM_DEFAULT_MODELS: {name!r} is not a model name")
    if target.provider not in (None, provider):
        raise SettingsError(
            f"BYOM_SYSTEM_DEFAULT_MODELS: {name!r} routes to {target.provider.value}, not "
            f"{provider.value}; write {provider.value}/{target.model} if {provider.value} serves it"
        )
    return target.model


def sql_database(settings: Settings) -> Database:
    engine = build_engine(settings.database.url, pool_size=settings.database.pool_size)
    journal = usage_journal(engine)

    async def aclose() -> None:
        await journal.aclose()  # the last usage rows, before the pool closes
        await engine.dispose()

    return Database(
        unit_of_work=SqlAlchemyUnitOfWorkFactory(engine),
        health=SqlAlchemyHealthProbe(engine, head=head_revision),
        aclose=aclose,
        key_canaries=SqlAlchemyKeyCanaryStore(engine),
        usage_journal=journal,
        session_turns=session_turns(engine),
    )


def provider_registry(settings: Settings) -> tuple[LlmProviderRegistry, ModelCatalog, Closer]:
    """One long-lived HTTP client per provider; the OpenAI-compatible one pins checked addresses
    and shares its pool among every user's servers, so no one origin may take all of it."""
    config = settings.providers
    limits = settings.limits
    pool = httpx.Limits(
        max_connections=limits.outbound_connections,
        max_keepalive_connections=min(32, limits.outbound_connections),
        keepalive_expiry=30.0,
    )
    catalog = TomlModelCatalog.from_package()
    # One TLS context (the system's CAs, full verification) for every client: each one made
    # loads the CA bundle again, ~50 ms of CPU, nine times per process otherwise.
    tls = httpx.create_ssl_context(trust_env=False)

    def fixed() -> httpx.AsyncClient:
        # One origin per client: its whole pool may go there.
        per_origin = limits.outbound_connections
        return build_http_client(
            config.http_transport, limits=pool, per_origin=per_origin, verify=tls
        )

    clients = {
        Provider.OPENAI: fixed(),
        Provider.ANTHROPIC: fixed(),
        Provider.GOOGLE: fixed(),
        Provider.OPENAI_COMPATIBLE: build_guarded_http_client(
            limits=pool, per_origin=limits.outbound_connections_per_origin, verify=tls
        ),
    }
    registry = StaticProviderRegistry(
        {
            Provider.OPENAI: OpenAiProvider(clients[Provider.OPENAI], config.openai_base_url),
            Provider.ANTHROPIC: AnthropicProvider(
                clients[Provider.ANTHROPIC], config.anthropic_base_url, catalog=catalog
            ),
            Provider.GOOGLE: GeminiProvider(clients[Provider.GOOGLE], config.google_base_url),
            Provider.OPENAI_COMPATIBLE: OpenAiCompatibleProvider(
                clients[Provider.OPENAI_COMPATIBLE],
                SsrfGuard(allow_private=config.allow_private_base_urls),
                stream_idle=limits.user_endpoint_stream_idle_s,
            ),
        }
    )

    async def close() -> None:
        for client in clients.values():
            await client.aclose()

    return registry, catalog, close


def shared_store(settings: Settings, namespace: str) -> Store:
    """Counters several instances must share: Redis when configured, else this process."""
    if settings.server.redis_url:
        from litestar.stores.redis import RedisStore  # here: without Redis, never loaded

        return RedisStore.with_client(url=settings.server.redis_url, namespace=namespace)
    return MemoryStore()
