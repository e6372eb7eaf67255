"""Master key rotation progress: data keys per master key id, and data keys rewrapped.

Master key ids are operator-chosen names from the keyring (``k20261128``), not user data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge


class KeyringMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.data_keys = Gauge(
            "byom_data_keys",
            "Live user data keys per master key id that wraps them (rewrap progress: "
            "everything under the primary means done), as of the last scrape",
            ("master_key_id", "primary"),
            registry=registry,
            # Every worker computes it from the database: the freshest answer wins.
            multiprocess_mode="mostrecent",
        )
        self.rewrapped = Counter(
            "byom_rewrapped_data_keys",
            "Data keys moved under the primary master key by `byom keys rewrap`",
            registry=registry,
        )

    @classmethod
    def for_registry(cls, registry: CollectorRegistry = REGISTRY) -> KeyringMetrics:
        found = _INSTANCES.get(registry)
        if found is None:
            found = _INSTANCES[registry] = cls(registry)
        return found

    def record_census(
        self, counts: Mapping[str, int], key_ids: Sequence[str], primary: str
    ) -> None:
        """Every master key of the keyring shows, even with zero data keys."""
        self.data_keys.clear()
        for key_id in dict.fromkeys((*key_ids, *counts)):
            self.data_keys.labels(key_id, str(key_id == primary).lower()).set(counts.get(key_id, 0))


_INSTANCES: dict[CollectorRegistry, KeyringMetrics] = {}
