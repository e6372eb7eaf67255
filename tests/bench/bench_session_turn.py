"""A chat turn's own read and write on PostgreSQL, in process, side by side: (a) through the unit
of work (SQLAlchemy's ORM session: the read in BEGIN / ROLLBACK, the write three statements in
BEGIN / COMMIT), as ``UnitOfWorkSessionTurns`` does on SQLite and as chat turns did before; (b)
``PostgresSessionTurns``, one asyncpg statement each with no transaction around it, on
connections the raw-driver paths keep between uses (``LentConnections``); (c) the same with a
checkout from SQLAlchemy's pool for each statement, as before those (a pool of one lends
nothing). CPU per turn
is this process's CPU seconds over turns, median of rounds (steadier than time on a shared
machine); the sessions grow by two messages a turn, as the chat benchmark's do.

    .venv/bin/python -m tests.bench.bench_session_turn [--turns 400] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import replace
from statistics import median

from adapters.persistence.session_turns import UnitOfWorkSessionTurns
from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from adapters.persistence.sqlalchemy.session_turns import session_turns
from domain.agent_session import AgentSession
from domain.llm import Role, Usage
from domain.ports import SessionTurns
from tests.bench._common import scratch_postgres, table
from tests.support.entities import at, committed_user, message, session, usage

SESSIONS = 1024  # as many as the chat benchmark has: a few turns each


async def measure(url: str, turns: int, rounds: int) -> list[list[object]]:
    engine = build_engine(url, pool_size=10)
    checkouts = build_engine(url, pool_size=1, max_overflow=0)
    try:
        uow = SqlAlchemyUnitOfWorkFactory(engine)
        paths: dict[str, SessionTurns] = {
            "a. unit of work (SQLAlchemy, before)": UnitOfWorkSessionTurns(uow),
            "b. PostgresSessionTurns (asyncpg)": session_turns(engine),
            "c. the same, a pool checkout per statement": session_turns(checkouts),
        }
        owner = await committed_user(uow)
        items: list[AgentSession] = [session(owner.id) for _ in range(SESSIONS)]
        async with uow() as unit:
            for item in items:
                await unit.sessions.add(item)
            await unit.commit()
        clock = iter(range(10**9))

        async def turn(turns_: SessionTurns, item: AgentSession) -> tuple[float, float]:
            started = time.process_time()
            head = await turns_.head(owner.id, item.id, limit=64)
            read = time.process_time()
            assert head is not None
            now = at(next(clock) / 1000)
            asked = replace(message(item.id, created_at=now), content="How is EUR/USD carry?")
            reply = message(item.id, Role.ASSISTANT, created_at=now, usage=Usage(12, 34))
            record = usage(owner.id, session_id=item.id, created_at=now)
            await turns_.add(owner.id, item.id, [asked, reply], now, record)
            return read - started, time.process_time() - read

        cpu: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
        for path in paths.values():
            for n in range(50):
                await turn(path, items[n % SESSIONS])
        for _ in range(rounds):
            for name, path in paths.items():
                spent = [await turn(path, items[n % SESSIONS]) for n in range(turns)]
                cpu[name].append(
                    (sum(r for r, _ in spent) / turns, sum(w for _, w in spent) / turns)
                )
        return [
            [
                name,
                round(1000 * median(r for r, _ in each), 3),
                round(1000 * median(w for _, w in each), 3),
                round(1000 * median(r + w for r, w in each), 3),
            ]
            for name, each in cpu.items()
        ]
    finally:
        await engine.dispose()
        await checkouts.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with scratch_postgres() as url:
        if url is None:
            print("PostgreSQL: skipped (BYOM_BENCH_POSTGRES_URL / BYOM_TEST_POSTGRES_URL)")
            return
        rows = asyncio.run(measure(url, args.turns, args.rounds))
    print(table(["path", "read CPU ms/turn", "write CPU ms/turn", "turn CPU ms (median)"], rows))


if __name__ == "__main__":
    main()
