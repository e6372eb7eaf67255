"""The gateway benchmark's closing lines: BYOM's CPU per gateway call next to the LiteLLM
proxy's, and each target of issue 15 met or not with the figure measured. Printed, never
asserted (a shared machine's figures are noisy)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from tests.bench.alternation import Floor, Round, medians
from tests.bench.rows import Row, slope_us

DIRECT = "a. stand-in direct"
CHAT = "b. chat message"
GATEWAY = "c. gateway"
GATEWAY_SSE = "c. gateway SSE"
GATEWAY_SSE_LONG = "c. gateway SSE long"
LITELLM = "l. litellm proxy"
C32 = "c32"


def find(rows: Sequence[Row], config: str | None, target: str, mode: str) -> Row | None:
    for row in rows:
        if (config is None or row.config == config) and row.target == target and row.mode == mode:
            return row
    return None


def per_chunk_us(short: Row | None, long: Row | None) -> float | None:
    """The CPU one more streamed chunk costs: the slope between a short and a long stream."""
    if short is None or long is None:
        return None
    if short.cpu_ms_per_request is None or long.cpu_ms_per_request is None:
        return None
    return slope_us(
        short.cpu_ms_per_request, short.chunks_per_request or 0.0,
        long.cpu_ms_per_request, long.chunks_per_request or 0.0,
    )  # fmt: skip


def verdict(name: str, ok: bool | None, measured: str) -> str:
    state = "not measured" if ok is None else "met" if ok else "NOT met"
    return f"  {state:<12}  {name}: {measured}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} ms"


def summary(
    rows: Sequence[Row],
    figures: Mapping[str, Mapping[str, Any]],
    main: str,
    litellm_note: str,
    floors: Sequence[Floor] = (),
) -> list[str]:
    """``main``: the configuration the targets are judged on (PostgreSQL, 2 workers);
    ``figures``: per configuration, its workers' RSS and start-up; ``litellm_note``: why there
    is no LiteLLM row, or its version; ``floors``: each floor's alternated stream rounds
    (tests/bench/floor_rows.py)."""
    gateway = find(rows, main, GATEWAY, C32)
    litellm = find(rows, None, LITELLM, C32)
    byom_cpu = gateway.cpu_ms_per_request if gateway else None
    litellm_cpu = litellm.cpu_ms_per_request if litellm else None
    ratio = litellm_cpu / byom_cpu if litellm_cpu and byom_cpu else None
    lines = [
        f"BYOM gateway CPU per request ({main}, c32): {_ms(byom_cpu)}",
        f"LiteLLM proxy CPU per request (1 worker, c32): {_ms(litellm_cpu)} ({litellm_note})",
        "ratio LiteLLM / BYOM: " + ("-" if ratio is None else f"{ratio:.1f}x"),
    ]
    chunk_us = per_chunk_us(find(rows, main, GATEWAY_SSE, C32), gateway_long := find(
        rows, main, GATEWAY_SSE_LONG, C32))  # fmt: skip
    litellm_chunk_us = per_chunk_us(
        find(rows, None, LITELLM + " SSE", C32), find(rows, None, LITELLM + " SSE long", C32)
    )
    lines.append(
        "CPU per extra streamed chunk (slope between the short and the long stream): "
        f"BYOM {_us(chunk_us)}, LiteLLM {_us(litellm_chunk_us)}"
    )
    lines += ["", f"Targets of issue 15, on {main}:"]
    lines += _targets(rows, figures.get(main, {}), main, ratio, chunk_us, gateway_long, floors)
    return lines


def _us(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} us"


def _targets(
    rows: Sequence[Row],
    figures: Mapping[str, Any],
    main: str,
    ratio: float | None,
    chunk_us: float | None,
    gateway_long: Row | None,
    floors: Sequence[Floor],
) -> list[str]:
    gateway = find(rows, main, GATEWAY, C32)
    chat = find(rows, main, CHAT, C32)
    sse = find(rows, main, GATEWAY_SSE, C32)
    sequential = find(rows, main, GATEWAY, "sequential")
    direct = find(rows, "-", DIRECT, "sequential")

    def cpu(row: Row | None) -> float | None:
        return row.cpu_ms_per_request if row else None

    def at_most(value: float | None, limit: float) -> bool | None:
        return None if value is None else value <= limit

    def at_least(value: float | None, limit: float) -> bool | None:
        return None if value is None else value >= limit

    added = sequential.p50_ms - direct.p50_ms if sequential and direct else None
    out = [
        verdict("gateway CPU <= 1.5 ms per request (c32)", at_most(cpu(gateway), 1.5),
                _ms(cpu(gateway))),
        verdict("LiteLLM / BYOM gateway CPU >= 5x", at_least(ratio, 5.0),
                "-" if ratio is None else f"{ratio:.1f}x"),
        verdict("gateway added p50 <= 1.5 ms over the stand-in direct, sequential",
                at_most(added, 1.5), _ms(added)),
        verdict("gateway >= 600 req/s at c32", at_least(gateway.rps if gateway else None, 600),
                f"{gateway.rps:.0f}/s" if gateway else "-"),
        verdict("chat message CPU <= 2.5 ms per request (c32)", at_most(cpu(chat), 2.5),
                _ms(cpu(chat))),
        verdict("chat message >= 400 req/s at c32", at_least(chat.rps if chat else None, 400),
                f"{chat.rps:.0f}/s" if chat else "-"),
    ]  # fmt: skip
    rounds = [Round(**r) for r in figures.get("stream_rounds") or []]
    out.append(_stream_target(cpu(gateway), sse, chunk_us, judged=not rounds))
    if rounds:
        out.append(_alternated_stream_target(rounds))
        out += _near_chunks(rounds)
    out += _floor_lines(floors)
    rss = figures.get("rss_mb_after_warmup") or []
    out.append(
        verdict("idle RSS <= 110 MB per worker", at_most(max(rss), 110) if rss else None,
                f"{max(rss):.0f} MB (workers: {rss})" if rss else "-")
    )  # fmt: skip
    ready = figures.get("ready_s")
    starts = figures.get("ready_starts_s")
    out.append(
        verdict("byom serve ready <= 1.5 s (median of the benchmark's starts)",
                at_most(ready, 1.5), "-" if ready is None else f"{ready:.2f} s"
                + (f" (starts: {starts})" if starts else ""))
    )  # fmt: skip
    if gateway_long is None:
        out.append("  (no long stream row: the per-chunk cost is not measured)")
    return out


STREAM_TARGET = "gateway SSE CPU <= JSON CPU + chunks x per-chunk cost (c32)"


def _alternated_stream_target(rounds: Sequence[Round]) -> str:
    """Judged on the median over rounds measured in alternation of what the short stream cost
    beyond the JSON call and its chunks (tests/bench/alternation.py)."""
    m = medians(rounds)
    excess = _excesses(rounds)
    if m is None or m.per_chunk_us is None or not excess:
        return verdict(STREAM_TARGET, None, "-")
    measured = (
        f"{m.sse_ms:.2f} ms vs {m.json_ms:.2f} + {m.sse_chunks:.0f} x {m.per_chunk_us:.1f} us"
        f" (medians of {len(rounds)} alternated rounds);"
        f" SSE over JSON + chunks, {_per_round(excess)}"
    )
    return verdict(STREAM_TARGET, statistics.median(excess) <= 0, measured)


def _excesses(rounds: Sequence[Round]) -> list[float]:
    """Each round's short stream over its JSON call and chunks, where the round prices them:
    BYOM's verdict and the floors' lines take them from here alike."""
    return [e for e in (r.excess_us for r in rounds) if e is not None]


def _per_round(excess: Sequence[float]) -> str:
    return (
        f"per round: {', '.join(f'{e:+.0f}' for e in excess)} us,"
        f" median {statistics.median(excess):+.0f} us"
    )


def _floor_lines(floors: Sequence[Floor]) -> list[str]:
    """The same excess, priced alike, of the floors BYOM is measured against (reported, not
    judged): what of it a relay has with no layer of BYOM's."""
    out = []
    for floor in floors:
        excess = _excesses(floor.rounds)
        measured = _per_round(excess) if excess else f"not measured ({floor.failure})"
        out.append(f"  {'':<12}  the floor, {floor.name}: SSE over JSON + chunks, {measured}")
    return out


