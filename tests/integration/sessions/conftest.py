"""The real app and the real provider adapters, talking to stand-in upstreams."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.chat_api import ChatApi, make_chat_api


@pytest.fixture
async def api() -> AsyncIterator[ChatApi]:
    async for built in make_chat_api("memory"):
        yield built


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def any_db_api(request: pytest.FixtureRequest) -> AsyncIterator[ChatApi]:
    url = None
    if request.param != "memory":
        fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
        url = str(request.getfixturevalue(fixture))
    async for built in make_chat_api(request.param, url):
        yield built


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def sql_api(request: pytest.FixtureRequest) -> AsyncIterator[ChatApi]:
    url = str(request.getfixturevalue(f"{request.param}_url"))
    async for built in make_chat_api(request.param, url):
        yield built
