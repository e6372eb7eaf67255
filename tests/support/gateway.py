"""The official ``openai`` SDK pointed at the app's gateway, over the real adapters and
stand-in upstreams."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import httpx2
import openai

from domain.provider import Provider
from tests.support.chat_api import ChatApi


@dataclass
class Gateway:
    api: ChatApi
    http: httpx.AsyncClient
    # The SDK's own HTTP client type (the openai package moved to httpx2), on the same app.
    sdk_http: httpx2.AsyncClient

    async def token(self, me: dict[str, str], name: str = "laptop") -> dict[str, Any]:
        created = await self.api.client.post(
            "/api/v1/users/me/gateway-tokens", json={"name": name}, headers=me
        )
        assert created.status_code == 201, created.text
        result: dict[str, Any] = created.json()
        return result

    def sdk(self, token: str) -> openai.AsyncOpenAI:
        # max_retries=0: the SDK would otherwise retry 429s and 5xx on its own.
        return openai.AsyncOpenAI(
            api_key=token, base_url="http://byom.test/v1", http_client=self.sdk_http, max_retries=0
        )

    async def user_with_key(self, email: str, *providers: Provider) -> openai.AsyncOpenAI:
        me = await self.api.user(email)
        for provider in providers:
            await self.api.add_key(me, provider)
        return self.sdk((await self.token(me))["token"])
