"""Choosing the key wrapper from the settings: the local keyring, or a KMS key (behind a short
cache of unwrapped data keys) with the local keyring, when one is configured, still unwrapping
what it wrapped until ``byom keys rewrap`` has moved it (docs/security.md, "Master keys in AWS
KMS")."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from adapters.crypto.aes_gcm import AesGcmKeyWrapper
from adapters.crypto.chained import ChainedKeyWrapper
from adapters.crypto.keyring_loading import load_keyring
from adapters.crypto.unwrap_cache import CachingKeyWrapper
from domain.ports import Clock, KeyWrapper
from entrypoints.settings import Settings, SettingsError

KEYRING_LOG = "byom.keyring"
"""The logger of the development-key and generated-secret notices (commands that only read
keys silence it)."""
logger = logging.getLogger(KEYRING_LOG)

Step = Callable[[], Awaitable[None]]


class KeyWrapping(NamedTuple):
    wrapper: KeyWrapper
    closers: list[Step]
    openers: list[Step]
    """Run once before first use (a KMS alias is resolved to its key)."""


def key_wrapper(settings: Settings) -> AesGcmKeyWrapper:
    """The master keyring from the settings (in development, generated once into ``var/``)."""
    loaded = load_keyring(
        settings.crypto.keys, settings.crypto.keys_file, dev_file=settings.crypto.dev_keys_file
    )
    if loaded.warning:
        logger.warning(loaded.warning)
    return AesGcmKeyWrapper(loaded.keyring)


def key_wrapping(settings: Settings, clock: Clock) -> KeyWrapping:
    """The key wrapper for ``settings``. The log says where development keeps its secrets: the
    keyring (``key_wrapper``), and a JWT secret the settings generated (README, "Two
    commands")."""
    if settings.generated_notice:
        logger.warning(settings.generated_notice)
    config = settings.key_wrapper
    if not config.uses_kms or config.kms_key_id is None:
        return KeyWrapping(key_wrapper(settings), [], [])
    try:
        from adapters.crypto.aws_kms import AwsKmsKeyWrapper  # the optional `kms` extra
    except ImportError:
        raise SettingsError(
            "BYOM_KEY_WRAPPER=aws-kms needs the `kms` extra: uv sync --extra kms"
        ) from None
    kms = AwsKmsKeyWrapper(
        config.kms_key_id, region=config.region, endpoint_url=config.kms_endpoint_url
    )
    wrapper: KeyWrapper = CachingKeyWrapper(kms, clock, ttl_s=config.kms_cache_ttl_s)
    if _has_local_keyring(settings):
        wrapper = ChainedKeyWrapper(wrapper, key_wrapper(settings))
    return KeyWrapping(wrapper, [kms.aclose], [kms.open])


def _has_local_keyring(settings: Settings) -> bool:
    crypto = settings.crypto
    configured = crypto.keys is not None or crypto.keys_file is not None
    # A development keyring is read if it exists (data keys it wrapped must still open), but
    # never generated for a KMS-backed service.
    return configured or (crypto.dev_keys_file is not None and crypto.dev_keys_file.exists())
