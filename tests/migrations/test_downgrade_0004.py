"""0004 adds the ``truncated`` mark of a reply: replies stored before it read back as not
truncated, and a downgrade keeps a truncated reply's text."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import text

from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from adapters.persistence.sqlalchemy.migrate import downgrade, upgrade
from domain.llm import Role
from tests.support.entities import at, committed_user, message, session


async def test_a_truncated_reply_keeps_its_text_across_a_downgrade(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    await upgrade(url)
    engine = build_engine(url)
    try:
        uow_factory = SqlAlchemyUnitOfWorkFactory(engine)
        owner = await committed_user(uow_factory)
        item = session(owner.id)
        cut = replace(message(item.id, Role.ASSISTANT, created_at=at(1)), truncated=True)
        async with uow_factory() as uow:
            await uow.sessions.add(item)
            await uow.sessions.add_message(owner.id, cut)
            await uow.commit()

        await downgrade(url, "0003")
        async with engine.connect() as connection:
            contents = (await connection.execute(text("SELECT content FROM agent_messages"))).all()
        await upgrade(url)
        async with uow_factory() as uow:
            stored = await uow.sessions.messages(owner.id, item.id)
    finally:
        await engine.dispose()
    assert [row[0] for row in contents] == [cut.content]
    assert [(m.content, m.truncated) for m in stored] == [(cut.content, False)]
