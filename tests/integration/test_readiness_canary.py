"""Issue 13, item 8: readiness proves the primary master key unwraps what it wrapped (a stored
canary), not only that its id is known."""

from __future__ import annotations

import os
from dataclasses import replace

from litestar.testing import AsyncTestClient

from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.support.builders import key_line, make_settings, sql_world


def _with_keys(settings: Settings, keys: str) -> Settings:
    return replace(settings, crypto=replace(settings.crypto, keys=keys))


async def _ready(settings: Settings) -> tuple[int, dict[str, str]]:
    app = create_app(settings, build_container=lambda s: sql_world(s).container)
    async with AsyncTestClient(app) as client:
        response = await client.get("/health/ready")
    return response.status_code, response.json()


async def test_a_primary_key_with_the_right_id_and_the_wrong_bytes_is_not_ready(
    db_url: str,
) -> None:
    settings = make_settings(database_url=db_url)
    right = _with_keys(settings, key_line("k1", os.urandom(32)))
    assert (await _ready(right))[0] == 200  # the first check stores k1's canary

    status, body = await _ready(_with_keys(settings, key_line("k1", os.urandom(32))))
    assert status == 503
    assert body["keyring"] == "primary key k1 cannot unwrap its canary"

    assert (await _ready(right))[0] == 200


async def test_a_new_primary_gets_a_canary_of_its_own(db_url: str) -> None:
    settings = make_settings(database_url=db_url)
    old = key_line("k1", os.urandom(32))
    assert (await _ready(_with_keys(settings, old)))[0] == 200
    rotated = _with_keys(settings, f"{key_line('k2', os.urandom(32))},{old}")
    assert (await _ready(rotated))[0] == 200
    assert (await _ready(rotated))[0] == 200
