"""Prometheus instruments (prometheus_client) for what the service does: provider calls, keys."""

from adapters.metrics.keyring_metrics import KeyringMetrics
from adapters.metrics.provider_metrics import (
    MeteredLlmProvider,
    MeteredProviderRegistry,
    ProviderMetrics,
)

__all__ = ["KeyringMetrics", "MeteredLlmProvider", "MeteredProviderRegistry", "ProviderMetrics"]
