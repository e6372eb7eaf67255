"""The rows the stream target compares, measured again in alternation.

The target sets a short stream's CPU against a JSON call's plus its chunks at the marginal cost
(the slope to a long stream). Measured one after another, minutes apart, those rows see the
machine in different phases: on this shared 2-core machine a slice's CPU per request drifts by
15-30%, more than the whole margin the target is about. Here they take turns, a slice each per
round (in the reverse order every other round), each round's slices are compared with each
other (``Round.excess_us``), and the target is judged on the median of those rounds.

A medium stream takes its turn too (the stand-in's ``MEDIUM_STREAM_TAG``). The slope to the long
stream prices the short stream's chunks at the rate of the long stream's last ones, too cheap
if a chunk cost more near a short reply's length (on caches other requests cooled between its
few chunks). One scratch run said so (24 against 13.5 us); six runs of the benchmark did not
(the two slopes within 8 us of each other, either way round). ``Round.near_excess_us``
prices the chunks at the slope to the medium stream; it is reported beside the verdict, not
judged."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.load import Spec
from tests.bench.rows import measure, slope_us

ROUNDS = 5  # odd: the median is one round's


@dataclass(frozen=True)
class Round:
    """One round's CPU per request (ms) of each row, and the streams' chunks per request."""

    json_ms: float
    sse_ms: float
    sse_chunks: float
    long_ms: float
    long_chunks: float
    medium_ms: float | None = None  # None in figures from before the medium stream
    medium_chunks: float | None = None

    @property
    def near_per_chunk_us(self) -> float | None:
        """One more chunk's CPU near the short stream's length: the slope to the medium one."""
        if self.medium_ms is None or self.medium_chunks is None:
            return None
        return slope_us(self.sse_ms, self.sse_chunks, self.medium_ms, self.medium_chunks)

    @property
    def near_excess_us(self) -> float | None:
        """``excess_us`` with the chunks priced at ``near_per_chunk_us``."""
        return self._excess_at(self.near_per_chunk_us)

    @property
    def per_chunk_us(self) -> float | None:
        """One more chunk's CPU: the slope from the short stream to the long one."""
        return slope_us(self.sse_ms, self.sse_chunks, self.long_ms, self.long_chunks)

    @property
    def excess_us(self) -> float | None:
        """The short stream's CPU over the JSON call's plus its chunks at this round's marginal
        cost: what streaming itself added, or None."""
        return self._excess_at(self.per_chunk_us)

    def _excess_at(self, per_chunk_us: float | None) -> float | None:
        if per_chunk_us is None:
            return None
        return (self.sse_ms - self.json_ms) * 1000 - self.sse_chunks * per_chunk_us


@dataclass(frozen=True)
class Floor:
    """A floor's rounds (tests/bench/floor_rows.py), or why it has none."""

    name: str
    rounds: list[Round] = field(default_factory=list)
    failure: str | None = None


def alternate(
    url: str,
    specs: tuple[Sequence[Spec], Sequence[Spec], Sequence[Spec], Sequence[Spec]],
    *,
    requests: int,
    server_pid: int,
    workdir: Path,
    rounds: int = ROUNDS,
) -> list[Round]:
    """``specs``: the JSON call, the short, the medium and the long stream; the medium stream
    gets half of ``requests`` a round and the long one a quarter (they cost about twice and four
    times as much)."""
    json_specs, sse_specs, medium_specs, long_specs = specs
    slices = (
        (json_specs, requests),
        (sse_specs, requests),
        (medium_specs, max(requests // 2, 50)),
        (long_specs, max(requests // 4, 50)),
    )
    out = []
    for n in range(rounds):
        # Every other round in the reverse order: a steady drift within a round then adds to
        # one round's excess what it takes from the next one's.
        order = range(4) if n % 2 == 0 else range(3, -1, -1)
        got = {
            i: measure("", "", url, slices[i][0], requests=slices[i][1], concurrency=32,
                       workdir=workdir, server_pid=server_pid)
            for i in order
        }  # fmt: skip
        if any(r.errors or r.cpu_ms_per_request is None for r in got.values()):
            return []  # a failed request makes a CPU figure meaningless: the rows judge instead
        json_row, sse_row, medium_row, long_row = got[0], got[1], got[2], got[3]
        out.append(
            Round(
                json_row.cpu_ms_per_request or 0.0,
                sse_row.cpu_ms_per_request or 0.0,
                sse_row.chunks_per_request or 0.0,
                long_row.cpu_ms_per_request or 0.0,
                long_row.chunks_per_request or 0.0,
                medium_row.cpu_ms_per_request,
                medium_row.chunks_per_request,
            )
        )
    return out


def medians(rounds: Sequence[Round]) -> Round | None:
    """Each figure's median over the rounds."""
    if not rounds:
        return None

    def med(field: str) -> float:
        return float(statistics.median(getattr(r, field) for r in rounds))

    def med_or_none(field: str) -> float | None:
        known = [v for r in rounds if (v := getattr(r, field)) is not None]
        return float(statistics.median(known)) if len(known) == len(rounds) else None

    return Round(
        med("json_ms"), med("sse_ms"), med("sse_chunks"), med("long_ms"), med("long_chunks"),
        med_or_none("medium_ms"), med_or_none("medium_chunks"),
    )  # fmt: skip
