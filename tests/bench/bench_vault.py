"""The credential vault: AES-GCM per operation, vault operations per second (create, list,
resolve-and-decrypt through the use cases, fake providers so no network is measured), and how
list and resolve latency grow from 1,000 to 100,000 users with 3 credentials each (seeded by
bulk insert: COPY on PostgreSQL, executemany on SQLite). They should stay flat: every read is
by an indexed owner id.

    .venv/bin/python -m tests.bench.bench_vault [--users 1000,100000] [--samples 500] [--only ...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import timeit
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import insert

from adapters.crypto.aes_gcm import AesGcmCipher, AesGcmKeyWrapper
from adapters.crypto.keyring import Keyring
from adapters.persistence.sqlalchemy import build_engine
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.tables import CredentialRow, DataKeyRow, UserRow, metadata
from domain.provider import Provider
from domain.sealing import SealContext
from entrypoints.bootstrap import Container
from tests.bench._common import percentiles, scratch_postgres, table, write_results
from tests.support.builders import key_line, make_settings, sql_world
from tests.support.constants import KEYS as API_KEYS

KEYS = key_line("k1")
PROVIDERS = (Provider.OPENAI, Provider.ANTHROPIC, Provider.GOOGLE)
MODELS = {Provider.OPENAI: "model-a", Provider.ANTHROPIC: "model-a", Provider.GOOGLE: "model-a"}


# --- AES-GCM -------------------------------------------------------------------------------


def crypto_figures() -> list[list[Any]]:
    keyring = Keyring.parse(KEYS)
    wrapper = AesGcmKeyWrapper(keyring)
    cipher = AesGcmCipher()
    dek = cipher.new_data_key()
    owner = uuid.uuid4()
    context = SealContext(owner, uuid.uuid4(), "openai", None)
    secret = API_KEYS[Provider.OPENAI].encode()
    sealed = cipher.seal(dek, secret, context)
    wrapped = asyncio.run(wrapper.wrap(dek, owner))
    loop = asyncio.new_event_loop()
    cases: dict[str, Callable[[], object]] = {
        "seal an API key (AES-256-GCM, new nonce)": lambda: cipher.seal(dek, secret, context),
        "open an API key": lambda: cipher.open(dek, sealed, context),
        "wrap a data key (master key)": lambda: loop.run_until_complete(wrapper.wrap(dek, owner)),
        "unwrap a data key": lambda: loop.run_until_complete(wrapper.unwrap(wrapped, owner)),
    }
    rows = []
    for name, call in cases.items():
        runs = 20_000
        best = min(timeit.repeat(call, number=runs, repeat=3)) / runs
        rows.append([name, best * 1e6, 1 / best])
    loop.close()
    return rows


# --- seeding by bulk insert ------------------------------------------------------------------


async def seed_rows(count: int, start: int) -> tuple[list[dict[str, Any]], ...]:
    keyring = Keyring.parse(KEYS)
    wrapper = AesGcmKeyWrapper(keyring)
    cipher = AesGcmCipher()
    now = datetime.now(UTC)
    users, data_keys, credentials = [], [], []
    for n in range(start, start + count):
        user_id, key_id = uuid.uuid4(), uuid.uuid4()
        dek = cipher.new_data_key()
        wrapped = await wrapper.wrap(dek, user_id)
        users.append(
            {"id": user_id, "email": f"vault{n}@example.com", "password_hash": "x",
             "is_active": True, "created_at": now, "updated_at": now}
        )  # fmt: skip
        data_keys.append(
            {"id": key_id, "user_id": user_id, "wrapped_key": wrapped.ciphertext,
             "kek_id": wrapped.kek_id, "seal_count": 3, "created_at": now, "destroyed_at": None}
        )  # fmt: skip
        for provider in PROVIDERS:
            credential_id = uuid.uuid4()
            context = SealContext(user_id, credential_id, provider.value, None)
            credentials.append(
                {"id": credential_id, "user_id": user_id, "provider": provider.value,
                 "model_name": MODELS[provider],
                 "encrypted_api_key": cipher.seal(dek, API_KEYS[provider].encode(), context),
                 "encryption_key_id": str(key_id), "key_hint": API_KEYS[provider][-4:],
                 "base_url": None, "is_default": provider is Provider.OPENAI, "is_active": True,
                 "last_validated_at": now, "last_error": None, "revoked_at": None,
                 "created_at": now, "updated_at": now}
            )  # fmt: skip
    return users, data_keys, credentials


async def bulk_insert(url: str, count: int, start: int) -> list[UUID]:
    users, data_keys, credentials = await seed_rows(count, start)
    engine = build_engine(url)
    try:
        async with engine.begin() as connection:
            if url.startswith("postgresql"):
                raw = (await connection.get_raw_connection()).driver_connection
                assert raw is not None
                for table_, rows in (
                    (metadata.tables[UserRow.__tablename__], users),
                    (metadata.tables[DataKeyRow.__tablename__], data_keys),
                    (metadata.tables[CredentialRow.__tablename__], credentials),
                ):
                    columns = list(rows[0])
                    await raw.copy_records_to_table(
                        table_.name, records=[tuple(r[c] for c in columns) for r in rows],
                        columns=columns,
                    )  # fmt: skip
            else:
                for table_, rows in (
                    (metadata.tables[UserRow.__tablename__], users),
                    (metadata.tables[DataKeyRow.__tablename__], data_keys),
                    (metadata.tables[CredentialRow.__tablename__], credentials),
                ):
                    for i in range(0, len(rows), 5000):
                        await connection.execute(insert(table_), rows[i : i + 5000])
        if url.startswith("postgresql"):
            async with engine.connect() as connection:
                await connection.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
    return [u["id"] for u in users]


# --- through the use cases -----------------------------------------------------------------


def container_for(url: str) -> Container:
    settings = make_settings(database_url=url, keys=KEYS)
    return sql_world(settings).container


async def timed(samples: int, call: Callable[[int], Awaitable[object]]) -> dict[str, float]:
    """Sequential calls: latency percentiles and CPU per call (this process: in-process use
    cases, so it is BYOM's CPU plus the database driver's)."""
    for i in range(50):  # warm-up on indexes of their own: ``call`` may not repeat an index
        await call(samples + i)
    latencies = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i in range(samples):
        started = time.perf_counter()
        await call(i)
        latencies.append(time.perf_counter() - started)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {**percentiles(latencies), "ops_per_s": samples / wall, "cpu_ms": cpu * 1000 / samples}


async def vault_operations(url: str, samples: int) -> dict[str, dict[str, float]]:
    """create (validate with a fake provider, seal, store), list, resolve-and-decrypt."""
    users = await bulk_insert(url, samples + 50, start=10_000_000)
    container = container_for(url)
    try:
        # The bulk users have every provider: create on fresh users (one key each).
        fresh = []
        for n in range(samples + 50):
            user = await container.register_user.execute(
                email=f"create{n}@example.com", password="a long enough password"
            )
            fresh.append(user.id)

        async def create(i: int) -> object:
            return await container.add_credential.execute(
                fresh[i], provider="openai", api_key=API_KEYS[Provider.OPENAI]
            )

        async def listing(i: int) -> object:
            return await container.list_credentials.execute(users[i])

        async def resolve(i: int) -> object:
            resolved = await container.resolve_llm.execute(users[i])
            return resolved.api_key.reveal()

        return {
            "create": await timed(samples, create),
            "list": await timed(samples, listing),
            "resolve+decrypt": await timed(samples, resolve),
        }
    finally:
        await container.aclose()


async def growth(url: str, sizes: list[int], samples: int) -> dict[int, dict[str, Any]]:
    """List and resolve latency as the vault grows (random users, sequential)."""
    out: dict[int, dict[str, Any]] = {}
    everyone: list[UUID] = []
    seeded = 0
    for size in sizes:
        started = time.perf_counter()
        everyone += await bulk_insert(url, size - seeded, start=seeded)
        seed_s = time.perf_counter() - started
        seeded = size
        picked = random.sample(everyone, min(samples + 50, len(everyone)))
        container = container_for(url)
        try:

            async def listing(
                i: int, picked: list[UUID] = picked, c: Container = container
            ) -> object:
                return await c.list_credentials.execute(picked[i])

            async def resolve(
                i: int, picked: list[UUID] = picked, c: Container = container
            ) -> object:
                return (await c.resolve_llm.execute(picked[i])).api_key.reveal()

            out[size] = {
                "seed_seconds": seed_s,
                "list": await timed(samples, listing),
                "resolve+decrypt": await timed(samples, resolve),
            }
        finally:
            await container.aclose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--users", default="1000,100000")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--only", default="postgres,sqlite")
    args = parser.parse_args()
    command = ".venv/bin/python -m tests.bench.bench_vault " + " ".join(sys.argv[1:])
    sizes = [int(x) for x in args.users.split(",")]
    figures: dict[str, Any] = {}

    crypto = crypto_figures()
    print(table(["AES-GCM operation", "µs/op", "ops/s"], crypto))
    figures["crypto_us_per_op"] = {r[0]: r[1] for r in crypto}

    backends = []
    if "postgres" in args.only:
        backends.append("postgres")
    if "sqlite" in args.only:
        backends.append("sqlite")
    for backend in backends:
        with (
            tempfile.TemporaryDirectory(prefix="byom-vault-") as tmp,
            scratch_postgres() if backend == "postgres" else _sqlite(tmp) as url,
        ):
            if url is None:
                print("PostgreSQL skipped: set BYOM_BENCH_POSTGRES_URL or BYOM_TEST_POSTGRES_URL")
                continue
            grown = asyncio.run(growth(url, sizes, args.samples))
            ops = asyncio.run(vault_operations(url, args.samples))
        figures[backend] = {"operations": ops, "growth": grown}
        print()
        print(f"{backend}: vault operations, sequential, in-process use cases (fake providers)")
        print(table(
            ["operation", "ops/s", "p50 ms", "p95 ms", "p99 ms", "CPU ms/op"],
            [[k, v["ops_per_s"], v["p50_ms"], v["p95_ms"], v["p99_ms"], v["cpu_ms"]]
             for k, v in ops.items()],
        ))  # fmt: skip
        print()
        print(f"{backend}: latency as the vault grows (3 credentials per user)")
        print(table(
            ["users", "operation", "p50 ms", "p95 ms", "p99 ms", "CPU ms/op", "seeded in s"],
            [[size, op, g[op]["p50_ms"], g[op]["p95_ms"], g[op]["p99_ms"], g[op]["cpu_ms"],
              g["seed_seconds"]]
             for size, g in grown.items() for op in ("list", "resolve+decrypt")],
        ))  # fmt: skip
    path = write_results("vault", command, figures)
    print(f"\nwritten to {path}")


class _sqlite:  # noqa: N801 (a context manager used like scratch_postgres)
    def __init__(self, tmp: str) -> None:
        self.url = f"sqlite+aiosqlite:///{Path(tmp) / 'byom.db'}"

    def __enter__(self) -> str:
        asyncio.run(upgrade(self.url))
        return self.url

    def __exit__(self, *_: object) -> None:
        return None


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
