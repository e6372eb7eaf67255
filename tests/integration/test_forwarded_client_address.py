"""Behind a reverse proxy (issue 17): ``byom serve`` believes X-Forwarded-For only from the
proxies named in BYOM_FORWARDED_ALLOW_IPS. Unset, every client behind the proxy shared the
proxy's address: an attacker's failed logins locked the owner out, and the audit trail recorded
the proxy. A real server, as uvicorn's middleware is set up by ``byom serve``; the requests come
from 127.0.0.1, standing for the proxy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.constants import OPENAI_KEY, PASSWORD
from tests.support.endless_upstream import EndlessUpstream
from tests.support.live_server import LiveServer, served, server_env

OWNER = "owner@example.com"
ATTACKER = "203.0.113.66"
OWNER_AT = "198.51.100.7"
LOGIN = "/api/v1/auth/login"


@pytest.fixture
def upstream() -> Iterator[EndlessUpstream]:
    with EndlessUpstream() as server:
        yield server


@contextmanager
def _serve(tmp_path: Path, upstream: EndlessUpstream, **settings: str) -> Iterator[LiveServer]:
    env = server_env(
        tmp_path,
        BYOM_LOGIN_RATE_PER_MINUTE="1000",  # the per-account-and-address throttle is the subject
        BYOM_OPENAI_BASE_URL=upstream.base_url,
        BYOM_ALLOW_PRIVATE_BASE_URLS="true",
        **settings,
    )
    with served(env, log_path=tmp_path / "serve.log") as server:
        yield server


def _login(client: httpx.Client, forwarded_for: str, password: str) -> httpx.Response:
    return client.post(
        LOGIN,
        json={"email": OWNER, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
    )


def _attack_then_owner(server: LiveServer) -> tuple[list[int], httpx.Response]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        signup = client.post("/api/v1/auth/signup", json={"email": OWNER, "password": PASSWORD})
        assert signup.status_code == 201, signup.text
        wrong = [_login(client, ATTACKER, "wrong-" + PASSWORD).status_code for _ in range(6)]
        return wrong, _login(client, OWNER_AT, PASSWORD)


@pytest.mark.parametrize("trusted", [None, "10.9.9.9,192.0.2.0/24"], ids=["unset", "another-proxy"])
def test_an_untrusted_peer_s_forwarded_for_is_ignored(
    tmp_path: Path, upstream: EndlessUpstream, trusted: str | None
) -> None:
    settings = {} if trusted is None else {"BYOM_FORWARDED_ALLOW_IPS": trusted}
    with _serve(tmp_path, upstream, **settings) as server:
        wrong, owner = _attack_then_owner(server)
    # One bucket for both headers: a spoofed header does not move the attacker elsewhere,
    # and (as before) everyone behind one untrusted peer shares its address.
    assert wrong == [401] * 5 + [429]
    assert owner.status_code == 429


def test_a_trusted_proxy_s_forwarded_for_is_the_client(
    tmp_path: Path, upstream: EndlessUpstream
) -> None:
    with _serve(tmp_path, upstream, BYOM_FORWARDED_ALLOW_IPS="127.0.0.1") as server:
        wrong, owner = _attack_then_owner(server)
        assert wrong == [401] * 5 + [429], "the attacker's forwarded address is slowed down"
        assert owner.status_code == 200, "the owner, at another forwarded address, is not"
        me = {"Authorization": f"Bearer {owner.json()['access_token']}"}
        with httpx.Client(base_url=server.url, headers=me, timeout=30) as client:
            added = client.post(
                "/api/v1/users/me/llm-credentials",
                json={"provider": "openai", "api_key": OPENAI_KEY},
                headers={"X-Forwarded-For": f"{ATTACKER}, {OWNER_AT}"},  # the proxy appended
            )
            assert added.status_code == 201, added.text
            events = client.get("/api/v1/users/me/credential-events").json()["events"]
    assert {e["client_address"] for e in events} == {OWNER_AT}
