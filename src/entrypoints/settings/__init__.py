"""Configuration, read once from ``BYOM_*`` variables. No other module reads os.environ.

Each setting is declared once, on its field (variable, default, parser, meaning): the loader reads
those declarations and so does the README's configuration table (``make readme-settings``).
"""

from entrypoints.settings._caches import CacheSettings
from entrypoints.settings._key_wrapper import KeyWrapperKind, KeyWrapperSettings
from entrypoints.settings._limits import LimitSettings
from entrypoints.settings._model import (
    DEFAULT_DATABASE_URL,
    MIN_JWT_SECRET_BYTES,
    AuthSettings,
    CryptoSettings,
    DatabaseSettings,
    Environment,
    Settings,
)
from entrypoints.settings._parsers import SettingsError
from entrypoints.settings._providers import ProviderSettings, SystemDefaultSettings
from entrypoints.settings._server import ServerSettings
from entrypoints.settings._sessions import SessionSettings

__all__ = [
    "DEFAULT_DATABASE_URL",
    "MIN_JWT_SECRET_BYTES",
    "AuthSettings",
    "CacheSettings",
    "CryptoSettings",
    "DatabaseSettings",
    "Environment",
    "KeyWrapperKind",
    "KeyWrapperSettings",
    "LimitSettings",
    "ProviderSettings",
    "ServerSettings",
    "SessionSettings",
    "Settings",
    "SettingsError",
    "SystemDefaultSettings",
]
