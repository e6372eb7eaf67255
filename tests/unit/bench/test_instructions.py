"""The instruction-count benchmark's arithmetic: a call's count from two lengths, one more
chunk's, the stream target's excess, and a callgrind profile's total."""

from __future__ import annotations

import pytest

from tests.bench.bench_instructions import Counts, callgrind_total, per_call


def counts(*, json: float = 2_500_000, short: float = 3_400_000) -> Counts:
    # 78,000 instructions a chunk from the short stream (11 chunks) to the long one (203).
    return Counts(json, short, short + 192 * 78_000, short_chunks=11, long_chunks=203)


def test_one_more_chunk_is_the_slope_from_the_short_stream_to_the_long_one() -> None:
    assert counts().per_chunk == pytest.approx(78_000)


def test_the_excess_is_what_the_short_stream_executes_beyond_the_json_call_and_its_chunks() -> None:
    # 3.4 M - 2.5 M - 11 x 78 k = +42 k
    assert counts().excess == pytest.approx(42_000)
    assert counts(short=3_300_000).excess == pytest.approx(-58_000)


def test_a_long_stream_runs_a_quarter_as_many_calls_each_kind_at_two_lengths() -> None:
    assert per_call("json", 128) == (128, 256)
    assert per_call("short", 128) == (128, 256)
    assert per_call("long", 128) == (32, 64)
    assert per_call("long", 8) == (8, 16)


def test_a_callgrind_profiles_total_is_its_totals_line() -> None:
    profile = "version: 1\nevents: Ir\nsummary: 8095246611\nfn=(1) main\n0 12\ntotals: 8095246611\n"
    assert callgrind_total(profile) == 8_095_246_611


def test_a_file_without_totals_is_refused() -> None:
    with pytest.raises(ValueError, match="no totals line"):
        callgrind_total("events: Ir\nfn=(1) main\n")
