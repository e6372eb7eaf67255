"""Time-ordered ids: UUIDv7 (RFC 9562, section 5.7), which index well as primary keys.

Layout: 48-bit Unix time in milliseconds | version 7 | 12-bit counter high | variant 10 |
30-bit counter low | 32 random bits. The 42-bit counter (RFC 9562 section 6.2, method 1, as in
CPython 3.14's ``uuid.uuid7``) starts at a random value below 2**41 each millisecond and is
incremented within one, so ids from one generator strictly increase even when the clock stalls
or steps back; if it ever overflows, the timestamp is advanced by one millisecond.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from uuid import UUID

from domain.ports import IdGenerator

_COUNTER_MAX = (1 << 42) - 1
_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0b10 << 62


class UuidV7Generator(IdGenerator):
    """``IdGenerator``. Build one per process (the composition root does) and share it."""

    __slots__ = ("_counter", "_last_ms", "_lock", "_time_ns")

    def __init__(self, time_ns: Callable[[], int] = time.time_ns) -> None:
        self._time_ns = time_ns
        self._lock = threading.Lock()
        self._last_ms = -1
        self._counter = 0

    def new_id(self) -> UUID:
        with self._lock:
            ms = self._time_ns() // 1_000_000
            if ms > self._last_ms:
                counter = _fresh_counter()
            else:
                ms = self._last_ms
                counter = self._counter + 1
                if counter > _COUNTER_MAX:
                    ms += 1
                    counter = _fresh_counter()
            self._last_ms = ms
            self._counter = counter
        tail = int.from_bytes(os.urandom(4), "big")
        value = (
            (ms & 0xFFFF_FFFF_FFFF) << 80
            | _VERSION_7
            | (counter >> 30) << 64
            | _VARIANT_RFC
            | (counter & 0x3FFF_FFFF) << 32
            | tail
        )
        return UUID(int=value)


def _fresh_counter() -> int:
    # The top bit starts clear, leaving 2**41 increments of headroom within one millisecond.
    return int.from_bytes(os.urandom(6), "big") & ((1 << 41) - 1)
