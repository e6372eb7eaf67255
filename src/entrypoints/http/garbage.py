"""The cyclic garbage collector of a serving worker, set for many short requests.

Measured on a worker relaying gateway calls (issue 15; gc.callbacks timing its passes): with
Python's defaults the collector took 7.5% of the worker's CPU, most of it in full passes that
walked everything start-up had made (the app, its routes and schemas, the imported modules),
which lives as long as the worker and is never garbage. Frozen once start-up is over, and with
the youngest generation collected every 7,000 allocations instead of every 700 (a request's
objects die with it; collected sooner, its survivors got promoted and walked again), 1.5%.
Start-up is not collected first: that pass found 45 objects of garbage among 145,000 and took
0.1 s of the time to ready. What is frozen is never collected again, even if it later becomes
garbage in a cycle: start-up's objects live as long as the worker, and the few that do not are
a bounded, one-off cost. Only ``byom serve``'s workers do this (``serving_app``): in a test's
process it would keep every app the tests started alive. Since a provider call leaves no
cycle behind (``adapters/llm/_bodies.close_response``), a request's objects are freed as it
ends and the youngest generation is hardly ever full: 1 pass per 2,000 streamed calls, 16 before.

``byom serve`` starts with the collector off (its passes over the imports cost 0.2 s of the
time to ready and found 55 objects of garbage): it is turned on here, once start-up is over.
"""

from __future__ import annotations

import gc

# Objects allocated (minus those freed) before the youngest generation is collected; the
# older generations keep Python's defaults (every 10 passes of the one below).
YOUNGEST_THRESHOLD = 7_000


def settle_after_startup() -> None:
    """Moves every object start-up made out of the collector's reach (``gc.freeze``), and
    collects the youngest generation less often."""
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNGEST_THRESHOLD, middle, oldest)
    gc.enable()
