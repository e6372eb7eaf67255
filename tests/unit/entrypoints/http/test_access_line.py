"""The access line: method, path, status and duration, written once the answer has left (the
hook that makes it runs before the response's head is sent)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from entrypoints.http.middleware import REQUEST_ID_HEADER, finish_response


async def test_the_line_is_written_after_the_hook_returns_with_the_head_marked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "POST",
        "path": "/v1/chat/completions",
        "query_string": b"secret=1",
        "headers": [(b"x-request-id", b"req-7")],
    }
    start: dict[str, Any] = {"type": "http.response.start", "status": 200, "headers": []}
    with caplog.at_level(logging.INFO, logger="byom.access"):
        await finish_response(start, scope)  # type: ignore[arg-type]
        assert caplog.records == []  # not on the answer's way out
        await asyncio.sleep(0)

    (record,) = caplog.records
    assert record.getMessage().startswith("POST /v1/chat/completions 200 ")
    assert "secret" not in record.getMessage()
    assert getattr(record, "request_id", None) == "req-7"
    headers = dict(start["headers"])
    assert headers[REQUEST_ID_HEADER.encode()] == b"req-7"
    assert headers[b"cache-control"] == b"no-store"
