"""Configuration, read once from ``BYOM_*`` variables. No other module reads os.environ."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal, TypeVar

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/byom.db"
OPENAI_URL = "https://api.openai.com/v1"
ANTHROPIC_URL = "https://api.anthropic.com/v1"
GOOGLE_URL = "https://generativelanguage.googleapis.com/v1beta"
MIN_JWT_SECRET_BYTES = 32


E = TypeVar("E", bound=StrEnum)
L = TypeVar("L", bound=str)


class SettingsError(ValueError):
    """The configuration cannot run. The message names the variable, never its value."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    """SQLAlchemy async URL (may hold a password: kept out of repr): sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db."""
    pool_size: int = 10
    """Connections per worker (PostgreSQL)."""

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


@dataclass(frozen=True, slots=True)
class CryptoSettings:
    keys: str | None = field(default=None, repr=False)
    """BYOM_ENCRYPTION_KEYS: comma-separated key_id:base64url(32 bytes), primary first."""
    keys_file: str | None = None
    """BYOM_ENCRYPTION_KEYS_FILE: the same format in a file readable only by its owner."""
    dev_keys_file: Path | None = None
    """Where development generates a keyring when none is configured (None in production)."""


@dataclass(frozen=True, slots=True)
class AuthSettings:
    jwt_secret: str = field(default="", repr=False)
    """BYOM_JWT_SECRET: HS256 signing secret, at least 32 bytes."""
    access_token_ttl_s: int = 3600
    """BYOM_ACCESS_TOKEN_TTL_S: access token lifetime in seconds."""
    login_rate_per_minute: int = 10
    """BYOM_LOGIN_RATE_PER_MINUTE: login attempts per client address per minute."""
    validate_rate_per_minute: int = 30
    """BYOM_VALIDATE_RATE_PER_MINUTE: key validations per user per minute."""


@dataclass(frozen=True, slots=True)
class SystemDefaultSettings:
    provider: str | None = None
    """BYOM_SYSTEM_DEFAULT_PROVIDER: the fallback provider for users without a credential."""
    model: str | None = None
    """BYOM_SYSTEM_DEFAULT_MODEL: its model (else the catalog default)."""
    api_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    """BYOM_SYSTEM_<PROVIDER>_API_KEY: the platform's own keys, by provider name."""
    base_url: str | None = None
    """BYOM_SYSTEM_DEFAULT_BASE_URL: for an openai_compatible system default."""


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    openai_base_url: str = OPENAI_URL
    anthropic_base_url: str = ANTHROPIC_URL
    google_base_url: str = GOOGLE_URL
    http_transport: Literal["aiohttp", "httpx"] = "aiohttp"
    """BYOM_HTTP_TRANSPORT: what carries provider calls (aiohttp measured fastest, see README)."""
    allow_private_base_urls: bool = False
    """BYOM_ALLOW_PRIVATE_BASE_URLS: let openai_compatible credentials reach private networks."""
    system_default: SystemDefaultSettings = field(default_factory=SystemDefaultSettings)


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "INFO"
    log_format: Literal["console", "json"] = "console"
    redis_url: str | None = field(default=None, repr=False)
    """BYOM_REDIS_URL: shared rate-limit store for several instances."""
    max_body_bytes: int = 64 * 1024
    """BYOM_MAX_BODY_BYTES: larger request bodies get 413 before parsing."""
    metrics_token: str | None = field(default=None, repr=False)
    """BYOM_METRICS_TOKEN: when set, /metrics needs ``Authorization: Bearer <token>``."""
    metrics_multiproc_dir: str | None = None
    """PROMETHEUS_MULTIPROC_DIR: prometheus_client's directory shared by worker processes
    (``byom serve --workers N`` uses var/prometheus when it is unset)."""


