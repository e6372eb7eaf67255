"""The gateway benchmark's closing lines: the ratio to LiteLLM and each target of issue 15, met
or not, from the rows of a run."""

from __future__ import annotations

from tests.bench.alternation import Floor, Round
from tests.bench.rows import Row
from tests.bench.targets import per_chunk_us, summary

PG = "postgres 2w aiohttp"


def row(
    config: str,
    target: str,
    mode: str = "c32",
    *,
    cpu: float | None = 1.0,
    rps: float = 1000.0,
    p50: float = 1.0,
    chunks: float | None = None,
) -> Row:
    return Row(config, target, mode, 100, rps, p50, p50, p50, cpu, 0, chunks_per_request=chunks)


def rows(*, gateway_cpu: float = 1.2, litellm_cpu: float | None = 7.2) -> list[Row]:
    out = [
        row("-", "a. stand-in direct", "sequential", cpu=None, p50=0.2),
        row(PG, "b. chat message", cpu=2.0, rps=450),
        row(PG, "c. gateway", "sequential", p50=1.5),
        row(PG, "c. gateway", cpu=gateway_cpu, rps=700),
        row(PG, "c. gateway SSE", cpu=1.6, chunks=11),
        row(PG, "c. gateway SSE long", cpu=5.6, chunks=211),
    ]
    if litellm_cpu is not None:
        out.append(row("litellm proxy 1w", "l. litellm proxy", cpu=litellm_cpu))
    return out


FIGURES = {PG: {"rss_mb_after_warmup": [104.0, 112.5], "ready_s": 1.2}}


def lines_with(text: str, lines: list[str]) -> list[str]:
    return [line for line in lines if text in line]


def test_the_ratio_is_litellms_cpu_over_byoms() -> None:
    lines = summary(rows(gateway_cpu=1.2, litellm_cpu=7.2), FIGURES, PG, "litellm 1.82.6")

    assert "ratio LiteLLM / BYOM: 6.0x" in lines
    assert lines_with(">= 5x", lines)[0].split()[0] == "met"


def test_a_ratio_under_five_is_not_met() -> None:
    lines = summary(rows(gateway_cpu=3.6, litellm_cpu=7.2), FIGURES, PG, "litellm 1.82.6")

    [line] = lines_with(">= 5x", lines)
    assert line.split()[:2] == ["NOT", "met"]
    assert "2.0x" in line


def test_without_litellm_the_row_says_why_and_the_ratio_is_not_measured() -> None:
    lines = summary(rows(litellm_cpu=None), FIGURES, PG, "LiteLLM proxy not measured: no uv")

    assert lines_with("no uv", lines)
    assert lines_with(">= 5x", lines)[0].split()[:2] == ["not", "measured"]


def test_each_target_is_judged_on_its_own_figure() -> None:
    lines = summary(rows(), FIGURES, PG, "litellm")

    def state(text: str) -> str:
        [line] = lines_with(text, lines)
        return line.strip().split("  ")[0]

    assert state("gateway CPU <= 1.5 ms") == "met"
    assert state("added p50") == "met"  # 1.5 - 0.2 = 1.3 ms
    assert state("gateway >= 600") == "met"
    assert state("chat message CPU") == "met"
    assert state("chat message >= 400") == "met"
    assert state("idle RSS") == "NOT met"  # one worker at 112.5 MB
    assert state("ready") == "met"


def test_a_stream_is_judged_against_json_plus_its_chunks_at_the_marginal_cost() -> None:
    # 20 us a chunk (4 ms over 200 more chunks): 1.2 + 11 x 0.02 = 1.42 ms < 1.6 ms measured.
    lines = summary(rows(), FIGURES, PG, "litellm")

    [line] = lines_with("SSE CPU", lines)
    assert line.split()[:2] == ["NOT", "met"]
    assert "1.60 ms vs 1.20 + 11 x 20.0 us = 1.42 ms" in line


def test_the_cost_of_a_chunk_is_the_slope_between_two_stream_lengths() -> None:
    short = row(PG, "s", cpu=1.0, chunks=12)
    long = row(PG, "l", cpu=3.0, chunks=212)

    assert per_chunk_us(short, long) == 10.0
    assert per_chunk_us(short, None) is None
    assert per_chunk_us(long, short) is None  # not a longer stream: no slope


def rounds(*sse_ms: float) -> list[dict[str, float]]:
    # 10 us a chunk in every round (2 ms over 200 more chunks), JSON at 1.0 ms.
    return [
        {"json_ms": 1.0, "sse_ms": s, "sse_chunks": 11, "long_ms": s + 2.0, "long_chunks": 211}
        for s in sse_ms
    ]


def stream_line(figures: dict[str, object]) -> str:
    [line] = lines_with("SSE CPU", summary(rows(), {PG: figures}, PG, "litellm"))
    return line


