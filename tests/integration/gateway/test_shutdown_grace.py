"""A worker told to stop ends a gateway stream that outlives the grace period the way OpenAI
ends a failed one: a ``data: {"error": …}`` line (503 ``service_unavailable``), no
``[DONE]``, so the SDK raises; what arrived is recorded as usage, estimated, never as nothing.
(Sessions: tests/integration/sessions/test_shutdown_grace.py; the real signal:
tests/integration/test_instances.py.)"""

from __future__ import annotations

import openai
import pytest

from domain.provider import Provider
from entrypoints.http.draining import Draining
from tests.support.gateway import Gateway


async def test_a_stream_outliving_the_grace_ends_with_openais_error_line(
    gateway: Gateway,
) -> None:
    client = await gateway.user_with_key("stopping@example.com", Provider.OPENAI)
    gateway.api.upstreams[Provider.OPENAI].stall_after = 2  # two pieces, then quiet for ever
    draining = Draining(0.3)
    gateway.api.client.app.state.draining = draining
    draining.begin()

    stream = await client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    received: list[str] = []

    async def read() -> None:
        async for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")

    with pytest.raises(openai.APIError) as caught:
        await read()

    assert "".join(received) == "Carry is"
    assert "restarting" in caught.value.message
    assert gateway.api.db is not None
    [row] = gateway.api.db.usage.values()
    assert (row.output_tokens, row.estimated) == (2, True)


async def test_a_stream_ending_within_the_grace_ends_as_usual(gateway: Gateway) -> None:
    client = await gateway.user_with_key("finishing@example.com", Provider.OPENAI)
    draining = Draining(30)
    gateway.api.client.app.state.draining = draining
    draining.begin()

    stream = await client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    pieces = [chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices]

    assert "".join(pieces).startswith("Carry is")
