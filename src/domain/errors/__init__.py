"""Errors the domain and the application raise on purpose, grouped by feature.

Each class has a stable code of its own (``DomainError.code``); the entrypoints derive the
public problem slug from it in one table (``entrypoints/http/problems.py``), so no error here
knows about HTTP. Import them from here: ``from domain.errors import CredentialNotFound``.
"""

from __future__ import annotations

from domain.errors._base import DomainError
from domain.errors.accounts import (
    EmailTaken,
    InvalidEmail,
    InvalidLogin,
    TooManyLoginAttempts,
    UserNotFound,
    WeakPassword,
    WrongPassword,
)
from domain.errors.credentials import (
    CredentialExpired,
    CredentialNotFound,
    CredentialProviderMismatch,
    CredentialRejected,
    CredentialRevoked,
    DuplicateActiveCredential,
    DuplicateDefaultCredential,
    InvalidBaseUrl,
    InvalidExpiry,
    InvalidModelName,
    MalformedApiKey,
    ModelNotAvailable,
    NoLlmConfigured,
    UnknownProvider,
    UnsafeBaseUrl,
)
from domain.errors.providers import (
    InvalidApiKey,
    ModelNotFound,
    ProviderCallFailed,
    ProviderError,
    ProviderProtocolError,
    ProviderRateLimited,
    ProviderRejectedRequest,
    ProviderTimeout,
    ProviderUnavailable,
    TooManyProviderCalls,
    UnsupportedFeature,
)
from domain.errors.sealing import DataKeyDestroyed, DecryptionFailed, UnknownMasterKey
from domain.errors.sessions import (
    GatewayTokenNotFound,
    HistoryTooLarge,
    InvalidCursor,
    InvalidGatewayToken,
    InvalidMessage,
    SessionCredentialRevoked,
    SessionFull,
    SessionNotFound,
)

__all__ = [
    "CredentialExpired",
    "CredentialNotFound",
    "CredentialProviderMismatch",
    "CredentialRejected",
    "CredentialRevoked",
    "DataKeyDestroyed",
    "DecryptionFailed",
    "DomainError",
    "DuplicateActiveCredential",
    "DuplicateDefaultCredential",
    "EmailTaken",
    "GatewayTokenNotFound",
    "HistoryTooLarge",
    "InvalidApiKey",
    "InvalidBaseUrl",
    "InvalidCursor",
    "InvalidEmail",
    "InvalidExpiry",
    "InvalidGatewayToken",
    "InvalidLogin",
    "InvalidMessage",
    "InvalidModelName",
    "MalformedApiKey",
    "ModelNotAvailable",
    "ModelNotFound",
    "NoLlmConfigured",
    "ProviderCallFailed",
    "ProviderError",
    "ProviderProtocolError",
    "ProviderRateLimited",
    "ProviderRejectedRequest",
    "ProviderTimeout",
    "ProviderUnavailable",
    "SessionCredentialRevoked",
    "SessionFull",
    "SessionNotFound",
    "TooManyLoginAttempts",
    "TooManyProviderCalls",
    "UnknownMasterKey",
    "UnknownProvider",
    "UnsafeBaseUrl",
    "UnsupportedFeature",
    "UserNotFound",
    "WeakPassword",
    "WrongPassword",
]
