"""Issue 13 item 2, the red team's figure: user A opens 105 streams to an OpenAI-compatible
server of their own that sends a first chunk and then stalls; meanwhile user B asks their own
(quick) OpenAI-compatible server for a completion. What does B get, and after how long?
With ``--many-users``, the 105 streams come from 105 users, one each, all to that one server
(what the per-user cap cannot stop, and the per-origin limit must).

Runs the real composition root (``build``, default settings, the real provider clients) on the
in-memory stores, both servers on 127.0.0.1. Prints one JSON line.

    .venv/bin/python -m tests.bench.outbound_starvation [--many-users]
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from adapters.persistence.memory.database import MemoryDatabase
from application.gateway.relay_completion import RelayRequest
from domain.errors import DomainError
from domain.llm import ChatMessage, Role
from entrypoints.bootstrap import build
from entrypoints.http.problems import problem_for
from entrypoints.settings import Settings
from tests.support.builders import JWT_SECRET, key_line, memory_database
from tests.support.llm_local_server import LocalServer
from tests.support.slow_upstream import MODEL, quick, stalling, user_of

STREAMS = 105
ASK = RelayRequest(f"openai_compatible/{MODEL}", (ChatMessage(Role.USER, "hello"),))


async def main(many_users: bool) -> dict[str, object]:
    settings = Settings.from_env(
        {
            "BYOM_ENV": "test",
            "BYOM_ENCRYPTION_KEYS": key_line("k1"),
            "BYOM_JWT_SECRET": JWT_SECRET,
            "BYOM_ALLOW_PRIVATE_BASE_URLS": "true",
        }
    )
    container = build(
        settings,
        database=memory_database(MemoryDatabase()),
        hasher=Argon2PasswordHasher.fast_for_tests(),
    )
    async with LocalServer(stalling()) as slow, LocalServer(quick) as fast:
        users = []
        slow_users = [(f"a{n}", slow) for n in range(STREAMS if many_users else 1)]
        for name, server in [*slow_users, ("b", fast)]:
            users.append(await user_of(container, server, f"{name}@example.com"))
        *a, b = users
        streams = [container.relay_completion.stream(a[n % len(a)], ASK) for n in range(STREAMS)]
        opening = [asyncio.create_task(s.start()) for s in streams]
        await asyncio.wait(opening, timeout=3.0)
        a_outcomes = Counter(_outcome(t) for t in opening)
        started = time.perf_counter()
        try:
            await container.relay_completion.execute(b, ASK)
            b_status = 200
        except DomainError as exc:
            b_status = problem_for(exc).status
        b_seconds = time.perf_counter() - started
        for task in opening:
            task.cancel()
        await asyncio.gather(*opening, return_exceptions=True)
        for s in streams:
            await s.aclose()
    await container.aclose()
    return {
        "a_streams": dict(a_outcomes),
        "b_status": b_status,
        "b_seconds": round(b_seconds, 3),
    }


def _outcome(task: asyncio.Task[None]) -> str:
    if not task.done():
        return "waiting for a connection"
    if task.exception() is None:
        return "streaming"
    error = task.exception()
    return f"{problem_for(error).status}" if isinstance(error, DomainError) else repr(error)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main("--many-users" in sys.argv))))
