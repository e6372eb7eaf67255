"""The usage write of a completed call, in process, side by side: (a) the ORM session as the
gateway wrote it before issue 15 (``session.add``, flush, commit), (b) the unit of work's Core
INSERT (``uow.usage.add``, the chat path's), (c) the ``UsageJournal`` (group commit; on
PostgreSQL one asyncpg statement). One at a time and 32 at once; CPU per row is this process's
CPU seconds over rows (steadier than time on a shared machine); statements and transactions per
row are counted (tests/support/sql_count.py).

    .venv/bin/python -m tests.bench.bench_usage_write [--rows 2000] [--only postgres,sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.tables import UsageRow
from adapters.persistence.sqlalchemy.unit_of_work import session_factory
from adapters.persistence.sqlalchemy.usage_journal import usage_journal
from adapters.persistence.sqlalchemy.usage_store import usage_values
from domain.usage import UsageRecord
from domain.user import User
from tests.bench._common import scratch_postgres, table, write_results
from tests.support.entities import committed_user, usage
from tests.support.sql_count import SqlCount, count_sql

Write = Callable[[UsageRecord], Awaitable[None]]


async def measure(url: str, rows: int) -> list[list[Any]]:
    engine = build_engine(url, pool_size=10)
    uow = SqlAlchemyUnitOfWorkFactory(engine)
    sessions = session_factory(engine)
    journal = usage_journal(engine)
    owner = await committed_user(uow)

    async def orm(record: UsageRecord) -> None:
        async with sessions() as session:
            session.add(UsageRow(**usage_values(record)))
            await session.commit()

    async def core(record: UsageRecord) -> None:
        async with uow() as unit:
            await unit.usage.add(record)
            await unit.commit()

    paths: list[tuple[str, Write]] = [
        ("a. ORM session (before)", orm),
        ("b. unit of work, Core INSERT", core),
        ("c. UsageJournal", journal.write),
    ]
    out: list[list[Any]] = []
    with count_sql(engine) as counter:
        await run_paths(paths, rows, owner, counter, out)
    await journal.aclose()
    await engine.dispose()
    return out


async def run_paths(
    paths: list[tuple[str, Write]],
    rows: int,
    owner: User,
    counter: SqlCount,
    out: list[list[Any]],
) -> None:
    for name, write in paths:
        for concurrency in (1, 32):
            await asyncio.gather(*(write(usage(owner.id)) for _ in range(concurrency)))  # warm
            records = [usage(owner.id) for _ in range(rows)]
            counter.reset()
            cpu, wall = time.process_time(), time.perf_counter()
            if concurrency == 1:
                for record in records:
                    await write(record)
            else:
                gate = asyncio.Semaphore(concurrency)

                async def bounded(
                    record: UsageRecord, write: Write = write, gate: asyncio.Semaphore = gate
                ) -> None:
                    async with gate:
                        await write(record)

                await asyncio.gather(*(bounded(r) for r in records))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            out.append(
                [
                    name,
                    "sequential" if concurrency == 1 else f"c{concurrency}",
                    cpu / rows * 1000,
                    wall / rows * 1000,
                    len(counter.statements) / rows,
                    len(counter.transactions) / rows,
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--only", default="postgres,sqlite")
    args = parser.parse_args()
    results: dict[str, list[list[Any]]] = {}
    if "postgres" in args.only:
        with scratch_postgres() as url:
            if url is None:
                print("PostgreSQL: skipped (BYOM_BENCH_POSTGRES_URL / BYOM_TEST_POSTGRES_URL)")
            else:
                results["postgres"] = asyncio.run(measure(url, args.rows))
    if "sqlite" in args.only:
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
            asyncio.run(upgrade(url))
            results["sqlite"] = asyncio.run(measure(url, args.rows))
    headers = ["db", "path", "mode", "CPU ms/row", "wall ms/row", "statements/row", "tx/row"]
    print(table(headers, [[db, *row] for db, rows in results.items() for row in rows]))
    figures = {
        db: [dict(zip(headers[1:], row, strict=True)) for row in r] for db, r in results.items()
    }
    print(f"\nwritten to {write_results('usage-write', ' '.join(parser.prog.split()), figures)}")


if __name__ == "__main__":
    main()
