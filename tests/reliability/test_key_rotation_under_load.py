"""Master key rotation while the service serves (docs/security-tests.md, B7, B8, H12): the
keyring gets a new primary key, ``byom keys rewrap`` runs as its own process against PostgreSQL
while chat traffic and new credentials keep coming, is killed (SIGKILL) half-way, and run again.
No request fails, every credential opens afterwards with the old master key retired, and both
``byom keys status`` and /metrics show every data key under the new primary."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import httpx
import pytest

from entrypoints.bootstrap import Container
from entrypoints.http.app import create_app
from entrypoints.settings import CryptoSettings
from tests.support.asgi import asgi_transport
from tests.support.builders import JWT_SECRET, key_line, make_settings, sql_world
from tests.support.constants import ANTHROPIC_KEY, OPENAI_KEY, PASSWORD
from tests.support.live_server import byom_command

# Three `byom` processes and a few hundred requests: run in CI (the fast suite has the
# interrupted rewrap in tests/integration/test_cli.py).
pytestmark = [pytest.mark.postgres, pytest.mark.slow]

K1, K2 = key_line("k1"), key_line("k2")
USERS = 60
CONCURRENCY = 8


def container_for(url: str, keys: str) -> Container:
    # Every user logs in once at the start, from one address.
    settings = make_settings(database_url=url, login_rate_per_minute=10_000)
    settings = replace(settings, crypto=CryptoSettings(keys=keys))
    return sql_world(settings).container


def byom(url: str, keys: str, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BYOM_")}
    env.update(
        BYOM_DATABASE_URL=url,
        BYOM_ENCRYPTION_KEYS=keys,
        BYOM_JWT_SECRET=JWT_SECRET,
        BYOM_ENV="test",
        BYOM_LOG_LEVEL="WARNING",
    )
    return subprocess.Popen(  # noqa: S603 (our own command)
        [*byom_command(), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@dataclass
class Traffic:
    client: httpx.AsyncClient
    tokens: list[dict[str, str]]
    sessions: list[str]
    statuses: Counter[int]
    failures: list[str]

    async def chat(self, n: int) -> None:
        user = n % len(self.tokens)
        response = await self.client.post(
            f"/api/v1/agent-sessions/{self.sessions[user]}/messages",
            json={"content": f"turn {n}"},
            headers=self.tokens[user],
        )
        self.record(response)

    async def new_credential(self, n: int) -> None:
        user = n % len(self.tokens)
        body = {"provider": "anthropic", "api_key": ANTHROPIC_KEY}
        response = await self.client.post(
            "/api/v1/users/me/llm-credentials", json=body, headers=self.tokens[user]
        )
        if response.status_code != 409:  # a second anthropic key for one user is refused
            self.record(response)

    def record(self, response: httpx.Response) -> None:
        self.statuses[response.status_code] += 1
        if response.status_code >= 300:
            self.failures.append(f"{response.status_code} {response.text[:200]}")


@pytest.fixture
async def serving(postgres_url: str) -> AsyncIterator[tuple[Traffic, Container]]:
    # Before the rotation: users, keys and sessions under k1 alone.
    before = container_for(postgres_url, K1)
    try:
        for n in range(USERS):
            user = await before.register_user.execute(
                email=f"rot{n}@example.com", password=PASSWORD
            )
            await before.add_credential.execute(user.id, provider="openai", api_key=OPENAI_KEY)
    finally:
        await before.aclose()
    # The operator puts k2 first (the new primary) and restarts the service.
    container = container_for(postgres_url, f"{K2},{K1}")
    transport = asgi_transport(create_app(container=container))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", timeout=30
    ) as client:
        tokens, sessions = [], []
        for n in range(USERS):
            body = {"email": f"rot{n}@example.com", "password": PASSWORD}
            login = await client.post("/api/v1/auth/login", json=body)
            token = {"Authorization": f"Bearer {login.json()['access_token']}"}
            session = await client.post("/api/v1/agent-sessions", json={}, headers=token)
            tokens.append(token)
            sessions.append(session.json()["id"])
        yield Traffic(client, tokens, sessions, Counter(), []), container
    await container.aclose()


async def run_traffic_while(process: subprocess.Popen[str], traffic: Traffic) -> int:
    """Chat (and some new credentials) until the process ends; returns requests sent."""
    sent = 0

    async def worker(first: int) -> None:
        nonlocal sent
        n = first
        while process.poll() is None or n < first + 4 * CONCURRENCY:
            await (traffic.new_credential(n) if n % 10 == 0 else traffic.chat(n))
            sent += 1
            n += CONCURRENCY

    await asyncio.gather(*(worker(i) for i in range(CONCURRENCY)))
    return sent


async def status_of(url: str) -> str:
    process = byom(url, f"{K2},{K1}", "keys", "status")
    output, _ = await asyncio.to_thread(process.communicate, timeout=60)
    assert process.returncode == 0, output
    return output


async def test_rewrap_killed_half_way_then_rerun_under_traffic_fails_no_request(
    serving: tuple[Traffic, Container], postgres_url: str
) -> None:
    traffic, container = serving
    assert await container.keyring_census.execute() == {"k1": USERS}

    # First run, one data key per batch, killed as soon as it has done some.
    first = byom(postgres_url, f"{K2},{K1}", "keys", "rewrap", "--batch-size", "1")

    async def kill_after_some_batches() -> None:
        # The database says how far it got (the command prints progress every 2 s at most).
        while (await container.keyring_census.execute()).get("k2", 0) < 10:
            assert first.poll() is None, "the rewrap ended before it could be killed"
            await asyncio.sleep(0.005)
        first.send_signal(signal.SIGKILL)

    sent, _ = await asyncio.gather(run_traffic_while(first, traffic), kill_after_some_batches())
    await asyncio.to_thread(first.wait, 30)
    assert first.returncode == -signal.SIGKILL
    half_way = await container.keyring_census.execute()
    assert 10 <= half_way["k2"] < USERS, half_way
    assert half_way["k2"] + half_way["k1"] == USERS

    # Run again, to completion, under traffic.
    second = byom(postgres_url, f"{K2},{K1}", "keys", "rewrap", "--batch-size", "7")
    sent += await run_traffic_while(second, traffic)
    output, _ = await asyncio.to_thread(second.communicate, timeout=60)
    assert second.returncode == 0, output
    assert "0 not yet under k2" in output

    assert traffic.failures == [], traffic.failures[:5]
    assert sum(traffic.statuses.values()) > 2 * CONCURRENCY
    status = await status_of(postgres_url)
    assert "k1\t0 data keys" in status
    # One data key per user: credentials added during the rewrap were sealed with it.
    assert await container.keyring_census.execute() == {"k2": USERS}
    assert f"k2\t{USERS} data keys (primary)" in status
    metrics = (await traffic.client.get("/metrics")).text
    assert f'byom_data_keys{{master_key_id="k2",primary="true"}} {float(USERS)}' in metrics
    assert 'byom_data_keys{master_key_id="k1",primary="false"} 0.0' in metrics

    # k1 retired: every credential still opens, under k2 alone.
    retired = container_for(postgres_url, K2)
    try:
        opened: Counter[str] = Counter()
        async with retired.uow() as uow:
            for n in range(USERS):
                user = await uow.users.by_email(f"rot{n}@example.com")
                assert user is not None
                for credential in await uow.credentials.list_for_user(user.id):
                    opened[(await retired.sealer.open(uow, credential)).reveal()] += 1
        assert opened == {OPENAI_KEY: USERS, ANTHROPIC_KEY: traffic.statuses[201]}
    finally:
        await retired.aclose()
    assert sent > 0
