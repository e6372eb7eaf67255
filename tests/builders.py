"""One-line construction of settings, containers and apps for tests."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from adapters.persistence.memory.database import MemoryDatabase
from entrypoints.bootstrap import Container, Database, build
from entrypoints.settings import (
    AuthSettings,
    CryptoSettings,
    DatabaseSettings,
    Environment,
    ProviderSettings,
    ServerSettings,
    Settings,
)
from tests.fakes import FakeCatalog, FakeClock, FakeHealthProbe, FakeProviderRegistry

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


def key_line(key_id: str, raw: bytes | None = None) -> str:
    raw = raw if raw is not None else os.urandom(32)
    return f"{key_id}:{base64.urlsafe_b64encode(raw).decode().rstrip('=')}"


def make_settings(
    *,
    keys: str | None = None,
    database_url: str = "sqlite+aiosqlite:///:memory:",
    var_dir: Path = Path("var-test"),
    redis_url: str | None = None,
    **auth: int,
) -> Settings:
    return Settings(
        env=Environment.TEST,
        var_dir=var_dir,
        database=DatabaseSettings(url=database_url),
        crypto=CryptoSettings(keys=keys or key_line("k1")),
        auth=AuthSettings(jwt_secret=JWT_SECRET, **auth),  # type: ignore[arg-type]
        providers=ProviderSettings(),
        server=ServerSettings(redis_url=redis_url),
    )


@dataclass
class World:
    """Everything a unit test drives: the container and the fakes behind it."""

    container: Container
    db: MemoryDatabase
    providers: FakeProviderRegistry
    clock: FakeClock
    health: FakeHealthProbe = field(default_factory=FakeHealthProbe)


def memory_world(
    settings: Settings | None = None,
    *,
    db: MemoryDatabase | None = None,
    providers: FakeProviderRegistry | None = None,
    clock: FakeClock | None = None,
) -> World:
    """A container on in-memory stores and fakes. Pass ``db`` to share state between worlds
    (a restart with another keyring, say)."""
    db = db or MemoryDatabase()
    providers = providers or FakeProviderRegistry()
    clock = clock or FakeClock()
    health = FakeHealthProbe()

    async def close() -> None:
        return None

    container = build(
        settings or make_settings(),
        database=Database(db.unit_of_work, health, close),
        providers=providers,
        catalog=FakeCatalog(),
        hasher=Argon2PasswordHasher.fast_for_tests(),
        clock=clock,
    )
    return World(container, db, providers, clock, health)


def with_settings(settings: Settings, **changes: object) -> Settings:
    return replace(settings, **changes)  # type: ignore[arg-type]
