"""What a request costs the database: the SQL statements and transactions it runs, counted
with SQLAlchemy's own events on every engine of the process (the app's included)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class Statements:
    sql: list[str] = field(default_factory=list)
    transactions: int = 0

    @property
    def kinds(self) -> list[str]:
        """Each statement's verb and table, ``INSERT llm_usage``, for a readable assertion."""
        return [_kind(s) for s in self.sql]


def _kind(sql: str) -> str:
    words = sql.split()
    verb = words[0].upper()
    after = {"SELECT": "FROM", "INSERT": "INTO", "UPDATE": "UPDATE", "DELETE": "FROM"}.get(verb)
    upper = [w.upper() for w in words]
    if after is None or after not in upper:
        return verb
    table = words[upper.index(after) + 1].strip('"')
    return f"{verb} {table}"


@contextmanager
def counted_statements() -> Iterator[Statements]:
    seen = Statements()

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        seen.sql.append(sql)

    def begun(conn: Any) -> None:
        seen.transactions += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "begin", begun)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
        event.remove(Engine, "begin", begun)
