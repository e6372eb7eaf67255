"""a value asyncpg cannot encode is one row's fault, not the database being down.

A batch failing with StoreUnavailable is not written again row by row (``written_alone``), so
misreading a client-side encoding error as "unavailable" fails every user's row of the batch."""

from __future__ import annotations

from asyncpg.exceptions import _base

from adapters.persistence.errors import DatabaseError, StoreUnavailable
from adapters.persistence.sqlalchemy._asyncpg_errors import translate_asyncpg
from adapters.persistence.usage_journal import written_alone


def test_an_argument_asyncpg_cannot_encode_is_not_the_store_being_down() -> None:
    error = _base.DataError("invalid input for query argument $3: ['\\ud800'] (secret value)")
    translated = translate_asyncpg(error)
    assert not isinstance(translated, StoreUnavailable)
    assert isinstance(translated, DatabaseError)
    assert "secret" not in str(translated)
    assert written_alone(translated)
