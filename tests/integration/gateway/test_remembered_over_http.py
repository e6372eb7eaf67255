"""What a worker remembers, through the real app on SQLite and PostgreSQL: a gateway call by a
known token runs only its usage write, and a revoke, a rotation or a closed account is honoured
on the very next request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

from adapters.changes import InProcessChangeFeed
from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from domain.provider import Provider
from tests.support.changes import SwitchableChangeFeed
from tests.support.chat_api import ChatApi, make_chat_api
from tests.support.constants import OPENAI_ROTATED
from tests.support.sql_count import SqlCount, count_sql

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
async def api(db_url: str) -> AsyncIterator[ChatApi]:
    # One process, so its own feed hears every change (PostgreSQL included: the feed that
    # would tell other instances is not what this test is about).
    async for built in make_chat_api("sql", db_url, changes=InProcessChangeFeed()):
        yield built


async def gateway_call(api: ChatApi, token: str) -> int:
    response = await api.client.post(
        "/v1/chat/completions", json=CHAT, headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code


def counted(api: ChatApi) -> AbstractContextManager[SqlCount]:
    """The app's statements, the usage journal's raw asyncpg ones on PostgreSQL included."""
    uow = api.container.uow
    assert isinstance(uow, SqlAlchemyUnitOfWorkFactory)
    return count_sql(uow.engine)


async def user_with_token(api: ChatApi) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    me = await api.user("remembered@example.com")
    key = await api.add_key(me, Provider.OPENAI)
    created = await api.client.post(
        "/api/v1/users/me/gateway-tokens", json={"name": "bot"}, headers=me
    )
    assert created.status_code == 201, created.text
    return me, key, created.json()


async def test_a_known_tokens_call_runs_only_its_usage_write(api: ChatApi) -> None:
    _, _, token = await user_with_token(api)
    with counted(api) as first:
        assert await gateway_call(api, token["token"]) == 200
    with counted(api) as second:
        assert await gateway_call(api, token["token"]) == 200
    print(f"\nfirst call: {first.shape()} statements per transaction")
    print("next call runs:", second.tables())
    assert second.tables() == [["INSERT llm_usage"]]


async def test_while_the_feed_is_down_every_call_reads_the_store(db_url: str) -> None:
    feed = SwitchableChangeFeed()
    async for api in make_chat_api("sql", db_url, changes=feed):
        _, _, token = await user_with_token(api)
        assert await gateway_call(api, token["token"]) == 200
        feed.go_down()
        with counted(api) as down:
            assert await gateway_call(api, token["token"]) == 200
        print("\nfeed down, it runs:", down.tables())
        reads = [kind for kind in down.kinds if kind.startswith("SELECT")]
        assert sorted(reads) == [
            "SELECT gateway_tokens",
            "SELECT user_budgets",
            "SELECT user_data_keys",
            "SELECT user_llm_credentials",
            "SELECT users",
        ]


async def test_a_revoked_token_is_refused_on_the_very_next_call(api: ChatApi) -> None:
    me, _, token = await user_with_token(api)
    assert await gateway_call(api, token["token"]) == 200
    revoked = await api.client.delete(f"/api/v1/users/me/gateway-tokens/{token['id']}", headers=me)
    assert revoked.status_code == 204, revoked.text
    assert await gateway_call(api, token["token"]) == 401


async def test_a_rotated_key_is_the_one_sent_on_the_very_next_call(api: ChatApi) -> None:
    me, key, token = await user_with_token(api)
    upstream = api.upstreams[Provider.OPENAI]
    upstream.other_keys.add(OPENAI_ROTATED)
    assert await gateway_call(api, token["token"]) == 200
    assert upstream.key_of(upstream.requests[-1]) == upstream.key
    rotated = await api.client.patch(
        f"/api/v1/users/me/llm-credentials/{key['id']}",
        json={"api_key": OPENAI_ROTATED},
        headers=me,
    )
    assert rotated.status_code == 200, rotated.text
    assert await gateway_call(api, token["token"]) == 200
    assert upstream.key_of(upstream.requests[-1]) == OPENAI_ROTATED


async def test_a_closed_account_is_refused_on_the_very_next_request(api: ChatApi) -> None:
    me, _, token = await user_with_token(api)
    assert await gateway_call(api, token["token"]) == 200
    assert (await api.client.get("/api/v1/users/me", headers=me)).status_code == 200
    closed = await api.client.delete("/api/v1/users/me", headers=me)
    assert closed.status_code == 204, closed.text
    assert (await api.client.get("/api/v1/users/me", headers=me)).status_code == 401
    assert await gateway_call(api, token["token"]) == 401
