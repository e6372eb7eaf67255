"""What a session bounds: image bytes per message and per session, and the tool calls a
reply brings back (ids made unique and short, names clipped) before they are stored."""

from __future__ import annotations

import re
from uuid import UUID

import pytest

from application.sessions.send_message import MAX_MESSAGE_IMAGE_BYTES, MAX_SESSION_IMAGE_BYTES
from domain.agent_session import ToolResult
from domain.content import MAX_IMAGE_BYTES, ImagePart, TextPart
from domain.errors import InvalidMessage
from domain.provider import Provider
from domain.tools import Tool, ToolCall
from tests.support.builders import World
from tests.support.scenarios import add_key

BIG = ImagePart(media_type="image/png", data=bytes(MAX_IMAGE_BYTES))
PER_MESSAGE = MAX_MESSAGE_IMAGE_BYTES // MAX_IMAGE_BYTES
FRESH = re.compile(r"call_[0-9a-f]{32}")


async def _session(world: World, user_id: UUID) -> UUID:
    await add_key(world, user_id, "openai")
    return (await world.container.start_agent_session.execute(user_id)).id


async def test_a_message_holds_at_most_its_cap_of_image_bytes(world: World, user_id: UUID) -> None:
    session_id = await _session(world, user_id)
    send = world.container.send_message.execute

    with pytest.raises(InvalidMessage, match=f"at most {MAX_MESSAGE_IMAGE_BYTES} bytes together"):
        await send(user_id, session_id, [TextPart("look"), *[BIG] * (PER_MESSAGE + 1)])

    assert world.providers.get(Provider.OPENAI).requests == []
    await send(user_id, session_id, [TextPart("look"), *[BIG] * PER_MESSAGE])


async def test_the_turn_that_would_pass_the_sessions_image_cap_is_refused(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id)
    send = world.container.send_message.execute
    fake = world.providers.get(Provider.OPENAI)
    for _ in range(MAX_SESSION_IMAGE_BYTES // MAX_MESSAGE_IMAGE_BYTES):
        await send(user_id, session_id, [TextPart("look"), *[BIG] * PER_MESSAGE])
    stored = len(world.db.messages)

    small = ImagePart(media_type="image/png", data=b"\x89PNG")
    with pytest.raises(InvalidMessage, match=f"would pass {MAX_SESSION_IMAGE_BYTES} bytes"):
        await send(user_id, session_id, [TextPart("one more"), small])

    assert len(fake.requests) == 2
    assert len(world.db.messages) == stored
    # Text goes on.
    await send(user_id, session_id, "And without images?")


async def test_reply_calls_get_fresh_ids_when_missing_repeated_or_too_long(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id)
    fake = world.providers.get(Provider.OPENAI)
    send = world.container.send_message.execute
    tool = Tool("f", {"type": "object"})
    fake.tool_calls = (ToolCall("call_0", "f", "{}"),)
    await send(user_id, session_id, "first", tools=[tool])
    await send(user_id, session_id, tool_results=[ToolResult("call_0", "ok")], tools=[tool])
    # A server without ids, or one that counts from 0 again: call_0 is taken in the session.
    fake.tool_calls = (
        ToolCall("call_0", "f", "{}"),
        ToolCall("", "f", "{}"),
        ToolCall("x" * 201, "f", "{}"),
        ToolCall("call_9", "f", "{}"),
        ToolCall("call_9", "f", "{}"),
    )

    reply = await send(user_id, session_id, "again", tools=[tool])

    ids = [c.id for c in reply.message.tool_calls]
    assert [bool(FRESH.fullmatch(i)) for i in ids] == [True, True, True, False, True]
    assert ids[3] == "call_9"
    assert len(set(ids)) == 5
    # Every call can be answered: the conversation goes on.
    answered = await send(
        user_id, session_id, tool_results=[ToolResult(i, "ok") for i in ids], tools=[tool]
    )
    assert answered.message.content == "Hello from the fake model."


@pytest.mark.parametrize(("sent", "stored"), [("n" * 300, "n" * 64), ("", "unnamed_tool")])
async def test_a_call_name_no_tool_could_have_is_made_answerable_and_the_paid_reply_kept(
    world: World, user_id: UUID, sent: str, stored: str
) -> None:
    session_id = await _session(world, user_id)
    fake = world.providers.get(Provider.OPENAI)
    send = world.container.send_message.execute
    tool = Tool("f", {"type": "object"})
    fake.tool_calls = (ToolCall("call_1", sent, "{}"),)

    reply = await send(user_id, session_id, "go", tools=[tool])

    assert reply.message.tool_calls == (ToolCall("call_1", stored, "{}"),)
    assert reply.message.usage is not None
    assert len(world.db.usage) == 1
    answered = await send(
        user_id, session_id, tool_results=[ToolResult("call_1", "unknown tool")], tools=[tool]
    )
    [tool_turn] = [m for m in world.db.messages.values() if m.tool_call_id == "call_1"]
    assert tool_turn.tool_name == stored
    assert answered.message.content == "Hello from the fake model."
