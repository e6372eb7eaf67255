"""The pages through Litestar's test client, on the in-memory world with fake providers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.site import Site, open_site


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async for opened in open_site():
        yield opened


@pytest.fixture
async def signed_in(site: Site) -> Site:
    await site.sign_up()
    return site
