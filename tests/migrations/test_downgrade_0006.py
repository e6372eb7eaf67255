"""0006 (token scopes, usage by token) down and up: tokens and usage rows stay, the new
columns go and come back empty."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sqlalchemy import text

from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from adapters.persistence.sqlalchemy.migrate import current, downgrade, upgrade
from tests.support.entities import at, committed_user, gateway_token, usage


async def test_downgrading_0006_keeps_tokens_and_usage_and_drops_only_the_new_columns(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    await upgrade(url)
    engine = build_engine(url)
    try:
        uow_factory = SqlAlchemyUnitOfWorkFactory(engine)
        owner = await committed_user(uow_factory)
        token = gateway_token(owner.id)
        token.allowed_models, token.rpm, token.monthly_usd = ("gpt-4o-mini",), 5, Decimal("3")
        call = replace(usage(owner.id), gateway_token_id=token.id, estimated=True)
        async with uow_factory() as uow:
            await uow.gateway_tokens.add(token)
            await uow.usage.add(call)
            await uow.commit()
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT gateway_token_id, tokens_estimated FROM llm_usage")
                )
            ).one()
        assert bool(row.tokens_estimated) is True
        assert row.gateway_token_id is not None

        await downgrade(url, "0005")
        assert await current(url) == "0005"
        async with engine.connect() as connection:
            usage_columns = (await connection.execute(text("SELECT * FROM llm_usage"))).keys()
            token_columns = (await connection.execute(text("SELECT * FROM gateway_tokens"))).keys()
        assert "gateway_token_id" not in usage_columns
        assert "tokens_estimated" not in usage_columns
        assert not {"expires_at", "allowed_models", "rpm", "tpm", "monthly_usd"} & set(
            token_columns
        )

        await upgrade(url)
        async with uow_factory() as uow:
            found = await uow.gateway_tokens.get(owner.id, token.id)
            totals = await uow.usage.totals(owner.id, since=at(-1))
        assert found is not None
        assert (found.allowed_models, found.rpm, found.monthly_usd) == (None, None, None)
        assert [t.calls for t in totals] == [1]
    finally:
        await engine.dispose()
