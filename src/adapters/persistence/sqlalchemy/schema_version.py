"""Which migration the code was written for, and which one the database is at, without Alembic.

Readiness needs both (an instance whose database is not at head is not ready), and importing
Alembic for that would put Alembic and Mako in every worker. The head is read from the
migration files' own ``revision`` and ``down_revision`` lines, parsed, not imported; the
database's revision is the row of ``alembic_version``. ``tests/migrations`` checks both against
what Alembic itself says.
"""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import URL

from adapters.persistence.sqlalchemy.engine import build_engine

VERSION_TABLE = "alembic_version"


def migrations_dir() -> Path:
    """``migrations/`` beside ``src/``, found from this file (editable install) or the cwd."""
    here = Path(__file__).resolve()
    for candidate in (*(p / "migrations" for p in here.parents), Path.cwd() / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("cannot find the migrations/ directory (with env.py) beside src/")


def head_revision(directory: Path | None = None) -> str | None:
    """The one revision no other revises (of ``directory``, by default ``migrations/``); None
    when there are no migrations."""
    revises: dict[str, tuple[str, ...]] = {}
    for path in sorted(((directory or migrations_dir()) / "versions").glob("*.py")):
        found = _revision_of(path.read_text(encoding="utf-8"))
        if found is not None:
            revises[found[0]] = found[1]
    revised = {parent for parents in revises.values() for parent in parents}
    heads = sorted(set(revises) - revised)
    if len(heads) > 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {', '.join(heads)}")
    return heads[0] if heads else None


def _revision_of(source: str) -> tuple[str, tuple[str, ...]] | None:
    """A migration's ``revision`` and the revisions it follows (``down_revision``: none, one
    or, for a merge, several); None for a file that declares no revision."""
    values: dict[str, object] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in {"revision", "down_revision"}:
            values[target.id] = ast.literal_eval(value)
    revision = values.get("revision")
    if not isinstance(revision, str):
        return None
    down = values.get("down_revision")
    parents = [down] if isinstance(down, str) else down if isinstance(down, tuple | list) else []
    return revision, tuple(str(p) for p in parents)


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None before the first migration (no version table)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise RuntimeError(f"the database is at {len(rows)} revisions: {', '.join(rows)}")
    return rows[0] if rows else None


async def at_head(url: str | URL) -> bool:
    """Whether the database at ``url`` is at the head already: `byom serve` then migrates
    without importing Alembic at all (a database not at head is migrated under a lock, which
    settles a race with another instance)."""
    engine = build_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(current_revision) == head_revision()
    finally:
        await engine.dispose()