@dataclass(frozen=True, slots=True)
class Settings:
    env: Environment = Environment.DEVELOPMENT
    var_dir: Path = Path("var")
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    crypto: CryptoSettings = field(default_factory=CryptoSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    providers: ProviderSettings = field(default_factory=ProviderSettings)
    server: ServerSettings = field(default_factory=ServerSettings)

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = _Reader(os.environ if environ is None else environ)
        environment = env.choice("BYOM_ENV", Environment, Environment.DEVELOPMENT)
        production = environment is Environment.PRODUCTION
        var_dir = Path(env.text("BYOM_VAR_DIR") or "var")
        database = DatabaseSettings(
            url=env.text("BYOM_DATABASE_URL") or f"sqlite+aiosqlite:///{var_dir / 'byom.db'}",
            pool_size=env.whole("BYOM_DATABASE_POOL_SIZE", 10),
        )
        crypto = CryptoSettings(
            keys=env.text("BYOM_ENCRYPTION_KEYS"),
            keys_file=env.text("BYOM_ENCRYPTION_KEYS_FILE"),
            dev_keys_file=None if production else var_dir / "encryption-keys",
        )
        jwt_secret = env.text("BYOM_JWT_SECRET")
        if jwt_secret is None:
            if production:
                raise SettingsError("BYOM_JWT_SECRET is required in production")
            jwt_secret = _dev_secret(var_dir / "jwt-secret")
        if len(jwt_secret.encode()) < MIN_JWT_SECRET_BYTES:
            raise SettingsError(f"BYOM_JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes")
        auth = AuthSettings(
            jwt_secret=jwt_secret,
            access_token_ttl_s=env.whole("BYOM_ACCESS_TOKEN_TTL_S", 3600),
            login_rate_per_minute=env.whole("BYOM_LOGIN_RATE_PER_MINUTE", 10),
            validate_rate_per_minute=env.whole("BYOM_VALIDATE_RATE_PER_MINUTE", 30),
        )
        system_keys = {
            name: value
            for name in ("openai", "anthropic", "google", "openai_compatible")
            if (value := env.text(f"BYOM_SYSTEM_{name.upper()}_API_KEY"))
        }
        providers = ProviderSettings(
            openai_base_url=env.text("BYOM_OPENAI_BASE_URL") or OPENAI_URL,
            anthropic_base_url=env.text("BYOM_ANTHROPIC_BASE_URL") or ANTHROPIC_URL,
            google_base_url=env.text("BYOM_GOOGLE_BASE_URL") or GOOGLE_URL,
            http_transport=env.literal("BYOM_HTTP_TRANSPORT", ("aiohttp", "httpx"), "aiohttp"),
            allow_private_base_urls=env.flag("BYOM_ALLOW_PRIVATE_BASE_URLS", False),
            system_default=SystemDefaultSettings(
                provider=env.text("BYOM_SYSTEM_DEFAULT_PROVIDER"),
                model=env.text("BYOM_SYSTEM_DEFAULT_MODEL"),
                api_keys=system_keys,
                base_url=env.text("BYOM_SYSTEM_DEFAULT_BASE_URL"),
            ),
        )
        server = ServerSettings(
            host=env.text("BYOM_HOST") or "127.0.0.1",
            port=env.whole("BYOM_PORT", 8000),
            workers=env.whole("BYOM_WORKERS", 1),
            log_level=(env.text("BYOM_LOG_LEVEL") or "INFO").upper(),
            log_format=env.literal("BYOM_LOG_FORMAT", ("console", "json"), "console"),
            redis_url=env.text("BYOM_REDIS_URL"),
            max_body_bytes=env.whole("BYOM_MAX_BODY_BYTES", 64 * 1024),
            metrics_token=env.text("BYOM_METRICS_TOKEN"),
            metrics_multiproc_dir=env.text("PROMETHEUS_MULTIPROC_DIR"),
        )
        settings = cls(environment, var_dir, database, crypto, auth, providers, server)
        settings.check()
        return settings

    def check(self) -> None:
        """Production refuses unsafe defaults (SECURITY.md)."""
        if not self.is_production:
            return
        if not (self.crypto.keys or self.crypto.keys_file):
            raise SettingsError(
                "production needs BYOM_ENCRYPTION_KEYS or BYOM_ENCRYPTION_KEYS_FILE"
            )
        if self.database.is_sqlite:
            raise SettingsError("production needs a PostgreSQL BYOM_DATABASE_URL, not SQLite")


class _Reader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def text(self, name: str) -> str | None:
        value = self._environ.get(name, "").strip()
        return value or None

    def whole(self, name: str, default: int) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number") from None
        if value < 0:
            raise SettingsError(f"{name} must not be negative")
        return value

    def flag(self, name: str, default: bool) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{name} must be true or false")

    def choice(self, name: str, enum: type[E], default: E) -> E:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            return enum(raw.lower())
        except ValueError:
            accepted = ", ".join(e.value for e in enum)
            raise SettingsError(f"{name} must be one of: {accepted}") from None

    def literal(self, name: str, accepted: tuple[L, ...], default: L) -> L:
        raw = self.text(name)
        if raw is None:
            return default
        for option in accepted:
            if raw.lower() == option:
                return option
        raise SettingsError(f"{name} must be one of: {', '.join(accepted)}")


def _dev_secret(path: Path) -> str:
    """Development only: a generated secret kept in a 0600 file so restarts keep sessions."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret
