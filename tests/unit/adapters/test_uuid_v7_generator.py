"""UuidV7Generator: RFC 9562 UUIDv7, strictly increasing within one generator."""

from __future__ import annotations

import itertools
import threading
import time
import uuid

from adapters.ids import UuidV7Generator


class SteppedTime:
    """A wall clock the test moves by hand (nanoseconds since the epoch)."""

    def __init__(self, ns: int) -> None:
        self.ns = ns

    def __call__(self) -> int:
        return self.ns


def unix_ms(value: uuid.UUID) -> int:
    return value.int >> 80


def counter(value: uuid.UUID) -> int:
    """The 42-bit counter: 12 bits after the version, 30 bits after the variant."""
    return ((value.int >> 64) & 0xFFF) << 30 | (value.int >> 32) & 0x3FFF_FFFF


def test_ids_carry_version_7_and_the_rfc_variant() -> None:
    generator = UuidV7Generator()

    for _ in range(1000):
        value = generator.new_id()
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
        assert (value.int >> 76) & 0xF == 0x7
        assert (value.int >> 62) & 0b11 == 0b10


def test_the_first_48_bits_are_the_unix_time_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    value = UuidV7Generator().new_id()
    after = time.time_ns() // 1_000_000

    assert before <= unix_ms(value) <= after


def test_the_timestamp_comes_from_the_given_clock() -> None:
    ns = 1_700_000_000_123_456_789
    value = UuidV7Generator(SteppedTime(ns)).new_id()

    assert unix_ms(value) == 1_700_000_000_123


def test_many_ids_are_unique_and_strictly_increasing() -> None:
    generator = UuidV7Generator()

    ids = [generator.new_id() for _ in range(50_000)]

    assert len(set(ids)) == len(ids)
    assert all(a < b for a, b in itertools.pairwise(ids))
    assert all(a.bytes < b.bytes for a, b in itertools.pairwise(ids))
    assert [str(i) for i in ids] == sorted(str(i) for i in ids)


def test_ids_within_one_frozen_millisecond_still_increase() -> None:
    generator = UuidV7Generator(SteppedTime(1_700_000_000_000_000_000))

    ids = [generator.new_id() for _ in range(10_000)]

    assert {unix_ms(i) for i in ids} == {1_700_000_000_000}
    assert all(a < b for a, b in itertools.pairwise(ids))
    assert all(counter(b) == counter(a) + 1 for a, b in itertools.pairwise(ids))


def test_a_clock_stepping_backwards_does_not_break_the_order() -> None:
    clock = SteppedTime(1_700_000_000_500_000_000)
    generator = UuidV7Generator(clock)
    first = generator.new_id()

    clock.ns -= 2_000_000_000  # NTP steps the clock back two seconds
    second = generator.new_id()
    clock.ns += 3_000_000_000
    third = generator.new_id()

    assert first < second < third
    assert unix_ms(second) == unix_ms(first)
    assert unix_ms(third) == 1_700_000_001_500


def test_a_new_millisecond_starts_a_fresh_random_counter() -> None:
    clock = SteppedTime(1_700_000_000_000_000_000)
    generator = UuidV7Generator(clock)
    counters = []
    for _ in range(200):
        clock.ns += 1_000_000
        counters.append(counter(generator.new_id()))

    assert len(set(counters)) == 200  # random starts, not 0 every millisecond
    assert all(c < 1 << 41 for c in counters)  # headroom of 2**41 increments


def test_ids_from_many_threads_are_unique() -> None:
    generator = UuidV7Generator()
    results: list[list[uuid.UUID]] = []

    def make() -> None:
        results.append([generator.new_id() for _ in range(5_000)])

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    everything = [value for batch in results for value in batch]
    assert len(everything) == 40_000
    assert len(set(everything)) == 40_000
    assert all(batch == sorted(batch) for batch in results)


def test_a_counter_overflow_moves_on_to_the_next_millisecond() -> None:
    clock = SteppedTime(1_700_000_000_000_000_000)
    generator = UuidV7Generator(clock)
    first = generator.new_id()
    generator._counter = (1 << 42) - 1  # white box: 2**41 ids in one millisecond is not testable

    second = generator.new_id()
    third = generator.new_id()

    assert unix_ms(second) == unix_ms(third) == 1_700_000_000_001
    assert first < second < third
