"""The typed, frozen settings the rest of the code reads; each field declares its variable.

Configuration is read once, here, from ``BYOM_*`` variables: no other module reads os.environ.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from adapters.crypto.private_file import create_private_file
from entrypoints.settings._budgets import BudgetSettings
from entrypoints.settings._caches import CacheSettings
from entrypoints.settings._key_wrapper import KeyWrapperSettings
from entrypoints.settings._limits import LimitSettings
from entrypoints.settings._parsers import (
    SettingsError,
    at_least_bytes,
    choice,
    path,
    text,
    whole,
)
from entrypoints.settings._providers import ProviderSettings
from entrypoints.settings._server import ServerSettings
from entrypoints.settings._sessions import SessionSettings
from entrypoints.settings._variables import (
    Context,
    Environ,
    Var,
    declared,
    derived,
    load,
    section,
    setting,
)

MIN_JWT_SECRET_BYTES = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


ENVIRONMENT = Var(
    "BYOM_ENV",
    Environment.DEVELOPMENT,
    choice(Environment),
    "`production` refuses unsafe defaults: no keyring or KMS key, short JWT secret, SQLite, "
    "no metrics token",
)
VAR_DIR = Var(
    "BYOM_VAR_DIR", Path("var"), path, "where development keeps its database and generated secrets"
)


def _sqlite_in(var_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{var_dir / 'byom.db'}"


DEFAULT_DATABASE_URL = _sqlite_in(VAR_DIR.default)


def _jwt_secret_when_unset(name: str, context: Context) -> str:
    if context.production:
        raise SettingsError(f"{name} is required in production")
    return _dev_secret(context.var_dir / "jwt-secret", context)


def _dev_secret(file: Path, context: Context) -> str:
    """Development only: a generated secret kept in a 0600 file so restarts keep sessions."""
    if create_private_file(file, f"{secrets.token_urlsafe(48)}\n".encode()):
        context.generated.append(file)
    return file.read_text().strip()


def _generated(context: Context) -> Path | None:
    return next((file for file in context.generated if file.name == "jwt-secret"), None)


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = setting(
        "BYOM_DATABASE_URL",
        DEFAULT_DATABASE_URL,
        text,
        "or `postgresql+asyncpg://user@host:5432/db`",
        secret=True,  # may hold a password
        fallback=lambda name, context: _sqlite_in(context.var_dir),
    )
    pool_size: int = setting(
        "BYOM_DATABASE_POOL_SIZE", 10, whole, "connections per worker (PostgreSQL)"
    )

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


@dataclass(frozen=True, slots=True)
class CryptoSettings:
    keys: str | None = setting(
        "BYOM_ENCRYPTION_KEYS",
        None,
        text,
        "master keyring `id:base64url(32 bytes)`, comma-separated, primary first",
        shown="dev: generated `var/encryption-keys`",
        secret=True,
    )
    keys_file: str | None = setting(
        "BYOM_ENCRYPTION_KEYS_FILE",
        None,
        text,
        "the same in a file readable only by its owner (one per line)",
    )
    dev_keys_file: Path | None = derived(
        None, lambda context: None if context.production else context.var_dir / "encryption-keys"
    )
    """Where development generates a keyring when none is configured (None in production)."""


@dataclass(frozen=True, slots=True)
class AuthSettings:
    jwt_secret: str = setting(
        "BYOM_JWT_SECRET",
        "",
        at_least_bytes(MIN_JWT_SECRET_BYTES),
        f"HS256 signing secret, at least {MIN_JWT_SECRET_BYTES} bytes",
        shown="dev: generated `var/jwt-secret`",
        secret=True,
        fallback=_jwt_secret_when_unset,
    )
    # Declared after jwt_secret, whose fallback (loaded first: fields load in order) notes it.
    generated_jwt_secret: Path | None = derived(None, lambda context: _generated(context))
    """The file this load generated the development JWT secret into (None: set, or kept)."""
    access_token_ttl_s: int = setting(
        "BYOM_ACCESS_TOKEN_TTL_S", 3600, whole, "access token lifetime in seconds"
    )
    login_rate_per_minute: int = setting(
        "BYOM_LOGIN_RATE_PER_MINUTE", 10, whole, "login attempts per client address per minute"
    )
    validate_rate_per_minute: int = setting(
        "BYOM_VALIDATE_RATE_PER_MINUTE", 30, whole, "key validations per user per minute"
    )


@dataclass(frozen=True, slots=True)
class Settings:
    env: Environment = declared(ENVIRONMENT)
    var_dir: Path = declared(VAR_DIR)
    database: DatabaseSettings = section(DatabaseSettings)
    crypto: CryptoSettings = section(CryptoSettings)
    key_wrapper: KeyWrapperSettings = section(KeyWrapperSettings)
    auth: AuthSettings = section(AuthSettings)
    providers: ProviderSettings = section(ProviderSettings)
    server: ServerSettings = section(ServerSettings)
    sessions: SessionSettings = section(SessionSettings)
    limits: LimitSettings = section(LimitSettings)
    budgets: BudgetSettings = section(BudgetSettings)
    caches: CacheSettings = section(CacheSettings)

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        variables = Environ(os.environ if environ is None else environ)
        context = Context(
            production=variables.read(ENVIRONMENT) is Environment.PRODUCTION,
            var_dir=variables.read(VAR_DIR),
        )
        settings = load(cls, variables, context)
        settings.check()
        return settings

    @property
    def generated_notice(self) -> str | None:
        """What development generated while loading, for the log (never the secret itself)."""
        if self.auth.generated_jwt_secret is None:
            return None
        return (
            f"generated a new development JWT secret in {self.auth.generated_jwt_secret}; "
            "this is not for production: set BYOM_JWT_SECRET"
        )

    def check(self) -> None:
        """Production refuses unsafe defaults (docs/security.md, "Production checks")."""
        self.key_wrapper.check(production=self.is_production)
        if not self.is_production:
            return
        if not (self.crypto.keys or self.crypto.keys_file or self.key_wrapper.uses_kms):
            raise SettingsError(
                "production needs BYOM_ENCRYPTION_KEYS or BYOM_ENCRYPTION_KEYS_FILE "
                "(or BYOM_KEY_WRAPPER=aws-kms)"
            )
        if self.database.is_sqlite:
            raise SettingsError("production needs a PostgreSQL BYOM_DATABASE_URL, not SQLite")
        if not self.server.metrics_token:
            # /metrics names master key ids and call volumes: never public in production.
            raise SettingsError("production needs BYOM_METRICS_TOKEN to protect GET /metrics")
