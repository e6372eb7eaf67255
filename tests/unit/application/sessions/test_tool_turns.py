"""Tools, tool results, images and structured output in a session: what reaches the provider,
what is stored, what is refused before any provider call."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.agent_session import ToolResult
from domain.content import MAX_IMAGES_PER_MESSAGE, ImagePart, TextPart, image_from_url
from domain.errors import InvalidMessage
from domain.llm import ChatMessage, Role, Usage
from domain.provider import Provider
from domain.tools import OutputFormat, OutputKind, Tool, ToolCall, ToolChoice, ToolChoiceMode
from tests.support.builders import World
from tests.support.scenarios import add_key

PRICE = Tool(
    "get_price",
    {"type": "object", "properties": {"symbol": {"type": "string"}}, "required": ["symbol"]},
    "The last traded price of a symbol",
)
CALLS = (
    ToolCall("call_1", "get_price", '{"symbol": "AAPL"}'),
    ToolCall("call_2", "get_price", '{"symbol": "MSFT"}'),
)
PNG = "data:image/png;base64,iVBORw0KGgo="


async def _session(world: World, user_id: UUID, provider: str = "openai", **more: object) -> UUID:
    await add_key(world, user_id, provider)
    session = await world.container.start_agent_session.execute(user_id, **more)  # type: ignore[arg-type]
    return session.id


async def test_a_tool_round_trip_stores_the_calls_and_replays_them_with_their_results(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id)
    fake = world.providers.get(Provider.OPENAI)
    fake.tool_calls = CALLS
    send = world.container.send_message.execute
    choice = ToolChoice(ToolChoiceMode.REQUIRED, "get_price")

    asked = await send(
        user_id, session_id, "Price AAPL and MSFT", tools=[PRICE], tool_choice=choice
    )

    assert (asked.message.content, asked.message.tool_calls) == ("", CALLS)
    assert fake.requests[0].tools == (PRICE,)
    assert fake.requests[0].tool_choice == choice
    answered = await send(
        user_id,
        session_id,
        tool_results=[ToolResult("call_1", '{"price": 190}'), ToolResult("call_2", "410")],
        tools=[PRICE],
    )

    assert answered.message.content == "Hello from the fake model."
    assert fake.requests[1].messages == (
        ChatMessage(Role.USER, "Price AAPL and MSFT"),
        ChatMessage(Role.ASSISTANT, "", tool_calls=CALLS),
        ChatMessage(Role.TOOL, '{"price": 190}', tool_call_id="call_1", name="get_price"),
        ChatMessage(Role.TOOL, "410", tool_call_id="call_2", name="get_price"),
    )
    stored = sorted(world.db.messages.values(), key=lambda m: m.id)
    assert [(m.role, m.tool_call_id) for m in stored] == [
        (Role.USER, None),
        (Role.ASSISTANT, None),
        (Role.TOOL, "call_1"),
        (Role.TOOL, "call_2"),
        (Role.ASSISTANT, None),
    ]
    # Usage and cost for the tool-call turn too.
    assert asked.message.usage == Usage(12, 5)
    assert asked.message.cost_usd is not None
    assert len(world.db.usage) == 2


async def test_a_streamed_tool_call_is_assembled_and_stored(world: World, user_id: UUID) -> None:
    session_id = await _session(world, user_id, "anthropic")
    world.providers.get(Provider.ANTHROPIC).tool_calls = CALLS

    async with world.container.send_message.stream(
        user_id, session_id, "Price them", tools=[PRICE]
    ) as reply:
        texts = [text async for text in reply]

    assert texts == []
    assert reply.result is not None
    assert reply.result.message.tool_calls == CALLS
    assert not reply.result.message.incomplete
    assert len(world.db.usage) == 1


async def test_a_streamed_tool_result_turn_continues_the_conversation(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id)
    fake = world.providers.get(Provider.OPENAI)
    fake.tool_calls = CALLS[:1]
    await world.container.send_message.execute(user_id, session_id, "AAPL?", tools=[PRICE])

    async with world.container.send_message.stream(
        user_id, session_id, tool_results=[ToolResult("call_1", "190")]
    ) as reply:
        text = "".join([t async for t in reply])

    assert text == "Hello from the fake model."
    assert fake.requests[1].messages[-1] == ChatMessage(
        Role.TOOL, "190", tool_call_id="call_1", name="get_price"
    )


@pytest.mark.parametrize(
    ("results", "content", "error"),
    [
        ([ToolResult("call_9", "x")], "", "answers no call"),
        ([ToolResult("call_1", "x")], "", "not answered"),
        ([], "Something else", "not answered"),
        ([ToolResult("call_1", "x")], "and text", "not both"),
    ],
    ids=["unknown-call", "one-of-two-answered", "user-message-before-answers", "both"],
)
async def test_malformed_exchanges_are_refused_before_any_provider_call(
    world: World, user_id: UUID, results: list[ToolResult], content: str, error: str
) -> None:
    session_id = await _session(world, user_id)
    fake = world.providers.get(Provider.OPENAI)
    fake.tool_calls = CALLS
    await world.container.send_message.execute(user_id, session_id, "Price", tools=[PRICE])

    with pytest.raises(InvalidMessage, match=error):
        await world.container.send_message.execute(
            user_id, session_id, content, tool_results=results
        )

    assert len(fake.requests) == 1
    assert len(world.db.messages) == 2


async def test_tool_results_without_any_call_are_refused(world: World, user_id: UUID) -> None:
    session_id = await _session(world, user_id)

    with pytest.raises(InvalidMessage, match="answers no call"):
        await world.container.send_message.execute(
            user_id, session_id, tool_results=[ToolResult("call_1", "x")]
        )

    assert world.providers.get(Provider.OPENAI).requests == []


async def test_images_are_stored_and_replayed_in_their_place_among_the_text(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id, "google")
    fake = world.providers.get(Provider.GOOGLE)
    inline = image_from_url(PNG)
    remote = ImagePart(url="https://example.com/chart.png", detail="high")
    send = world.container.send_message.execute
    parts = (TextPart("Is this "), inline, TextPart(" the same as "), remote, TextPart("?"))

    await send(user_id, session_id, list(parts))
    await send(user_id, session_id, "And now?")

    first = ChatMessage(Role.USER, parts)
    assert fake.requests[0].messages == (first,)
    assert fake.requests[1].messages[0] == first
    [stored] = [m for m in world.db.messages.values() if m.images]
    assert stored.parts == parts
    assert stored.images == (inline, remote)
    assert stored.content == "Is this  the same as ?"


async def test_too_many_images_are_refused(world: World, user_id: UUID) -> None:
    session_id = await _session(world, user_id)
    images = [image_from_url(PNG)] * (MAX_IMAGES_PER_MESSAGE + 1)

    with pytest.raises(InvalidMessage, match="images per message"):
        await world.container.send_message.execute(user_id, session_id, images)

    assert world.providers.get(Provider.OPENAI).requests == []


async def test_a_bad_tool_schema_is_refused(world: World, user_id: UUID) -> None:
    session_id = await _session(world, user_id)
    bad = Tool("get_price", {"type": "string"})

    with pytest.raises(InvalidMessage, match="must describe an object"):
        await world.container.send_message.execute(user_id, session_id, "hi", tools=[bad])

    assert world.providers.get(Provider.OPENAI).requests == []


async def test_the_output_format_reaches_the_provider(world: World, user_id: UUID) -> None:
    session_id = await _session(world, user_id)
    output = OutputFormat(
        OutputKind.JSON_SCHEMA, {"type": "object", "properties": {"x": {"type": "number"}}}, "pt"
    )

    await world.container.send_message.execute(user_id, session_id, "A point", output=output)

    assert world.providers.get(Provider.OPENAI).requests[0].output == output


async def test_the_system_prompt_for_the_sessions_provider_is_used(
    world: World, user_id: UUID
) -> None:
    prompts = {"anthropic": "Think step by step.", Provider.OPENAI: "Be terse."}
    on_anthropic = await _session(
        world, user_id, "anthropic", system_prompt="Fallback.", system_prompts=prompts
    )
    await world.container.send_message.execute(user_id, on_anthropic, "hi")
    await add_key(world, user_id, "google")
    on_google = await world.container.start_agent_session.execute(
        user_id, provider="google", system_prompt="Fallback.", system_prompts=prompts
    )
    await world.container.send_message.execute(user_id, on_google.id, "hi")

    assert world.providers.get(Provider.ANTHROPIC).requests[0].system == "Think step by step."
    assert world.providers.get(Provider.GOOGLE).requests[0].system == "Fallback."
    assert on_google.system_prompts == {"anthropic": "Think step by step.", "openai": "Be terse."}


async def test_system_prompts_for_an_unknown_provider_are_refused(
    world: World, user_id: UUID
) -> None:
    with pytest.raises(InvalidMessage, match="'acme' is not a provider"):
        await world.container.start_agent_session.execute(user_id, system_prompts={"acme": "hello"})
