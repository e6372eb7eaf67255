"""KeyCanaryStore contract: one canary per master key id, the first one stored stays."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.persistence.memory import MemoryKeyCanaryStore
from adapters.persistence.sqlalchemy import SqlAlchemyKeyCanaryStore, build_engine
from domain.ports import KeyCanaryStore
from domain.sealing import WrappedKey
from tests.support.databases import BACKENDS


@pytest.fixture(params=BACKENDS)
async def canaries(request: pytest.FixtureRequest) -> AsyncIterator[KeyCanaryStore]:
    if request.param == "memory":
        yield MemoryKeyCanaryStore({})
        return
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    engine = build_engine(request.getfixturevalue(fixture))
    try:
        yield SqlAlchemyKeyCanaryStore(engine)
    finally:
        await engine.dispose()


async def test_a_canary_reads_back_by_its_master_key_id(canaries: KeyCanaryStore) -> None:
    assert await canaries.get("k1") is None
    await canaries.add(WrappedKey("k1", b"\x01" * 61))
    await canaries.add(WrappedKey("k2", b"\x02" * 61))
    assert await canaries.get("k1") == WrappedKey("k1", b"\x01" * 61)
    assert await canaries.get("k2") == WrappedKey("k2", b"\x02" * 61)


async def test_the_first_canary_of_a_key_stays(canaries: KeyCanaryStore) -> None:
    await canaries.add(WrappedKey("k1", b"first"))
    await canaries.add(WrappedKey("k1", b"second"))
    assert await canaries.get("k1") == WrappedKey("k1", b"first")
