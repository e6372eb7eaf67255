"""``byom serve --workers 2``: /metrics adds up every worker's counters (multiprocess mode)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.integration.test_metrics import parse, value
from tests.support.live_server import served, server_env

BATCH = 50
WAIT_FOR_BOTH_S = 120


@pytest.mark.slow
def test_every_scrape_counts_the_requests_of_all_workers(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    # Left over from an earlier run: unreadable, so /metrics would fail if it were not wiped.
    (metrics_dir / "counter_1.db").write_bytes(b"stale")
    env = server_env(tmp_path)

    with (
        served(env, workers=2, log_path=tmp_path / "serve.log") as server,
        httpx.Client(timeout=10) as client,
        ThreadPoolExecutor(16) as pool,
    ):

        def live(_: int) -> int:
            # A client per request: every request is a new connection, which either worker may
            # accept. (One client shared by 16 threads without keep-alive has had a connection
            # closed under another thread's read: EBADF in httpcore, a failure of the test.)
            return httpx.get(f"{server.url}/health/live", timeout=10).status_code

        sent = 0
        deadline = time.monotonic() + WAIT_FOR_BOTH_S
        # Until both workers have served some (the second one may still be starting).
        while len(writers(metrics_dir)) < 2 and time.monotonic() < deadline:
            assert set(pool.map(live, range(BATCH))) == {200}
            sent += BATCH
        scrapes = [client.get(f"{server.url}/metrics") for _ in range(6)]

    assert len(writers(metrics_dir)) == 2, "both workers served requests"
    for scrape in scrapes:
        assert scrape.status_code == 200, server.log()
        labels = {"app_name": "byom", "method": "GET", "path": "/health/live"}
        counted = value(parse(scrape.text), "byom_requests_total", status_code="200", **labels)
        assert counted == sent
    assert not (metrics_dir / "counter_1.db").exists()


def writers(metrics_dir: Path) -> set[str]:
    """Pids of the processes that wrote request histograms (file names end in _<pid>.db)."""
    return {p.stem.rsplit("_", 1)[1] for p in metrics_dir.glob("histogram_*.db")}
