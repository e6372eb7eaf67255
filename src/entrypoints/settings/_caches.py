"""Settings of what each worker remembers between requests (docs/architecture.md, "What a
worker remembers")."""

from __future__ import annotations

from dataclasses import dataclass

from entrypoints.settings._parsers import positive, whole
from entrypoints.settings._variables import setting


@dataclass(frozen=True, slots=True)
class CacheSettings:
    ttl_s: int = setting(
        "BYOM_CACHE_TTL_S",
        60,
        whole,
        "how long a worker remembers a gateway token, a user's resolved credential and data "
        "key, their budget and account, in seconds (changes drop them at once); `0` turns "
        "these caches off",
    )
    max_entries: int = setting(
        "BYOM_CACHE_MAX_ENTRIES",
        10_000,
        positive,
        "entries each of those caches holds per worker, the least recently used dropped first",
    )
