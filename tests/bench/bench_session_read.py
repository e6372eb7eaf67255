"""A chat turn's read (``HEAD``: the session, its newest page and their count), in process on
PostgreSQL, side by side: (a) through the ORM session as ``Db.execute`` runs it, (b) the same
Core statement on the session's connection (no ORM execute pipeline), (c) on an AUTOCOMMIT
connection (no BEGIN / ROLLBACK), (d) on an engine connection without a session. CPU per read is
this process's CPU seconds over reads, median of rounds (steadier than time on a shared machine).

    .venv/bin/python -m tests.bench.bench_session_read [--reads 500] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from statistics import median

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from adapters.persistence.sqlalchemy import build_engine
from adapters.persistence.sqlalchemy._session_rows import HEAD
from adapters.persistence.sqlalchemy.migrate import upgrade
from tests.bench._common import scratch_postgres, table

PARAMS = {"session_id": uuid.uuid4(), "user_id": uuid.uuid4(), "limit": 50}


def paths(engine: AsyncEngine) -> dict[str, Callable[[], Awaitable[None]]]:
    async def orm() -> None:
        async with AsyncSession(engine) as session:
            await session.execute(HEAD, PARAMS, execution_options={"populate_existing": True})

    async def core() -> None:
        async with AsyncSession(engine) as session:
            await (await session.connection()).execute(HEAD, PARAMS)

    async def autocommit() -> None:
        async with AsyncSession(engine) as session:
            options = {"isolation_level": "AUTOCOMMIT"}
            await (await session.connection(execution_options=options)).execute(HEAD, PARAMS)

    async def engine_connection() -> None:
        async with engine.connect() as connection:
            await connection.execute(HEAD, PARAMS)

    return {
        "a. ORM session": orm,
        "b. Core on the session's connection": core,
        "c. AUTOCOMMIT (no BEGIN/ROLLBACK)": autocommit,
        "d. engine connection": engine_connection,
    }


async def measure(url: str, reads: int, rounds: int) -> list[list[object]]:
    await upgrade(url)
    engine = build_engine(url)
    try:
        each = paths(engine)
        cpu: dict[str, list[float]] = {name: [] for name in each}
        for read in each.values():
            for _ in range(100):
                await read()
        for _ in range(rounds):
            for name, read in each.items():
                started = time.process_time()
                for _ in range(reads):
                    await read()
                cpu[name].append((time.process_time() - started) / reads * 1000)
        return [[name, round(median(ms), 3), round(min(ms), 3)] for name, ms in cpu.items()]
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with scratch_postgres() as url:
        if url is None:
            print("PostgreSQL: skipped (BYOM_BENCH_POSTGRES_URL / BYOM_TEST_POSTGRES_URL)")
            return
        rows = asyncio.run(measure(url, args.reads, args.rounds))
    print(table(["path", "CPU ms/read (median)", "CPU ms/read (min)"], rows))


if __name__ == "__main__":
    main()
