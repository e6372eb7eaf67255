"""The OpenAI stand-in as a process of its own (uvloop), for the benchmarks: prints its port,
then serves until it is terminated.

    .venv/bin/python -m tests.bench.standin_process
"""

from __future__ import annotations

import asyncio
import signal

import uvloop

from tests.support.standin_openai import StandInOpenAi


def main() -> None:
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    stop = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # the server thread inherits the mask
    standin = StandInOpenAi().start()
    print(standin.port, flush=True)
    signal.sigwait(stop)
    standin.stop()


if __name__ == "__main__":
    main()
