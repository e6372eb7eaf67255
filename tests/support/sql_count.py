"""What a piece of code asks of the database: the SQL statements it runs and the transactions it
opens, seen through the engine's events (``count_sql``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class SqlCount:
    """``transactions``: the statements of each transaction, in order (BEGIN, COMMIT and ROLLBACK
    not counted as statements: ``commits`` and ``rollbacks`` count how transactions ended)."""

    transactions: list[list[str]] = field(default_factory=list)
    commits: int = 0
    rollbacks: int = 0
    _open: bool = False

    @property
    def statements(self) -> list[str]:
        return [s for each in self.transactions for s in each]

    def shape(self) -> list[int]:
        """How many statements each transaction ran (SAVEPOINTs included)."""
        return [len(each) for each in self.transactions]

    def tables(self) -> list[list[str]]:
        """Per transaction, the first table each statement names: a readable summary."""
        return [[_verb_and_table(s) for s in each] for each in self.transactions]

    def _begin(self) -> None:
        self.transactions.append([])
        self._open = True

    def _statement(self, sql: str) -> None:
        if not self._open:
            self._begin()
        self.transactions[-1].append(" ".join(sql.split()))

    def _end(self, committed: bool) -> None:
        self._open = False
        if committed:
            self.commits += 1
        else:
            self.rollbacks += 1


@contextmanager
def count_sql(engine: AsyncEngine) -> Iterator[SqlCount]:
    """Statements and transactions on ``engine`` while the block runs (whatever task runs them)."""
    counted = SqlCount()
    sync = engine.sync_engine

    def before(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        # SQLite's BEGIN is sent by our own "begin" listener (engine.py); asyncpg's by the
        # driver, unseen. Either way it is the transaction, counted by the "begin" event.
        if sql != "BEGIN":
            counted._statement(sql)

    def begin(_conn: Any) -> None:
        counted._begin()

    def commit(_conn: Any) -> None:
        counted._end(True)

    def rollback(_conn: Any) -> None:
        counted._end(False)

    listeners: list[tuple[str, Callable[..., Any]]] = [
        ("before_cursor_execute", before),
        ("begin", begin),
        ("commit", commit),
        ("rollback", rollback),
    ]
    for name, listener in listeners:
        event.listen(sync, name, listener)
    try:
        yield counted
    finally:
        for name, listener in listeners:
            event.remove(sync, name, listener)


def _verb_and_table(sql: str) -> str:
    """``SELECT agent_sessions``: the verb, and the table after its own FROM, INTO or UPDATE
    (not a subquery's)."""
    verb = sql.split(None, 1)[0].upper() if sql.strip() else ""
    marker = {"SELECT": "FROM", "INSERT": "INTO", "UPDATE": "UPDATE", "DELETE": "FROM"}.get(verb)
    if marker is None:
        return verb
    depth, words = 0, []
    for token in sql.replace("(", " ( ").replace(")", " ) ").replace(",", " ").split():
        depth += {"(": 1, ")": -1}.get(token, 0)
        if depth == 0 and token not in "()":
            words.append(token)
    upper = [w.upper() for w in words]
    at = upper.index(marker) if marker in upper else -1
    table = words[at + 1] if 0 <= at < len(words) - 1 else "?"
    return f"{verb} {table.strip(chr(34))}"
