"""Which processes remember anything until the cross-process change feeds are wired."""

from __future__ import annotations

from dataclasses import replace

from adapters.changes import InProcessChangeFeed
from entrypoints.bootstrap.remembering import interim_change_feed
from entrypoints.settings import ServerSettings
from tests.support.builders import make_settings

PG = "postgresql+asyncpg://byom@db.example/byom"


def test_only_sqlite_with_one_worker_and_no_redis_gets_its_own_feed() -> None:
    alone = make_settings()
    assert isinstance(interim_change_feed(alone), InProcessChangeFeed)
    for shared in (
        make_settings(database_url=PG),
        make_settings(redis_url="redis://127.0.0.1:6379/0"),
        replace(alone, server=ServerSettings(workers=2)),
        replace(alone, server=ServerSettings(metrics_multiproc_dir="/tmp/metrics")),  # noqa: S108
    ):
        assert interim_change_feed(shared) is None