def test_alternated_rounds_print_the_rows_figure_above_their_own_verdict() -> None:
    lines = summary(rows(), {PG: {**FIGURES[PG], "stream_rounds": rounds(1.1)}}, PG, "x")

    [alone] = lines_with("the table's rows alone", lines)
    assert "1.60 ms vs 1.20 + 11 x 20.0 us = 1.42 ms (over)" in alone
    assert lines.index(alone) + 1 == lines.index(
        stream_line({**FIGURES[PG], "stream_rounds": rounds(1.1)})
    )


def test_alternated_rounds_judge_the_stream_on_the_median_round_not_the_rows() -> None:
    # The rows alone say NOT met (1.6 ms against 1.42); per round, the stream costs 1.0 ms
    # plus 11 chunks at 10 us and then -60, -10, -10 and +190 us more: median -10 us.
    line = stream_line({**FIGURES[PG], "stream_rounds": rounds(1.05, 1.10, 1.10, 1.30)})

    assert line.split()[0] == "met"
    assert "1.10 ms vs 1.00 + 11 x 10.0 us (medians of 4 alternated rounds)" in line
    assert "per round: -60, -10, -10, +190 us, median -10 us" in line


def test_alternated_rounds_over_the_allowance_are_not_met() -> None:
    line = stream_line({**FIGURES[PG], "stream_rounds": rounds(1.2, 1.25, 1.15)})

    assert line.split()[:2] == ["NOT", "met"]
    assert "median +90 us" in line


def test_a_round_s_excess_is_measured_against_its_own_slope() -> None:
    fast = Round(json_ms=1.0, sse_ms=1.2, sse_chunks=11, long_ms=5.2, long_chunks=211)
    flat = Round(json_ms=1.0, sse_ms=1.2, sse_chunks=11, long_ms=5.2, long_chunks=11)

    assert fast.excess_us is not None
    assert round(fast.excess_us) == -20  # 1.2 - 1.0 - 11 x 20 us
    assert flat.excess_us is None  # no longer stream: no slope


def test_a_medium_stream_prices_the_short_stream_s_chunks_near_its_length() -> None:
    # 20 us a chunk from 11 to 41 chunks (0.6 ms), 8.2 us from 41 to 211 (1.4 ms).
    medium = [{**r, "medium_ms": r["sse_ms"] + 0.6, "medium_chunks": 41} for r in rounds(1.2)]
    [near] = [Round(**r) for r in medium]

    assert near.near_per_chunk_us is not None
    assert near.near_excess_us is not None
    assert near.excess_us is not None
    assert round(near.near_per_chunk_us) == 20
    assert round(near.near_excess_us) == -20  # 1.2 - 1.0 - 11 x 20 us
    assert round(near.excess_us) == 90  # at the slope to the long stream (10 us)
    lines = summary(rows(), {PG: {**FIGURES[PG], "stream_rounds": medium}}, PG, "x")
    [slopes] = lines_with("one more chunk", lines)
    assert "20.0 us from 11 to 41 chunks, 8.2 us from 41 to 211" in slopes
    [priced] = lines_with("priced at the first", lines)
    assert "median -20 us (reported, not judged)" in priced
    assert stream_line({**FIGURES[PG], "stream_rounds": medium}).split()[:2] == ["NOT", "met"]


def test_rounds_without_a_medium_stream_report_no_near_price() -> None:
    lines = summary(rows(), {PG: {**FIGURES[PG], "stream_rounds": rounds(1.1)}}, PG, "x")

    assert lines_with("one more chunk", lines) == []
    assert Round(**rounds(1.1)[0]).near_excess_us is None


def test_each_floor_s_excess_is_reported_beside_the_verdict_and_judges_nothing() -> None:
    bare = Floor("bare", [Round(**r) for r in rounds(1.2, 1.15, 1.25)])  # +90, +40, +140 us
    lean = Floor("lean", [Round(**r) for r in rounds(1.1, 1.05, 1.12)])  # -10, -60, +10 us
    broken = Floor("broken", failure="the floor exited with 1: address in use")
    figures = {PG: {**FIGURES[PG], "stream_rounds": rounds(1.1)}}

    lines = summary(rows(), figures, PG, "x", [bare, lean, broken])

    [verdict_line] = lines_with("SSE CPU", lines)
    floors = lines_with("the floor", lines)
    assert [line.split()[2] for line in floors] == ["bare:", "lean:", "broken:"]
    assert "per round: +90, +40, +140 us, median +90 us" in floors[0]
    assert "per round: -10, -60, +10 us, median -10 us" in floors[1]
    assert "not measured (the floor exited with 1: address in use)" in floors[2]
    assert lines.index(verdict_line) < lines.index(floors[0])
    assert summary(rows(), figures, PG, "x") == [line for line in lines if line not in floors]
