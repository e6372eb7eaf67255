"""``python -m tests.support.standin`` (``make standin``), the stand-in the README starts: once it
accepts connections it prints one line saying where it listens and how to point BYOM at it."""

from __future__ import annotations

import httpx

from tests.support.live_server import standin_served


def test_the_standin_says_where_it_listens_once_it_accepts_connections() -> None:
    with standin_served() as standin:
        assert standin.ready_line == (
            f"OpenAI stand-in listening on {standin.base_url}; "
            f"point BYOM at it: BYOM_OPENAI_BASE_URL={standin.base_url}"
        )
        # Printed only once it accepts: the very next request is answered.
        models = httpx.get(
            f"{standin.base_url}/models", headers={"authorization": "Bearer sk-test"}
        )
        assert models.status_code == 200
        assert "gpt-4o-mini" in {m["id"] for m in models.json()["data"]}
