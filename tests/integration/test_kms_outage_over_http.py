"""Issue 17, item 3: the service on AWS KMS (moto's server mode behind a switchable proxy). In
an outage, a request that needs a new unwrap is a 503 ``key-service-unavailable`` problem,
cached data keys keep serving, and the next request after it succeeds, with no restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.crypto.kms_key_ref import kms_master_key_id
from adapters.persistence.memory import MemoryDatabase
from entrypoints.bootstrap import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.support.builders import keyed_providers, make_settings, memory_world
from tests.support.constants import OPENAI_KEY, PASSWORD
from tests.support.fakes import FakeClock
from tests.support.kms_standin import KmsStandin, kms_only

pytestmark = pytest.mark.usefixtures("aws_credentials")

CACHE_TTL_S = 300
CREDENTIALS = "/api/v1/users/me/llm-credentials"


@dataclass
class KmsApi:
    client: AsyncTestClient[Litestar]
    clock: FakeClock
    container: Container

    async def user_with_a_key(self, email: str) -> tuple[dict[str, str], str]:
        """Their auth headers, and the route that opens their key (revalidation)."""
        signup = {"email": email, "password": PASSWORD}
        assert (await self.client.post("/api/v1/auth/signup", json=signup)).status_code == 201
        login = await self.client.post("/api/v1/auth/login", json=signup)
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        added = await self.client.post(
            CREDENTIALS, json={"provider": "openai", "api_key": OPENAI_KEY}, headers=headers
        )
        assert added.status_code == 201, added.text
        return headers, f"{CREDENTIALS}/{added.json()['id']}/validate"

    async def open_key(self, user: tuple[dict[str, str], str]) -> int:
        headers, route = user
        return (await self.client.post(route, headers=headers)).status_code


@pytest.fixture
async def api(kms_standin: KmsStandin) -> AsyncIterator[KmsApi]:
    settings = kms_only(make_settings(), kms_standin)
    assert settings.key_wrapper.kms_cache_ttl_s == CACHE_TTL_S
    db, clock = MemoryDatabase(), FakeClock()

    def build_container(s: Settings) -> Container:
        return memory_world(s, db=db, providers=keyed_providers(), clock=clock).container

    app = create_app(settings, build_container=build_container)
    async with AsyncTestClient(app) as client:
        yield KmsApi(client, clock, app.state.container)


async def test_an_outage_fails_new_unwraps_with_a_503_and_cached_keys_keep_serving(
    api: KmsApi, kms_standin: KmsStandin
) -> None:
    warm = await api.user_with_a_key("warm@example.com")
    cold = await api.user_with_a_key("cold@example.com")
    api.clock.advance(CACHE_TTL_S)  # every cached data key has expired
    assert await api.open_key(warm) == 200  # cached again

    with kms_standin.outage():
        assert await api.open_key(warm) == 200
        refused = await api.client.post(cold[1], headers=cold[0])
        added = await api.client.post(
            "/api/v1/auth/signup", json={"email": "new@example.com", "password": PASSWORD}
        )

    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "/problems/key-service-unavailable"
    assert OPENAI_KEY not in refused.text
    assert "arn:" not in refused.text
    assert added.status_code == 201, "signing up needs no data key"

    assert await api.open_key(cold) == 200, "no restart: the next call reaches KMS again"


async def test_readiness_proves_the_kms_key_and_reports_an_unreachable_kms(
    api: KmsApi, kms_standin: KmsStandin
) -> None:
    ready = await api.client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["keyring"] == "1 keys loaded"

    with kms_standin.outage():
        assert (await api.client.get("/health/ready")).status_code == 200, "canary cached"
        api.clock.advance(CACHE_TTL_S)
        down = await api.client.get("/health/ready")
    assert down.status_code == 503
    assert down.json()["keyring"] == "key service unreachable"

    assert (await api.client.get("/health/ready")).status_code == 200


async def test_the_gateway_answers_a_kms_outage_in_openais_shape(
    api: KmsApi, kms_standin: KmsStandin
) -> None:
    headers, _ = await api.user_with_a_key("gw@example.com")
    token = await api.client.post(
        "/api/v1/users/me/gateway-tokens", json={"name": "t"}, headers=headers
    )
    assert token.status_code == 201, token.text
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    api.clock.advance(CACHE_TTL_S)

    with kms_standin.outage():
        response = await api.client.post(
            "/v1/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
            headers=bearer,
        )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "key_service_unavailable"
    assert kms_master_key_id(kms_standin.key_arn) not in response.text


async def test_a_data_key_moved_to_another_user_is_refused_by_kms_without_a_secret(
    api: KmsApi,
) -> None:
    """The encryption context names the owner: Alice's wrapped data key copied onto Bob's row
    (a database-level attack) does not open for Bob. The same 503 as the local keyring's."""
    await api.user_with_a_key("alice@example.com")
    bob = await api.user_with_a_key("bob@example.com")
    async with api.container.uow() as uow:
        alice_user = await uow.users.by_email("alice@example.com")
        bob_user = await uow.users.by_email("bob@example.com")
        assert alice_user is not None
        assert bob_user is not None
        alice_key = await uow.data_keys.live_for_user(alice_user.id)
        bob_key = await uow.data_keys.live_for_user(bob_user.id)
        assert alice_key is not None
        assert bob_key is not None
        bob_key.rewrap(alice_key.wrapped)
        await uow.data_keys.save(bob_key)
        await uow.commit()

    refused = await api.client.post(bob[1], headers=bob[0])

    assert refused.status_code == 503
    assert refused.json()["type"] == "/problems/key-unavailable"
    assert OPENAI_KEY not in refused.text
