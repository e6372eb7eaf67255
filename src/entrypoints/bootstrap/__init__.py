"""The composition root: the only place that chooses adapters and wires them into use cases.

``build(settings, **overrides)`` is called by the app, the CLI and the tests (with fakes).
Nothing here runs at import time. ``adapters`` chooses adapters from the settings,
``container`` declares what a process holds, ``wiring`` builds it.
"""

from entrypoints.bootstrap.adapters import (
    Closer,
    Database,
    provider_registry,
    shared_store,
    sql_database,
    system_default,
)
from entrypoints.bootstrap.container import Container
from entrypoints.bootstrap.facade import build_byom
from entrypoints.bootstrap.key_wrapping import KEYRING_LOG, key_wrapper, key_wrapping
from entrypoints.bootstrap.wiring import build

__all__ = [
    "KEYRING_LOG",
    "Closer",
    "Container",
    "Database",
    "build",
    "build_byom",
    "key_wrapper",
    "key_wrapping",
    "provider_registry",
    "shared_store",
    "sql_database",
    "system_default",
]
