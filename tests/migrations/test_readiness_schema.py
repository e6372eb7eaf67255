"""An instance whose database is not at its migration head is not ready (readiness 503) until
it is: started before its migrations ran, or while another instance runs them."""

from __future__ import annotations

import pytest

from adapters.persistence.errors import SchemaNotCurrent
from adapters.persistence.sqlalchemy import build_engine
from adapters.persistence.sqlalchemy.health import SqlAlchemyHealthProbe
from adapters.persistence.sqlalchemy.migrate import downgrade, head_revision, upgrade


async def test_the_probe_fails_until_the_schema_is_at_head(empty_database_url: str) -> None:
    engine = build_engine(empty_database_url)
    try:
        probe = SqlAlchemyHealthProbe(engine, head=head_revision)
        with pytest.raises(SchemaNotCurrent):
            await probe.check()
        await upgrade(empty_database_url, "0001")
        with pytest.raises(SchemaNotCurrent):
            await probe.check()
        await upgrade(empty_database_url)
        await probe.check()
        # Once seen at head, not read again: a running instance never goes back.
        await downgrade(empty_database_url, "0001")
        await probe.check()
    finally:
        await engine.dispose()
