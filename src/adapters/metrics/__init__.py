"""Prometheus instruments (prometheus_client) for what the service does: provider calls, keys."""

from adapters.metrics.keyring_metrics import KeyringMetrics
from adapters.metrics.provider_metrics import (
    MeteredLlmProvider,
    MeteredProviderRegistry,
    ProviderMetrics,
)
from adapters.metrics.spend_metrics import PrometheusSpendMetrics
from adapters.metrics.token_limit_metrics import TokenLimitMetrics

__all__ = [
    "KeyringMetrics",
    "MeteredLlmProvider",
    "MeteredProviderRegistry",
    "PrometheusSpendMetrics",
    "ProviderMetrics",
    "TokenLimitMetrics",
]
