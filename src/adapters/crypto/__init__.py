"""Encryption at rest: the master keyring and AES-256-GCM for both levels of the envelope."""

from adapters.crypto.aes_gcm import AesGcmCipher, AesGcmKeyWrapper
from adapters.crypto.keyring import Keyring, KeyringError, MasterKey, generate_key_line
from adapters.crypto.keyring_loading import KeyringSource, LoadedKeyring, load_keyring

__all__ = [
    "AesGcmCipher",
    "AesGcmKeyWrapper",
    "Keyring",
    "KeyringError",
    "KeyringSource",
    "LoadedKeyring",
    "MasterKey",
    "generate_key_line",
    "load_keyring",
]
