"""The HTML pages through Litestar's test client, on the in-memory world with fake providers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.support.builders import World, keyed_providers, memory_world
from tests.support.constants import EMAIL, PASSWORD

_CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


@dataclass
class Site:
    """A cookie-keeping client on the pages, and the world behind them."""

    client: AsyncTestClient[Litestar]
    world: World

    async def csrf_token(self, path: str = "/login") -> str:
        """The token a real form carries: read from the page's hidden input."""
        response = await self.client.get(path)
        found = _CSRF_INPUT.search(response.text)
        assert found is not None, response.text
        return found.group(1)

    async def post(
        self, path: str, data: dict[str, str], *, csrf: bool = True, **kwargs: Any
    ) -> httpx.Response:
        form = dict(data)
        if csrf:
            form["_csrf_token"] = await self.csrf_token()
        kwargs.setdefault("follow_redirects", False)
        return await self.client.post(path, data=form, **kwargs)

    async def sign_up(self, email: str = EMAIL) -> UUID:
        response = await self.post("/signup", {"email": email, "password": PASSWORD})
        assert response.status_code == 303, response.text
        return await self.user_id(email)

    async def user_id(self, email: str = EMAIL) -> UUID:
        async with self.world.container.uow() as uow:
            user = await uow.users.by_email(email)
        assert user is not None
        return user.id

    async def add_key(self, provider: str, key: str, **extra: str) -> httpx.Response:
        response = await self.post("/models", {"provider": provider, "api_key": key, **extra})
        assert response.status_code == 303, response.text
        return response


async def open_site(settings: Settings | None = None) -> AsyncIterator[Site]:
    world = memory_world(settings, providers=keyed_providers())
    app = create_app(container=world.container)
    async with AsyncTestClient(app) as client:
        yield Site(client, world)
