"""Where a login may send the user back to: our own pages only, the whole string checked."""

from __future__ import annotations

import pytest

from entrypoints.web.session import HOME, safe_next


@pytest.mark.parametrize("target", ["/models", "/usage", "/models/01abc-def_2"])
def test_our_own_pages_are_kept(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        "/usage\n",  # issue 13, item 9: `$` also matches before a final newline
        "/models\n",
        "/models\r\n",
        "/models/x\n",
        "//evil.example/models",
        "https://evil.example/models",
        "/models?x=1",
        "",
        None,
    ],
)
def test_anything_else_goes_home(target: str | None) -> None:
    assert safe_next(target) == HOME
