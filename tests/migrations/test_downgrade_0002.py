"""What a downgrade of 0002 keeps and loses, with rows in the tables: tool-call turns and tool
results are deleted (an older BYOM would replay them as plain text, wrongly paired); an image
message keeps its text, its images are gone; plain turns and the sessions stay."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import text

from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from adapters.persistence.sqlalchemy.migrate import current, downgrade, upgrade
from domain.content import ImagePart, TextPart
from domain.llm import Role
from domain.tools import ToolCall
from tests.support.entities import at, committed_user, message, session


async def test_downgrading_0002_keeps_text_turns_and_drops_tool_turns_and_images(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    # Written by today's store, so at head; the downgrade passes through 0002.
    await upgrade(url)
    engine = build_engine(url)
    try:
        uow_factory = SqlAlchemyUnitOfWorkFactory(engine)
        owner = await committed_user(uow_factory)
        item = replace(session(owner.id), system_prompts={"anthropic": "Think."})
        image = replace(
            message(item.id, Role.USER, created_at=at(1)),
            content="Is this  a cat?",
            parts=(
                TextPart("Is this "),
                ImagePart(media_type="image/png", data=b"\x89PNG"),
                TextPart(" a cat?"),
            ),
        )
        plain_reply = replace(message(item.id, Role.ASSISTANT, created_at=at(2)), content="Yes.")
        asked = replace(message(item.id, Role.USER, created_at=at(3)), content="Price AAPL")
        call = replace(
            message(item.id, Role.ASSISTANT, created_at=at(4)),
            content="Let me look.",
            tool_calls=(ToolCall("call_1", "get_price", '{"symbol": "AAPL"}'),),
        )
        result = replace(
            message(item.id, Role.TOOL, created_at=at(5)),
            content="190",
            tool_call_id="call_1",
            tool_name="get_price",
        )
        answer = replace(message(item.id, Role.ASSISTANT, created_at=at(6)), content="190 USD.")
        async with uow_factory() as uow:
            await uow.sessions.add(item)
            for each in (image, plain_reply, asked, call, result, answer):
                await uow.sessions.add_message(owner.id, each)
            await uow.commit()

        await downgrade(url, "0001")

        assert await current(url) == "0001"
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT role, content FROM agent_messages ORDER BY created_at")
            )
            left = [tuple(row) for row in rows]
            sessions = (await connection.execute(text("SELECT id FROM agent_sessions"))).all()
    finally:
        await engine.dispose()
    # The image message keeps its text; the tool-call turn (its text too) and the tool result
    # are gone; the plain turns around them stay.
    assert left == [
        ("user", "Is this  a cat?"),
        ("assistant", "Yes."),
        ("user", "Price AAPL"),
        ("assistant", "190 USD."),
    ]
    assert len(sessions) == 1
    # And up again: the kept rows read back as text-only turns.
    await upgrade(url)
    engine = build_engine(url)
    try:
        async with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
            stored = await uow.sessions.messages(owner.id, item.id)
            found = await uow.sessions.get(owner.id, item.id)
    finally:
        await engine.dispose()
    assert [(m.content, m.parts, m.tool_calls) for m in stored] == [
        ("Is this  a cat?", (), ()),
        ("Yes.", (), ()),
        ("Price AAPL", (), ()),
        ("190 USD.", (), ()),
    ]
    assert found is not None
    assert dict(found.system_prompts) == {}
