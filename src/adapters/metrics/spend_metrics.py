"""Spend control's instruments: USD spent and held per source, refusals per cap kind.

Label values are chosen by the code: a call's source (``session``, ``gateway``,
``in-process``) and a cap's kind; never a user, a token or a model."""

from __future__ import annotations

from decimal import Decimal

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge

from domain.budget import CapKind
from domain.ports import SpendMetrics

_INSTANCES: dict[CollectorRegistry, PrometheusSpendMetrics] = {}


class PrometheusSpendMetrics(SpendMetrics):
    """Registered once per registry (``for_registry``)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._spent = Counter(
            "byom_spend_usd",
            "USD spent on provider calls (catalog or operator prices), by source",
            ("source",),
            registry=registry,
        )
        self._held = Gauge(
            "byom_spend_reserved_usd",
            "USD reserved by provider calls in flight under a budget, by source",
            ("source",),
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._refused = Counter(
            "byom_budget_refusals",
            "Calls refused before reaching the provider because they could pass a cap, by cap",
            ("cap",),
            registry=registry,
        )

    @classmethod
    def for_registry(cls, registry: CollectorRegistry = REGISTRY) -> PrometheusSpendMetrics:
        """prometheus_client refuses a second metric of one name in a registry: one per process."""
        found = _INSTANCES.get(registry)
        if found is None:
            found = _INSTANCES[registry] = cls(registry)
        return found

    def refused(self, cap: CapKind) -> None:
        self._refused.labels(cap.value).inc()

    def held(self, source: str, usd: Decimal) -> None:
        self._held.labels(source).inc(float(usd))

    def spent(self, source: str, usd: Decimal) -> None:
        self._spent.labels(source).inc(float(usd))