def _near_chunks(rounds: Sequence[Round]) -> list[str]:
    """One more chunk's cost near the short stream's length and over the long one's, and the
    short stream's excess with its chunks priced at the first (reported, not judged)."""
    m = medians(rounds)
    near = [e for e in (r.near_excess_us for r in rounds) if e is not None]
    if m is None or m.near_per_chunk_us is None or not near:
        return []
    if m.medium_ms is None or m.medium_chunks is None:
        return []
    far = slope_us(m.medium_ms, m.medium_chunks, m.long_ms, m.long_chunks)
    return [
        f"  {'':<12}  one more chunk: {m.near_per_chunk_us:.1f} us from {m.sse_chunks:.0f} to"
        f" {m.medium_chunks:.0f} chunks, {'-' if far is None else f'{far:.1f}'} us from"
        f" {m.medium_chunks:.0f} to {m.long_chunks:.0f} (medians)",
        f"  {'':<12}  priced at the first: SSE over JSON + chunks, {_per_round(near)}"
        " (reported, not judged)",
    ]


def _stream_target(
    json_cpu: float | None, sse: Row | None, chunk_us: float | None, *, judged: bool = True
) -> str:
    """From the table's rows; with alternated rounds, printed above their verdict, not as one."""
    if json_cpu is None or sse is None or sse.cpu_ms_per_request is None or chunk_us is None:
        return verdict(STREAM_TARGET, None, "-") if judged else "  (no stream rows)"
    chunks = sse.chunks_per_request or 0.0
    allowed = json_cpu + chunks * chunk_us / 1000
    measured = (
        f"{sse.cpu_ms_per_request:.2f} ms vs {json_cpu:.2f} + {chunks:.0f} x {chunk_us:.1f} us"
        f" = {allowed:.2f} ms"
    )
    within = sse.cpu_ms_per_request <= allowed
    if not judged:
        return f"  {'':<12}  the table's rows alone: {measured} ({'within' if within else 'over'})"
    return verdict(STREAM_TARGET, within, measured)
