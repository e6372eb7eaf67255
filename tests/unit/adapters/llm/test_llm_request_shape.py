"""What one provider request carries, as the transport receives it: the client's default
headers under ours, the call's timeouts, and no cookie (the request is built without the
client's ``build_request``)."""

from __future__ import annotations

import httpx
import msgspec

from adapters.llm._errors import ProviderErrorMapper
from adapters.llm._http import ProviderHttp
from adapters.llm._policy import COMPLETION
from adapters.llm.clients import CookielessClient
from adapters.llm.openai import read_openai_error
from domain.api_key import ApiKey

KEY = ApiKey("sk-shape-0123456789abcdef0123")


async def test_a_request_carries_the_client_defaults_its_headers_and_the_call_timeouts() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True}, headers={"set-cookie": "cf=1"})

    client = CookielessClient(
        transport=httpx.MockTransport(answer), headers={"user-agent": "byom-test"}
    )
    http = ProviderHttp(client, ProviderErrorMapper("openai", "OpenAI"), read_openai_error)
    for _ in range(2):
        got = await http.request_json(
            "POST",
            "http://upstream.test/v1/chat/completions",
            dict[str, bool],
            key=KEY,
            headers={"authorization": "Bearer x", "accept": "text/plain"},
            call=COMPLETION,
            body={"q": 1},
            params={"v": "2"},
        )
        assert got == {"ok": True}

    first, second = seen
    assert str(first.url) == "http://upstream.test/v1/chat/completions?v=2"
    assert first.headers["user-agent"] == "byom-test"
    assert first.headers["accept"] == "text/plain"  # the adapter's own header wins
    assert first.headers["accept-encoding"] == "identity"
    assert first.headers["content-type"] == "application/json"
    assert msgspec.json.decode(first.content) == {"q": 1}
    assert first.extensions["timeout"] == COMPLETION.timeout().as_dict()
    assert "cookie" not in second.headers
