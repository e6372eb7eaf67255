"""One source for each error's identity: its code. The problem table derives the public slug
from it, merges errors only where it says so, and has a row for every error class."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import pytest

from domain.errors import (
    CredentialRevoked,
    DataKeyDestroyed,
    DecryptionFailed,
    DomainError,
    KeyServiceUnavailable,
    ProviderCallFailed,
    ProviderError,
    ProviderRateLimited,
    SessionCredentialRevoked,
    UnknownMasterKey,
)
from entrypoints.http import problems

# The public slugs: part of the API contract, listed in the OpenAPI description.
PUBLIC_SLUGS = {
    "key-service-unavailable",
    "unknown-provider",
    "malformed-api-key",
    "invalid-base-url",
    "unsafe-base-url",
    "invalid-model-name",
    "invalid-email",
    "weak-password",
    "wrong-password",
    "email-taken",
    "invalid-credentials",
    "login-throttled",
    "user-not-found",
    "credential-not-found",
    "credential-exists",
    "default-conflict",
    "credential-revoked",
    "credential-rejected",
    "credential-expired",
    "invalid-expiry",
    "credential-provider-mismatch",
    "model-unavailable",
    "no-llm-configured",
    "model-not-allowed",
    "invalid-usage-period",
    "invalid-message",
    "session-not-found",
    "session-full",
    "history-too-large",
    "invalid-cursor",
    "gateway-token-not-found",
    "invalid-gateway-token",
    "invalid-token-scope",
    "model-not-allowed-for-token",
    "token-rate-limited",
    "key-unavailable",
    "service-unavailable",
    "invalid-api-key",
    "model-not-found",
    "provider-rate-limited",
    "too-many-calls",
    "budget-exceeded",
    "model-not-priced",
    "invalid-budget",
    "provider-timeout",
    "provider-unavailable",
    "provider-error",
    "unsupported-feature",
    "bad-request",
    "malformed-request",
    "unauthorized",
    "forbidden",
    "not-found",
    "method-not-allowed",
    "payload-too-large",
    "unsupported-media-type",
    "validation-error",
    "rate-limited",
    "internal-error",
}


def _import_every_module() -> None:
    """An error class counts wherever it is declared: load all of src, not just the table's."""
    for name in ("domain", "application", "adapters", "entrypoints"):
        package = importlib.import_module(name)
        for found in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not found.name.endswith(".__main__"):  # runs a program when imported
                importlib.import_module(found.name)


def _subclasses(cls: type[DomainError]) -> Iterator[type[DomainError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _ours() -> list[type[DomainError]]:
    _import_every_module()
    roots = ("domain.", "application.", "adapters.", "entrypoints.")
    return [
        DomainError,
        *{c for c in _subclasses(DomainError) if c.__module__.startswith(roots)},
    ]


def test_every_error_class_has_a_code_of_its_own() -> None:
    seen: dict[str, str] = {}
    for cls in _ours():
        assert "code" in vars(cls), f"{cls.__name__} inherits its base's code"
        assert cls.code not in seen, f"{cls.__name__} and {seen[cls.code]} share {cls.code!r}"
        seen[cls.code] = cls.__name__


def test_every_error_class_has_a_row_of_its_own() -> None:
    missing = [cls.__name__ for cls in _ours() if cls not in problems.DOMAIN_PROBLEMS]
    assert missing == []


def test_the_slug_is_the_code_unless_merged_on_purpose() -> None:
    for cls, problem in problems.DOMAIN_PROBLEMS.items():
        if cls in problems.MERGED:
            assert problem.slug == problems.MERGED[cls]
            assert problem.slug != cls.code, f"{cls.__name__}: a merge that merges nothing"
        else:
            assert problem.slug == cls.code


def test_errors_merged_into_one_slug_share_its_status() -> None:
    # A client switching on ``type`` sees one status for it, whichever error stands behind.
    statuses: dict[str, set[int]] = {}
    for problem in (*problems.DOMAIN_PROBLEMS.values(), *problems.BY_STATUS.values()):
        statuses.setdefault(problem.slug, set()).add(problem.status)
    assert {slug: s for slug, s in statuses.items() if len(s) > 1} == {}


def test_the_public_slugs_are_unchanged() -> None:
    listed = {
        line.split("`")[1].removeprefix("/problems/")
        for line in problems.describe_problems().splitlines()[2:]
    }
    assert listed == PUBLIC_SLUGS


@pytest.mark.parametrize(
    ("error", "slug", "status"),
    [
        (DecryptionFailed(), "key-unavailable", 503),
        (UnknownMasterKey("k1"), "key-unavailable", 503),
        (KeyServiceUnavailable("HTTP 503"), "key-service-unavailable", 503),
        (DataKeyDestroyed(), "credential-revoked", 409),
        (SessionCredentialRevoked(), "credential-revoked", 409),
        (CredentialRevoked(), "credential-revoked", 409),
        (ProviderCallFailed("openai", "down"), "provider-error", 502),
        (ProviderError("openai", "down"), "provider-error", 502),
        (ProviderRateLimited("openai", "slow down"), "provider-rate-limited", 429),
        (DomainError("anything"), "bad-request", 400),
    ],
)
def test_problem_for(error: DomainError, slug: str, status: int) -> None:
    problem = problems.problem_for(error)
    assert (problem.slug, problem.status, problem.type_uri) == (slug, status, f"/problems/{slug}")


def test_an_error_without_a_row_gets_its_nearest_base_row() -> None:
    class Unlisted(ProviderError):
        code = "unlisted"

    assert problems.problem_for(Unlisted("openai", "x")).slug == "provider-error"


def test_the_store_outage_is_a_503_like_any_other_outage() -> None:
    from adapters.persistence.errors import StoreUnavailable

    problem = problems.problem_for(StoreUnavailable())
    assert (problem.slug, problem.status) == ("service-unavailable", 503)
    assert problem == problems.UNAVAILABLE
