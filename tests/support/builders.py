"""One-line construction of settings, containers and apps for tests."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypedDict, Unpack

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from adapters.persistence.memory import MemoryKeyCanaryStore
from adapters.persistence.memory.database import MemoryDatabase
from domain.ports import ChangeFeed, Clock, UsageJournal
from domain.provider import Provider
from entrypoints.bootstrap import Container, Database, build, sql_database
from entrypoints.bootstrap.adapters import shared_store
from entrypoints.http.login_throttle import StoreLoginThrottle
from entrypoints.settings import (
    AuthSettings,
    CryptoSettings,
    DatabaseSettings,
    Environment,
    LimitSettings,
    ProviderSettings,
    ServerSettings,
    Settings,
)
from tests.support.constants import (
    ANTHROPIC_KEY,
    COMPAT_KEY,
    GOOGLE_KEY,
    OPENAI_KEY,
    OPENAI_ROTATED,
)
from tests.support.fakes import FakeCatalog, FakeClock, FakeHealthProbe, FakeProviderRegistry

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


def key_line(key_id: str, raw: bytes | None = None) -> str:
    raw = raw if raw is not None else os.urandom(32)
    return f"{key_id}:{base64.urlsafe_b64encode(raw).decode().rstrip('=')}"


class AuthLimits(TypedDict, total=False):
    """The ``AuthSettings`` a test may change (the JWT secret is always ``JWT_SECRET``)."""

    access_token_ttl_s: int
    login_rate_per_minute: int
    validate_rate_per_minute: int


def make_settings(
    *,
    keys: str | None = None,
    database_url: str = "sqlite+aiosqlite:///:memory:",
    var_dir: Path = Path("var-test"),
    redis_url: str | None = None,
    limits: LimitSettings | None = None,
    providers: ProviderSettings | None = None,
    **auth: Unpack[AuthLimits],
) -> Settings:
    return Settings(
        env=Environment.TEST,
        var_dir=var_dir,
        database=DatabaseSettings(url=database_url),
        crypto=CryptoSettings(keys=keys or key_line("k1")),
        auth=AuthSettings(jwt_secret=JWT_SECRET, **auth),
        providers=providers or ProviderSettings(),
        server=ServerSettings(redis_url=redis_url),
        limits=limits or LimitSettings(),
    )


@dataclass
class World:
    """Everything a unit test drives: the container and the fakes behind it."""

    container: Container
    db: MemoryDatabase
    providers: FakeProviderRegistry
    clock: FakeClock
    health: FakeHealthProbe = field(default_factory=FakeHealthProbe)


def memory_database(db: MemoryDatabase, health: FakeHealthProbe | None = None) -> Database:
    """The container's database on in-memory stores (``db`` shared by whoever holds it)."""

    async def close() -> None:
        return None

    canaries = MemoryKeyCanaryStore(db.key_canaries)
    return Database(db.unit_of_work, health or FakeHealthProbe(), close, canaries)


def memory_world(
    settings: Settings | None = None,
    *,
    db: MemoryDatabase | None = None,
    providers: FakeProviderRegistry | None = None,
    clock: FakeClock | None = None,
    changes: ChangeFeed | None = None,
    usage_journal: UsageJournal | None = None,
) -> World:
    """A container on in-memory stores and fakes. Pass ``db`` to share state between worlds
    (a restart with another keyring, say), ``changes`` to hear what it publishes,
    ``usage_journal`` for a journal of the test's own over ``db``."""
    db = db or MemoryDatabase()
    providers = providers or FakeProviderRegistry()
    clock = clock or FakeClock()
    health = FakeHealthProbe()
    container = build(
        settings or make_settings(),
        database=replace(memory_database(db, health), usage_journal=usage_journal),
        providers=providers,
        catalog=FakeCatalog(),
        hasher=Argon2PasswordHasher.fast_for_tests(),
        clock=clock,
        changes=changes,
    )
    return World(container, db, providers, clock, health)


def keyed_providers() -> FakeProviderRegistry:
    """Fake providers that accept the shared test keys (tests.support.constants)."""
    providers = FakeProviderRegistry()
    providers.accept(Provider.OPENAI, OPENAI_KEY, OPENAI_ROTATED)
    providers.accept(Provider.ANTHROPIC, ANTHROPIC_KEY)
    providers.accept(Provider.GOOGLE, GOOGLE_KEY)
    providers.accept(Provider.OPENAI_COMPATIBLE, COMPAT_KEY)
    return providers


@dataclass
class SqlWorld:
    """A container on SQLite or PostgreSQL and the fake providers behind it."""

    container: Container
    providers: FakeProviderRegistry


def sql_world(
    settings: Settings,
    *,
    providers: FakeProviderRegistry | None = None,
    database: Database | None = None,
    login_clock: Clock | None = None,
) -> SqlWorld:
    """A container on the SQL database of ``settings.database.url`` (migrated by the caller),
    with fake providers (by default accepting the shared test keys), the fake catalog and the
    fast hasher. Pass ``database`` to put something between the stores and the engine, and
    ``login_clock`` for the login throttle's time (a test that must not see its waits run out).

    Call it where the container is to live: an asyncpg pool is bound to the event loop that
    opened it (inside an app's ``build_container`` when the app's lifespan serves requests)."""
    providers = providers if providers is not None else keyed_providers()
    container = build(
        settings,
        database=database or sql_database(settings),
        providers=providers,
        catalog=FakeCatalog(),
        hasher=Argon2PasswordHasher.fast_for_tests(),
        login_throttle=(
            StoreLoginThrottle(shared_store(settings, "byom-login"), login_clock)
            if login_clock is not None
            else None
        ),
    )
    return SqlWorld(container, providers)
