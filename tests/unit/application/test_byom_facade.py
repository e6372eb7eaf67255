"""The in-process facade other modules use: the same rules as the HTTP API, typed."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from adapters.persistence.memory import MemoryKeyCanaryStore
from application.byom import Byom
from domain.agent_session import ToolResult
from domain.content import TextPart, image_from_url
from domain.credential_event import CredentialEventKind
from domain.errors import CredentialRejected, NoLlmConfigured, SessionNotFound
from domain.llm import ChatMessage, Role, Usage
from domain.provider import Provider
from domain.resolution import ResolutionReason
from domain.tools import OutputFormat, OutputKind, Tool, ToolCall, ToolChoice, ToolChoiceMode
from entrypoints.bootstrap import Database, build_byom
from tests.support.builders import World
from tests.support.fakes import FakeCatalog
from tests.support.scenarios import add_key, new_user, system_default_world


def _byom_on(world: World) -> Byom:
    closed: list[bool] = []

    async def close() -> None:
        closed.append(True)

    return build_byom(
        world.container.settings,
        database=Database(
            world.db.unit_of_work, world.health, close, MemoryKeyCanaryStore(world.db.key_canaries)
        ),
        providers=world.providers,
        catalog=FakeCatalog(),
        clock=world.clock,
    )


async def test_resolve_start_chat_stream_and_usage_through_the_facade(world: World) -> None:
    user_id = await new_user(world)
    credential = await add_key(world, user_id, "openai")

    async with _byom_on(world) as byom:
        choice = await byom.resolve_llm(user_id)
        assert (choice.provider.value, choice.model, choice.credential_id, choice.reason) == (
            "openai",
            "model-a",
            credential,
            ResolutionReason.USER_DEFAULT,
        )

        session = await byom.start_session(user_id, title="FX desk", system_prompt="Be brief.")
        reply = await byom.chat(user_id, session.id, "EUR/USD?")
        assert (reply.message.content, reply.message.usage, reply.message.cost_usd) == (
            "Hello from the fake model.",
            Usage(12, 5),
            Decimal("0.00008"),
        )

        async with byom.stream(user_id, session.id, "And tomorrow?") as stream:
            pieces = [text async for text in stream]
        assert "".join(pieces) == "Hello from the fake model."
        assert stream.result is not None
        assert not stream.result.message.incomplete

        found = await byom.session(user_id, session.id)
        assert [m.content for m in found.messages] == [
            "EUR/USD?",
            "Hello from the fake model.",
            "And tomorrow?",
            "Hello from the fake model.",
        ]
        assert [s.id for s in await byom.sessions(user_id)] == [session.id]
        usage = await byom.usage(user_id)
        assert usage.cost_usd == Decimal("0.00016")
        assert [(s.source.value, s.calls) for s in usage.by_source] == [("session", 2)]
        before = await byom.usage(user_id, until=world.clock.now() - timedelta(seconds=1))
        assert before.totals == []


async def test_the_facade_explains_the_system_default_and_refuses_other_users() -> None:
    world = system_default_world(model="model-a")
    user_id = await new_user(world)
    stranger = await new_user(world, "stranger@example.com")
    byom = _byom_on(world)

    choice = await byom.resolve_llm(user_id)
    assert (choice.provider.value, choice.credential_id, choice.reason) == (
        "anthropic",
        None,
        ResolutionReason.SYSTEM_DEFAULT,
    )
    with pytest.raises(NoLlmConfigured):
        await byom.resolve_llm(user_id, provider="openai")

    session = await byom.start_session(user_id)
    with pytest.raises(SessionNotFound):
        await byom.chat(stranger, session.id, "hi")
    await byom.aclose()


async def test_tools_images_output_and_per_provider_prompts_through_the_facade(
    world: World,
) -> None:
    user_id = await new_user(world)
    await add_key(world, user_id, "anthropic")
    fake = world.providers.get(Provider.ANTHROPIC)
    price = Tool("get_price", {"type": "object", "properties": {"symbol": {"type": "string"}}})
    chart = image_from_url("data:image/png;base64,iVBORw0KGgo=")
    calls = (ToolCall("call_1", "get_price", '{"symbol": "AAPL"}'),)

    async with _byom_on(world) as byom:
        session = await byom.start_session(
            user_id,
            system_prompt="Fallback.",
            system_prompts={Provider.ANTHROPIC: "Use the tools."},
        )
        fake.tool_calls = calls
        asked = await byom.chat(
            user_id,
            session.id,
            [TextPart("Price the stock in this chart"), chart],
            tools=[price],
            tool_choice=ToolChoice(ToolChoiceMode.AUTO),
        )
        assert asked.message.tool_calls == calls

        async with byom.stream(
            user_id,
            session.id,
            tool_results=[ToolResult("call_1", '{"price": 190}')],
            output=OutputFormat(OutputKind.JSON_OBJECT),
        ) as stream:
            text = "".join([piece async for piece in stream])
        # Asked for a JSON object, the scripted model answers one (tests/support/scripted_model).
        assert json.loads(text) == {"reply": "Hello from the fake model."}

        fake.tool_calls = (ToolCall("call_2", "get_price", "{}"),)
        async with byom.stream(user_id, session.id, "Again", tools=[price]) as again:
            assert [piece async for piece in again] == []
        assert again.result is not None
        assert again.result.message.tool_calls == (ToolCall("call_2", "get_price", "{}"),)

    first, second, third = fake.requests
    assert first.system == "Use the tools."
    assert first.messages == (
        ChatMessage(Role.USER, (TextPart("Price the stock in this chart"), chart)),
    )
    assert second.messages[1:] == (
        ChatMessage(Role.ASSISTANT, "", tool_calls=calls),
        ChatMessage(Role.TOOL, '{"price": 190}', tool_call_id="call_1", name="get_price"),
    )
    assert second.output == OutputFormat(OutputKind.JSON_OBJECT)
    assert third.tools == (price,)
    usage = await _byom_on(world).usage(user_id)
    assert usage.cost_usd is not None
    assert len(world.db.usage) == 3


async def test_the_facade_records_events_too_without_a_request_id_or_address(
    world: World,
) -> None:
    user_id = await new_user(world)
    credential = await add_key(world, user_id, "openai")
    # The facade is a container of its own, with its own id generator: events of one instant
    # from two generators are in no set order (ids only order those of one generator).
    world.clock.advance(1)
    async with _byom_on(world) as byom:
        session = await byom.start_session(user_id)
        world.providers.get(Provider.OPENAI).valid_keys.clear()
        with pytest.raises(CredentialRejected):
            await byom.chat(user_id, session.id, "hello")
        await world.container.update_credential.execute(
            user_id, credential, expires_at=world.clock.now() + timedelta(seconds=1)
        )
        world.clock.advance(2)
        with pytest.raises(NoLlmConfigured, match="expired"):
            await byom.resolve_llm(user_id)

    page = await world.container.list_credential_events.execute(user_id)
    newest = page.events[:2]
    assert [e.kind for e in newest] == [
        CredentialEventKind.EXPIRED,
        CredentialEventKind.REJECTED_BY_PROVIDER,
    ]
    assert {(e.request_id, e.client_address) for e in newest} == {(None, None)}
