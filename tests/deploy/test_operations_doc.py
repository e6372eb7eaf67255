"""docs/operations.md's alerts name metrics that ``GET /metrics`` serves, and its commands name
entrypoint modes and files that exist."""

from __future__ import annotations

import re

from litestar.testing import AsyncTestClient

from entrypoints.http.app import create_app
from tests.support.builders import memory_world
from tests.support.dockerfile import ROOT

DOC = (ROOT / "docs" / "operations.md").read_text()
HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")


async def served_metric_names() -> set[str]:
    async with AsyncTestClient(create_app(container=memory_world().container)) as client:
        await client.get("/health/live")  # request metrics exist once a request was counted
        scrape = (await client.get("/metrics")).text
    names = set(re.findall(r"^# TYPE (\w+) \w+$", scrape, re.M))
    names |= set(re.findall(r"^(\w+)(?:\{| )", scrape, re.M))
    types = dict(re.findall(r"^# TYPE (\w+) (\w+)$", scrape, re.M))
    names |= {f"{n}{s}" for n, t in types.items() if t == "histogram" for s in HISTOGRAM_SERIES}
    return names


async def test_every_metric_the_alerts_name_is_served() -> None:
    alerts = DOC.split("## Alerts worth setting", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"\bbyom_[a-z_]+\b", alerts))
    assert len(named) >= 10, "the alerts table"
    assert named <= await served_metric_names()


def test_every_file_the_page_names_exists() -> None:
    named = re.findall(r"`((?:deploy|docs|tests)/[\w./-]+|Dockerfile|\.dockerignore)`", DOC)
    assert "deploy/.env" in named, "the operator's own secrets file: named, never committed"
    for path in set(named) - {"deploy/.env"}:
        assert (ROOT / path).exists(), path
