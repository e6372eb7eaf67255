"""The official openai SDK as an agent on one provider: a user with that provider's key, a
gateway token, and the provider's stand-in set to call the ``quote`` tool."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import openai
import pytest

from domain.provider import Provider
from tests.support.gateway import Gateway
from tests.support.tool_exchange import ARGUMENTS, CALL_IDS
from tests.support.upstreams import MODELS, Upstream
from tests.support.wire import openai as openai_wire

PARAMETERS = {
    "type": "object",
    "properties": {"pair": {"type": "string"}},
    "required": ["pair"],
    "additionalProperties": False,
}
QUOTE: Any = {
    "type": "function",
    "function": {
        "name": "quote",
        "description": "Latest price of a currency pair",
        "parameters": PARAMETERS,
        "strict": True,
    },
}
PROVIDERS = pytest.mark.parametrize(
    "provider",
    [Provider.OPENAI, Provider.ANTHROPIC, Provider.GOOGLE],
    ids=["openai", "anthropic", "gemini"],
)


@dataclass
class Caller:
    client: openai.AsyncOpenAI
    me: dict[str, str]
    upstream: Upstream
    model: str

    async def usage_calls(self, gateway: Gateway) -> list[tuple[str, str, int]]:
        found = await gateway.api.client.get("/api/v1/users/me/usage", headers=self.me)
        assert found.status_code == 200, found.text
        return [(t["provider"], t["model"], t["calls"]) for t in found.json()["totals"]]


async def make_caller(gateway: Gateway, provider: Provider, email: str) -> Caller:
    me = await gateway.api.user(email)
    await gateway.api.add_key(me, provider)
    client = gateway.sdk((await gateway.token(me))["token"])
    upstream = gateway.api.upstreams[provider]
    call_id = CALL_IDS[provider] or "ignored"  # Gemini's wire has no id to give
    upstream.tool_calls = [openai_wire.tool_call(call_id, "quote", ARGUMENTS)]
    return Caller(client, me, upstream, MODELS[provider])
