"""The README's commands run as typed in a fresh shell (after ``make install``): no ``uv run``
(uv lives in ~/.local/bin, often not on PATH), every ``make`` target it names exists, and the
limits it states are the code's."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from entrypoints.http.gateway.completions import GATEWAY_BODY_LIMIT
from tests.support.live_server import REPO
from tests.support.readme import README

DOCS = [README, *sorted((REPO / "docs").glob("*.md"))]


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_no_command_needs_uv_on_the_path(doc: Path) -> None:
    lines = [n for n, line in enumerate(doc.read_text().splitlines(), 1) if "uv run" in line]
    assert lines == [], f"{doc.name} lines {lines}: use a make target or .venv/bin/..."


def test_every_make_target_the_readme_names_exists() -> None:
    # In code: `make x` inline, or a line of a block starting with it (prose says "make it").
    found = re.findall(r"(?:`|^)make ([a-z][a-z-]*)", README.read_text(), re.MULTILINE)
    targets = set(found)
    assert {"run", "test", "standin", "screenshot"} <= targets
    for target in sorted(targets):
        dry = subprocess.run(  # noqa: S603 (make, our Makefile)
            ["/usr/bin/make", "-n", target], cwd=REPO, capture_output=True, text=True
        )
        assert dry.returncode == 0, f"make {target}: {dry.stderr}"


def test_the_gateway_body_limit_is_the_one_the_readme_states() -> None:
    assert GATEWAY_BODY_LIMIT == 4 * 1024 * 1024
    assert "The whole request body is at most 4 MiB (`GATEWAY_BODY_LIMIT`" in README.read_text()
