"""Gateway calls refused by their token's scopes, by kind of refusal.

The kind is a bounded set chosen by the code (``KINDS``); no token id, user id or model name
ever becomes a label value."""

from __future__ import annotations

from typing import Final

from prometheus_client import REGISTRY, CollectorRegistry, Counter

KINDS: Final = ("rpm", "tpm", "model_not_allowed", "expired")


class TokenLimitMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.refusals = Counter(
            "byom_gateway_token_refusals",
            "Gateway calls refused by their token's scopes, by kind: rpm, tpm (429), "
            "model_not_allowed (403), expired (401)",
            ("kind",),
            registry=registry,
        )
        for kind in KINDS:  # every kind shows from the first scrape, at zero
            self.refusals.labels(kind)

    @classmethod
    def for_registry(cls, registry: CollectorRegistry = REGISTRY) -> TokenLimitMetrics:
        found = _INSTANCES.get(registry)
        if found is None:
            found = _INSTANCES[registry] = cls(registry)
        return found

    def refused(self, kind: str) -> None:
        if kind in KINDS:
            self.refusals.labels(kind).inc()


_INSTANCES: dict[CollectorRegistry, TokenLimitMetrics] = {}
