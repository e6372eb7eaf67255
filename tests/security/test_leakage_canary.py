"""A recognisable key goes through every credential route and error path and is never seen
again outside its ciphertext: not in responses, headers, logs (DEBUG everywhere) or the
database in clear (docs/security-tests.md, G1, G2, G5, G6, G7, G8, A15)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from tests.support.builders import make_settings
from tests.support.wire import openai as wire

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from adapters.llm import OpenAiProvider, RetryPolicy, StaticProviderRegistry, TomlModelCatalog
from adapters.persistence.sqlalchemy import build_engine
from domain.provider import Provider
from entrypoints.bootstrap import Container, build, sql_database
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

CANARY = f"sk-canary-{uuid.uuid4().hex}"
ROTATED = f"sk-canary-{uuid.uuid4().hex}"
BASE = "/api/v1/users/me/llm-credentials"


def _fragments(key: str) -> list[str]:
    return [key, key[10:], key[-8:], key[3:20]]


def openai_standin(request: httpx.Request) -> httpx.Response:
    """OpenAI's real habit: a 401 that echoes the (partly masked) key back."""
    key = request.headers["authorization"].removeprefix("Bearer ")
    if key != CANARY:
        return httpx.Response(401, json=wire.invalid_key(key))
    if request.url.path.endswith("/models"):
        return httpx.Response(200, json=wire.models(("gpt-4o-mini", "openai")))
    return httpx.Response(500, json=wire.server_error(f"boom {key}"))


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def client(sqlite_url: str) -> AsyncIterator[tuple[AsyncTestClient[Any], str]]:
    settings = make_settings(database_url=sqlite_url)
    upstream = httpx.AsyncClient(transport=httpx.MockTransport(openai_standin))
    openai = OpenAiProvider(
        upstream, "https://api.openai.test/v1", retry=RetryPolicy(sleep=_no_sleep)
    )

    def build_container(s: Settings) -> Container:
        return build(
            s,
            database=sql_database(s),
            providers=StaticProviderRegistry({Provider.OPENAI: openai}),
            catalog=TomlModelCatalog.from_package(),
            hasher=Argon2PasswordHasher.fast_for_tests(),
        )

    async with AsyncTestClient(create_app(settings, build_container=build_container)) as c:
        yield c, sqlite_url
    await upstream.aclose()


def _everything_debug() -> None:
    logging.getLogger().setLevel(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        logging.getLogger(name).setLevel(logging.DEBUG)


@pytest.fixture(autouse=True)
def _levels_restored() -> Iterator[None]:
    """Puts back what ``_everything_debug`` changed: later tests (the CLI's, which assert what a
    command prints) must not see every logger of the process at DEBUG."""
    loggers = logging.root.manager.loggerDict
    before = {name: lg.level for name, lg in loggers.items() if isinstance(lg, logging.Logger)}
    root = logging.getLogger().level
    yield
    for name in list(loggers):
        logging.getLogger(name).setLevel(before.get(name, logging.NOTSET))
    logging.getLogger().setLevel(root)


async def test_the_canary_never_leaves_its_ciphertext(
    client: tuple[AsyncTestClient[Any], str], caplog: pytest.LogCaptureFixture
) -> None:
    c, url = client
    _everything_debug()
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    async def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await c.request(method, path, **kwargs)
        seen.append(response.text)
        seen.extend(f"{k}: {v}" for k, v in response.headers.items())
        assert response.status_code < 500, response.text
        return response

    creds = {"email": "canary@example.com", "password": "correct horse battery staple"}
    await call("POST", "/api/v1/auth/signup", json=creds)
    token = (await call("POST", "/api/v1/auth/login", json=creds)).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}

    created = await call("POST", BASE, headers=auth, json={"provider": "openai", "api_key": CANARY})
    assert created.status_code == 201
    cid = created.json()["id"]
    await call("GET", BASE, headers=auth)
    await call("GET", f"{BASE}/{cid}", headers=auth)
    await call(
        "POST", f"{BASE}/validate", headers=auth, json={"provider": "openai", "api_key": CANARY}
    )
    await call("POST", f"{BASE}/{cid}/validate", headers=auth)
    rejected = await call("PATCH", f"{BASE}/{cid}", headers=auth, json={"api_key": ROTATED})
    assert rejected.status_code == 422, "the stand-in refuses the rotated key and echoes it"
    assert "Incorrect API key provided" in rejected.json()["detail"]
    wrong = await call(
        "POST", f"{BASE}/validate", headers=auth, json={"provider": "openai", "api_key": ROTATED}
    )
    assert wrong.json()["valid"] is False
    # Error paths that carry the key in the request.
    await call("POST", BASE, headers=auth, json={"provider": "openai", "api_key": CANARY})  # 409
    await call("POST", BASE, headers=auth, json={"provider": "skynet", "api_key": CANARY})
    await call(
        "POST", BASE, headers=auth, json={"provider": "openai", "api_key": CANARY, "user_id": 1}
    )
    await call("POST", BASE, headers=auth, json={"provider": "google", "api_key": CANARY})
    await call("POST", BASE, headers=auth, json={"provider": 5, "api_key": CANARY})
    await call(
        "POST",
        BASE,
        headers={**auth, "content-type": "application/json"},
        content=f'{{"api_key": "{CANARY}"'.encode(),
    )
    await call("POST", BASE, json={"provider": "openai", "api_key": CANARY})  # no token
    await call("DELETE", f"{BASE}/{cid}", headers=auth)
    await call("GET", f"{BASE}?include_inactive=true", headers=auth)

    logged = [r.getMessage() for r in caplog.records] + [str(r.__dict__) for r in caplog.records]
    for key in (CANARY, ROTATED):
        for fragment in _fragments(key):
            assert not [s for s in seen if fragment in s], f"{fragment!r} in a response"
            assert not [m for m in logged if fragment in m], f"{fragment!r} in a log record"

    engine = build_engine(url)
    try:
        async with engine.connect() as connection:
            tables = (
                (
                    await connection.execute(
                        text("SELECT name FROM sqlite_master WHERE type='table'")
                    )
                )
                .scalars()
                .all()
            )
            for table in tables:
                for row in await connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                    for value in row:
                        blob = value if isinstance(value, bytes) else str(value).encode()
                        for key in (CANARY, ROTATED):
                            assert key.encode() not in blob, f"canary in {table}"
                            assert key[-8:].encode() not in blob, f"canary tail in {table}"
    finally:
        await engine.dispose()


def test_reprs_of_secrets_show_nothing() -> None:
    from domain.api_key import ApiKey

    key = ApiKey(CANARY)
    settings = make_settings()
    for text_ in (
        repr(key),
        str(key),
        f"{key}",
        repr(settings),
        repr(settings.auth),
        repr(settings.crypto),
    ):
        assert CANARY not in text_
        assert settings.auth.jwt_secret not in text_
        assert (settings.crypto.keys or "") not in text_ or not settings.crypto.keys
