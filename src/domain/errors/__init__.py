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
from domain.errors.budgets import BudgetExceeded, InvalidBudget, ModelNotPriced
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
    ModelNotAllowed,
    ModelNotAvailable,
    NoLlmConfigured,
    UnknownProvider,
    UnsafeBaseUrl,
)
from domain.errors.gateway_tokens import (
    GatewayTokenExpired,
    InvalidTokenScope,
    ModelNotAllowedForToken,
    TokenRateLimited,
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
from domain.errors.sealing import (
    DataKeyDestroyed,
    DecryptionFailed,
    KeyServiceUnavailable,
    UnknownMasterKey,
)
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
from domain.errors.usage import InvalidUsagePeriod

__all__ = [
    "BudgetExceeded",
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
    "GatewayTokenExpired",
    "GatewayTokenNotFound",
    "HistoryTooLarge",
    "InvalidApiKey",
    "InvalidBaseUrl",
    "InvalidBudget",
    "InvalidCursor",
    "InvalidEmail",
    "InvalidExpiry",
    "InvalidGatewayToken",
    "InvalidLogin",
    "InvalidMessage",
    "InvalidModelName",
    "InvalidTokenScope",
    "InvalidUsagePeriod",
    "KeyServiceUnavailable",
    "MalformedApiKey",
    "ModelNotAllowed",
    "ModelNotAllowedForToken",
    "ModelNotAvailable",
    "ModelNotFound",
    "ModelNotPriced",
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
    "TokenRateLimited",
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
